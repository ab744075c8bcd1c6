import { describe, expect, it } from 'vitest';

import {
  IN_SYNC_MS,
  MAX_NUDGE,
  SEEK_MS,
  SETTLED_MS,
  decide,
  decideLive,
  nextSeekLead,
  targetPosition,
  type Playback,
} from './drift';

const clock = (over: Partial<Playback> = {}): Playback => ({
  item_id: 1,
  playing: true,
  position_ms: 10_000,
  at_ms: 1_000_000,
  rate_milli: 1000,
  ...over,
});

const base = { playing: true, baseRate: 1, nudging: false, seekLeadMs: 0 };

describe('targetPosition', () => {
  it('advances with server time at the room rate while playing', () => {
    expect(targetPosition(clock(), 1_002_000, null)).toBe(12_000);
    expect(targetPosition(clock({ rate_milli: 1500 }), 1_002_000, null)).toBe(13_000);
  });

  it('stands still while paused', () => {
    expect(targetPosition(clock({ playing: false }), 1_500_000, null)).toBe(10_000);
  });

  it('is capped at the duration and never negative', () => {
    expect(targetPosition(clock(), 2_000_000, 60_000)).toBe(60_000);
    expect(targetPosition(clock({ position_ms: 0 }), 990_000, null)).toBe(0);
  });
});

describe('decide', () => {
  it('keeps the base rate inside the in-sync band', () => {
    const d = decide({ ...base, currentMs: 10_030, targetMs: 10_000, baseRate: 1.5 });
    expect(d).toEqual({ kind: 'steady', rate: 1.5 });
  });

  it('slows a player that is ahead and speeds one that is behind, proportionally', () => {
    const ahead = decide({ ...base, currentMs: 10_100, targetMs: 10_000 });
    const behind = decide({ ...base, currentMs: 9_900, targetMs: 10_000 });
    expect(ahead.kind).toBe('nudge');
    expect(behind.kind).toBe('nudge');
    if (ahead.kind !== 'nudge' || behind.kind !== 'nudge') return;
    expect(ahead.rate).toBeCloseTo(0.95, 6);
    expect(behind.rate).toBeCloseTo(1.05, 6);
  });

  it('never nudges by more than the cap', () => {
    const d = decide({ ...base, currentMs: 10_900, targetMs: 10_000, baseRate: 2 });
    expect(d).toEqual({ kind: 'nudge', rate: 2 * (1 - MAX_NUDGE) });
  });

  it('keeps nudging down to the settled band once started (hysteresis)', () => {
    const drift = (IN_SYNC_MS + SETTLED_MS) / 2;
    const fresh = decide({ ...base, currentMs: 10_000 + drift, targetMs: 10_000 });
    const going = decide({ ...base, currentMs: 10_000 + drift, targetMs: 10_000, nudging: true });
    expect(fresh.kind).toBe('steady');
    expect(going.kind).toBe('nudge');
    const done = decide({ ...base, currentMs: 10_000 + SETTLED_MS, targetMs: 10_000, nudging: true });
    expect(done.kind).toBe('steady');
  });

  it('seeks past the seek threshold, aiming where the room will be after the seek', () => {
    const d = decide({
      ...base,
      currentMs: 10_000 - SEEK_MS - 1,
      targetMs: 10_000,
      seekLeadMs: 200,
      baseRate: 1.5,
    });
    expect(d).toEqual({ kind: 'seek', toMs: 10_300 });
    const exactly = decide({ ...base, currentMs: 10_000 + SEEK_MS, targetMs: 10_000 });
    expect(exactly.kind).toBe('nudge');
  });

  it('sets the position directly while paused, without a lead', () => {
    const d = decide({ ...base, playing: false, currentMs: 10_100, targetMs: 10_000, seekLeadMs: 500 });
    expect(d).toEqual({ kind: 'seek', toMs: 10_000 });
    const close = decide({ ...base, playing: false, currentMs: 10_020, targetMs: 10_000 });
    expect(close.kind).toBe('steady');
  });
});

describe('decideLive', () => {
  it('plays at normal speed near the edge', () => {
    expect(decideLive({ currentMs: 9_000, bufferedEndMs: 10_000 })).toEqual({ kind: 'steady', rate: 1 });
  });

  it('catches up a little when behind, and jumps when far behind', () => {
    expect(decideLive({ currentMs: 6_000, bufferedEndMs: 10_000 }).kind).toBe('nudge');
    expect(decideLive({ currentMs: 1_000, bufferedEndMs: 10_000 })).toEqual({ kind: 'seek', toMs: 9_000 });
  });
});

describe('nextSeekLead', () => {
  it('moves toward the measured seek time and ignores absurd ones', () => {
    expect(nextSeekLead(0, 100)).toBeCloseTo(30, 6);
    expect(nextSeekLead(100, 100)).toBeCloseTo(100, 6);
    expect(nextSeekLead(0, 60_000)).toBeCloseTo(600, 6);
    expect(nextSeekLead(0, -5)).toBe(0);
  });
});
