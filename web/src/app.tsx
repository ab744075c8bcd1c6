// The frame of every page: the header (navigation, theme, language, who is
// signed in) and the page the path names.

import { useEffect, useState } from 'preact/hooks';

import { lang, setLang, t, type Lang } from './i18n';
import { AdminPage } from './pages/admin';
import { AuthPage } from './pages/auth';
import { CreateRoomPage } from './pages/create-room';
import { RoomsPage } from './pages/rooms';
import { RoomPage } from './room/room-page';
import { parseRoute } from './route';
import { logout, user } from './session';
import { theme, toggleTheme } from './theme';
import { Link, navigate, useSignal } from './ui';

export function App() {
  const [path, setPath] = useState(location.pathname);
  useSignal(lang);
  useEffect(() => {
    const onPop = () => setPath(location.pathname);
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);
  const route = parseRoute(path);
  return (
    <>
      <a class="skip" href="#main">
        {t('rooms')}
      </a>
      <Header />
      <main id="main" tabIndex={-1}>
        {route.page === 'rooms' && <RoomsPage />}
        {route.page === 'login' && <AuthPage mode="login" />}
        {route.page === 'register' && <AuthPage mode="register" />}
        {route.page === 'create' && <CreateRoomPage />}
        {route.page === 'admin' && <AdminPage />}
        {route.page === 'room' && <RoomPage key={route.id} id={route.id} />}
        {route.page === 'notfound' && (
          <section class="card">
            <p>{t('notFound')}</p>
            <Link href="/">{t('backToRooms')}</Link>
          </section>
        )}
      </main>
    </>
  );
}

function Header() {
  const me = useSignal(user);
  const current = useSignal(theme);
  return (
    <header class="top">
      <Link href="/" class="brand">
        {t('appName')}
      </Link>
      <nav aria-label="main">
        <Link href="/">{t('rooms')}</Link>
        {me && <Link href="/rooms/new">{t('createRoom')}</Link>}
        {me?.is_admin && <Link href="/admin">{t('admin')}</Link>}
      </nav>
      <div class="tools">
        <button
          type="button"
          class="small"
          onClick={toggleTheme}
          aria-label={t('theme')}
          title={t('theme')}
        >
          {current === 'dark' ? t('themeLight') : t('themeDark')}
        </button>
        <select
          aria-label={t('language')}
          value={lang.get()}
          onChange={(e) => setLang(e.currentTarget.value as Lang)}
        >
          <option value="en">English</option>
          <option value="zh">简体中文</option>
        </select>
        {me ? (
          <>
            <span class="who">{t('signedInAs', { name: me.username })}</span>
            <button
              type="button"
              class="small"
              onClick={() => void logout().then(() => navigate('/'))}
            >
              {t('logout')}
            </button>
          </>
        ) : (
          me === null && (
            <>
              <Link href="/login">{t('login')}</Link>
              <Link href="/register">{t('register')}</Link>
            </>
          )
        )}
      </div>
    </header>
  );
}
