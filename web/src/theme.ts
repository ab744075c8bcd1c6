// Dark and light themes: the system's choice until the person picks one.

import { signal } from './signal';

export type Theme = 'dark' | 'light';

function initial(): Theme {
  const saved = localStorage.getItem('synctv.theme');
  if (saved === 'dark' || saved === 'light') return saved;
  return window.matchMedia('(prefers-color-scheme: light)').matches ? 'light' : 'dark';
}

export const theme = signal<Theme>(initial());

export function applyTheme(): void {
  document.documentElement.dataset.theme = theme.get();
}

export function toggleTheme(): void {
  const next = theme.get() === 'dark' ? 'light' : 'dark';
  localStorage.setItem('synctv.theme', next);
  theme.set(next);
  applyTheme();
}
