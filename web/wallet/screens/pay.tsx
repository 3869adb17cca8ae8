// Paying a scanned code: whom it pays (the merchant and store, or a person's masked name), the
// order's amount or an amount typed for a static code, then the payment. Above the password-free
// limit the server asks for the PIN (`pin_required`) and the PIN pad opens; the retry carries the
// same Idempotency-Key, so it is the same payment, made once.
import { Button, Input, List, Result, SpinLoading } from 'antd-mobile';
import { useEffect, useState } from 'react';
import type { ApiError } from '../../shared/api';
import { newIdempotencyKey } from '../../shared/api';
import { formatFen, parseYuanToFen } from '../../shared/money';
import { walletApi, type Operation, type Order, type ScannedCode } from '../api';
import { Page } from '../components/page';
import { usePinSheet } from '../components/pin-sheet';
import { Refusal } from '../components/refusal';
import { navigate } from '../router';
import { useText } from '../text';
import { scannedCodes } from './scan';

type Paid = { kind: 'order'; order: Order } | { kind: 'transfer'; operation: Operation };

function useScannedCode(code: string) {
  const [scanned, setScanned] = useState<ScannedCode | null>(scannedCodes.get(code) ?? null);
  const [error, setError] = useState<ApiError | null>(null);
  useEffect(() => {
    let current = true;
    void walletApi.describeCode(code).then((read) => {
      if (!current) return;
      if (read.ok) setScanned(read.value);
      else setError(read.error);
    });
    return () => {
      current = false;
    };
  }, [code]);
  return { scanned, error };
}

function Payee({ scanned }: { scanned: ScannedCode }) {
  const t = useText();
  const name = scanned.merchant?.name ?? scanned.payee?.name ?? '';
  return (
    <div className="payee">
      <div className="payee-avatar" aria-hidden>
        {name.slice(0, 1)}
      </div>
      <div className="payee-name" data-testid="payee-name">
        {name}
      </div>
      {scanned.store && (
        <div className="payee-store" data-testid="payee-store">
          {scanned.store.name} · {scanned.store.city}
        </div>
      )}
      {scanned.kind === 'personal' && <div className="payee-store">{t('pay.personal')}</div>}
    </div>
  );
}

function PaidResult({ paid, payeeName }: { paid: Paid; payeeName: string }) {
  const t = useText();
  const amount = paid.kind === 'order' ? paid.order.amount : paid.operation.amount;
  return (
    <Result
      status="success"
      title={<span data-testid="paid">{t('pay.paid', { amount: formatFen(amount), payee: payeeName })}</span>}
      description={paid.kind === 'order' ? `${paid.order.subject} · ${paid.order.order_id}` : paid.operation.id}
    />
  );
}

export function PayCodeScreen({ code }: { code: string }) {
  const t = useText();
  const { scanned, error: readError } = useScannedCode(code);
  const [amountText, setAmountText] = useState('');
  const [note, setNote] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const [paid, setPaid] = useState<Paid | null>(null);
  const [busy, setBusy] = useState(false);
  // One key per amount and note: a retry (the PIN after pin_required, a wrong PIN) is the same payment.
  const [paymentKey, setPaymentKey] = useState(newIdempotencyKey);
  const pinSheet = usePinSheet();

  if (!scanned) {
    return (
      <Page title={t('pay.title')}>
        {readError ? <Refusal error={readError} /> : <SpinLoading className="center" />}
      </Page>
    );
  }
  const order = scanned.order;
  const payeeName = scanned.merchant?.name ?? scanned.payee?.name ?? '';
  const typedFen = order ? null : parseYuanToFen(amountText);
  const amountFen = order ? order.amount : typedFen;
  const orderOpen = !order || order.status === 'WAIT_BUYER_PAY';

  const pay = async (pin: string | undefined): Promise<ApiError | null> => {
    const body = {
      ...(order ? {} : { amount: amountFen! }),
      ...(pin !== undefined && { pin }),
      ...(note.trim() !== '' && !order && { note: note.trim() }),
    };
    const done = await walletApi.payCode(paymentKey, code, body);
    if (done.ok) {
      setPaid(
        'order_id' in done.value ? { kind: 'order', order: done.value } : { kind: 'transfer', operation: done.value },
      );
      return null;
    }
    if (done.error.code === 'pin_required' && pin === undefined) {
      askPin();
      return null;
    }
    if (done.error.code !== 'wrong_pin') setError(done.error);
    return done.error;
  };
  const askPin = () =>
    pinSheet.ask(t('pay.pinPurpose', { amount: formatFen(amountFen!), payee: payeeName }), (pin) => pay(pin));
  const start = async () => {
    setError(null);
    // A person's code is a transfer, which always needs the PIN: ask at once.
    if (scanned.kind === 'personal') return askPin();
    setBusy(true);
    await pay(undefined);
    setBusy(false);
  };

  if (paid) {
    return (
      <Page title={t('pay.title')}>
        <PaidResult paid={paid} payeeName={payeeName} />
        <div className="actions">
          <Button block color="primary" onClick={() => navigate('/', { replace: true })}>
            {t('common.done')}
          </Button>
          <Button block fill="none" onClick={() => navigate('/history')}>
            {t('home.history')}
          </Button>
        </div>
      </Page>
    );
  }

  return (
    <Page title={t('pay.title')}>
      <Payee scanned={scanned} />
      <List className="pay-form">
        {order ? (
          <>
            <List.Item extra={order.subject}>{t('pay.subject')}</List.Item>
            <List.Item extra={<strong className="saoma-amount pay-amount">{formatFen(order.amount)}</strong>}>
              {t('pay.amount')}
            </List.Item>
            {!orderOpen && <List.Item extra={order.status}>{t('pay.orderState')}</List.Item>}
          </>
        ) : (
          <>
            <List.Item title={t('pay.amount')}>
              <div className="amount-input">
                <span>¥</span>
                <Input
                  value={amountText}
                  onChange={(value) => {
                    setAmountText(value);
                    setPaymentKey(newIdempotencyKey());
                  }}
                  inputMode="decimal"
                  placeholder="0.00"
                  aria-label={t('pay.amount')}
                  autoFocus
                />
              </div>
            </List.Item>
            <List.Item title={t('pay.note')}>
              <Input
                value={note}
                onChange={(value) => {
                  setNote(value);
                  setPaymentKey(newIdempotencyKey());
                }}
                maxLength={100}
                placeholder={t('pay.noteHint')}
              />
            </List.Item>
          </>
        )}
      </List>
      <Refusal error={error} />
      <div className="actions">
        <Button
          block
          color="primary"
          size="large"
          disabled={amountFen === null || !orderOpen}
          loading={busy}
          onClick={() => void start()}
        >
          {amountFen === null ? t('pay.payButtonEmpty') : t('pay.payButton', { amount: formatFen(amountFen) })}
        </Button>
      </div>
      {pinSheet.sheet}
    </Page>
  );
}
