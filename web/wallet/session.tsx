// Who is logged in: the profile from GET /v1/me, read once at start and again after anything
// that changes it (real-name, a linked card). The session itself is the server's HTTP-only cookie.
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { onUnauthorized, walletApi, type Me } from './api';

export type SessionState = { status: 'loading' } | { status: 'out' } | { status: 'in'; me: Me };

interface Session {
  state: SessionState;
  /** Reads the profile again (after a change the server made). */
  refresh(): Promise<void>;
  signedIn(me: Me): void;
  signOut(): Promise<void>;
}

const SessionContext = createContext<Session | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<SessionState>({ status: 'loading' });
  const refresh = useCallback(async () => {
    const me = await walletApi.me();
    setState(me.ok ? { status: 'in', me: me.value } : { status: 'out' });
  }, []);
  useEffect(() => {
    void refresh();
    return onUnauthorized(() => setState({ status: 'out' }));
  }, [refresh]);
  const signedIn = useCallback((me: Me) => setState({ status: 'in', me }), []);
  const signOut = useCallback(async () => {
    await walletApi.logOut();
    setState({ status: 'out' });
  }, []);
  const session = useMemo(() => ({ state, refresh, signedIn, signOut }), [state, refresh, signedIn, signOut]);
  return <SessionContext.Provider value={session}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside SessionProvider');
  return session;
}

/** The logged-in user; screens behind the log-in only. */
export function useMe(): Me {
  const { state } = useSession();
  if (state.status !== 'in') throw new Error('useMe on a screen shown without a session');
  return state.me;
}
