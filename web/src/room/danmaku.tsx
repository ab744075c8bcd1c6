// Danmaku: comments that fly over the video, and the box to send one.

import { useEffect, useRef, useState } from 'preact/hooks';
import type { MutableRef } from 'preact/hooks';

import { t } from '../i18n';
import { ErrorText, useAction } from '../ui';
import type { RoomConnection } from './connection';
import { DanmakuTimer, type Position } from './danmaku-timing';
import type { DanmakuMode, ServerMessageOf } from './types';

export type DanmakuShow = (m: ServerMessageOf<'danmaku'>) => void;

interface Flying {
  key: number;
  text: string;
  color: string;
  mode: DanmakuMode;
  lane: number;
}

const LANES = 8;
const FIXED_MS = 4000;

/** `0xRRGGBB` as a CSS colour. */
export function cssColor(color: number): string {
  return `#${(color & 0xffffff).toString(16).padStart(6, '0')}`;
}

/** How often waiting danmaku are checked against the video. */
const CHECK_MS = 200;

export function DanmakuLayer(props: { showRef: MutableRef<DanmakuShow | null>; position: () => Position }) {
  const { showRef } = props;
  const [flying, setFlying] = useState<Flying[]>([]);
  const next = useRef(0);
  const position = useRef(props.position);
  position.current = props.position;
  useEffect(() => {
    const timer = new DanmakuTimer<ServerMessageOf<'danmaku'>>();
    let ticking = 0;
    const show = (m: ServerMessageOf<'danmaku'>) => {
      const key = next.current++;
      const item = { key, text: m.text, color: cssColor(m.color), mode: m.mode, lane: key % LANES };
      setFlying((list) => [...list.slice(-50), item]);
      if (m.mode !== 'scroll') window.setTimeout(() => remove(key), FIXED_MS);
    };
    const tick = () => {
      timer.due(position.current()).forEach(show);
      if (timer.waiting === 0) {
        window.clearInterval(ticking);
        ticking = 0;
      }
    };
    showRef.current = (m) => {
      if (timer.arrive(m, position.current())) return show(m);
      if (!ticking) ticking = window.setInterval(tick, CHECK_MS);
    };
    return () => {
      window.clearInterval(ticking);
      showRef.current = null;
    };
  }, [showRef]);
  const remove = (key: number) => setFlying((list) => list.filter((x) => x.key !== key));
  return (
    <div class="danmaku" aria-hidden="true">
      {flying.map((d) => (
        <span
          key={d.key}
          class={`dm dm-${d.mode}`}
          style={{ color: d.color, top: d.mode === 'bottom' ? undefined : `${d.lane * 11 + 2}%`, bottom: d.mode === 'bottom' ? `${(d.lane % 3) * 11 + 4}%` : undefined }}
          onAnimationEnd={() => remove(d.key)}
        >
          {d.text}
        </span>
      ))}
    </div>
  );
}

/** `position` is where this player's video stands (null on live or nothing): the danmaku is pinned there. */
export function DanmakuForm({ conn, position }: { conn: RoomConnection; position: () => number | null }) {
  const [text, setText] = useState('');
  const [color, setColor] = useState('#ffffff');
  const [mode, setMode] = useState<DanmakuMode>('scroll');
  const [error, run] = useAction();
  const send = async (e: Event) => {
    e.preventDefault();
    const body = text.trim();
    if (!body) return;
    const rgb = parseInt(color.slice(1), 16);
    const ok = await run(() => conn.command('danmaku', { text: body, color: rgb, mode, media_position_ms: position() }));
    if (ok) setText('');
  };
  return (
    <form class="danmaku-form row wrap" onSubmit={send}>
      <input
        name="danmaku"
        aria-label={t('danmakuPlaceholder')}
        placeholder={t('danmakuPlaceholder')}
        maxLength={100}
        value={text}
        onInput={(e) => setText(e.currentTarget.value)}
      />
      <input type="color" aria-label={t('colour')} value={color} onInput={(e) => setColor(e.currentTarget.value)} />
      <select aria-label={t('danmaku')} value={mode} onChange={(e) => setMode(e.currentTarget.value as DanmakuMode)}>
        <option value="scroll">{t('mode_scroll')}</option>
        <option value="top">{t('mode_top')}</option>
        <option value="bottom">{t('mode_bottom')}</option>
      </select>
      <button type="submit">{t('send')}</button>
      <ErrorText error={error} />
    </form>
  );
}
