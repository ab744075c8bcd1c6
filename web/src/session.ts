// Who is signed in. The session itself is the server's HttpOnly cookie;
// this only remembers what /auth/me said.

import { api, type User } from './api';
import { signal } from './signal';

/** `undefined` while unknown, `null` when signed out. */
export const user = signal<User | null | undefined>(undefined);

export async function refreshUser(): Promise<void> {
  try {
    user.set(await api.me());
  } catch {
    // 401 (no session), 403 (banned) or no server: signed out either way.
    user.set(null);
  }
}

export async function logout(): Promise<void> {
  await api.logout();
  user.set(null);
}
