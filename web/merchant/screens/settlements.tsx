// Settlements newest first, and the day's trade bill as a CSV download (the browser follows the
// link with the portal cookie; the server names the file).
import { useState } from 'react';
import { useLocale } from '../../shared/i18n';
import { formatFen } from '../../shared/money';
import { api, PORTAL, type Settlement } from '../api';
import { Page, Refusal, Status, useLoad } from '../components/common';
import { formatTime, todayInShanghai } from '../format';
import { useText, wordFor } from '../text';

export function SettlementsScreen({ delayDays }: { delayDays: number }) {
  const t = useText();
  const { locale } = useLocale();
  const loaded = useLoad(() => api.get<{ settlements: Settlement[] }>(`${PORTAL}/settlements`), []);
  const [date, setDate] = useState(todayInShanghai);
  const settlements = loaded.value?.settlements ?? [];
  return (
    <Page title={t('navSettlements')}>
      <div className="panel">
        <h2>{t('bills')}</h2>
        <div className="filters">
          <label>
            {t('billDate')}
            <input type="date" name="bill-date" value={date} onChange={(event) => setDate(event.target.value)} />
          </label>
          <a className="button primary" href={`${PORTAL}/bills/${date}`} download data-testid="bill-download">
            {t('download')}
          </a>
        </div>
      </div>
      <div className="panel">
        <h2>{t('settlements')}</h2>
        <Refusal error={loaded.error} />
        {loaded.value && settlements.length === 0 && <p className="muted">{t('noSettlements', { days: delayDays })}</p>}
        {settlements.length > 0 && (
          <table className="table">
            <thead>
              <tr>
                <th>{t('businessDate')}</th>
                <th className="number">{t('paymentsCount')}</th>
                <th className="number">{t('gross')}</th>
                <th className="number">{t('fee')}</th>
                <th className="number">{t('refunded')}</th>
                <th className="number">{t('net')}</th>
                <th>{t('status')}</th>
                <th>{t('paidOutAt')}</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {settlements.map((entry) => (
                <tr key={entry.settlement_id}>
                  <td>{entry.business_date}</td>
                  <td className="number">
                    {entry.payments} / {entry.refund_count}
                  </td>
                  <td className="number saoma-amount">{formatFen(entry.gross)}</td>
                  <td className="number">{formatFen(entry.fee)}</td>
                  <td className="number">{formatFen(entry.refunds)}</td>
                  <td className="number saoma-amount">
                    <strong>{formatFen(entry.net)}</strong>
                  </td>
                  <td>
                    <Status value={entry.status} word={wordFor(t, 'status', entry.status)} />
                  </td>
                  <td>{formatTime(entry.paid_out_at, locale)}</td>
                  <td>
                    <a href={`${PORTAL}/bills/${entry.business_date}`} download>
                      {t('download')}
                    </a>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
    </Page>
  );
}
