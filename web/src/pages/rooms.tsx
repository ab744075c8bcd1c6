import { useEffect, useState } from 'preact/hooks';

import { api, type Room } from '../api';
import { t } from '../i18n';
import { roomPath } from '../route';
import { ErrorText, Link, useAction } from '../ui';

export function RoomsPage() {
  const [rooms, setRooms] = useState<Room[] | null>(null);
  const [error, run] = useAction();
  const load = () => void run(async () => setRooms(await api.rooms()));
  useEffect(load, []);
  return (
    <section class="card">
      <div class="row spread">
        <h1>{t('publicRooms')}</h1>
        <button type="button" class="small" onClick={load}>
          {t('refresh')}
        </button>
      </div>
      <ErrorText error={error} />
      {rooms === null && !error && <p>{t('loading')}</p>}
      {rooms?.length === 0 && <p>{t('noRooms')}</p>}
      {rooms && rooms.length > 0 && (
        <ul class="rooms">
          {rooms.map((r) => (
            <li key={r.id}>
              <Link href={roomPath(r.id)} class="room-link">
                <strong>{r.name}</strong>
                {r.has_password && <span aria-label={t('password')}> 🔒</span>}
              </Link>
              <span class="counts">
                {t('members')}: {r.members ?? 0} · {t('liveViewers')}: {r.live_viewers}
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
