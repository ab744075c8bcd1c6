import { useState } from 'preact/hooks';

import { api } from '../api';
import { t } from '../i18n';
import { roomPath } from '../route';
import { ErrorText, navigate, useAction } from '../ui';

export function CreateRoomPage() {
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [hidden, setHidden] = useState(false);
  const [guests, setGuests] = useState(false);
  const [error, run] = useAction();
  const submit = async (e: Event) => {
    e.preventDefault();
    await run(async () => {
      const body = { name, hidden, guests_allowed: guests && !password, ...(password ? { password } : {}) };
      const room = await api.createRoom(body);
      navigate(roomPath(room.id));
    });
  };
  return (
    <section class="card narrow">
      <h1>{t('createRoom')}</h1>
      <form onSubmit={submit}>
        <label>
          {t('roomName')}
          <input name="name" required maxLength={64} value={name} onInput={(e) => setName(e.currentTarget.value)} />
        </label>
        <label>
          {t('passwordOptional')}
          <input
            name="room-password"
            type="password"
            autoComplete="new-password"
            value={password}
            onInput={(e) => setPassword(e.currentTarget.value)}
          />
        </label>
        <label class="check">
          <input type="checkbox" checked={hidden} onChange={(e) => setHidden(e.currentTarget.checked)} />
          {t('hidden')}
        </label>
        <label class="check">
          <input
            type="checkbox"
            checked={guests && !password}
            disabled={!!password}
            onChange={(e) => setGuests(e.currentTarget.checked)}
          />
          {t('guestsAllowed')}
        </label>
        {password && <small>{t('guestsNeedNoPassword')}</small>}
        <ErrorText error={error} />
        <button type="submit">{t('create')}</button>
      </form>
    </section>
  );
}
