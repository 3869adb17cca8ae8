// Small pieces every portal screen uses: hash routes, a refusal box (a title in the reader's
// language over the server's own sentence), a loader hook that turns a call into state, and a
// page frame.
import { useCallback, useEffect, useState, type ReactNode } from 'react';
import type { ApiError, ApiResult } from '../../shared/api';
import { errorTitle, useLocale } from '../../shared/i18n';
import { PORTAL_ERROR_TITLES } from '../text';

export interface Route {
  /** `#/orders/ord_1` → ['orders', 'ord_1']. */
  segments: string[];
}

const currentRoute = (): Route => ({
  segments: window.location.hash.replace(/^#/, '').split('?')[0]!.split('/').filter(Boolean).map(decodeURIComponent),
});

export function useRoute(): Route {
  const [route, setRoute] = useState(currentRoute);
  useEffect(() => {
    const onChange = () => setRoute(currentRoute());
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}

export const navigate = (path: string) => {
  window.location.hash = `#${path}`;
};

export function Refusal({ error }: { error: ApiError | null }) {
  const { locale } = useLocale();
  if (!error) return null;
  const title = PORTAL_ERROR_TITLES[error.code]?.[locale] ?? errorTitle(error.code, locale);
  return (
    <div className="refusal" role="alert" data-error-code={error.code}>
      <strong>{title}</strong>
      <p>{error.message}</p>
    </div>
  );
}

export interface Loaded<Value> {
  value: Value | null;
  error: ApiError | null;
  loading: boolean;
  reload(): void;
}

/** Calls `load` on mount and whenever `deps` change; `reload()` calls it again. */
export function useLoad<Value>(load: () => Promise<ApiResult<Value>>, deps: readonly unknown[]): Loaded<Value> {
  const [state, setState] = useState<{ value: Value | null; error: ApiError | null; loading: boolean }>({
    value: null,
    error: null,
    loading: true,
  });
  const [round, setRound] = useState(0);
  const run = useCallback(load, deps);
  useEffect(() => {
    let current = true;
    setState((previous) => ({ ...previous, loading: true }));
    void run().then((result) => {
      if (!current) return;
      setState(
        result.ok
          ? { value: result.value, error: null, loading: false }
          : { value: null, error: result.error, loading: false },
      );
    });
    return () => {
      current = false;
    };
  }, [run, round]);
  return { ...state, reload: () => setRound((value) => value + 1) };
}

export function Page({ title, actions, children }: { title: string; actions?: ReactNode; children: ReactNode }) {
  return (
    <section className="page">
      <header className="page-header">
        <h1>{title}</h1>
        {actions}
      </header>
      {children}
    </section>
  );
}

export function Status({ word, value }: { word: string; value: string }) {
  return <span className={`status status-${value.toLowerCase()}`}>{word}</span>;
}
