import { describe, expect, it } from 'vitest';

import { DanmakuTimer, MAX_PENDING, type Position } from './danmaku-timing';

const vod = (positionMs: number | null, itemId = 1): Position => ({ itemId, live: false, positionMs });
const at = (ms: number | null) => ({ media_position_ms: ms, text: `at ${ms}` });

describe('danmaku timing', () => {
  it('shows at once what is already past, or has no position', () => {
    const t = new DanmakuTimer();
    expect(t.arrive(at(4000), vod(5000))).toBe(true);
    expect(t.arrive(at(null), vod(0))).toBe(true);
    expect(t.arrive(at(4000), vod(null))).toBe(true);
    expect(t.waiting).toBe(0);
  });

  it('shows live danmaku on arrival whatever their position', () => {
    const t = new DanmakuTimer();
    expect(t.arrive(at(90_000), { itemId: 2, live: true, positionMs: 1000 })).toBe(true);
  });

  it('holds a danmaku ahead of the video until the video reaches it', () => {
    const t = new DanmakuTimer();
    expect(t.arrive(at(4000), vod(0))).toBe(false);
    expect(t.due(vod(2000))).toEqual([]);
    expect(t.due(vod(3800))).toEqual([at(4000)]);
    expect(t.waiting).toBe(0);
  });

  it('shows what is within the early margin now', () => {
    const t = new DanmakuTimer();
    expect(t.arrive(at(4000), vod(3760))).toBe(true);
  });

  it('drops waiting danmaku when another item plays', () => {
    const t = new DanmakuTimer();
    t.arrive(at(4000), vod(0, 1));
    expect(t.due(vod(5000, 2))).toEqual([]);
    expect(t.waiting).toBe(0);
  });

  it('keeps at most MAX_PENDING, dropping the oldest', () => {
    const t = new DanmakuTimer();
    for (let i = 0; i <= MAX_PENDING; i++) t.arrive(at(10_000 + i), vod(0));
    expect(t.waiting).toBe(MAX_PENDING);
    expect(t.due(vod(10_000))[0]).toEqual(at(10_001));
  });
});
