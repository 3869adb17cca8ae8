// Pay: the one-time payment code for a cashier's scanner, as QR and Code 128, renewed every
// refresh_after_seconds (60 s) and at once after a confirmed payment (which spent it). Scanned
// payments above the password-free limit wait for the PIN: they are looked for every 2 s and
// confirmed here.
import { Button, List, SpinLoading, Toast } from 'antd-mobile';
import { useCallback, useEffect, useState } from 'react';
import type { ApiError } from '../../shared/api';
import { newIdempotencyKey } from '../../shared/api';
import { formatFen } from '../../shared/money';
import { walletApi, type Order, type PaymentCode } from '../api';
import { Code128, groupPaymentCode, QrImage } from '../components/codes';
import { Page } from '../components/page';
import { usePinSheet } from '../components/pin-sheet';
import { Refusal } from '../components/refusal';
import { useText } from '../text';

const AWAITING_POLL_MS = 2_000;
/** Asked again slightly early, so the code on screen never shows expired to a cashier. */
const REFRESH_EARLY_SECONDS = 2;

function usePaymentCode() {
  const [paymentCode, setPaymentCode] = useState<PaymentCode | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    let timer = 0;
    let current = true;
    void walletApi.paymentCode().then((issued) => {
      if (!current) return;
      if (!issued.ok) return setError(issued.error);
      setError(null);
      setPaymentCode(issued.value);
      const refreshSeconds = Math.max(5, issued.value.refresh_after_seconds - REFRESH_EARLY_SECONDS);
      timer = window.setTimeout(() => setGeneration((value) => value + 1), refreshSeconds * 1000);
    });
    return () => {
      current = false;
      window.clearTimeout(timer);
    };
  }, [generation]);
  const renew = useCallback(() => setGeneration((value) => value + 1), []);
  return { paymentCode, error, renew };
}

function useAwaiting() {
  const [orders, setOrders] = useState<Order[]>([]);
  const poll = useCallback(async () => {
    const read = await walletApi.awaiting();
    if (read.ok) setOrders(read.value.orders);
  }, []);
  useEffect(() => {
    void poll();
    const timer = window.setInterval(() => void poll(), AWAITING_POLL_MS);
    return () => window.clearInterval(timer);
  }, [poll]);
  return { orders, poll };
}

function Countdown({ untilIso }: { untilIso: string }) {
  const t = useText();
  const [nowMs, setNowMs] = useState(Date.now);
  useEffect(() => {
    const timer = window.setInterval(() => setNowMs(Date.now()), 1_000);
    return () => window.clearInterval(timer);
  }, []);
  const seconds = Math.max(0, Math.round((Date.parse(untilIso) - nowMs) / 1000));
  return <span className="countdown">{t('paycode.validFor', { seconds })}</span>;
}

export function PaymentCodeScreen() {
  const t = useText();
  const { paymentCode, error, renew } = usePaymentCode();
  const awaiting = useAwaiting();
  const [confirmError, setConfirmError] = useState<ApiError | null>(null);
  const pinSheet = usePinSheet();
  // One key per waiting order: retries of its confirmation (a wrong PIN) are one payment.
  const [confirmKeys] = useState(() => new Map<string, string>());

  const confirm = (order: Order) =>
    pinSheet.ask(
      t('paycode.confirmPurpose', { amount: formatFen(order.amount), payee: order.merchant?.name ?? '' }),
      async (pin) => {
        const key = confirmKeys.get(order.order_id) ?? newIdempotencyKey();
        confirmKeys.set(order.order_id, key);
        const done = await walletApi.confirmPayment(key, order.order_id, pin);
        if (!done.ok) {
          if (done.error.code !== 'wrong_pin') setConfirmError(done.error);
          return done.error;
        }
        Toast.show({ icon: 'success', content: t('paycode.confirmed', { amount: formatFen(done.value.amount) }) });
        setConfirmError(null);
        await awaiting.poll();
        renew();
        return null;
      },
    );

  return (
    <Page title={t('paycode.title')} tone="red">
      <div className="paycode-card">
        <p className="paycode-hint">{t('paycode.hint')}</p>
        {paymentCode ? (
          <>
            <Code128 digits={paymentCode.code} label={t('paycode.barcode')} />
            <div className="paycode-digits" data-testid="payment-code">
              {groupPaymentCode(paymentCode.code)}
            </div>
            <QrImage text={paymentCode.code} sizePixels={200} label={t('paycode.qr')} />
            <div className="paycode-meta">
              <Countdown untilIso={paymentCode.expires_at} />
              <span>{t('paycode.passwordFree', { amount: formatFen(paymentCode.password_free_limit) })}</span>
            </div>
            <Button size="small" fill="none" onClick={renew}>
              {t('paycode.refresh')}
            </Button>
          </>
        ) : error ? (
          <Refusal error={error} />
        ) : (
          <SpinLoading className="center" />
        )}
      </div>
      {awaiting.orders.length > 0 && (
        <List header={t('paycode.awaiting')} className="awaiting">
          {awaiting.orders.map((order) => (
            <List.Item
              key={order.order_id}
              description={`${order.subject} · ${t('paycode.until', { time: new Date(order.expires_at ?? '').toLocaleTimeString() })}`}
              extra={
                <Button size="small" color="primary" onClick={() => confirm(order)}>
                  {t('paycode.confirm')}
                </Button>
              }
            >
              {order.merchant?.name} <strong className="saoma-amount">{formatFen(order.amount)}</strong>
            </List.Item>
          ))}
        </List>
      )}
      <Refusal error={confirmError} />
      {pinSheet.sheet}
    </Page>
  );
}
