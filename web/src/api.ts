// The HTTP API (docs/api.md): one function per route the app uses. Every
// failure becomes an ApiError with the server's code and message, so pages
// can show it in words.

import type { Item, ItemKind, Member } from './room/types';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface User {
  id: number;
  username: string;
  is_admin: boolean;
}

export interface Room {
  id: string;
  name: string;
  creator: number;
  has_password: boolean;
  hidden: boolean;
  guests_allowed: boolean;
  created_at_ms: number;
  members?: number;
  live_viewers: number;
}

export interface AdminUser extends User {
  banned: boolean;
  created_at_ms: number;
}

export interface PublishUrl {
  server: string;
  key: string;
  url: string;
}

export interface PlayUrl {
  flv: string;
  hls: string;
  rtmp: string;
  token: string | null;
  expires_at_ms: number | null;
}

export interface Applied {
  applied_seq: number;
  replayed: boolean;
}

export interface MembersPage {
  members: Member[];
  /** Filled on the first page only. */
  banned: number[];
  online: number;
  next_after: number | null;
}

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const init: RequestInit = { method, credentials: 'same-origin', headers: {} };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers = { 'content-type': 'application/json' };
  }
  let res: Response;
  try {
    res = await fetch(`/api/v1${path}`, init);
  } catch {
    throw new ApiError(0, 'network', 'network');
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    throw new ApiError(res.status, 'bad_response', text.slice(0, 200));
  }
  if (!res.ok) {
    const err = (json as { error?: { code?: string; message?: string } } | null)?.error;
    throw new ApiError(res.status, err?.code ?? 'http_' + res.status, err?.message ?? res.statusText);
  }
  return json as T;
}

const room = (id: string) => `/rooms/${encodeURIComponent(id)}`;

export const api = {
  me: () => call<User>('GET', '/auth/me'),
  register: (username: string, password: string) =>
    call<{ user: User }>('POST', '/auth/register', { username, password }),
  login: (username: string, password: string) =>
    call<{ user: User }>('POST', '/auth/login', { username, password }),
  logout: () => call<undefined>('POST', '/auth/logout'),

  rooms: (offset = 0, limit = 50) => call<Room[]>('GET', `/rooms?offset=${offset}&limit=${limit}`),
  room: (id: string) => call<Room>('GET', room(id)),
  createRoom: (body: { name: string; password?: string; hidden: boolean; guests_allowed: boolean }) =>
    call<Room>('POST', '/rooms', body),
  updateRoom: (id: string, body: Record<string, unknown>) => call<Room>('PATCH', room(id), body),
  deleteRoom: (id: string) => call<undefined>('DELETE', room(id)),
  join: (id: string, password: string) =>
    call<Applied>('POST', `${room(id)}/join`, password ? { password } : {}),
  chat: (id: string, before: number, limit = 50) =>
    call<{ id: number; at_ms: number; user_id: number; name: string; text: string }[]>(
      'GET',
      `${room(id)}/chat?before=${before}&limit=${limit}`,
    ),

  addItem: (id: string, body: { url?: string; live?: boolean; kind?: ItemKind; title?: string }) =>
    call<{ item: Item | null } & Applied>('POST', `${room(id)}/playlist`, body),
  editItem: (id: string, item: number, body: { title?: string; url?: string; kind?: ItemKind }) =>
    call<Applied>('PATCH', `${room(id)}/playlist/${item}`, body),
  deleteItem: (id: string, item: number) => call<Applied>('DELETE', `${room(id)}/playlist/${item}`),
  moveItem: (id: string, item: number, after: number | null) =>
    call<Applied>('POST', `${room(id)}/playlist/${item}/move`, { after }),
  clearPlaylist: (id: string) => call<Applied>('DELETE', `${room(id)}/playlist`),
  setCurrent: (id: string, item: number) =>
    call<Applied>('PUT', `${room(id)}/playlist/current`, { item_id: item, request_id: requestId() }),

  /** One page of members in user id order; follow `next_after` for the next. */
  members: (id: string, page: { after?: number | null; online?: boolean } = {}) =>
    call<MembersPage>(
      'GET',
      `${room(id)}/members?limit=500${page.online ? '&online=true' : ''}${page.after != null ? `&after=${page.after}` : ''}`,
    ),
  kick: (id: string, user: number) => call<Applied>('POST', `${room(id)}/members/${user}/kick`),
  ban: (id: string, user: number) => call<Applied>('POST', `${room(id)}/members/${user}/ban`),
  unban: (id: string, user: number) => call<Applied>('DELETE', `${room(id)}/members/${user}/ban`),
  setRole: (id: string, user: number, role: 'member' | 'admin') =>
    call<Applied>('PUT', `${room(id)}/members/${user}/role`, { role }),

  publishUrl: (id: string) => call<PublishUrl>('GET', `${room(id)}/live/publish-url`),
  rotateKey: (id: string) => call<PublishUrl>('POST', `${room(id)}/live/key/rotate`),
  playUrl: (id: string) => call<PlayUrl>('GET', `${room(id)}/live/play-url`),

  adminUsers: (offset = 0, limit = 100) => call<AdminUser[]>('GET', `/admin/users?offset=${offset}&limit=${limit}`),
  banUser: (user: number) => call<undefined>('POST', `/admin/users/${user}/ban`),
  unbanUser: (user: number) => call<undefined>('DELETE', `/admin/users/${user}/ban`),
};

function requestId(): string {
  return `web-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
}

/** Every member (or every member online), page after page. */
export async function allMembers(id: string, online = false): Promise<{ members: Member[]; banned: number[] }> {
  let page = await api.members(id, { online });
  const { banned } = page;
  const members = [...page.members];
  while (page.next_after !== null) {
    page = await api.members(id, { online, after: page.next_after });
    members.push(...page.members);
  }
  return { members, banned };
}
