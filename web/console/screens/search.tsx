// Search of users (id, phone prefix, real name) and merchants (id, name).
import { useState, type FormEvent } from 'react';
import type { ApiError } from '../../shared/api';
import { useLocale } from '../../shared/i18n';
import { Page, Refusal } from '../../merchant/components/common';
import { formatTime } from '../../merchant/format';
import { adminGet, type SearchResult } from '../api';
import { useText } from '../text';

export function SearchScreen() {
  const t = useText();
  const { locale } = useLocale();
  const [text, setText] = useState('');
  const [result, setResult] = useState<SearchResult | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const answered = await adminGet<SearchResult>('/search', { q: text.trim() });
    if (!answered.ok) return setError(answered.error);
    setError(null);
    setResult(answered.value);
  };
  return (
    <Page title={t('navSearch')}>
      <form className="search-box" onSubmit={(event) => void submit(event)}>
        <input
          name="q"
          placeholder={t('searchHint')}
          value={text}
          maxLength={64}
          onChange={(event) => setText(event.target.value)}
          required
        />
        <button type="submit" className="primary">
          {t('search')}
        </button>
      </form>
      <Refusal error={error} />
      {result && (
        <>
          <div className="panel" data-testid="user-results">
            <h2>{t('users')}</h2>
            {result.users.length === 0 ? (
              <p className="muted">{t('noResults')}</p>
            ) : (
              <table className="table">
                <thead>
                  <tr>
                    <th>ID</th>
                    <th>{t('provider')}</th>
                    <th>{t('phone')}</th>
                    <th>{t('name')}</th>
                    <th>{t('tier')}</th>
                    <th>{t('status')}</th>
                    <th>{t('createdAt')}</th>
                  </tr>
                </thead>
                <tbody>
                  {result.users.map((user) => (
                    <tr key={user.id}>
                      <td>
                        <code>{user.id}</code>
                      </td>
                      <td>{user.provider}</td>
                      <td>{user.phone}</td>
                      <td>{user.real_name ?? '—'}</td>
                      <td>{user.tier}</td>
                      <td>{user.status}</td>
                      <td>{formatTime(user.created_at, locale)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </div>
          <div className="panel" data-testid="merchant-results">
            <h2>{t('merchants')}</h2>
            {result.merchants.length === 0 ? (
              <p className="muted">{t('noResults')}</p>
            ) : (
              <table className="table">
                <thead>
                  <tr>
                    <th>ID</th>
                    <th>{t('provider')}</th>
                    <th>{t('name')}</th>
                    <th>{t('kind')}</th>
                    <th>MCC</th>
                    <th>{t('status')}</th>
                    <th>{t('createdAt')}</th>
                  </tr>
                </thead>
                <tbody>
                  {result.merchants.map((merchant) => (
                    <tr key={merchant.id}>
                      <td>
                        <code>{merchant.id}</code>
                      </td>
                      <td>{merchant.provider}</td>
                      <td>{merchant.name}</td>
                      <td>{merchant.kind}</td>
                      <td>{merchant.mcc}</td>
                      <td>{merchant.status}</td>
                      <td>{formatTime(merchant.created_at, locale)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </div>
        </>
      )}
    </Page>
  );
}
