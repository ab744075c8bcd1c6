// Small pieces every page uses: errors in words, copy buttons, the signal hook.

import { useEffect, useState } from 'preact/hooks';

import { ApiError } from './api';
import { hasText, t } from './i18n';
import { CommandError } from './room/connection';
import type { Signal } from './signal';

export function useSignal<T>(s: Signal<T>): T {
  const [value, setValue] = useState(s.get());
  useEffect(() => {
    setValue(s.get());
    return s.subscribe(setValue);
  }, [s]);
  return value;
}

/** A sentence for any error: the translated code when there is one, else the server's words. */
export function describeError(e: unknown): string {
  if (e instanceof ApiError || e instanceof CommandError) {
    const key = `error_${e.code}`;
    if (hasText(key)) return t(key);
    return e.message || e.code;
  }
  if (e instanceof Error) return e.message;
  return String(e);
}

export function ErrorText({ error }: { error: unknown }) {
  if (error === null || error === undefined) return null;
  return (
    <p class="error" role="alert">
      {describeError(error)}
    </p>
  );
}

/** Runs an action and keeps its error (or null) for display. */
export function useAction(): [unknown, (f: () => Promise<unknown>) => Promise<boolean>] {
  const [error, setError] = useState<unknown>(null);
  const run = async (f: () => Promise<unknown>) => {
    setError(null);
    try {
      await f();
      return true;
    } catch (e) {
      setError(e);
      return false;
    }
  };
  return [error, run];
}

export function CopyButton({ text, label }: { text: string; label: string }) {
  const [done, setDone] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
    } catch {
      // Without clipboard access (plain http), select the text for the person.
      const area = document.createElement('textarea');
      area.value = text;
      document.body.append(area);
      area.select();
      document.execCommand('copy');
      area.remove();
    }
    setDone(true);
    window.setTimeout(() => setDone(false), 1500);
  };
  return (
    <button type="button" class="small" onClick={copy} aria-label={`${t('copy')}: ${label}`}>
      {done ? t('copied') : t('copy')}
    </button>
  );
}

export function navigate(path: string): void {
  if (location.pathname + location.search === path) return;
  history.pushState(null, '', path);
  window.dispatchEvent(new PopStateEvent('popstate'));
}

/** A link that moves within the app without reloading. */
export function Link(props: { href: string; children: preact.ComponentChildren; class?: string }) {
  return (
    <a
      href={props.href}
      class={props.class}
      onClick={(e) => {
        if (e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return;
        e.preventDefault();
        navigate(props.href);
      }}
    >
      {props.children}
    </a>
  );
}
