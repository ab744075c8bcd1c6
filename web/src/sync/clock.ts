// Clock offset between this browser and the server, from time pings.
//
// Pure: samples go in, an estimate comes out; nothing here reads a clock.
// Each ping/pong gives one NTP-style sample (t0 sent, t1 received by the
// server, t2 answered by the server, t3 received here). The estimate is the
// offset of the sample with the smallest round trip among the last few:
// queuing delays only ever add to a round trip, so the fastest exchange is
// the one least skewed by an asymmetric path.

/** One ping/pong exchange, all in milliseconds. */
export interface TimeSample {
  /** Local clock when the ping left. */
  t0: number;
  /** Server clock when the ping arrived. */
  t1: number;
  /** Server clock when the pong left. */
  t2: number;
  /** Local clock when the pong arrived. */
  t3: number;
}

export interface ClockEstimate {
  /** Server time ≈ local time + offset. */
  offsetMs: number;
  /** Round trip of the sample the offset comes from. */
  rttMs: number;
  /** How many samples the estimate is drawn from. */
  samples: number;
}

interface Scored {
  offset: number;
  delay: number;
}

/** How many recent samples are kept. */
export const KEPT_SAMPLES = 8;

/** Offset and round trip of one exchange; `null` for an impossible one. */
export function scoreSample(s: TimeSample): Scored | null {
  const values = [s.t0, s.t1, s.t2, s.t3];
  if (values.some((v) => !Number.isFinite(v))) return null;
  const delay = s.t3 - s.t0 - (s.t2 - s.t1);
  // A negative delay or a pong before its ping: a broken sample.
  if (delay < 0 || s.t3 < s.t0 || s.t2 < s.t1) return null;
  const offset = (s.t1 - s.t0 + (s.t2 - s.t3)) / 2;
  return { offset, delay };
}

export class ClockSync {
  private samples: Scored[] = [];

  /** Adds one exchange; returns false when it was rejected as impossible. */
  add(sample: TimeSample): boolean {
    const scored = scoreSample(sample);
    if (!scored) return false;
    this.samples.push(scored);
    if (this.samples.length > KEPT_SAMPLES) this.samples.shift();
    return true;
  }

  /** Forgets every sample (after a reconnect the path may differ). */
  reset(): void {
    this.samples = [];
  }

  /** The best estimate so far, or `null` before the first sample. */
  estimate(): ClockEstimate | null {
    let best: Scored | null = null;
    for (const s of this.samples) {
      if (!best || s.delay < best.delay) best = s;
    }
    if (!best) return null;
    return { offsetMs: best.offset, rttMs: best.delay, samples: this.samples.length };
  }

  /** Server time for a local time, with the current estimate (0 before any). */
  serverTime(localMs: number): number {
    return localMs + (this.estimate()?.offsetMs ?? 0);
  }
}
