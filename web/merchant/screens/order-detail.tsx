// One order: its fields, the payer (masked), its refunds, and the refund form (amount in yuan,
// an optional reason). The form carries one request number for its life, so submitting it twice
// refunds once; a refusal shows the server's sentence.
import { useState, type FormEvent, type ReactNode } from 'react';
import type { ApiError } from '../../shared/api';
import { useLocale } from '../../shared/i18n';
import { fenToYuanText, formatFen, parseYuanToFen } from '../../shared/money';
import { api, PORTAL, type OrderDetail, type Refund } from '../api';
import { Page, Refusal, Status, useLoad } from '../components/common';
import { formatTime, newRequestNumber } from '../format';
import { useText, wordFor } from '../text';

export function OrderDetailScreen({ orderId }: { orderId: string }) {
  const t = useText();
  const { locale } = useLocale();
  const loaded = useLoad(() => api.get<OrderDetail>(`${PORTAL}/orders/${encodeURIComponent(orderId)}`), [orderId]);
  const order = loaded.value;
  const [notice, setNotice] = useState<string | null>(null);
  const back = (
    <a className="button" href="#/orders">
      {t('back')}
    </a>
  );
  if (!order)
    return (
      <Page title={t('orderDetail')} actions={back}>
        {loaded.error ? <Refusal error={loaded.error} /> : <p>{t('loading')}</p>}
      </Page>
    );
  const rows: [string, ReactNode][] = [
    [t('outTradeNo'), order.out_trade_no],
    [t('orderId'), <code key="id">{order.order_id}</code>],
    [t('subject'), order.subject],
    [t('amount'), <span className="saoma-amount">{formatFen(order.amount)}</span>],
    [t('fee'), formatFen(order.fee)],
    [t('refunded'), formatFen(order.refunded)],
    [t('status'), <Status value={order.status} word={wordFor(t, 'status', order.status)} />],
    [t('channel'), wordFor(t, 'channel', order.channel)],
    [t('payer'), order.payer ? `${order.payer.name} · ${order.payer.provider}` : '—'],
    [t('createdAt'), formatTime(order.created_at, locale)],
    [t('paidAt'), formatTime(order.paid_at, locale)],
  ];
  return (
    <Page title={`${t('orderDetail')} ${order.out_trade_no}`} actions={back}>
      <div className="detail-grid">
        <div className="panel">
          <dl className="fields" data-testid="order-fields">
            {rows.map(([label, value]) => (
              <div key={label}>
                <dt>{label}</dt>
                <dd>{value}</dd>
              </div>
            ))}
          </dl>
        </div>
        {order.refundable !== '0' && (
          // Keyed by what is refunded: after a refund the form starts again from the new refundable amount.
          <RefundForm
            key={order.refunded}
            order={order}
            onDone={(message) => {
              setNotice(message);
              loaded.reload();
            }}
          />
        )}
      </div>
      {notice && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      <div className="panel">
        <h2>{t('refunds')}</h2>
        <RefundTable refunds={order.refunds} />
      </div>
    </Page>
  );
}

function RefundTable({ refunds }: { refunds: Refund[] }) {
  const t = useText();
  const { locale } = useLocale();
  if (refunds.length === 0) return <p className="muted">{t('noRefunds')}</p>;
  return (
    <table className="table" data-testid="refunds">
      <thead>
        <tr>
          <th>{t('requestNo')}</th>
          <th className="number">{t('amount')}</th>
          <th className="number">{t('fee')}</th>
          <th>{t('reason')}</th>
          <th>{t('status')}</th>
          <th>{t('createdAt')}</th>
        </tr>
      </thead>
      <tbody>
        {refunds.map((refund) => (
          <tr key={refund.refund_id}>
            <td>{refund.out_request_no}</td>
            <td className="number saoma-amount">{formatFen(refund.amount)}</td>
            <td className="number">{formatFen(refund.fee_refund)}</td>
            <td>{refund.reason ?? ''}</td>
            <td>
              <Status value={refund.status} word={wordFor(t, 'refund', refund.status)} />
            </td>
            <td>{formatTime(refund.completed_at ?? refund.created_at, locale)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function RefundForm({ order, onDone }: { order: OrderDetail; onDone(message: string): void }) {
  const t = useText();
  const [amount, setAmount] = useState(fenToYuanText(order.refundable));
  const [reason, setReason] = useState('');
  const [requestNo] = useState(newRequestNumber);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const amountFen = parseYuanToFen(amount);
    if (amountFen === null) {
      setError({ status: 400, code: 'invalid_request', message: t('badAmount'), field: 'body.amount' });
      return;
    }
    setBusy(true);
    const body = {
      amount: amountFen,
      out_request_no: requestNo,
      ...(reason.trim() !== '' && { reason: reason.trim() }),
    };
    const answered = await api.post<Refund>(`${PORTAL}/orders/${encodeURIComponent(order.order_id)}/refunds`, body);
    setBusy(false);
    if (!answered.ok) return setError(answered.error);
    setError(null);
    onDone(t('refundDone', { amount: formatFen(answered.value.amount) }));
  };
  return (
    <form className="panel refund-form" onSubmit={(event) => void submit(event)}>
      <h2>{t('refundTitle')}</h2>
      <p className="muted">
        {t('refundable')}: <span className="saoma-amount">{formatFen(order.refundable)}</span>
      </p>
      <label>
        {t('refundAmount')}
        <input
          name="amount"
          inputMode="decimal"
          value={amount}
          onChange={(event) => setAmount(event.target.value)}
          required
        />
      </label>
      <label>
        {t('refundReason')}
        <input name="reason" maxLength={200} value={reason} onChange={(event) => setReason(event.target.value)} />
      </label>
      <Refusal error={error} />
      <button type="submit" className="danger" disabled={busy}>
        {busy ? t('refunding') : t('refundSubmit')}
      </button>
    </form>
  );
}
