// Chat: the room's recent lines, older pages on demand, and a box to send.

import { useEffect, useRef, useState } from 'preact/hooks';

import { api } from '../api';
import { t } from '../i18n';
import { ErrorText, useAction } from '../ui';
import type { RoomConnection } from './connection';
import { can, type RoomState } from './state';
import { Perm, type ChatMessage } from './types';

export function Chat(props: { roomId: string; state: RoomState; conn: RoomConnection; guest: boolean }) {
  const [older, setOlder] = useState<ChatMessage[]>([]);
  const [exhausted, setExhausted] = useState(false);
  const [text, setText] = useState('');
  const [error, run] = useAction();
  const listRef = useRef<HTMLOListElement>(null);
  const known = new Set(props.state.chat.map((c) => c.id));
  const lines = [...older.filter((c) => !known.has(c.id)), ...props.state.chat];
  const newest = props.state.chat[props.state.chat.length - 1]?.id;

  useEffect(() => {
    const list = listRef.current;
    if (list) list.scrollTop = list.scrollHeight;
  }, [newest]);

  const loadOlder = () =>
    void run(async () => {
      const before = lines[0]?.id ?? props.state.lastSeq + 1;
      const page = await api.chat(props.roomId, before);
      if (page.length === 0) setExhausted(true);
      setOlder([...page, ...older]);
    });

  const send = async (e: Event) => {
    e.preventDefault();
    const body = text.trim();
    if (!body) return;
    if (await run(() => props.conn.command('chat', { text: body }))) setText('');
  };

  return (
    <section class="chat" aria-label={t('chat')}>
      {!props.guest && (
        <button type="button" class="small" disabled={exhausted} onClick={loadOlder}>
          {exhausted ? t('noMoreMessages') : t('olderMessages')}
        </button>
      )}
      <ol class="lines" ref={listRef} aria-live="polite" data-testid="chat-lines">
        {lines.map((c) => (
          <li key={c.id}>
            <time dateTime={new Date(c.at_ms).toISOString()}>{new Date(c.at_ms).toLocaleTimeString()}</time>{' '}
            <strong>{c.name}</strong>: <span class="text">{c.text}</span>
          </li>
        ))}
      </ol>
      <ErrorText error={error} />
      {can(props.state, Perm.chat) && (
        <form class="row" onSubmit={send}>
          <input
            name="chat"
            aria-label={t('chatPlaceholder')}
            placeholder={t('chatPlaceholder')}
            maxLength={500}
            value={text}
            onInput={(e) => setText(e.currentTarget.value)}
          />
          <button type="submit">{t('send')}</button>
        </form>
      )}
    </section>
  );
}
