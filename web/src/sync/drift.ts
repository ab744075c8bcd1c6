// What a player should do to follow the room clock.
//
// Pure: the room's playback clock, the estimated server time and the
// player's own position go in; a decision (keep going, nudge the rate, seek)
// comes out. The thresholds and why they are what they are: docs/web.md.

/** The room's playback clock, as the server sends it. */
export interface Playback {
  item_id: number | null;
  playing: boolean;
  position_ms: number;
  at_ms: number;
  rate_milli: number;
}

/** Below this the player is in sync: play at the room's rate. */
export const IN_SYNC_MS = 40;
/** A nudge that started goes on until the drift is below this (hysteresis). */
export const SETTLED_MS = 10;
/** Above this, a rate change would take too long: seek. */
export const SEEK_MS = 1000;
/** A nudge changes the rate by at most this fraction (browsers keep the pitch). */
export const MAX_NUDGE = 0.1;
/** The rate changes by drift / this: a drift melts with a time constant of 2 s. */
export const NUDGE_SCALE_MS = 2000;
/** A live player further than this behind the edge jumps to it. */
export const LIVE_JUMP_MS = 6000;
/** A live player further than this behind the edge catches up faster. */
export const LIVE_CATCH_UP_MS = 2500;
/** Where a live player aims to stay behind the edge. */
export const LIVE_TARGET_MS = 1000;

/** The room clock's position at server time `serverNow`. */
export function targetPosition(
  clock: Playback,
  serverNow: number,
  durationMs: number | null,
): number {
  let position = clock.position_ms;
  if (clock.playing) {
    position += ((serverNow - clock.at_ms) * clock.rate_milli) / 1000;
  }
  position = Math.max(0, position);
  if (durationMs !== null && durationMs > 0) position = Math.min(position, durationMs);
  return position;
}

export type Decision =
  | { kind: 'steady'; rate: number }
  | { kind: 'nudge'; rate: number }
  | { kind: 'seek'; toMs: number };

export interface DriftInput {
  /** Player position now (ms). */
  currentMs: number;
  /** Where the room clock says it should be (ms). */
  targetMs: number;
  playing: boolean;
  /** The room's rate, 1 = normal. */
  baseRate: number;
  /** Whether the previous decision was a nudge (hysteresis). */
  nudging: boolean;
  /** How long a seek has taken lately while playing (ms). */
  seekLeadMs: number;
}

/** Drift in ms: positive when the player is ahead of the room. */
export function driftOf(input: { currentMs: number; targetMs: number }): number {
  return input.currentMs - input.targetMs;
}

/** The correction for one measurement. */
export function decide(input: DriftInput): Decision {
  const drift = driftOf(input);
  const size = Math.abs(drift);
  if (!input.playing) {
    // Paused: jumping is silent, so any visible drift is fixed at once.
    if (size > IN_SYNC_MS) return { kind: 'seek', toMs: input.targetMs };
    return { kind: 'steady', rate: input.baseRate };
  }
  if (size > SEEK_MS) {
    // The room moves on while the seek runs: aim where it will be.
    return { kind: 'seek', toMs: input.targetMs + input.seekLeadMs * input.baseRate };
  }
  const threshold = input.nudging ? SETTLED_MS : IN_SYNC_MS;
  if (size <= threshold) return { kind: 'steady', rate: input.baseRate };
  const change = Math.max(-MAX_NUDGE, Math.min(MAX_NUDGE, drift / NUDGE_SCALE_MS));
  return { kind: 'nudge', rate: input.baseRate * (1 - change) };
}

/** Following a live stream: stay near the end of what is buffered. */
export function decideLive(input: { currentMs: number; bufferedEndMs: number }): Decision {
  const behind = input.bufferedEndMs - input.currentMs;
  if (behind > LIVE_JUMP_MS) return { kind: 'seek', toMs: input.bufferedEndMs - LIVE_TARGET_MS };
  if (behind > LIVE_CATCH_UP_MS) return { kind: 'nudge', rate: 1.1 };
  return { kind: 'steady', rate: 1 };
}

/** Smooths the measured seek time (exponential average, bounded). */
export function nextSeekLead(previousMs: number, measuredMs: number): number {
  const measured = Math.max(0, Math.min(2000, measuredMs));
  return previousMs * 0.7 + measured * 0.3;
}
