import { describe, expect, it } from 'vitest';

import { apply, can, currentItem, moveItem, prependChat, withMembers, type RoomState } from './state';
import type { Item, Member, ServerMessage } from './types';

const item = (id: number): Item => ({
  id,
  title: `item ${id}`,
  kind: 'mp4',
  url: `https://media.test/${id}.mp4`,
  duration_ms: 60_000,
  added_by: 1,
  added_at_ms: 0,
});
const member = (user_id: number, permissions = 121): Member => ({
  user_id,
  name: `u${user_id}`,
  role: 'member',
  permissions,
  online: true,
});

const welcome: ServerMessage = {
  seq: 10,
  server_time_ms: 1000,
  type: 'welcome',
  user_id: 1,
  settings: {
    name: 'r',
    has_password: false,
    visibility: 'public',
    guests_allowed: false,
    admin_permissions: 511,
    member_permissions: 121,
    guest_permissions: 96,
  },
  members: [member(1, 511)],
  playlist: [item(1), item(2), item(3)],
  playback: { item_id: 1, playing: false, position_ms: 0, at_ms: 1000, rate_milli: 1000, by: null },
  live: { live: false, started_at_ms: null },
  live_viewers: 0,
  chat: [],
  member_count: 1,
};

function start(): RoomState {
  const a = apply(null, welcome);
  if (a.kind !== 'state') throw new Error('welcome must give a state');
  return a.state;
}

function step(s: RoomState, m: ServerMessage): RoomState {
  const a = apply(s, m);
  return a.kind === 'state' ? a.state : s;
}

describe('room state', () => {
  it('starts from the welcome and applies events in seq order', () => {
    let s = start();
    expect(s.lastSeq).toBe(10);
    s = step(s, { seq: 11, server_time_ms: 1100, type: 'chat', user_id: 2, name: 'bo', text: 'hi' });
    s = step(s, { seq: 12, server_time_ms: 1200, type: 'item_deleted', item_id: 2, by: 1 });
    expect(s.lastSeq).toBe(12);
    expect(s.chat).toEqual([{ id: 11, at_ms: 1100, user_id: 2, name: 'bo', text: 'hi' }]);
    expect(s.playlist.map((x) => x.id)).toEqual([1, 3]);
  });

  it('ignores duplicates and replies, which do not move last_seq', () => {
    const s = step(start(), { seq: 11, server_time_ms: 0, type: 'item_added', item: item(4) });
    const dup = apply(s, { seq: 11, server_time_ms: 0, type: 'item_added', item: item(4) });
    expect(dup.kind).toBe('ignored');
    const ack = apply(s, { seq: 12, server_time_ms: 0, type: 'ack', request_id: 'x', applied_seq: 12, replayed: false });
    expect(ack.kind).toBe('ignored');
    expect(s.playlist).toHaveLength(4);
  });

  it('replaces the clock on playback_state and finds the current item', () => {
    const s = step(start(), {
      seq: 11,
      server_time_ms: 2000,
      type: 'playback_state',
      item_id: 3,
      playing: true,
      position_ms: 500,
      at_ms: 2000,
      rate_milli: 1500,
      by: 1,
    });
    expect(s.playback).toEqual({ item_id: 3, playing: true, position_ms: 500, at_ms: 2000, rate_milli: 1500, by: 1 });
    expect(currentItem(s)?.id).toBe(3);
  });

  it('keeps a big room\'s first page, paged members and batched presence news together', () => {
    let s = step(start(), { seq: 11, server_time_ms: 0, type: 'member_joined', member: member(2), first_time: false, online: 401 });
    s = withMembers(s, [member(3), member(4), { ...member(5), online: false }]);
    expect(s.members.map((m) => m.user_id)).toEqual([1, 2, 3, 4]);
    s = step(s, { seq: 12, server_time_ms: 0, type: 'members_changed', joined: [member(6), member(3)], left: [2, 9], online: 402 });
    expect(s.members.map((m) => m.user_id)).toEqual([1, 3, 4, 6]);
    expect(s.memberCount).toBe(402);
    const again = apply(s, { seq: 12, server_time_ms: 0, type: 'members_changed', joined: [], left: [1], online: 1 });
    expect(again.kind).toBe('ignored');
  });

  it('tracks members, their permissions and this client being kicked', () => {
    let s = step(start(), { seq: 11, server_time_ms: 0, type: 'member_joined', member: member(2), first_time: true, online: 2 });
    expect(s.members).toHaveLength(2);
    expect(s.memberCount).toBe(2);
    expect(can(s, 128)).toBe(true);
    s = step(s, { seq: 12, server_time_ms: 0, type: 'member_updated', member: { ...member(1, 32) }, by: null });
    expect(can(s, 128)).toBe(false);
    s = step(s, { seq: 13, server_time_ms: 0, type: 'member_kicked', user_id: 2, by: 1 });
    expect(s.ended).toBeNull();
    expect(s.memberCount).toBe(1);
    s = step(s, { seq: 14, server_time_ms: 0, type: 'member_banned', user_id: 1, by: 9 });
    expect(s.ended).toBe('banned');
  });

  it("gives members their role's new defaults when settings change, keeping permissions of their own", () => {
    let s = step(start(), { seq: 11, server_time_ms: 0, type: 'member_joined', member: member(2), first_time: true, online: 2 });
    const settings = { ...s.settings, member_permissions: 121 & ~32 };
    s = step(s, { seq: 12, server_time_ms: 0, type: 'settings_changed', settings, by: 1 });
    expect(s.members.find((m) => m.user_id === 2)?.permissions).toBe(89);
    expect(s.members.find((m) => m.user_id === 1)?.permissions).toBe(511);
    expect(s.settings.member_permissions).toBe(89);
  });

  it('counts live viewers and marks a closed room', () => {
    let s = step(start(), { seq: 11, server_time_ms: 0, type: 'viewer_count', viewers: 7 });
    s = step(s, { seq: 12, server_time_ms: 0, type: 'live_status', live: true, started_at_ms: 5 });
    s = step(s, { seq: 13, server_time_ms: 0, type: 'room_closed' });
    expect([s.liveViewers, s.live, s.ended]).toEqual([7, true, 'room_closed']);
  });

  it('pages older chat in front without duplicates', () => {
    let s = step(start(), { seq: 11, server_time_ms: 5, type: 'chat', user_id: 2, name: 'bo', text: 'new' });
    s = prependChat(s, [
      { id: 3, at_ms: 1, user_id: 2, name: 'bo', text: 'old' },
      { id: 11, at_ms: 5, user_id: 2, name: 'bo', text: 'new' },
    ]);
    expect(s.chat.map((c) => c.id)).toEqual([3, 11]);
  });
});

describe('moveItem', () => {
  const list = [item(1), item(2), item(3)];
  it('moves to the top or right after another item', () => {
    expect(moveItem(list, 3, null).map((x) => x.id)).toEqual([3, 1, 2]);
    expect(moveItem(list, 1, 2).map((x) => x.id)).toEqual([2, 1, 3]);
    expect(moveItem(list, 1, 3).map((x) => x.id)).toEqual([2, 3, 1]);
  });
  it('leaves the list alone for unknown ids', () => {
    expect(moveItem(list, 9, null)).toBe(list);
    expect(moveItem(list, 1, 9)).toBe(list);
  });
});
