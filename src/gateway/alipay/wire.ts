// Alipay's wire values: amounts as yuan strings with at most two decimals, times as
// `YYYY-MM-DD HH:mm:ss` in Beijing time, and the three trade statuses Saoma's orders map to.
import type { Order } from '../../acquiring/orders.js';
import { formatYuan } from '../../shared/money.js';
import { ok, problem, type Result } from '../../shared/result.js';

/** Alipay's largest trade amount: ¥100,000,000.00. */
export const ALIPAY_AMOUNT_FEN_MAX = 100_000_000_00n;
const YUAN_PATTERN = /^(0|[1-9][0-9]{0,8})(?:\.([0-9]{1,2}))?$/;
const SHANGHAI_OFFSET_MS = 8 * 3600 * 1000;

/**
 * `"12.5"` → 1250n. Strings, or JSON numbers by their shortest decimal spelling (what a Node
 * client's `totalAmount: 12.5` becomes); never through float arithmetic. Zero, negatives, more
 * than two decimals, exponents, leading zeros and anything above the maximum are refused.
 */
export function parseYuan(value: unknown): Result<bigint, 'invalid_amount'> {
  const text = typeof value === 'number' && Number.isFinite(value) ? String(value) : value;
  if (typeof text !== 'string') return problem('invalid_amount', 'the amount must be a string of yuan like "12.50"');
  const match = YUAN_PATTERN.exec(text);
  if (!match) {
    return problem(
      'invalid_amount',
      `${JSON.stringify(text.slice(0, 24))} is not an amount in yuan with at most two decimals`,
    );
  }
  const amountFen = BigInt(match[1]!) * 100n + BigInt((match[2] ?? '').padEnd(2, '0'));
  if (amountFen <= 0n) return problem('invalid_amount', 'the amount must be at least 0.01');
  if (amountFen > ALIPAY_AMOUNT_FEN_MAX) return problem('invalid_amount', 'the amount must be at most 100000000.00');
  return ok(amountFen);
}

export const yuan = (amountFen: bigint): string => formatYuan(amountFen);

/** `2026-11-21 17:02:03`: Beijing time, as every Alipay time field is written. */
export function beijingTime(atMs: bigint | number): string {
  return new Date(Number(atMs) + SHANGHAI_OFFSET_MS).toISOString().slice(0, 19).replace('T', ' ');
}

/** The same with milliseconds (`gmt_refund` in a refund notification). */
export function beijingTimeMs(atMs: bigint | number): string {
  return new Date(Number(atMs) + SHANGHAI_OFFSET_MS).toISOString().slice(0, 23).replace('T', ' ');
}

export type TradeStatus = 'WAIT_BUYER_PAY' | 'TRADE_SUCCESS' | 'TRADE_CLOSED' | 'TRADE_FINISHED';

/**
 * Saoma's order states in Alipay's words. A fully refunded order is TRADE_CLOSED (as Alipay says
 * it); TRADE_FINISHED ("no longer refundable") is never used, since Saoma sets no refund deadline.
 */
export function tradeStatusOf(order: Pick<Order, 'status' | 'amountFen' | 'refundedFen'>): TradeStatus {
  switch (order.status) {
    case 'WAIT_BUYER_PAY':
    case 'USERPAYING':
    case 'PAYING':
      return 'WAIT_BUYER_PAY';
    case 'SUCCESS':
      return 'TRADE_SUCCESS';
    case 'REFUND':
      return order.refundedFen >= order.amountFen ? 'TRADE_CLOSED' : 'TRADE_SUCCESS';
    case 'CLOSED':
      return 'TRADE_CLOSED';
  }
}

/** What paid an order: always the wallet balance (Alipay's channel name for it). */
export const fundBillList = (amountFen: bigint) => [{ amount: yuan(amountFen), fund_channel: 'ALIPAYACCOUNT' }];
