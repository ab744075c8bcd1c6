import { describe, expect, it } from 'vitest';

import { ClockSync, KEPT_SAMPLES, scoreSample } from './clock';

/** An exchange with a server `offset` ahead, `up`/`down` ms each way, `serve` ms inside. */
function exchange(t0: number, offset: number, up: number, down: number, serve = 1) {
  const t1 = t0 + up + offset;
  const t2 = t1 + serve;
  const t3 = t2 - offset + down;
  return { t0, t1, t2, t3 };
}

describe('scoreSample', () => {
  it('recovers the offset and round trip of a symmetric exchange', () => {
    const s = scoreSample(exchange(1000, 5000, 20, 20));
    expect(s).toEqual({ offset: 5000, delay: 40 });
  });

  it('errs by half the asymmetry on an asymmetric path', () => {
    const s = scoreSample(exchange(1000, -300, 10, 90));
    expect(s?.delay).toBe(100);
    expect(s?.offset).toBe(-300 - 40);
  });

  it('rejects an exchange whose pong arrives before its ping left', () => {
    expect(scoreSample({ t0: 100, t1: 50, t2: 51, t3: 90 })).toBeNull();
    expect(scoreSample({ t0: 100, t1: 500, t2: 400, t3: 200 })).toBeNull();
    expect(scoreSample({ t0: NaN, t1: 1, t2: 2, t3: 3 })).toBeNull();
  });
});

describe('ClockSync', () => {
  it('has no estimate before a sample and uses the local clock', () => {
    const clock = new ClockSync();
    expect(clock.estimate()).toBeNull();
    expect(clock.serverTime(1234)).toBe(1234);
  });

  it('keeps the offset of the fastest exchange among the recent ones', () => {
    const clock = new ClockSync();
    clock.add(exchange(0, 1000, 150, 10)); // slow and skewed
    clock.add(exchange(500, 1000, 8, 8)); // fast and true
    clock.add(exchange(900, 1000, 10, 200)); // slow and skewed the other way
    const e = clock.estimate();
    expect(e?.offsetMs).toBe(1000);
    expect(e?.rttMs).toBe(16);
    expect(e?.samples).toBe(3);
    expect(clock.serverTime(10_000)).toBe(11_000);
  });

  it('forgets samples older than the window, so a changed path is followed', () => {
    const clock = new ClockSync();
    clock.add(exchange(0, 0, 1, 1)); // very fast, old offset
    for (let i = 1; i <= KEPT_SAMPLES; i++) clock.add(exchange(i * 1000, 700, 30, 30));
    expect(clock.estimate()?.offsetMs).toBe(700);
    expect(clock.estimate()?.samples).toBe(KEPT_SAMPLES);
  });

  it('ignores impossible samples and starts over on reset', () => {
    const clock = new ClockSync();
    expect(clock.add({ t0: 10, t1: 0, t2: 0, t3: 5 })).toBe(false);
    expect(clock.estimate()).toBeNull();
    clock.add(exchange(0, 42, 5, 5));
    clock.reset();
    expect(clock.estimate()).toBeNull();
  });
});
