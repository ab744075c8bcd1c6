// A value that components can follow (a tiny observable; no framework state
// library is needed for the few globals the app has).

export interface Signal<T> {
  get(): T;
  set(value: T): void;
  subscribe(f: (value: T) => void): () => void;
}

export function signal<T>(initial: T): Signal<T> {
  let value = initial;
  const subs = new Set<(value: T) => void>();
  return {
    get: () => value,
    set(next) {
      if (Object.is(next, value)) return;
      value = next;
      for (const f of subs) f(value);
    },
    subscribe(f) {
      subs.add(f);
      return () => subs.delete(f);
    },
  };
}
