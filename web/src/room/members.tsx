// Who is in the room, with roles; kick, ban and roles for those allowed.

import { useEffect, useState } from 'preact/hooks';

import { allMembers, api } from '../api';
import { t, type TextKey } from '../i18n';
import { ErrorText, useAction } from '../ui';
import { can, me, type RoomState } from './state';
import { Perm, type Member, type Role } from './types';

const RANK: Record<Role, number> = { guest: 0, member: 1, admin: 2, creator: 3 };

export function Members({ roomId, state }: { roomId: string; state: RoomState }) {
  const manage = can(state, Perm.manageMembers);
  const self = me(state);
  const [all, setAll] = useState<{ members: Member[]; banned: number[] } | null>(null);
  const [error, run] = useAction();
  const online = new Set(state.members.map((m) => m.user_id));
  // Moderators see everyone who ever joined (and the bans), paged in once and
  // after each of their actions; who is online comes from the room's events.
  // Others see who is online.
  useEffect(() => {
    if (manage) void run(async () => setAll(await allMembers(roomId)));
  }, [manage, roomId]);
  const list = all ? all.members.map((m) => ({ ...m, online: online.has(m.user_id) })) : state.members;
  const known = new Set(list.map((m) => m.user_id));
  const newcomers = state.members.filter((m) => !known.has(m.user_id));
  const shown = [...list, ...newcomers].sort(
    (a, b) => Number(b.online) - Number(a.online) || RANK[b.role] - RANK[a.role],
  );
  const act = (f: () => Promise<unknown>) =>
    void run(async () => {
      await f();
      if (manage) setAll(await allMembers(roomId));
    });
  const above = (m: Member) => self !== undefined && RANK[self.role] > RANK[m.role];
  return (
    <section aria-label={t('members')}>
      <ErrorText error={error} />
      <p class="member-count">
        {state.memberCount} {t('online')}
      </p>
      <ul class="members">
        {shown.map((m) => (
          <li key={m.user_id} class={m.online ? 'online' : 'offline'}>
            <span>
              <span class="dot" aria-label={m.online ? t('online') : t('offline')} /> {m.name}
              {m.user_id === state.userId && ` (${t('you')})`} <small>{t(`role_${m.role}` as TextKey)}</small>
            </span>
            {manage && m.user_id !== state.userId && above(m) && m.role !== 'guest' && (
              <span class="item-actions">
                {m.online && (
                  <button type="button" class="small" onClick={() => act(() => api.kick(roomId, m.user_id))}>
                    {t('kick')}
                  </button>
                )}
                <button type="button" class="small danger" onClick={() => act(() => api.ban(roomId, m.user_id))}>
                  {t('ban')}
                </button>
                {self?.role === 'creator' && (
                  <button
                    type="button"
                    class="small"
                    onClick={() => act(() => api.setRole(roomId, m.user_id, m.role === 'admin' ? 'member' : 'admin'))}
                  >
                    {m.role === 'admin' ? t('makeMember') : t('makeAdmin')}
                  </button>
                )}
              </span>
            )}
          </li>
        ))}
      </ul>
      {manage && all && all.banned.length > 0 && (
        <>
          <h3>{t('banned')}</h3>
          <ul class="members">
            {all.banned.map((id) => (
              <li key={id}>
                <span>#{id}</span>
                <button type="button" class="small" onClick={() => act(() => api.unban(roomId, id))}>
                  {t('unban')}
                </button>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
