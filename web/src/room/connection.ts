// The realtime channel of one room: a WebSocket that joins, keeps the clock
// estimate fed with time pings, resumes by seq after a drop, and resends
// commands that were not answered (their request ids make that safe).

import { ClockSync } from '../sync/clock';
import { reconnectDelay, shouldReconnect } from './backoff';
import { allMembers } from '../api';
import { apply, withMembers, type RoomState } from './state';
import type { ServerMessage } from './types';

export type ConnectionStatus = 'connecting' | 'open' | 'reconnecting' | 'closed';

export interface ConnectionOptions {
  roomId: string;
  password: string;
  /** Guest name, when not signed in. */
  guestName: string | null;
  onState: (state: RoomState) => void;
  onStatus: (status: ConnectionStatus, detail: string) => void;
  /** Every message, after it was applied (danmaku needs the raw one). */
  onMessage: (m: ServerMessage) => void;
}

export class CommandError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

interface Pending {
  payload: Record<string, unknown>;
  resolve: () => void;
  reject: (e: Error) => void;
}

/** A clock that never jumps, in ms since the epoch. */
export function localNow(): number {
  return performance.timeOrigin + performance.now();
}

const PINGS_AT_START = 5;
const PING_GAP_MS = 200;
const PING_EVERY_MS = 15_000;

export class RoomConnection {
  readonly clock = new ClockSync();
  state: RoomState | null = null;
  status: ConnectionStatus = 'connecting';
  /** How the server took each join: a whole new snapshot, or a resume by seq. */
  readonly joins = { welcome: 0, resumed: 0 };
  private ws: WebSocket | null = null;
  private attempt = 0;
  private timers: number[] = [];
  private pending = new Map<string, Pending>();
  private stopped = false;
  /** The code of the last error that answered no command (a refused join). */
  private lastError: string | null = null;

  constructor(private readonly opts: ConnectionOptions) {
    this.open();
  }

  /** Sends a command with a fresh request id; settles on its ack or error. */
  command(type: string, fields: Record<string, unknown> = {}): Promise<void> {
    const request_id = newRequestId();
    const payload = { type, ...fields, request_id };
    return new Promise((resolve, reject) => {
      this.pending.set(request_id, { payload, resolve, reject });
      if (this.status === 'open') this.send(payload);
    });
  }

  close(): void {
    this.stopped = true;
    this.clearTimers();
    this.ws?.close(1000, 'leaving');
    this.setStatus('closed', '');
  }

  private open(): void {
    const url = new URL(`/api/v1/rooms/${encodeURIComponent(this.opts.roomId)}/ws`, location.href);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    if (this.opts.guestName) url.searchParams.set('name', this.opts.guestName);
    const ws = new WebSocket(url);
    this.ws = ws;
    ws.onopen = () => {
      const last_seq = this.state?.lastSeq ?? null;
      ws.send(JSON.stringify({ type: 'join', last_seq, password: this.opts.password }));
    };
    ws.onmessage = (ev) => {
      if (typeof ev.data !== 'string') return;
      this.receive(ev.data);
    };
    ws.onclose = (ev) => this.closed(ev.code, ev.reason);
  }

  private receive(text: string): void {
    let m: ServerMessage;
    try {
      m = JSON.parse(text) as ServerMessage;
    } catch {
      console.warn('synctv: a message that is not JSON was ignored');
      return;
    }
    if (m.type === 'welcome' || m.type === 'resumed') {
      this.joins[m.type]++;
      this.joined();
    }
    if (m.type === 'time_pong') {
      this.clock.add({ t0: m.client_time_ms, t1: m.received_ms, t2: m.server_time_ms, t3: localNow() });
    }
    if (m.type === 'ack') this.settle(m.request_id, null);
    if (m.type === 'error' && m.request_id) {
      this.settle(m.request_id, new CommandError(m.code, m.message));
    } else if (m.type === 'error') {
      this.lastError = m.code;
      this.opts.onStatus(this.status, m.code);
    }
    const applied = apply(this.state, m);
    if (applied.kind === 'state') {
      this.state = applied.state;
      this.opts.onState(applied.state);
    }
    if (m.type === 'welcome' && m.member_count > m.members.length) void this.pageMembers(this.joins.welcome);
    this.opts.onMessage(m);
  }

  /** A big room's welcome lists a first page of who is online: the rest
   * come from the members API (signed-in members only; guests see the first
   * page and the count). Events applied meanwhile keep the list current. */
  private async pageMembers(welcome: number): Promise<void> {
    if (this.opts.guestName) return;
    try {
      const { members } = await allMembers(this.opts.roomId, true);
      // A later welcome replaced the state: its own paging takes over.
      if (!this.state || this.joins.welcome !== welcome) return;
      this.state = withMembers(this.state, members);
      this.opts.onState(this.state);
    } catch {
      console.warn('synctv: the members online could not be paged in');
    }
  }

  private joined(): void {
    this.attempt = 0;
    this.clock.reset();
    this.setStatus('open', '');
    for (let i = 0; i < PINGS_AT_START; i++) this.later(() => this.ping(), i * PING_GAP_MS);
    this.timers.push(window.setInterval(() => this.ping(), PING_EVERY_MS));
    for (const p of this.pending.values()) this.send(p.payload);
  }

  private ping(): void {
    // The protocol's times are whole milliseconds.
    this.send({ type: 'time_ping', client_time_ms: Math.round(localNow()) });
  }

  private settle(requestId: string, error: Error | null): void {
    const p = this.pending.get(requestId);
    if (!p) return;
    this.pending.delete(requestId);
    if (error) p.reject(error);
    else p.resolve();
  }

  private closed(code: number, reason: string): void {
    this.clearTimers();
    this.ws = null;
    if (this.stopped) return;
    if (!shouldReconnect(code, reason)) {
      for (const p of this.pending.values()) p.reject(new CommandError(reason, reason));
      this.pending.clear();
      this.setStatus('closed', reason === 'join_refused' ? (this.lastError ?? reason) : reason);
      return;
    }
    const delay = reconnectDelay(this.attempt++, Math.random());
    this.setStatus('reconnecting', reason);
    this.later(() => this.open(), delay);
  }

  private send(payload: Record<string, unknown>): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(payload));
  }

  private setStatus(status: ConnectionStatus, detail: string): void {
    this.status = status;
    this.opts.onStatus(status, detail);
  }

  private later(f: () => void, ms: number): void {
    this.timers.push(window.setTimeout(f, ms));
  }

  private clearTimers(): void {
    for (const t of this.timers) {
      window.clearTimeout(t);
      window.clearInterval(t);
    }
    this.timers = [];
  }
}

function newRequestId(): string {
  const bytes = new Uint8Array(9);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
