// The fee for withdrawing wallet balance to a bank card: a free quota first, then a rate in basis
// points on the rest, never below a minimum fee.
import { applyBps } from '../shared/money.js';

export interface WithdrawalFeeInput {
  amountFen: bigint;
  /** What is left of the account's fee-free withdrawal allowance. */
  freeQuotaLeftFen: bigint;
  feeRateBps: bigint | number;
  feeMinFen: bigint;
}

export interface WithdrawalFee {
  feeFen: bigint;
  /** The part of the amount covered by the free quota; the caller deducts it from the quota. */
  freeFen: bigint;
  /** The part of the amount the rate applies to. */
  chargeableFen: bigint;
}

export function computeWithdrawalFee({
  amountFen,
  freeQuotaLeftFen,
  feeRateBps,
  feeMinFen,
}: WithdrawalFeeInput): WithdrawalFee {
  // Amounts are validated at the edge; a negative here is a bug that would turn a fee into a payout.
  for (const [name, value] of [
    ['amountFen', amountFen],
    ['freeQuotaLeftFen', freeQuotaLeftFen],
    ['feeMinFen', feeMinFen],
  ] as const) {
    if (value < 0n) throw new RangeError(`${name} must not be negative, got ${value}`);
  }
  const freeFen = amountFen < freeQuotaLeftFen ? amountFen : freeQuotaLeftFen;
  const chargeableFen = amountFen - freeFen;
  if (chargeableFen === 0n) return { feeFen: 0n, freeFen, chargeableFen };
  // Rounded up so a fraction of a fen is never given away across many withdrawals.
  const rateFeeFen = applyBps(chargeableFen, feeRateBps, 'ceil');
  return { feeFen: rateFeeFen > feeMinFen ? rateFeeFen : feeMinFen, freeFen, chargeableFen };
}
