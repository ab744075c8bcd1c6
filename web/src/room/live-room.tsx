// The room once entered: its realtime channel, and the panels that show it.

import { useEffect, useMemo, useRef, useState } from 'preact/hooks';

import { hasText, t, type TextKey } from '../i18n';
import type { SyncStats } from '../sync/follower';
import { Link } from '../ui';
import { Chat } from './chat';
import { RoomConnection, type ConnectionStatus } from './connection';
import { DanmakuForm, DanmakuLayer, type DanmakuShow } from './danmaku';
import type { Position } from './danmaku-timing';
import { GoLive } from './go-live';
import { Members } from './members';
import { Player } from './player';
import { Playlist } from './playlist';
import { RoomSettings } from './settings';
import { can, me, type RoomState } from './state';
import { Perm, type ServerMessage } from './types';

declare global {
  interface Window {
    /** The sync client's figures now (for people, tests and benchmarks). */
    synctvStats?: () =>
      | (SyncStats & {
          connection: ConnectionStatus;
          lastSeq: number | null;
          joins: { welcome: number; resumed: number };
        })
      | null;
  }
}

type Tab = 'chat' | 'members' | 'live' | 'settings';

export function LiveRoom(props: { id: string; password: string; guestName: string | null }) {
  const [state, setState] = useState<RoomState | null>(null);
  const [status, setStatus] = useState<{ status: ConnectionStatus; detail: string }>({
    status: 'connecting',
    detail: '',
  });
  const [tab, setTab] = useState<Tab>('chat');
  const danmakuRef = useRef<DanmakuShow | null>(null);
  const statsRef = useRef<(() => SyncStats) | null>(null);

  const conn = useMemo(
    () =>
      new RoomConnection({
        roomId: props.id,
        password: props.password,
        guestName: props.guestName,
        onState: setState,
        onStatus: (s, detail) => setStatus({ status: s, detail }),
        onMessage: (m: ServerMessage) => {
          if (m.type === 'danmaku') danmakuRef.current?.(m);
        },
      }),
    [props.id, props.password, props.guestName],
  );
  useEffect(() => () => conn.close(), [conn]);
  useEffect(() => {
    window.synctvStats = () => {
      const stats = statsRef.current?.();
      if (!stats) return null;
      return { ...stats, connection: conn.status, lastSeq: conn.state?.lastSeq ?? null, joins: { ...conn.joins } };
    };
    return () => {
      delete window.synctvStats;
    };
  }, [conn]);

  if (state?.ended) {
    return (
      <section class="card">
        <p class="error" role="alert">
          {t('roomGone', { reason: t(`reason_${state.ended}` as TextKey) })}
        </p>
        <Link href="/">{t('backToRooms')}</Link>
      </section>
    );
  }
  if (!state) {
    return (
      <section class="card">
        <ConnectionBanner status={status.status} detail={status.detail} />
      </section>
    );
  }
  const self = me(state);
  const isAdmin = self?.role === 'admin' || self?.role === 'creator';
  const tabs: { id: Tab; label: string; shown: boolean }[] = [
    { id: 'chat', label: t('chat'), shown: true },
    { id: 'members', label: `${t('members')} (${state.members.length})`, shown: true },
    { id: 'live', label: t('goLive'), shown: can(state, Perm.goLive) },
    { id: 'settings', label: t('settings'), shown: isAdmin },
  ];
  return (
    <div class="room">
      <div class="stage">
        <h1 class="room-title">{state.settings.name}</h1>
        <ConnectionBanner status={status.status} detail={status.detail} />
        <Player
          roomId={props.id}
          state={state}
          conn={conn}
          guest={props.guestName !== null}
          statsRef={statsRef}
          overlay={<DanmakuLayer showRef={danmakuRef} position={() => playerPosition(statsRef.current)} />}
        />
        {can(state, Perm.danmaku) && (
          <DanmakuForm
            conn={conn}
            position={() => {
              const at = playerPosition(statsRef.current);
              return at.live || at.itemId === null || at.positionMs === null ? null : at.positionMs;
            }}
          />
        )}
        <Playlist roomId={props.id} state={state} />
      </div>
      <aside class="side">
        <div role="tablist" class="tabs">
          {tabs
            .filter((x) => x.shown)
            .map((x) => (
              <button
                key={x.id}
                type="button"
                role="tab"
                aria-selected={tab === x.id}
                class={tab === x.id ? 'tab active' : 'tab'}
                onClick={() => setTab(x.id)}
              >
                {x.label}
              </button>
            ))}
        </div>
        <div role="tabpanel">
          {tab === 'chat' && <Chat roomId={props.id} state={state} conn={conn} guest={props.guestName !== null} />}
          {tab === 'members' && <Members roomId={props.id} state={state} />}
          {tab === 'live' && <GoLive roomId={props.id} state={state} />}
          {tab === 'settings' && <RoomSettings roomId={props.id} state={state} />}
        </div>
      </aside>
    </div>
  );
}

/** Where the player stands, for danmaku. */
function playerPosition(stats: (() => SyncStats) | null): Position {
  const s = stats?.();
  if (!s) return { itemId: null, live: false, positionMs: null };
  return { itemId: s.itemId, live: s.live, positionMs: s.itemId === null ? null : Math.round(s.currentMs) };
}

function ConnectionBanner({ status, detail }: { status: ConnectionStatus; detail: string }) {
  if (status === 'open') return null;
  let text = status === 'connecting' ? t('connecting') : t('reconnecting');
  if (status === 'closed') {
    const key = `error_${detail}`;
    text = hasText(key) ? t(key) : detail || status;
  }
  return (
    <p class={status === 'closed' ? 'banner error' : 'banner'} role="status" data-connection={status}>
      {text}
    </p>
  );
}
