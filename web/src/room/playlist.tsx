// The room's playlist: add a URL or the live stream, edit, reorder, delete,
// set current, clear. Each change goes through the API; the room's events
// bring the result to everyone, this page included.

import { useState } from 'preact/hooks';

import { api } from '../api';
import { t } from '../i18n';
import { ErrorText, useAction } from '../ui';
import { can, type RoomState } from './state';
import { Perm, type Item, type ItemKind } from './types';

export function Playlist({ roomId, state }: { roomId: string; state: RoomState }) {
  const [error, run] = useAction();
  const list = state.playlist;
  const mine = (item: Item) => item.added_by === state.userId;
  const canEdit = (item: Item) => can(state, Perm.editItem) || mine(item);
  const canDelete = (item: Item) => can(state, Perm.deleteItem) || mine(item);
  const move = (index: number, by: -1 | 1) => {
    const item = list[index];
    if (!item) return;
    // Up: after the item two above (or to the top); down: after the next one.
    const after = by === -1 ? (list[index - 2]?.id ?? null) : (list[index + 1]?.id ?? null);
    if (by === 1 && after === null) return;
    void run(() => api.moveItem(roomId, item.id, after));
  };
  return (
    <section class="card playlist" aria-label={t('playlist')}>
      <div class="row spread">
        <h2>{t('playlist')}</h2>
        {can(state, Perm.deleteItem) && list.length > 0 && (
          <button
            type="button"
            class="small danger"
            onClick={() => confirm(t('confirmClear')) && void run(() => api.clearPlaylist(roomId))}
          >
            {t('clear')}
          </button>
        )}
      </div>
      <ErrorText error={error} />
      {list.length === 0 && <p>{t('emptyPlaylist')}</p>}
      <ol class="items">
        {list.map((item, i) => (
          <PlaylistRow
            key={item.id}
            item={item}
            current={state.playback.item_id === item.id}
            canSetCurrent={can(state, Perm.setCurrent)}
            canEdit={canEdit(item)}
            canDelete={canDelete(item)}
            first={i === 0}
            last={i === list.length - 1}
            onPlay={() => void run(() => api.setCurrent(roomId, item.id))}
            onDelete={() => void run(() => api.deleteItem(roomId, item.id))}
            onMove={(by) => move(i, by)}
            onSave={(body) => run(() => api.editItem(roomId, item.id, body))}
          />
        ))}
      </ol>
      {can(state, Perm.addItem) && <AddItem roomId={roomId} onRun={run} />}
    </section>
  );
}

interface RowProps {
  item: Item;
  current: boolean;
  canSetCurrent: boolean;
  canEdit: boolean;
  canDelete: boolean;
  first: boolean;
  last: boolean;
  onPlay: () => void;
  onDelete: () => void;
  onMove: (by: -1 | 1) => void;
  onSave: (body: { title?: string; url?: string }) => Promise<boolean>;
}

function PlaylistRow(p: RowProps) {
  const [editing, setEditing] = useState(false);
  const [title, setTitle] = useState(p.item.title);
  const [url, setUrl] = useState(p.item.url);
  if (editing) {
    return (
      <li class="item editing">
        <form
          class="row wrap"
          onSubmit={async (e) => {
            e.preventDefault();
            const body = p.item.kind === 'live' || url === p.item.url ? { title } : { title, url };
            if (await p.onSave(body)) setEditing(false);
          }}
        >
          <input aria-label={t('title')} value={title} onInput={(e) => setTitle(e.currentTarget.value)} />
          {p.item.kind !== 'live' && (
            <input aria-label="URL" type="url" value={url} onInput={(e) => setUrl(e.currentTarget.value)} />
          )}
          <button type="submit" class="small">
            {t('save')}
          </button>
          <button type="button" class="small" onClick={() => setEditing(false)}>
            {t('cancel')}
          </button>
        </form>
      </li>
    );
  }
  return (
    <li class={p.current ? 'item current' : 'item'} aria-current={p.current ? 'true' : undefined}>
      <span class="item-title">
        {p.item.kind === 'live' && <span class="live-badge">{t('live')}</span>} {p.item.title || p.item.url}
        <small class="kind">{p.item.kind}</small>
      </span>
      <span class="item-actions">
        {p.canSetCurrent && !p.current && (
          <button type="button" class="small" onClick={p.onPlay}>
            {t('playThis')}
          </button>
        )}
        {p.canEdit && (
          <>
            <button type="button" class="small" disabled={p.first} onClick={() => p.onMove(-1)} aria-label={t('moveUp')}>
              ↑
            </button>
            <button type="button" class="small" disabled={p.last} onClick={() => p.onMove(1)} aria-label={t('moveDown')}>
              ↓
            </button>
            <button type="button" class="small" onClick={() => setEditing(true)}>
              {t('edit')}
            </button>
          </>
        )}
        {p.canDelete && (
          <button type="button" class="small danger" onClick={p.onDelete}>
            {t('delete')}
          </button>
        )}
      </span>
    </li>
  );
}

function AddItem({ roomId, onRun }: { roomId: string; onRun: (f: () => Promise<unknown>) => Promise<boolean> }) {
  const [url, setUrl] = useState('');
  const [title, setTitle] = useState('');
  const [kind, setKind] = useState<'' | ItemKind>('');
  const submit = async (e: Event) => {
    e.preventDefault();
    const body = { url: url.trim(), ...(title ? { title } : {}), ...(kind ? { kind } : {}) };
    if (await onRun(() => api.addItem(roomId, body))) {
      setUrl('');
      setTitle('');
    }
  };
  return (
    <form class="add-item" onSubmit={submit}>
      <input
        name="url"
        type="url"
        required
        placeholder={t('addUrl')}
        aria-label={t('addUrl')}
        value={url}
        onInput={(e) => setUrl(e.currentTarget.value)}
      />
      <input
        name="title"
        placeholder={t('title')}
        aria-label={t('title')}
        value={title}
        onInput={(e) => setTitle(e.currentTarget.value)}
      />
      <select aria-label="kind" value={kind} onChange={(e) => setKind(e.currentTarget.value as '' | ItemKind)}>
        <option value="">auto</option>
        <option value="mp4">mp4</option>
        <option value="webm">webm</option>
        <option value="hls">m3u8</option>
        <option value="flv">flv</option>
      </select>
      <button type="submit">{t('add')}</button>
      <button type="button" onClick={() => void onRun(() => api.addItem(roomId, { live: true, title: t('live') }))}>
        {t('addLive')}
      </button>
    </form>
  );
}
