// The webhook log: every notification newest first with its latest attempt, filtered by status,
// and "send again" (the notify module's resend: same event id, a new round of retries).
import { useEffect, useState } from 'react';
import type { ApiError } from '../../shared/api';
import { useLocale } from '../../shared/i18n';
import { api, PORTAL, type Notification, type NotificationPage } from '../api';
import { Page, Refusal, Status } from '../components/common';
import { formatTime } from '../format';
import { useText, wordFor } from '../text';

const STATUSES = ['pending', 'delivered', 'failed'] as const;

function lastAttemptText(notification: Notification): string {
  const attempt = notification.attempts.at(-1);
  if (!attempt) return '—';
  const status = attempt.http_status === null ? '' : ` HTTP ${attempt.http_status}`;
  return `#${attempt.number} ${attempt.outcome}${status}${attempt.error ? ` · ${attempt.error}` : ''}`;
}

export function WebhooksScreen() {
  const t = useText();
  const { locale } = useLocale();
  const [status, setStatus] = useState('');
  const [notifications, setNotifications] = useState<Notification[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [resent, setResent] = useState<string | null>(null);

  const load = async (before: string | null) => {
    const query = { status: status === '' ? undefined : status, before: before ?? undefined };
    const answered = await api.get<NotificationPage>(`${PORTAL}/notifications`, { query });
    if (!answered.ok) return setError(answered.error);
    setError(null);
    setNotifications((previous) =>
      before === null ? answered.value.notifications : [...previous, ...answered.value.notifications],
    );
    setNext(answered.value.next_before);
  };
  useEffect(() => {
    void load(null);
  }, [status]);

  const resend = async (id: string) => {
    const answered = await api.post<Notification>(`${PORTAL}/notifications/${encodeURIComponent(id)}/resend`);
    if (!answered.ok) return setError(answered.error);
    setResent(id);
    setNotifications((previous) => previous.map((entry) => (entry.id === id ? answered.value : entry)));
  };

  return (
    <Page
      title={t('navWebhooks')}
      actions={
        <label className="inline">
          {t('statusFilter')}
          <select value={status} onChange={(event) => setStatus(event.target.value)}>
            <option value="">{t('allStatuses')}</option>
            {STATUSES.map((value) => (
              <option key={value} value={value}>
                {wordFor(t, 'status', value)}
              </option>
            ))}
          </select>
        </label>
      }
    >
      <Refusal error={error} />
      {notifications.length === 0 && <p className="empty">{t('noWebhooks')}</p>}
      {notifications.length > 0 && (
        <table className="table">
          <thead>
            <tr>
              <th>{t('createdAt')}</th>
              <th>{t('eventType')}</th>
              <th>{t('webhookUrl')}</th>
              <th>{t('status')}</th>
              <th className="number">{t('attempts')}</th>
              <th>{t('lastAttempt')}</th>
              <th>{t('nextAttempt')}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {notifications.map((entry) => (
              <tr key={entry.id} data-event-id={entry.id}>
                <td>{formatTime(entry.created_at, locale)}</td>
                <td>
                  <code>{entry.type}</code>
                </td>
                <td className="url">{entry.url}</td>
                <td>
                  <Status value={entry.status} word={wordFor(t, 'status', entry.status)} />
                </td>
                <td className="number">{entry.attempt_count}</td>
                <td>{lastAttemptText(entry)}</td>
                <td>{formatTime(entry.next_attempt_at, locale)}</td>
                <td>
                  <button type="button" onClick={() => void resend(entry.id)}>
                    {resent === entry.id ? t('resent') : t('resend')}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {next !== null && (
        <button type="button" className="more" onClick={() => void load(next)}>
          {t('more')}
        </button>
      )}
    </Page>
  );
}
