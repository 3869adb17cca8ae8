// The transfers one benchmark run applies, drawn once from a seeded generator, so that the
// ledger and the plain-SQL baseline apply exactly the same list, and every wallet is funded
// with exactly what it will pay out (no transfer can fail for lack of funds, whatever the order).

export type Mix = 'uniform' | 'hot';

/** In the hot mix, this share of transfers credits the one merchant account. */
export const HOT_MERCHANT_SHARE = 0.9;
export const AMOUNT_FEN_MIN = 1;
export const AMOUNT_FEN_MAX = 1_000;

export interface TransferPlan {
  /** Positions: 0 … wallets − 1 are wallets, `wallets` is the merchant. */
  debitPosition: Uint32Array;
  creditPosition: Uint32Array;
  amountFen: Uint32Array;
  length: number;
  wallets: number;
  /** What each wallet pays out over the whole plan: the amount it is funded with. */
  walletFundingFen: Float64Array;
}

export function createTransferPlan(wallets: number, length: number, mix: Mix, seed: number): TransferPlan {
  if (wallets < 2 || !Number.isInteger(wallets)) throw new RangeError('a plan needs at least two wallets');
  const random = seededRandom(seed);
  const pick = (count: number) => Math.floor(random() * count);
  const plan: TransferPlan = {
    debitPosition: new Uint32Array(length),
    creditPosition: new Uint32Array(length),
    amountFen: new Uint32Array(length),
    length,
    wallets,
    walletFundingFen: new Float64Array(wallets),
  };
  for (let index = 0; index < length; index++) {
    const debit = pick(wallets);
    const toMerchant = mix === 'hot' && random() < HOT_MERCHANT_SHARE;
    // A uniform credit is any wallet but the debit one: draw from the others and skip over it.
    const other = pick(wallets - 1);
    const credit = toMerchant ? wallets : other >= debit ? other + 1 : other;
    const amount = AMOUNT_FEN_MIN + pick(AMOUNT_FEN_MAX - AMOUNT_FEN_MIN + 1);
    plan.debitPosition[index] = debit;
    plan.creditPosition[index] = credit;
    plan.amountFen[index] = amount;
    plan.walletFundingFen[debit]! += amount;
  }
  return plan;
}

/** Sum of all wallets' funding: what the unflagged source account pays out in setup. */
export const totalFundingFen = (plan: TransferPlan): number => plan.walletFundingFen.reduce((sum, fen) => sum + fen, 0);

/** mulberry32: small, fast and good enough to spread transfers; seeded so runs repeat. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = Math.imul(state ^ (state >>> 15), 1 | state);
    mixed = (mixed + Math.imul(mixed ^ (mixed >>> 7), 61 | mixed)) ^ mixed;
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** The idempotency key of the plan's transfer at `index`, the same for the ledger and the baseline. */
export const planTransferId = (index: number): string => `t-${index}`;
