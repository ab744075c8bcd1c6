// A room: entry (password or guest name where needed), then the live room
// over its realtime channel.

import { useEffect, useState } from 'preact/hooks';

import { api, ApiError, type Room } from '../api';
import { t } from '../i18n';
import { user } from '../session';
import { ErrorText, Link, useSignal } from '../ui';
import { LiveRoom } from './live-room';

type Entry =
  | { kind: 'loading' }
  | { kind: 'password'; error: unknown }
  | { kind: 'guest' }
  | { kind: 'signin' }
  | { kind: 'in'; password: string; guestName: string | null }
  | { kind: 'failed'; error: unknown };

export function RoomPage({ id }: { id: string }) {
  const me = useSignal(user);
  const [room, setRoom] = useState<Room | null>(null);
  const [entry, setEntry] = useState<Entry>({ kind: 'loading' });

  useEffect(() => {
    if (me === undefined) return;
    let cancelled = false;
    const enter = async () => {
      const info = await api.room(id);
      if (cancelled) return;
      setRoom(info);
      if (!me) {
        setEntry(info.guests_allowed && !info.has_password ? { kind: 'guest' } : { kind: 'signin' });
        return;
      }
      await api.join(id, '');
      if (!cancelled) setEntry({ kind: 'in', password: '', guestName: null });
    };
    enter().catch((error: unknown) => {
      if (cancelled) return;
      if (error instanceof ApiError && error.code === 'wrong_password') setEntry({ kind: 'password', error: null });
      else setEntry({ kind: 'failed', error });
    });
    return () => {
      cancelled = true;
    };
  }, [id, me]);

  const next = `?next=${encodeURIComponent(location.pathname)}`;
  switch (entry.kind) {
    case 'loading':
      return <p class="card">{t('loading')}</p>;
    case 'failed':
      return (
        <section class="card">
          <ErrorText error={entry.error} />
          <Link href="/">{t('backToRooms')}</Link>
        </section>
      );
    case 'signin':
      return (
        <section class="card narrow">
          <h1>{room?.name}</h1>
          <p>{t('signInToEnter')}</p>
          <p class="row">
            <Link href={`/login${next}`}>{t('login')}</Link>
            <Link href={`/register${next}`}>{t('register')}</Link>
          </p>
        </section>
      );
    case 'password':
      return (
        <PasswordPrompt
          room={room}
          error={entry.error}
          onEnter={async (password) => {
            try {
              await api.join(id, password);
              setEntry({ kind: 'in', password, guestName: null });
            } catch (error) {
              setEntry({ kind: 'password', error });
            }
          }}
        />
      );
    case 'guest':
      return <GuestPrompt room={room} onEnter={(name) => setEntry({ kind: 'in', password: '', guestName: name })} />;
    case 'in':
      return <LiveRoom id={id} password={entry.password} guestName={entry.guestName} />;
  }
}

function PasswordPrompt(props: { room: Room | null; error: unknown; onEnter: (password: string) => Promise<void> }) {
  const [password, setPassword] = useState('');
  return (
    <section class="card narrow">
      <h1>{props.room?.name}</h1>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void props.onEnter(password);
        }}
      >
        <label>
          {t('roomPassword')}
          <input
            type="password"
            name="room-password"
            required
            autoFocus
            value={password}
            onInput={(e) => setPassword(e.currentTarget.value)}
          />
        </label>
        <ErrorText error={props.error} />
        <button type="submit">{t('enter')}</button>
      </form>
    </section>
  );
}

function GuestPrompt(props: { room: Room | null; onEnter: (name: string) => void }) {
  const [name, setName] = useState('');
  const next = `?next=${encodeURIComponent(location.pathname)}`;
  return (
    <section class="card narrow">
      <h1>{props.room?.name}</h1>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          props.onEnter(name.trim());
        }}
      >
        <label>
          {t('guestName')}
          <input name="guest-name" maxLength={32} value={name} onInput={(e) => setName(e.currentTarget.value)} />
        </label>
        <button type="submit">{t('enterAsGuest')}</button>
      </form>
      <p class="row">
        <Link href={`/login${next}`}>{t('login')}</Link>
        <Link href={`/register${next}`}>{t('register')}</Link>
      </p>
    </section>
  );
}
