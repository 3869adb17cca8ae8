// Top-up from a linked debit card, and withdrawal to one with the fee quoted before confirming
// (the quoted fee is sent as expected_fee, so a fee that changed in between is refused, not charged).
import { Button, Input, List, Radio, Result, SpinLoading } from 'antd-mobile';
import { useState } from 'react';
import type { ApiError } from '../../shared/api';
import { newIdempotencyKey } from '../../shared/api';
import { formatFen, parseYuanToFen } from '../../shared/money';
import { walletApi, type Card, type Operation, type WithdrawalQuote } from '../api';
import { Page } from '../components/page';
import { usePinSheet } from '../components/pin-sheet';
import { Refusal } from '../components/refusal';
import { navigate } from '../router';
import { useText } from '../text';
import { useBalance } from './home';
import { useCards } from './cards';

function DebitCardPicker(props: { cards: Card[] | null; value: string | null; onChange(cardId: string): void }) {
  const t = useText();
  if (props.cards === null) return <SpinLoading className="center" />;
  const debitCards = props.cards.filter((card) => card.kind === 'debit');
  if (debitCards.length === 0) {
    return (
      <div className="actions">
        <p className="muted center-text">{t('money.noDebitCard')}</p>
        <Button block color="primary" onClick={() => navigate('/cards/link')}>
          {t('cards.link')}
        </Button>
      </div>
    );
  }
  return (
    <Radio.Group value={props.value ?? undefined} onChange={(value) => props.onChange(String(value))}>
      <List header={t('money.card')}>
        {debitCards.map((card) => (
          <List.Item
            key={card.id}
            prefix={<Radio value={card.id} aria-label={card.number} />}
            onClick={() => props.onChange(card.id)}
          >
            {card.bank_name} {card.number}
          </List.Item>
        ))}
      </List>
    </Radio.Group>
  );
}

function AmountField(props: { value: string; onChange(value: string): void }) {
  const t = useText();
  return (
    <List>
      <List.Item title={t('pay.amount')}>
        <div className="amount-input">
          <span>¥</span>
          <Input
            value={props.value}
            onChange={props.onChange}
            inputMode="decimal"
            placeholder="0.00"
            aria-label={t('pay.amount')}
          />
        </div>
      </List.Item>
    </List>
  );
}

function Done({ title, operation }: { title: string; operation: Operation }) {
  const t = useText();
  return (
    <>
      <Result status="success" title={<span data-testid="money-done">{title}</span>} description={operation.id} />
      <div className="actions">
        <Button block color="primary" onClick={() => navigate('/', { replace: true })}>
          {t('common.done')}
        </Button>
      </div>
    </>
  );
}

export function TopUpScreen() {
  const t = useText();
  const { cards } = useCards();
  const [cardId, setCardId] = useState<string | null>(null);
  const [amountText, setAmountText] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const [done, setDone] = useState<Operation | null>(null);
  const pinSheet = usePinSheet();
  const amountFen = parseYuanToFen(amountText);
  const chosenCardId = cardId ?? cards?.find((card) => card.kind === 'debit')?.id ?? null;

  const start = () => {
    const key = newIdempotencyKey();
    setError(null);
    pinSheet.ask(t('money.topUpPurpose', { amount: formatFen(amountFen!) }), async (pin) => {
      const topped = await walletApi.topUp(key, { card_id: chosenCardId!, amount: amountFen!, pin });
      if (topped.ok) {
        setDone(topped.value);
        return null;
      }
      if (topped.error.code !== 'wrong_pin') setError(topped.error);
      return topped.error;
    });
  };
  return (
    <Page title={t('home.topUp')}>
      {done ? (
        <Done title={t('money.toppedUp', { amount: formatFen(done.amount) })} operation={done} />
      ) : (
        <>
          <DebitCardPicker cards={cards} value={chosenCardId} onChange={setCardId} />
          <AmountField value={amountText} onChange={setAmountText} />
          <Refusal error={error} />
          <div className="actions">
            <Button block color="primary" size="large" disabled={!chosenCardId || amountFen === null} onClick={start}>
              {t('home.topUp')}
            </Button>
          </div>
        </>
      )}
      {pinSheet.sheet}
    </Page>
  );
}

