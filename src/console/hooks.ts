import { useCallback, useEffect, useRef, useState } from 'preact/hooks';

const reloadListeners = new Set<() => void>();

/** Makes every view load its data again (after signing in or out). */
export function reloadAll(): void {
  for (const l of reloadListeners) l();
}

/** Calls `listener` on reloadAll() until the returned function is called. */
export function onReloadAll(listener: () => void): () => void {
  reloadListeners.add(listener);
  return () => {
    reloadListeners.delete(listener);
  };
}

/** The state of data being loaded. */
export interface Loaded<T> {
  data?: T;
  error?: unknown;
  loading: boolean;
  /** Loads again now. */
  reload(): void;
}

/**
 * Loads data with `load` when `deps` change, again every `everyMs` while the page is visible (if
 * given), and after reloadAll(). Answers that arrive after a newer request started are dropped.
 */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[], everyMs?: number): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: unknown; loading: boolean }>({ loading: true });
  const generation = useRef(0);
  const loader = useRef(load);
  loader.current = load;
  const run = useCallback(() => {
    const g = ++generation.current;
    setState((s) => ({ ...s, loading: true }));
    loader.current().then(
      (data) => {
        if (g === generation.current) setState({ data, loading: false });
      },
      (error: unknown) => {
        if (g === generation.current) setState((s) => ({ data: s.data, error, loading: false }));
      },
    );
  }, []);
  useEffect(() => {
    setState({ loading: true });
    run();
    reloadListeners.add(run);
    const timer =
      everyMs === undefined
        ? undefined
        : setInterval(() => {
            if (document.visibilityState === 'visible') run();
          }, everyMs);
    return () => {
      generation.current++;
      reloadListeners.delete(run);
      if (timer !== undefined) clearInterval(timer);
    };
  }, [...deps, everyMs]);
  return { ...state, reload: run };
}

/** A value that follows `value` after it has been still for `ms`. */
export function useDebounced<T>(value: T, ms: number): T {
  const [v, setV] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setV(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return v;
}
