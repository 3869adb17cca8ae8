// Users whose real name and ID number are recorded, newest accounts first, a page at a time. There
// is no manual review in Saoma yet; the page says so.
import { useEffect, useState } from 'react';
import type { ApiError } from '../../shared/api';
import { useLocale } from '../../shared/i18n';
import { Page, Refusal } from '../../merchant/components/common';
import { formatTime } from '../../merchant/format';
import { adminGet, type Reviews, type UserHit } from '../api';
import { useText } from '../text';

export function ReviewsScreen() {
  const t = useText();
  const { locale } = useLocale();
  const [users, setUsers] = useState<UserHit[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const load = async (before: string | null) => {
    const answered = await adminGet<Reviews>('/real-name-reviews', { before: before ?? undefined });
    if (!answered.ok) return setError(answered.error);
    setUsers((previous) => (before === null ? answered.value.users : [...previous, ...answered.value.users]));
    setNext(answered.value.next_before);
  };
  useEffect(() => {
    void load(null);
  }, []);
  return (
    <Page title={t('navReviews')}>
      <p className="notice">{t('reviewsNote')}</p>
      <Refusal error={error} />
      <table className="table" data-testid="reviews">
        <thead>
          <tr>
            <th>ID</th>
            <th>{t('provider')}</th>
            <th>{t('name')}</th>
            <th>{t('idNumber')}</th>
            <th>{t('phone')}</th>
            <th>{t('tier')}</th>
            <th>{t('createdAt')}</th>
          </tr>
        </thead>
        <tbody>
          {users.map((user) => (
            <tr key={user.id}>
              <td>
                <code>{user.id}</code>
              </td>
              <td>{user.provider}</td>
              <td>{user.real_name}</td>
              <td>{user.id_number}</td>
              <td>{user.phone}</td>
              <td>{user.tier}</td>
              <td>{formatTime(user.created_at, locale)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {next !== null && (
        <button type="button" className="more" onClick={() => void load(next)}>
          {t('more')}
        </button>
      )}
    </Page>
  );
}
