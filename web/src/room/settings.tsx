// Room settings for its admins and creator.

import { useState } from 'preact/hooks';

import { api } from '../api';
import { t } from '../i18n';
import { ErrorText, navigate, useAction } from '../ui';
import { PermissionBits } from './permissions';
import { me, type RoomState } from './state';
import type { Role, Settings } from './types';

type PermField = 'admin_permissions' | 'member_permissions' | 'guest_permissions';
const PERM_ROLES: [Role, PermField][] = [
  ['admin', 'admin_permissions'],
  ['member', 'member_permissions'],
  ['guest', 'guest_permissions'],
];

export function RoomSettings({ roomId, state }: { roomId: string; state: RoomState }) {
  const s = state.settings;
  const [name, setName] = useState(s.name);
  const [password, setPassword] = useState('');
  const [removePassword, setRemovePassword] = useState(false);
  const [hidden, setHidden] = useState(s.visibility === 'hidden');
  const [guests, setGuests] = useState(s.guests_allowed);
  const [perms, setPerms] = useState(() => permsOf(s));
  const [saved, setSaved] = useState(false);
  const [error, run] = useAction();
  const self = me(state);
  const creator = self?.role === 'creator';
  // Only the creator changes what admins may do.
  const editable = PERM_ROLES.filter(([role]) => role !== 'admin' || creator);
  const save = async (e: Event) => {
    e.preventDefault();
    setSaved(false);
    const body: Record<string, unknown> = { name, hidden, guests_allowed: guests };
    if (password) body.password = password;
    if (removePassword) body.remove_password = true;
    // Only what changed: the room checks the caller holds every bit sent.
    for (const [, field] of editable) if (perms[field] !== s[field]) body[field] = perms[field];
    if (await run(() => api.updateRoom(roomId, body))) {
      setPassword('');
      setRemovePassword(false);
      setSaved(true);
    }
  };
  const remove = () =>
    confirm(t('confirmDeleteRoom')) &&
    void run(async () => {
      await api.deleteRoom(roomId);
      navigate('/');
    });
  return (
    <section aria-label={t('settings')}>
      <form onSubmit={save}>
        <label>
          {t('roomName')}
          <input required maxLength={64} value={name} onInput={(e) => setName(e.currentTarget.value)} />
        </label>
        <label>
          {t('newPassword')}
          <input
            type="password"
            autoComplete="new-password"
            value={password}
            disabled={removePassword}
            onInput={(e) => setPassword(e.currentTarget.value)}
          />
        </label>
        {s.has_password && (
          <label class="check">
            <input
              type="checkbox"
              checked={removePassword}
              onChange={(e) => setRemovePassword(e.currentTarget.checked)}
            />
            {t('removePassword')}
          </label>
        )}
        <label class="check">
          <input type="checkbox" checked={hidden} onChange={(e) => setHidden(e.currentTarget.checked)} />
          {t('hidden')}
        </label>
        <label class="check">
          <input type="checkbox" checked={guests} onChange={(e) => setGuests(e.currentTarget.checked)} />
          {t('guestsAllowed')}
        </label>
        <small>{t('guestsNeedNoPassword')}</small>
        <h3>{t('permissions')}</h3>
        {editable.map(([role, field]) => (
          <PermissionBits
            key={field}
            legend={t('permsOf', { role: t(`role_${role}`) })}
            value={perms[field]}
            holds={self?.permissions ?? 0}
            onChange={(value) => setPerms({ ...perms, [field]: value })}
          />
        ))}
        <ErrorText error={error} />
        {saved && <p role="status">{t('saved')}</p>}
        <button type="submit">{t('save')}</button>
      </form>
      {creator && (
        <button type="button" class="danger" onClick={remove}>
          {t('deleteRoom')}
        </button>
      )}
    </section>
  );
}

function permsOf(s: Settings): Record<PermField, number> {
  return {
    admin_permissions: s.admin_permissions,
    member_permissions: s.member_permissions,
    guest_permissions: s.guest_permissions,
  };
}
