// The network: institutions with their users and merchants, a live chart of paid orders per second
// (polled every second over the last minute), and each provider's reserve and settlement balances.
import type { ChartConfiguration } from 'chart.js';
import { useEffect, useMemo, useState } from 'react';
import { useLocale } from '../../shared/i18n';
import { formatFen } from '../../shared/money';
import { ChartCanvas } from '../../merchant/components/chart';
import { Page, Refusal, useLoad } from '../../merchant/components/common';
import { adminGet, type Balances, type Institutions, type PaymentsMetric } from '../api';
import { useText } from '../text';

const POLL_INTERVAL_MS = 1_000;
const WINDOW_SECONDS = 60;

/** 09:16:48 in Asia/Shanghai, the network's time zone. */
const shanghaiClock = (iso: string) =>
  new Date(iso).toLocaleTimeString('zh-CN', { timeZone: 'Asia/Shanghai', hour12: false });

function useLivePayments(): PaymentsMetric | null {
  const [metric, setMetric] = useState<PaymentsMetric | null>(null);
  useEffect(() => {
    let stopped = false;
    const poll = async () => {
      const answered = await adminGet<PaymentsMetric>('/metrics/payments', { window: String(WINDOW_SECONDS) });
      if (!stopped && answered.ok) setMetric(answered.value);
    };
    void poll();
    const timer = setInterval(() => void poll(), POLL_INTERVAL_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, []);
  return metric;
}

export function NetworkScreen() {
  const t = useText();
  const { locale } = useLocale();
  const institutions = useLoad(() => adminGet<Institutions>('/institutions'), []);
  const balances = useLoad(() => adminGet<Balances>('/balances'), []);
  const live = useLivePayments();
  const config = useMemo<ChartConfiguration>(
    () => ({
      type: 'line',
      data: {
        labels: (live?.per_second ?? []).map((second) => shanghaiClock(second.at)),
        datasets: [
          {
            label: t('perSecond'),
            data: (live?.per_second ?? []).map((second) => second.count),
            borderColor: '#1677ff',
            backgroundColor: 'rgba(22,119,255,0.15)',
            fill: true,
            pointRadius: 0,
            tension: 0.25,
          },
        ],
      },
      options: {
        animation: false,
        plugins: { legend: { display: false } },
        scales: { y: { beginAtZero: true, ticks: { precision: 0 } }, x: { ticks: { maxTicksLimit: 12 } } },
      },
    }),
    [live, t],
  );
  return (
    <Page title={t('navNetwork')}>
      <div className="panel" data-testid="live-payments">
        <header className="panel-header">
          <h2>{t('live')}</h2>
          <span className="live-figure" data-testid="live-last">
            {live?.per_second.at(-2)?.count ?? 0}
          </span>
        </header>
        <ChartCanvas config={config} label={t('live')} height={220} />
        {live && (
          <p className="muted" data-testid="live-total">
            {t('lastMinute', {
              seconds: live.window_seconds,
              total: live.total,
              average: live.average_per_second.toFixed(2),
            })}
          </p>
        )}
      </div>
      <Refusal error={institutions.error ?? balances.error} />
      {institutions.value && (
        <div className="chart-grid">
          <div className="panel">
            <h2>{t('providers')}</h2>
            <table className="table">
              <thead>
                <tr>
                  <th>{t('provider')}</th>
                  <th className="number">{t('users')}</th>
                  <th className="number">{t('merchants')}</th>
                  <th className="number">{t('passwordFree')}</th>
                </tr>
              </thead>
              <tbody>
                {institutions.value.providers.map((provider) => (
                  <tr key={provider.id}>
                    <td>
                      {locale === 'zh-CN' ? provider.name_zh : provider.name}{' '}
                      <span className="muted">{provider.id}</span>
                    </td>
                    <td className="number">{provider.users}</td>
                    <td className="number">{provider.merchants}</td>
                    <td className="number">{formatFen(provider.password_free_limit)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <div className="panel">
            <h2>{t('banks')}</h2>
            <table className="table">
              <thead>
                <tr>
                  <th>{t('banks')}</th>
                  <th>{t('bins')}</th>
                </tr>
              </thead>
              <tbody>
                {institutions.value.banks.map((bank) => (
                  <tr key={bank.id}>
                    <td>{locale === 'zh-CN' ? bank.name_zh : bank.name}</td>
                    <td>{bank.bins.join(', ')}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </div>
      )}
      {balances.value && (
        <div className="panel" data-testid="balances">
          <header className="panel-header">
            <h2>{t('balances')}</h2>
            <span className={balances.value.ok ? 'ok-badge' : 'ok-badge bad'}>
              {balances.value.ok ? t('balanced') : t('unbalanced')}
            </span>
          </header>
          <table className="table">
            <thead>
              <tr>
                <th>{t('provider')}</th>
                <th className="number">{t('reserve')}</th>
                <th className="number">{t('clientFunds')}</th>
                <th className="number">{t('feeIncome')}</th>
                <th className="number">{t('bankSettlement')}</th>
              </tr>
            </thead>
            <tbody>
              {balances.value.providers.map((funds) => (
                <tr key={funds.provider}>
                  <td>{funds.provider}</td>
                  <td className="number saoma-amount">{formatFen(funds.reserve)}</td>
                  <td className="number saoma-amount">{formatFen(funds.client_funds)}</td>
                  <td className="number saoma-amount">{formatFen(funds.fee_income)}</td>
                  <td className="number saoma-amount">{formatFen(funds.bank_settlement)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {balances.value.problems.map((line) => (
            <p key={line} className="refusal">
              {line}
            </p>
          ))}
        </div>
      )}
    </Page>
  );
}
