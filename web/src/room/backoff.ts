// When to try again after the realtime connection dropped.

/** Close reasons (code 4000) after which reconnecting cannot help. */
export const FINAL_REASONS = new Set(['kicked', 'banned', 'room_closed', 'join_refused']);

/** Delay before attempt `attempt` (0-based): 0.5 s doubling to 10 s, with ±20 % jitter from `random`. */
export function reconnectDelay(attempt: number, random: number): number {
  const base = Math.min(10_000, 500 * 2 ** Math.min(attempt, 10));
  const jitter = 1 + (Math.max(0, Math.min(1, random)) - 0.5) * 0.4;
  return Math.round(base * jitter);
}

/** Whether a close with this code and reason should be followed by a reconnect. */
export function shouldReconnect(code: number, reason: string): boolean {
  if (code === 4000 && FINAL_REASONS.has(reason)) return false;
  return true;
}
