// Today's takings and refunds, then three charts: today by hour, the last 30 days by day, and the
// same days by the payer's wallet provider.
import type { ChartConfiguration } from 'chart.js';
import { useMemo } from 'react';
import { useLocale } from '../../shared/i18n';
import { formatFen } from '../../shared/money';
import { api, PORTAL, type Dashboard } from '../api';
import { ChartCanvas } from '../components/chart';
import { Page, Refusal, useLoad } from '../components/common';
import { useText } from '../text';

const DAYS = 30;
const PROVIDER_COLOURS: Record<string, string> = { bluepay: '#1677ff', greenpay: '#07a35a' };
const PROVIDER_NAMES: Record<string, { 'zh-CN': string; en: string }> = {
  bluepay: { 'zh-CN': '蓝付', en: 'BluePay' },
  greenpay: { 'zh-CN': '绿信支付', en: 'GreenPay' },
};

/** Chart values in yuan: a chart's axis is the one place a float is fine (nothing is summed from it). */
const yuan = (fen: string) => Number(fen) / 100;

function barConfig(labels: string[], values: number[], label: string, colour: string): ChartConfiguration {
  return {
    type: 'bar',
    data: { labels, datasets: [{ label, data: values, backgroundColor: colour, borderRadius: 4 }] },
    options: { animation: false, plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true } } },
  };
}

export function DashboardScreen() {
  const t = useText();
  const { locale } = useLocale();
  const loaded = useLoad(() => api.get<Dashboard>(`${PORTAL}/dashboard`, { query: { days: String(DAYS) } }), []);
  const board = loaded.value;
  const charts = useMemo(() => {
    if (!board) return null;
    const providers = board.by_provider;
    const doughnut: ChartConfiguration = {
      type: 'doughnut',
      data: {
        labels: providers.map((entry) => PROVIDER_NAMES[entry.provider]?.[locale] ?? entry.provider),
        datasets: [
          {
            data: providers.map((entry) => yuan(entry.amount)),
            backgroundColor: providers.map((entry) => PROVIDER_COLOURS[entry.provider] ?? '#999'),
          },
        ],
      },
      options: { animation: false, plugins: { legend: { position: 'bottom' } } },
    };
    return {
      hour: barConfig(
        board.by_hour.map((entry) => `${entry.hour}:00`),
        board.by_hour.map((entry) => yuan(entry.amount)),
        t('amountYuan'),
        '#1677ff',
      ),
      day: barConfig(
        board.by_day.map((entry) => entry.date.slice(5)),
        board.by_day.map((entry) => yuan(entry.amount)),
        t('amountYuan'),
        '#36a3f7',
      ),
      provider: doughnut,
    };
  }, [board, locale, t]);
  if (!board || !charts)
    return (
      <Page title={t('navDashboard')}>{loaded.error ? <Refusal error={loaded.error} /> : <p>{t('loading')}</p>}</Page>
    );
  const net = BigInt(board.today.paid.amount) - BigInt(board.today.refunded.amount);
  return (
    <Page title={t('navDashboard')} actions={<span className="muted">{board.business_date}</span>}>
      <div className="tiles">
        <div className="tile" data-testid="today-takings">
          <span>{t('todayTakings')}</span>
          <strong className="saoma-amount">{formatFen(board.today.paid.amount)}</strong>
        </div>
        <div className="tile">
          <span>{t('todayCount')}</span>
          <strong>{board.today.paid.count}</strong>
        </div>
        <div className="tile">
          <span>{t('todayRefunded')}</span>
          <strong className="saoma-amount">{formatFen(board.today.refunded.amount)}</strong>
        </div>
        <div className="tile">
          <span>{t('todayNet')}</span>
          <strong className="saoma-amount">{formatFen(net)}</strong>
        </div>
      </div>
      <div className="chart-grid">
        <div className="panel wide">
          <h2>{t('byHour')}</h2>
          <ChartCanvas config={charts.hour} label={t('byHour')} />
        </div>
        <div className="panel">
          <h2>{t('byProvider', { days: DAYS })}</h2>
          {board.by_provider.length === 0 ? (
            <p className="muted">{t('noPayments')}</p>
          ) : (
            <ChartCanvas config={charts.provider} label={t('byProvider', { days: DAYS })} />
          )}
        </div>
        <div className="panel full">
          <h2>{t('byDay', { days: DAYS })}</h2>
          <ChartCanvas config={charts.day} label={t('byDay', { days: DAYS })} />
        </div>
      </div>
    </Page>
  );
}
