import { describe, expect, it } from 'vitest';

import { reconnectDelay, shouldReconnect } from './backoff';

describe('reconnectDelay', () => {
  it('doubles from half a second up to ten seconds', () => {
    expect([0, 1, 2, 3, 4, 5, 9].map((a) => reconnectDelay(a, 0.5))).toEqual([
      500, 1000, 2000, 4000, 8000, 10_000, 10_000,
    ]);
  });
  it('spreads clients by at most a fifth either way', () => {
    expect(reconnectDelay(1, 0)).toBe(800);
    expect(reconnectDelay(1, 1)).toBe(1200);
    expect(reconnectDelay(1, 7)).toBe(1200);
  });
});

describe('shouldReconnect', () => {
  it('gives up only when the room said this client is out', () => {
    expect(shouldReconnect(4000, 'kicked')).toBe(false);
    expect(shouldReconnect(4000, 'room_closed')).toBe(false);
    expect(shouldReconnect(4000, 'too_slow')).toBe(true);
    expect(shouldReconnect(1006, '')).toBe(true);
  });
});
