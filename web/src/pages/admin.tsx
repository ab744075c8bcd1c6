import { useEffect, useState } from 'preact/hooks';

import { api, type AdminUser, type Room } from '../api';
import { t } from '../i18n';
import { roomPath } from '../route';
import { user } from '../session';
import { ErrorText, Link, useAction, useSignal } from '../ui';

export function AdminPage() {
  const me = useSignal(user);
  if (me === undefined) return <p>{t('loading')}</p>;
  if (!me?.is_admin) {
    return (
      <section class="card">
        <p class="error">{t('error_permission_denied')}</p>
      </section>
    );
  }
  return (
    <>
      <UsersCard myId={me.id} />
      <RoomsCard />
    </>
  );
}

function UsersCard({ myId }: { myId: number }) {
  const [users, setUsers] = useState<AdminUser[]>([]);
  const [error, run] = useAction();
  const load = () => void run(async () => setUsers(await api.adminUsers()));
  useEffect(load, []);
  const toggle = (u: AdminUser) =>
    void run(async () => {
      if (u.banned) await api.unbanUser(u.id);
      else await api.banUser(u.id);
      setUsers(await api.adminUsers());
    });
  return (
    <section class="card">
      <h1>{t('users')}</h1>
      <ErrorText error={error} />
      <table>
        <thead>
          <tr>
            <th>{t('username')}</th>
            <th>{t('admin')}</th>
            <th>{t('banned')}</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {users.map((u) => (
            <tr key={u.id}>
              <td>{u.username}</td>
              <td>{u.is_admin ? t('yes') : t('no')}</td>
              <td>{u.banned ? t('yes') : t('no')}</td>
              <td>
                {u.id !== myId && (
                  <button type="button" class="small" onClick={() => toggle(u)}>
                    {u.banned ? t('unban') : t('ban')}
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function RoomsCard() {
  const [rooms, setRooms] = useState<Room[]>([]);
  const [id, setId] = useState('');
  const [error, run] = useAction();
  const load = () => void run(async () => setRooms(await api.rooms(0, 100)));
  useEffect(load, []);
  const remove = (roomId: string) =>
    void run(async () => {
      if (!confirm(t('confirmDeleteRoom'))) return;
      await api.deleteRoom(roomId);
      setRooms(await api.rooms(0, 100));
    });
  return (
    <section class="card">
      <h1>{t('rooms')}</h1>
      <ErrorText error={error} />
      <ul class="rooms">
        {rooms.map((r) => (
          <li key={r.id}>
            <Link href={roomPath(r.id)}>{r.name}</Link>
            <span class="counts">{r.id}</span>
            <button type="button" class="small danger" onClick={() => remove(r.id)}>
              {t('delete')}
            </button>
          </li>
        ))}
      </ul>
      <form
        class="row"
        onSubmit={(e) => {
          e.preventDefault();
          if (id) remove(id.trim());
        }}
      >
        <label>
          {t('deleteById')}
          <input value={id} placeholder={t('roomId')} onInput={(e) => setId(e.currentTarget.value)} />
        </label>
        <button type="submit" class="danger">
          {t('delete')}
        </button>
      </form>
    </section>
  );
}
