// The video of the room's current item, kept on the room clock.

import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { MutableRef } from 'preact/hooks';

import { api } from '../api';
import { t } from '../i18n';
import { attach, sourceFor, type Source } from '../player/source';
import { targetPosition } from '../sync/drift';
import { Follower, type PlayerState, type SyncStats } from '../sync/follower';
import { ErrorText, describeError, useAction } from '../ui';
import { localNow, type RoomConnection } from './connection';
import { can, currentItem, type RoomState } from './state';
import { Perm, type Item } from './types';

interface Props {
  roomId: string;
  state: RoomState;
  conn: RoomConnection;
  guest: boolean;
  statsRef: MutableRef<(() => SyncStats) | null>;
  overlay: ComponentChildren;
}

export function Player(props: Props) {
  const { state, conn } = props;
  const videoRef = useRef<HTMLVideoElement>(null);
  const followerRef = useRef<Follower | null>(null);
  const stateRef = useRef(state);
  stateRef.current = state;
  const [playerState, setPlayerState] = useState<PlayerState>('idle');
  const [mediaError, setMediaError] = useState<string | null>(null);
  const item = currentItem(state);
  const live = item?.kind === 'live';

  useEffect(() => {
    const video = videoRef.current;
    if (!video) return;
    const follower = new Follower(
      video,
      conn.clock,
      () => {
        const s = stateRef.current;
        const it = currentItem(s);
        if (!it) return null;
        return { playback: s.playback, durationMs: it.duration_ms, live: it.kind === 'live' };
      },
      localNow,
      setPlayerState,
    );
    followerRef.current = follower;
    props.statsRef.current = () => follower.stats();
    return () => {
      follower.stop();
      props.statsRef.current = null;
    };
  }, [conn]);

  // A new clock from the room: measure now rather than at the next tick.
  useEffect(() => followerRef.current?.poke(), [state.playback]);

  const sourceKey = item ? `${item.id}|${item.kind}|${item.url}|${live ? String(state.live) : ''}` : '';
  useEffect(() => {
    const video = videoRef.current;
    if (!video || !item || (live && !state.live)) return;
    setMediaError(null);
    let detach: (() => void) | null = null;
    let cancelled = false;
    const fail = (detail: string) => setMediaError(t('error_media', { detail }));
    void sourceOf(props.roomId, item, props.guest)
      .then(async (sources) => {
        const first = sources[0];
        if (!first || cancelled) return;
        // Live: HTTP-FLV first; when it fails, HLS.
        const onError = (detail: string) => {
          const fallback = sources[1];
          if (!fallback || cancelled) return fail(detail);
          detach?.();
          sources.shift();
          void attach(video, fallback, fail).then((d) => (cancelled ? d() : (detach = d)));
        };
        const d = await attach(video, first, onError);
        if (cancelled) d();
        else detach = d;
      })
      .catch((e: unknown) => fail(describeError(e)));
    return () => {
      cancelled = true;
      detach?.();
    };
  }, [sourceKey]);

  return (
    <section class="player" aria-label={t('current')}>
      <div class="screen">
        <video ref={videoRef} playsInline preload="auto" data-testid="video" />
        {props.overlay}
        {!item && <p class="screen-note">{t('nothingPlaying')}</p>}
        {live && !state.live && <p class="screen-note">{t('liveNotStarted')}</p>}
        {playerState === 'buffering' && <p class="screen-note small">{t('buffering')}</p>}
        {(playerState === 'muted' || playerState === 'blocked') && (
          <button type="button" class="unmute" onClick={() => followerRef.current?.unmute()}>
            {playerState === 'muted' ? t('clickToUnmute') : t('clickToPlay')}
          </button>
        )}
      </div>
      {mediaError && (
        <p class="error" role="alert">
          {mediaError}
        </p>
      )}
      <div class="now">
        {item && (
          <span>
            {live && <span class="live-badge">{t('live')}</span>} {item.title || item.url}
          </span>
        )}
        {live && (
          <span class="counts">
            {t('liveViewers')}: {state.liveViewers}
          </span>
        )}
      </div>
      {item && !live && can(state, Perm.controlPlayback) && <Controls state={state} conn={conn} item={item} />}
    </section>
  );
}

async function sourceOf(roomId: string, item: Item, guest: boolean): Promise<Source[]> {
  if (item.kind !== 'live') return [sourceFor(item.kind, item.url)];
  const id = encodeURIComponent(roomId);
  let flv = `/flv/${id}.flv`;
  let hls = `/hls/${id}/index.m3u8`;
  // Members ask for play URLs (a room with a password needs a token);
  // guests only enter rooms without one, whose streams are open.
  if (!guest) {
    const urls = await api.playUrl(roomId);
    flv = urls.flv;
    hls = urls.hls;
  }
  return [
    { kind: 'flv', url: flv, live: true },
    { kind: 'hls', url: hls, live: true },
  ];
}

const RATES = [500, 750, 1000, 1250, 1500, 2000];

function Controls({ state, conn, item }: { state: RoomState; conn: RoomConnection; item: Item }) {
  const [error, run] = useAction();
  const [now, setNow] = useState(0);
  useEffect(() => {
    const timer = window.setInterval(() => setNow(conn.clock.serverTime(localNow())), 500);
    return () => window.clearInterval(timer);
  }, [conn]);
  const pb = state.playback;
  const position = targetPosition(pb, now || conn.clock.serverTime(localNow()), item.duration_ms);
  const duration = item.duration_ms ?? Math.max(position, 1) * 1.5;
  return (
    <div class="controls">
      <button
        type="button"
        data-testid="play-toggle"
        onClick={() => void run(() => conn.command(pb.playing ? 'pause' : 'play'))}
      >
        {pb.playing ? t('pause') : t('play')}
      </button>
      <input
        type="range"
        aria-label="position"
        min={0}
        max={Math.round(duration)}
        step={1000}
        value={Math.round(position)}
        onChange={(e) => void run(() => conn.command('seek', { position_ms: Number(e.currentTarget.value) }))}
      />
      <span class="time">{clockText(position)}</span>
      <label class="inline">
        {t('speed')}
        <select
          value={String(pb.rate_milli)}
          onChange={(e) => void run(() => conn.command('set_rate', { rate_milli: Number(e.currentTarget.value) }))}
        >
          {RATES.map((r) => (
            <option key={r} value={String(r)}>
              {r / 1000}×
            </option>
          ))}
        </select>
      </label>
      <ErrorText error={error} />
    </div>
  );
}

function clockText(ms: number): string {
  const s = Math.floor(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}
