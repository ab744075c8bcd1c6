// Paths of the app. Any path the server does not own lands on index.html;
// this decides which page it is.

export type Route =
  | { page: 'rooms' }
  | { page: 'login' }
  | { page: 'register' }
  | { page: 'create' }
  | { page: 'admin' }
  | { page: 'room'; id: string }
  | { page: 'notfound' };

const ROOM_ID = /^[A-Za-z0-9_-]{1,64}$/;

export function parseRoute(pathname: string): Route {
  const path = pathname.replace(/\/+$/, '') || '/';
  switch (path) {
    case '/':
    case '/rooms':
      return { page: 'rooms' };
    case '/login':
      return { page: 'login' };
    case '/register':
      return { page: 'register' };
    case '/rooms/new':
      return { page: 'create' };
    case '/admin':
      return { page: 'admin' };
  }
  const m = /^\/rooms\/([^/]+)$/.exec(path);
  if (m) {
    let id: string;
    try {
      id = decodeURIComponent(m[1] ?? '');
    } catch {
      return { page: 'notfound' };
    }
    if (ROOM_ID.test(id)) return { page: 'room', id };
  }
  return { page: 'notfound' };
}

export function roomPath(id: string): string {
  return `/rooms/${encodeURIComponent(id)}`;
}
