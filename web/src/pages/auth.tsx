import { useState } from 'preact/hooks';

import { api } from '../api';
import { t } from '../i18n';
import { user } from '../session';
import { ErrorText, Link, navigate, useAction } from '../ui';

/** Where to go after signing in: the page that sent the person here, else the rooms. */
function next(): string {
  const to = new URLSearchParams(location.search).get('next');
  return to && to.startsWith('/') && !to.startsWith('//') ? to : '/';
}

export function AuthPage({ mode }: { mode: 'login' | 'register' }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, run] = useAction();
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    const ok = await run(async () => {
      const res = mode === 'login' ? await api.login(username, password) : await api.register(username, password);
      user.set(res.user);
    });
    setBusy(false);
    if (ok) navigate(next());
  };
  const title = mode === 'login' ? t('login') : t('register');
  const query = location.search;
  return (
    <section class="card narrow">
      <h1>{title}</h1>
      <form onSubmit={submit}>
        <label>
          {t('username')}
          <input
            name="username"
            autoComplete="username"
            required
            value={username}
            onInput={(e) => setUsername(e.currentTarget.value)}
          />
        </label>
        <label>
          {t('password')}
          <input
            name="password"
            type="password"
            autoComplete={mode === 'login' ? 'current-password' : 'new-password'}
            required
            value={password}
            onInput={(e) => setPassword(e.currentTarget.value)}
          />
        </label>
        <ErrorText error={error} />
        <button type="submit" disabled={busy}>
          {title}
        </button>
      </form>
      {mode === 'login' ? (
        <p>
          {t('noAccount')} <Link href={`/register${query}`}>{t('register')}</Link>
        </p>
      ) : (
        <p>
          {t('haveAccount')} <Link href={`/login${query}`}>{t('login')}</Link>
          <br />
          <small>{t('firstAdmin')}</small>
        </p>
      )}
    </section>
  );
}
