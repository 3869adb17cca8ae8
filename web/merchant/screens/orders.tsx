// The order search: by out_trade_no, status and creation dates (Asia/Shanghai), newest first,
// a page at a time; a row opens the order.
import { useEffect, useState, type FormEvent } from 'react';
import type { ApiError } from '../../shared/api';
import { useLocale } from '../../shared/i18n';
import { formatFen } from '../../shared/money';
import { api, PORTAL, type Order, type OrderPage } from '../api';
import { navigate, Page, Refusal, Status } from '../components/common';
import { formatTime } from '../format';
import { useText, wordFor } from '../text';

const STATUSES = ['WAIT_BUYER_PAY', 'USERPAYING', 'SUCCESS', 'REFUND', 'CLOSED'] as const;

interface Filters {
  out_trade_no: string;
  status: string;
  from: string;
  to: string;
}

const EMPTY: Filters = { out_trade_no: '', status: '', from: '', to: '' };

export function OrdersScreen() {
  const t = useText();
  const { locale } = useLocale();
  const [draft, setDraft] = useState<Filters>(EMPTY);
  const [filters, setFilters] = useState<Filters>(EMPTY);
  const [orders, setOrders] = useState<Order[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [loading, setLoading] = useState(true);

  const load = async (before: string | null) => {
    setLoading(true);
    const query = Object.fromEntries(
      Object.entries({ ...filters, before: before ?? '' }).map(([key, value]) => [
        key,
        value === '' ? undefined : value,
      ]),
    );
    const answered = await api.get<OrderPage>(`${PORTAL}/orders`, { query });
    setLoading(false);
    if (!answered.ok) return setError(answered.error);
    setError(null);
    setOrders((previous) => (before === null ? answered.value.orders : [...previous, ...answered.value.orders]));
    setNext(answered.value.next_before);
  };
  useEffect(() => {
    void load(null);
    // Loads again when the applied filters change.
  }, [filters]);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setFilters({ ...draft, out_trade_no: draft.out_trade_no.trim() });
  };
  const field = (name: keyof Filters) => ({
    name,
    value: draft[name],
    onChange: (event: { target: { value: string } }) => setDraft({ ...draft, [name]: event.target.value }),
  });

  return (
    <Page title={t('orders')}>
      <form className="filters" onSubmit={submit}>
        <label>
          {t('outTradeNo')}
          <input {...field('out_trade_no')} />
        </label>
        <label>
          {t('status')}
          <select {...field('status')}>
            <option value="">{t('allStatuses')}</option>
            {STATUSES.map((status) => (
              <option key={status} value={status}>
                {wordFor(t, 'status', status)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('from')}
          <input type="date" {...field('from')} />
        </label>
        <label>
          {t('to')}
          <input type="date" {...field('to')} />
        </label>
        <button type="submit" className="primary">
          {t('search')}
        </button>
        <button
          type="button"
          onClick={() => {
            setDraft(EMPTY);
            setFilters(EMPTY);
          }}
        >
          {t('reset')}
        </button>
      </form>
      <Refusal error={error} />
      <table className="table orders-table">
        <thead>
          <tr>
            <th>{t('outTradeNo')}</th>
            <th>{t('subject')}</th>
            <th className="number">{t('amount')}</th>
            <th className="number">{t('refunded')}</th>
            <th>{t('status')}</th>
            <th>{t('channel')}</th>
            <th>{t('createdAt')}</th>
          </tr>
        </thead>
        <tbody>
          {orders.map((order) => (
            <tr
              key={order.order_id}
              className="clickable"
              data-order-id={order.order_id}
              onClick={() => navigate(`/orders/${order.order_id}`)}
            >
              <td>
                <a href={`#/orders/${order.order_id}`}>{order.out_trade_no}</a>
              </td>
              <td>{order.subject}</td>
              <td className="number saoma-amount">{formatFen(order.amount)}</td>
              <td className="number saoma-amount">{order.refunded === '0' ? '' : formatFen(order.refunded)}</td>
              <td>
                <Status value={order.status} word={wordFor(t, 'status', order.status)} />
              </td>
              <td>{wordFor(t, 'channel', order.channel)}</td>
              <td>{formatTime(order.created_at, locale)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {!loading && orders.length === 0 && <p className="empty">{t('noOrders')}</p>}
      {next !== null && (
        <button type="button" className="more" disabled={loading} onClick={() => void load(next)}>
          {t('more')}
        </button>
      )}
    </Page>
  );
}
