// The room as this client knows it: a welcome, then every event applied in
// seq order. Pure: messages in, a new state out (the old one is not changed).

import { ALL_PERMISSIONS, type ChatMessage, type Item, type Member, type RoomPlayback, type ServerMessage, type Settings } from './types';

/** Chat lines kept in memory; older ones are paged in on demand. */
export const CHAT_KEPT = 500;

export interface RoomState {
  userId: number;
  lastSeq: number;
  settings: Settings;
  /** Members online now, as far as this client has them: the welcome's
   * first page, pages fetched after it, and every event since. */
  members: Member[];
  /** How many members are online now (listed or not). */
  memberCount: number;
  playlist: Item[];
  playback: RoomPlayback;
  live: boolean;
  liveViewers: number;
  chat: ChatMessage[];
  /** Set when the room is gone for this client (closed, kicked, banned). */
  ended: 'room_closed' | 'kicked' | 'banned' | null;
}

/** What applying one message did. */
export type Applied =
  | { kind: 'state'; state: RoomState }
  /** A duplicate or a reply: the state is unchanged. */
  | { kind: 'ignored' };

export function fromWelcome(m: Extract<ServerMessage, { type: 'welcome' }>): RoomState {
  return {
    userId: m.user_id,
    lastSeq: m.seq,
    settings: m.settings,
    members: m.members,
    memberCount: m.member_count,
    playlist: m.playlist,
    playback: m.playback,
    live: m.live.live,
    liveViewers: m.live_viewers,
    chat: m.chat,
    ended: null,
  };
}

/** Applies one server message to `state` (a welcome replaces it). */
export function apply(state: RoomState | null, m: ServerMessage): Applied {
  if (m.type === 'welcome') return { kind: 'state', state: fromWelcome(m) };
  if (!state) return { kind: 'ignored' };
  if (m.type === 'resumed' || m.type === 'ack' || m.type === 'error' || m.type === 'time_pong') {
    return { kind: 'ignored' };
  }
  if (m.seq <= state.lastSeq) return { kind: 'ignored' };
  const next = applyEvent({ ...state, lastSeq: m.seq }, m);
  return { kind: 'state', state: next };
}

function applyEvent(s: RoomState, m: ServerMessage): RoomState {
  switch (m.type) {
    case 'member_joined':
      return { ...s, members: upsertMember(s.members, m.member), memberCount: m.online };
    case 'member_updated':
      return { ...s, members: upsertMember(s.members, m.member) };
    case 'member_left':
      return { ...s, members: s.members.filter((x) => x.user_id !== m.user_id), memberCount: m.online };
    case 'members_changed': {
      const left = new Set(m.left);
      const members = m.joined.reduce(upsertMember, s.members.filter((x) => !left.has(x.user_id)));
      return { ...s, members, memberCount: m.online };
    }
    case 'member_kicked':
    case 'member_banned': {
      const members = s.members.filter((x) => x.user_id !== m.user_id);
      const wasOnline = members.length < s.members.length;
      const memberCount = wasOnline ? Math.max(0, s.memberCount - 1) : s.memberCount;
      const mine = m.user_id === s.userId;
      const ended = mine ? (m.type === 'member_kicked' ? 'kicked' : 'banned') : s.ended;
      return { ...s, members, memberCount, ended };
    }
    case 'settings_changed':
      return { ...s, settings: m.settings, members: withNewDefaults(s.members, s.settings, m.settings) };
    case 'item_added':
      return { ...s, playlist: [...s.playlist, m.item] };
    case 'item_edited':
      return { ...s, playlist: s.playlist.map((x) => (x.id === m.item.id ? m.item : x)) };
    case 'item_deleted':
      return { ...s, playlist: s.playlist.filter((x) => x.id !== m.item_id) };
    case 'item_moved':
      return { ...s, playlist: moveItem(s.playlist, m.item_id, m.after) };
    case 'playlist_cleared':
      return { ...s, playlist: [] };
    case 'playback_state': {
      const { item_id, playing, position_ms, at_ms, rate_milli, by } = m;
      return { ...s, playback: { item_id, playing, position_ms, at_ms, rate_milli, by } };
    }
    case 'chat': {
      const line = { id: m.seq, at_ms: m.server_time_ms, user_id: m.user_id, name: m.name, text: m.text };
      return { ...s, chat: [...s.chat, line].slice(-CHAT_KEPT) };
    }
    case 'live_status':
      return { ...s, live: m.live };
    case 'viewer_count':
      return { ...s, liveViewers: m.viewers };
    case 'room_closed':
      return { ...s, ended: 'room_closed' };
    default:
      return s;
  }
}

/** Adds a page of members online (from the members API) to the list. */
export function withMembers(s: RoomState, page: Member[]): RoomState {
  const online = page.filter((m) => m.online);
  return { ...s, members: online.reduce(upsertMember, s.members) };
}

function upsertMember(list: Member[], member: Member): Member[] {
  const at = list.findIndex((x) => x.user_id === member.user_id);
  if (at < 0) return [...list, member];
  return list.map((x, i) => (i === at ? member : x));
}

/** Moves `id` right after `after` (or to the top); unknown ids leave the list as it is. */
export function moveItem(list: Item[], id: number, after: number | null): Item[] {
  const item = list.find((x) => x.id === id);
  if (!item) return list;
  const rest = list.filter((x) => x.id !== id);
  if (after === null) return [item, ...rest];
  const at = rest.findIndex((x) => x.id === after);
  if (at < 0) return list;
  return [...rest.slice(0, at + 1), item, ...rest.slice(at + 1)];
}

/** Older chat lines from the history endpoint, merged in front without duplicates. */
export function prependChat(s: RoomState, older: ChatMessage[]): RoomState {
  const known = new Set(s.chat.map((c) => c.id));
  const fresh = older.filter((c) => !known.has(c.id));
  return { ...s, chat: [...fresh, ...s.chat] };
}

/** The member this client is, if online. */
/** A role's default permission bits under `settings` (the creator holds all). */
export function roleDefaults(settings: Settings, role: Member['role']): number {
  if (role === 'creator') return ALL_PERMISSIONS;
  return settings[`${role}_permissions`];
}

/**
 * Members' permissions after new role defaults: the event carries only the
 * settings, so whoever held their role's old defaults now holds the new
 * ones; permissions of a member's own stay as they were.
 */
function withNewDefaults(members: Member[], before: Settings, after: Settings): Member[] {
  return members.map((x) =>
    x.permissions === roleDefaults(before, x.role) ? { ...x, permissions: roleDefaults(after, x.role) } : x,
  );
}

export function me(s: RoomState): Member | undefined {
  return s.members.find((m) => m.user_id === s.userId);
}

export function can(s: RoomState, bit: number): boolean {
  return ((me(s)?.permissions ?? 0) & bit) !== 0;
}

export function currentItem(s: RoomState): Item | undefined {
  return s.playlist.find((x) => x.id === s.playback.item_id);
}