function QuoteList({ quote }: { quote: WithdrawalQuote }) {
  const t = useText();
  return (
    <List header={t('money.quote')} className="quote" data-testid="quote">
      <List.Item extra={formatFen(quote.amount)}>{t('money.toCard')}</List.Item>
      <List.Item
        extra={<strong data-testid="quote-fee">{formatFen(quote.fee)}</strong>}
        description={t('money.feeRule', {
          free: formatFen(quote.free_part),
          rate: (quote.fee_rate_bps / 100).toFixed(2),
          min: formatFen(quote.fee_min),
        })}
      >
        {t('money.fee')}
      </List.Item>
      <List.Item extra={formatFen(quote.total)}>{t('money.total')}</List.Item>
      <List.Item extra={`${formatFen(quote.free_quota_left)} → ${formatFen(quote.free_quota_left_after)}`}>
        {t('money.freeQuota')}
      </List.Item>
    </List>
  );
}

export function WithdrawScreen() {
  const t = useText();
  const { cards } = useCards();
  const { balance } = useBalance();
  const [cardId, setCardId] = useState<string | null>(null);
  const [amountText, setAmountText] = useState('');
  const [quote, setQuote] = useState<WithdrawalQuote | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [done, setDone] = useState<Operation | null>(null);
  const pinSheet = usePinSheet();
  const amountFen = parseYuanToFen(amountText);
  const chosenCardId = cardId ?? cards?.find((card) => card.kind === 'debit')?.id ?? null;

  const askQuote = async () => {
    setError(null);
    const quoted = await walletApi.quoteWithdrawal(amountFen!);
    if (quoted.ok) setQuote(quoted.value);
    else setError(quoted.error);
  };
  const confirm = (shown: WithdrawalQuote) => {
    const key = newIdempotencyKey();
    pinSheet.ask(
      t('money.withdrawPurpose', { amount: formatFen(shown.amount), fee: formatFen(shown.fee) }),
      async (pin) => {
        const body = { card_id: chosenCardId!, amount: shown.amount, pin, expected_fee: shown.fee };
        const withdrawn = await walletApi.withdraw(key, body);
        if (withdrawn.ok) {
          setDone(withdrawn.value);
          return null;
        }
        if (withdrawn.error.code === 'fee_changed') setQuote(null);
        if (withdrawn.error.code !== 'wrong_pin') setError(withdrawn.error);
        return withdrawn.error;
      },
    );
  };
  const edit = (value: string) => {
    setAmountText(value);
    setQuote(null);
  };
  return (
    <Page title={t('home.withdraw')}>
      {done ? (
        <Done
          title={t('money.withdrawn', { amount: formatFen(done.amount), fee: formatFen(done.fee) })}
          operation={done}
        />
      ) : (
        <>
          <DebitCardPicker cards={cards} value={chosenCardId} onChange={setCardId} />
          <AmountField value={amountText} onChange={edit} />
          {balance && (
            <p className="muted small padded">{t('money.available', { amount: formatFen(balance.available) })}</p>
          )}
          {quote && <QuoteList quote={quote} />}
          <Refusal error={error} />
          <div className="actions">
            {quote ? (
              <Button block color="primary" size="large" onClick={() => confirm(quote)}>
                {t('money.confirmWithdraw', { total: formatFen(quote.total) })}
              </Button>
            ) : (
              <Button
                block
                color="primary"
                size="large"
                disabled={!chosenCardId || amountFen === null}
                onClick={() => void askQuote()}
              >
                {t('money.seeFee')}
              </Button>
            )}
          </div>
        </>
      )}
      {pinSheet.sheet}
    </Page>
  );
}
