// The console's frame: the token check (GET /v1/admin/institutions answers 401 without the right
// one), the side navigation, and the screen the hash route names.
import { useEffect, useState, type FormEvent } from 'react';
import type { ApiError } from '../shared/api';
import { LanguageSwitch, LocaleProvider } from '../shared/i18n';
import { Refusal, useRoute } from '../merchant/components/common';
import { adminGet, storedToken, storeToken, whenUnauthorized } from './api';
import { AuditScreen } from './screens/audit';
import { NetworkScreen } from './screens/network';
import { ReviewsScreen } from './screens/reviews';
import { SearchScreen } from './screens/search';
import { useText, type TextKey } from './text';

const NAVIGATION: readonly { path: string; label: TextKey }[] = [
  { path: 'network', label: 'navNetwork' },
  { path: 'search', label: 'navSearch' },
  { path: 'reviews', label: 'navReviews' },
  { path: 'audit', label: 'navAudit' },
];

export function App() {
  return (
    <LocaleProvider>
      <Console />
    </LocaleProvider>
  );
}

function Console() {
  const [token, setToken] = useState(storedToken);
  useEffect(() => {
    whenUnauthorized(() => {
      storeToken(null);
      setToken(null);
    });
  }, []);
  if (token === null) return <TokenScreen onEntered={(entered) => setToken(entered)} />;
  return (
    <Shell
      onLogOut={() => {
        storeToken(null);
        setToken(null);
      }}
    />
  );
}

function TokenScreen({ onEntered }: { onEntered(token: string): void }) {
  const t = useText();
  const [token, setToken] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const checked = await adminGet('/institutions', undefined, token.trim());
    if (!checked.ok) return setError(checked.error);
    storeToken(token.trim());
    onEntered(token.trim());
  };
  return (
    <div className="login">
      <form className="login-card" onSubmit={(event) => void submit(event)}>
        <div className="login-top">
          <span className="brand-mark">运</span>
          <LanguageSwitch />
        </div>
        <h1>{t('loginTitle')}</h1>
        <p className="muted">{t('loginHint')}</p>
        <label>
          {t('token')}
          <input
            name="token"
            type="password"
            autoComplete="off"
            value={token}
            onChange={(event) => setToken(event.target.value)}
            required
          />
        </label>
        <Refusal error={error} />
        <button type="submit" className="primary">
          {t('login')}
        </button>
      </form>
    </div>
  );
}

function Shell({ onLogOut }: { onLogOut(): void }) {
  const t = useText();
  const [section = 'network'] = useRoute().segments;
  return (
    <div className="shell">
      <aside className="sidebar console">
        <div className="brand">
          <span className="brand-mark">运</span>
          <span>{t('appName')}</span>
        </div>
        <nav>
          {NAVIGATION.map((item) => (
            <a key={item.path} href={`#/${item.path}`} className={section === item.path ? 'active' : undefined}>
              {t(item.label)}
            </a>
          ))}
        </nav>
        <div className="sidebar-foot">
          <span className="who" />
          <LanguageSwitch />
          <button type="button" className="link-button" onClick={onLogOut}>
            {t('logout')}
          </button>
        </div>
      </aside>
      <main className="content">
        {section === 'search' ? (
          <SearchScreen />
        ) : section === 'reviews' ? (
          <ReviewsScreen />
        ) : section === 'audit' ? (
          <AuditScreen />
        ) : (
          <NetworkScreen />
        )}
      </main>
    </div>
  );
}
