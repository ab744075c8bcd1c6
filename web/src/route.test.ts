import { describe, expect, it } from 'vitest';

import { parseRoute, roomPath } from './route';

describe('parseRoute', () => {
  it('names each page', () => {
    expect(parseRoute('/')).toEqual({ page: 'rooms' });
    expect(parseRoute('/rooms/')).toEqual({ page: 'rooms' });
    expect(parseRoute('/login')).toEqual({ page: 'login' });
    expect(parseRoute('/register')).toEqual({ page: 'register' });
    expect(parseRoute('/rooms/new')).toEqual({ page: 'create' });
    expect(parseRoute('/admin')).toEqual({ page: 'admin' });
    expect(parseRoute('/rooms/k3v9x2m7q1ab')).toEqual({ page: 'room', id: 'k3v9x2m7q1ab' });
  });

  it('refuses what cannot be a room id', () => {
    expect(parseRoute('/rooms/a b')).toEqual({ page: 'notfound' });
    expect(parseRoute('/rooms/%E0%A4%A')).toEqual({ page: 'notfound' });
    expect(parseRoute('/rooms/x/y')).toEqual({ page: 'notfound' });
    expect(parseRoute('/nope')).toEqual({ page: 'notfound' });
  });

  it('round-trips a room path', () => {
    expect(parseRoute(roomPath('a_b-1'))).toEqual({ page: 'room', id: 'a_b-1' });
  });
});
