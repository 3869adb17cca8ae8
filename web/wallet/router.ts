// Hash routes (`#/red-packets/rp_…`): the wallet is one static page, so every screen is
// reachable by a link and survives a reload without the server knowing the app's paths.
import { useEffect, useState } from 'react';

export interface Route {
  /** Path segments: `#/history/42` → ['history', '42']; home is []. */
  segments: string[];
  query: URLSearchParams;
}

function currentRoute(): Route {
  const hash = window.location.hash.replace(/^#/, '');
  const [path = '', search = ''] = hash.split('?', 2);
  return { segments: path.split('/').filter(Boolean).map(decodeURIComponent), query: new URLSearchParams(search) };
}

export function useRoute(): Route {
  const [route, setRoute] = useState(currentRoute);
  useEffect(() => {
    const onChange = () => {
      setRoute(currentRoute());
      window.scrollTo(0, 0);
    };
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}

/** `navigate('/history')`; `replace` keeps the current screen out of the back stack. */
export function navigate(path: string, options: { replace?: boolean } = {}): void {
  const hash = `#${path}`;
  if (options.replace) window.location.replace(hash);
  else window.location.hash = hash;
}

/** Back, or home when the app was opened on this screen. */
export function goBack(): void {
  if (window.history.length > 1) window.history.back();
  else navigate('/');
}

/** The link that opens a screen of this wallet (shared red packets). */
export function walletLink(path: string): string {
  return `${window.location.origin}${window.location.pathname}#${path}`;
}
