// The daily trade bill of a merchant (reconciliation): every payment and refund of one business
// day with amounts, fees and ids, then a summary whose totals the tests hold against the ledger.
// CSV, amounts in yuan with two decimals, times in Asia/Shanghai.
import type { Kysely } from 'kysely';
import { dayBoundsMs } from '../acquiring/settlement.js';
import { formatYuan } from '../shared/money.js';
import type { Schema } from '../store/schema.js';

export interface TradeBillTotals {
  paymentCount: number;
  refundCount: number;
  grossFen: bigint;
  feeFen: bigint;
  refundedFen: bigint;
  feeRefundedFen: bigint;
  /** What the day leaves the merchant: gross − fees − refunds + fees refunded. */
  netFen: bigint;
}

const COLUMNS = [
  'type',
  'time',
  'order_id',
  'out_trade_no',
  'refund_id',
  'out_request_no',
  'amount',
  'fee',
  'net',
  'channel',
  'subject',
];
/** A day of a very busy merchant; past it the bill says it was cut rather than silently ending. */
export const TRADE_BILL_ROWS_MAX = 200_000;

export async function tradeBill(
  db: Kysely<Schema>,
  merchantId: string,
  businessDate: string,
): Promise<{ csv: string; totals: TradeBillTotals }> {
  const [startMs, endMs] = dayBoundsMs(businessDate);
  const payments = await db
    .selectFrom('orders')
    .select(['id', 'out_trade_no', 'amount_fen', 'fee_fen', 'paid_at_ms', 'channel', 'subject'])
    .where('merchant_id', '=', merchantId)
    .where('paid_at_ms', '>=', startMs)
    .where('paid_at_ms', '<', endMs)
    .orderBy('paid_at_ms')
    .limit(TRADE_BILL_ROWS_MAX)
    .execute();
  const refunds = await db
    .selectFrom('refunds')
    .innerJoin('orders', 'orders.id', 'refunds.order_id')
    .select([
      'refunds.id',
      'refunds.order_id',
      'orders.out_trade_no',
      'refunds.out_request_no',
      'refunds.amount_fen',
      'refunds.fee_refund_fen',
      'refunds.completed_at_ms',
      'orders.channel',
      'orders.subject',
    ])
    .where('refunds.merchant_id', '=', merchantId)
    .where('refunds.status', '=', 'SUCCESS')
    .where('refunds.completed_at_ms', '>=', startMs)
    .where('refunds.completed_at_ms', '<', endMs)
    .orderBy('refunds.completed_at_ms')
    .limit(TRADE_BILL_ROWS_MAX)
    .execute();
  const totals: TradeBillTotals = {
    paymentCount: 0,
    refundCount: 0,
    grossFen: 0n,
    feeFen: 0n,
    refundedFen: 0n,
    feeRefundedFen: 0n,
    netFen: 0n,
  };
  const lines = [COLUMNS.join(',')];
  for (const row of payments) {
    const [amount, fee] = [BigInt(row.amount_fen), BigInt(row.fee_fen)];
    totals.paymentCount += 1;
    totals.grossFen += amount;
    totals.feeFen += fee;
    lines.push(
      csvRow([
        'payment',
        shanghaiTime(row.paid_at_ms!),
        row.id,
        row.out_trade_no,
        '',
        '',
        formatYuan(amount),
        formatYuan(fee),
        formatYuan(amount - fee),
        row.channel,
        row.subject,
      ]),
    );
  }
  for (const row of refunds) {
    const [amount, fee] = [BigInt(row.amount_fen), BigInt(row.fee_refund_fen)];
    totals.refundCount += 1;
    totals.refundedFen += amount;
    totals.feeRefundedFen += fee;
    lines.push(
      csvRow([
        'refund',
        shanghaiTime(row.completed_at_ms!),
        row.order_id,
        row.out_trade_no,
        row.id,
        row.out_request_no,
        formatYuan(-amount),
        formatYuan(-fee),
        formatYuan(fee - amount),
        row.channel,
        row.subject,
      ]),
    );
  }
  totals.netFen = totals.grossFen - totals.feeFen - totals.refundedFen + totals.feeRefundedFen;
  if (payments.length === TRADE_BILL_ROWS_MAX || refunds.length === TRADE_BILL_ROWS_MAX) {
    lines.push(csvRow(['truncated', '', '', '', '', '', '', '', '', '', `more than ${TRADE_BILL_ROWS_MAX} rows`]));
  }
  lines.push(
    '',
    'summary,payments,refunds,gross,fees,refunded,fees_refunded,net',
    csvRow([
      'total',
      String(totals.paymentCount),
      String(totals.refundCount),
      formatYuan(totals.grossFen),
      formatYuan(totals.feeFen),
      formatYuan(totals.refundedFen),
      formatYuan(totals.feeRefundedFen),
      formatYuan(totals.netFen),
    ]),
  );
  return { csv: `${lines.join('\n')}\n`, totals };
}

const shanghaiTime = (ms: bigint) => new Date(Number(ms) + 8 * 3600 * 1000).toISOString().replace('Z', '+08:00');

/** Quotes every field; a field starting like a formula is prefixed with ' so that spreadsheets show it as text. */
function csvRow(fields: readonly string[]): string {
  return fields
    .map((field) => {
      const safe = /^[=+\-@\t\r]/.test(field) && !/^-[0-9]/.test(field) ? `'${field}` : field;
      return `"${safe.replaceAll('"', '""')}"`;
    })
    .join(',');
}
