// The realtime room protocol's JSON shapes (docs/realtime.md).

import type { Playback } from '../sync/drift';

export type Role = 'guest' | 'member' | 'admin' | 'creator';
export type ItemKind = 'mp4' | 'webm' | 'hls' | 'flv' | 'live';
export type DanmakuMode = 'scroll' | 'top' | 'bottom';

export interface Member {
  user_id: number;
  name: string;
  role: Role;
  permissions: number;
  online: boolean;
}

export interface Item {
  id: number;
  title: string;
  kind: ItemKind;
  url: string;
  duration_ms: number | null;
  added_by: number | null;
  added_at_ms: number;
}

export interface Settings {
  name: string;
  has_password: boolean;
  visibility: 'public' | 'hidden';
  guests_allowed: boolean;
  admin_permissions: number;
  member_permissions: number;
  guest_permissions: number;
}

export interface ChatMessage {
  id: number;
  at_ms: number;
  user_id: number;
  name: string;
  text: string;
}

export interface RoomPlayback extends Playback {
  by?: number | null;
}

export interface Envelope {
  seq: number;
  server_time_ms: number;
}

export type ServerMessage = Envelope &
  (
    | {
        type: 'welcome';
        user_id: number;
        settings: Settings;
        members: Member[];
        playlist: Item[];
        playback: RoomPlayback;
        live: { live: boolean; started_at_ms: number | null };
        live_viewers: number;
        chat: ChatMessage[];
        /** Members online, listed in `members` (a first page) or not. */
        member_count: number;
      }
    | { type: 'resumed'; user_id: number; missed: number }
    | { type: 'ack'; request_id: string; applied_seq: number; replayed: boolean }
    | { type: 'error'; code: string; message: string; request_id: string | null; retry_after_ms: number | null }
    | { type: 'time_pong'; client_time_ms: number; received_ms: number }
    | { type: 'member_joined'; member: Member; first_time: boolean; online: number }
    | { type: 'member_left'; user_id: number; online: number }
    | { type: 'members_changed'; joined: Member[]; left: number[]; online: number }
    | { type: 'member_updated'; member: Member; by: number | null }
    | { type: 'member_kicked' | 'member_banned' | 'member_unbanned'; user_id: number; by: number | null }
    | { type: 'settings_changed'; settings: Settings; by: number | null }
    | { type: 'item_added'; item: Item }
    | { type: 'item_edited'; item: Item; by: number | null }
    | { type: 'item_deleted'; item_id: number; by: number | null }
    | { type: 'item_moved'; item_id: number; after: number | null; by: number | null }
    | { type: 'playlist_cleared'; by: number | null }
    | ({ type: 'playback_state' } & RoomPlayback)
    | { type: 'chat'; user_id: number; name: string; text: string }
    | {
        type: 'danmaku';
        user_id: number;
        text: string;
        color: number;
        mode: DanmakuMode;
        media_position_ms: number | null;
      }
    | { type: 'live_status'; live: boolean; started_at_ms: number | null }
    | { type: 'viewer_count'; viewers: number }
    | { type: 'room_closed' }
  );

export type ServerMessageOf<T extends ServerMessage['type']> = Extract<ServerMessage, { type: T }>;

/** Permission bits (docs/rooms.md). */
export const Perm = {
  addItem: 1,
  editItem: 2,
  deleteItem: 4,
  setCurrent: 8,
  controlPlayback: 16,
  chat: 32,
  danmaku: 64,
  manageMembers: 128,
  goLive: 256,
} as const;

export type PermName = keyof typeof Perm;

/** Every permission bit (what the creator holds). */
export const ALL_PERMISSIONS = Object.values(Perm).reduce((all, bit) => all | bit, 0);
