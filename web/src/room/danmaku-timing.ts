// When a danmaku shows: on a video item, when this player reaches the media
// position it was sent at (at once if already past); on the live stream, or
// with no position, on arrival. Pure: positions in, danmaku out.

/** Where this player stands. */
export interface Position {
  itemId: number | null;
  live: boolean;
  /** The video's position, or null before it has one. */
  positionMs: number | null;
}

export interface Timed {
  media_position_ms: number | null;
}

/** How early a danmaku may show: the room's players are this close anyway. */
export const EARLY_MS = 250;
/** Pending danmaku kept at most (the oldest go first). */
export const MAX_PENDING = 200;

export class DanmakuTimer<T extends Timed> {
  private pending: { item: number; message: T }[] = [];

  /** Whether `message` shows now; if not, it waits for `due`. */
  arrive(message: T, at: Position): boolean {
    const item = at.itemId;
    if (at.live || item === null || message.media_position_ms === null || at.positionMs === null) return true;
    if (at.positionMs + EARLY_MS >= message.media_position_ms) return true;
    this.pending.push({ item, message });
    if (this.pending.length > MAX_PENDING) this.pending.shift();
    return false;
  }

  /** The waiting danmaku whose time has come; those of another item are dropped. */
  due(at: Position): T[] {
    const shown: T[] = [];
    this.pending = this.pending.filter(({ item, message }) => {
      if (item !== at.itemId || at.live) return false;
      if (at.positionMs !== null && at.positionMs + EARLY_MS >= (message.media_position_ms ?? 0)) {
        shown.push(message);
        return false;
      }
      return true;
    });
    return shown;
  }

  get waiting(): number {
    return this.pending.length;
  }
}
