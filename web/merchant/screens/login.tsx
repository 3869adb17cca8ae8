// Log-in with the phone number or e-mail and the password an operator set up; the server answers
// with an HTTP-only cookie, so the page never holds the session token.
import { useState, type FormEvent } from 'react';
import type { ApiError } from '../../shared/api';
import { LanguageSwitch } from '../../shared/i18n';
import { api, PORTAL } from '../api';
import { Refusal } from '../components/common';
import { useText } from '../text';

export function LoginScreen({ onLoggedIn }: { onLoggedIn(): void }) {
  const t = useText();
  const [login, setLogin] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    const answered = await api.post(`${PORTAL}/sessions`, { login: login.trim(), password });
    setBusy(false);
    if (!answered.ok) return setError(answered.error);
    setError(null);
    onLoggedIn();
  };
  return (
    <div className="login">
      <form className="login-card" onSubmit={(event) => void submit(event)}>
        <div className="login-top">
          <span className="brand-mark">扫</span>
          <LanguageSwitch />
        </div>
        <h1>{t('loginTitle')}</h1>
        <p className="muted">{t('loginHint')}</p>
        <label>
          {t('loginField')}
          <input
            name="login"
            autoComplete="username"
            value={login}
            onChange={(event) => setLogin(event.target.value)}
            required
          />
        </label>
        <label>
          {t('password')}
          <input
            name="password"
            type="password"
            autoComplete="current-password"
            value={password}
            onChange={(event) => setPassword(event.target.value)}
            required
          />
        </label>
        <Refusal error={error} />
        <button type="submit" className="primary" disabled={busy}>
          {busy ? t('loggingIn') : t('login')}
        </button>
      </form>
    </div>
  );
}
