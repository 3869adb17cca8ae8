// WeChat Pay v3's trade bill: `GET /v3/bill/tradebill` answers with the SHA-1 of the day's CSV and
// a download URL whose token lasts a few minutes; the download is that CSV (UTF-8 with a BOM, a
// header row, every data cell behind a backtick, then the summary header and row). Rows and totals
// come from the same payments and refunds as the native trade bill, and the totals are checked
// against it, so they are the ledger's.
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { businessDateOf, dayBoundsMs } from '../../acquiring/settlement.js';
import type { Merchant } from '../../merchant/service.js';
import type { Modules } from '../../modules.js';
import { tradeBill, TRADE_BILL_ROWS_MAX, type TradeBillTotals } from '../../reports/trade-bill.js';
import { formatYuan } from '../../shared/money.js';
import { newToken } from '../../shared/passwords.js';
import type { WechatpayCaller } from './auth.js';
import { paramError, refuse, type Answer } from './errors.js';
import { deriveOpenid } from './openid.js';
import { activeMerchant } from './transactions.js';
import { tradeTypeOf } from './views.js';
import { toOrder } from '../../acquiring/orders.js';

export type BillType = 'ALL' | 'SUCCESS' | 'REFUND';
/** How long a download URL works. */
export const BILL_DOWNLOAD_TTL_MS = 5 * 60_000;
/** Expired downloads removed per bill asked for. */
const PURGE_ROWS_MAX = 100;
const BOM = '\uFEFF';
const HEADER = [
  '交易时间',
  '公众账号ID',
  '商户号',
  '特约商户号',
  '设备号',
  '微信订单号',
  '商户订单号',
  '用户标识',
  '交易类型',
  '交易状态',
  '付款银行',
  '货币种类',
  '应结订单金额',
  '代金券金额',
  '微信退款单号',
  '商户退款单号',
  '退款金额',
  '充值券退款金额',
  '退款类型',
  '退款状态',
  '商品名称',
  '商户数据包',
  '手续费',
  '费率',
  '订单金额',
  '申请退款金额',
  '费率备注',
];
const SUMMARY_HEADER = [
  '总交易单数',
  '应结订单总金额',
  '退款总金额',
  '充值券退款总金额',
  '手续费总金额',
  '订单总金额',
  '申请退款总金额',
];

export interface BillAnswer {
  hash_type: 'SHA1';
  hash_value: string;
  download_url: string;
}

export async function requestTradeBill(
  modules: Modules,
  caller: WechatpayCaller,
  query: Record<string, unknown>,
  baseUrl: string,
): Promise<Answer<BillAnswer>> {
  const read = readBillQuery(query, modules.clock.nowMs());
  if (!read.ok) return read;
  const merchant = await activeMerchant(modules, caller);
  if (!merchant.ok) return merchant;
  const built = await buildBill(modules, caller, merchant.value, read.value.billDate, read.value.billType);
  if (built.rowCount === 0)
    return refuse('NO_STATEMENT_EXIST', `当日无账单: no ${read.value.billType} trades on ${read.value.billDate}`);
  const nowMs = modules.clock.nowMs();
  const token = newToken(24);
  await purgeExpired(modules, nowMs);
  await modules.store.db
    .insertInto('wechatpay_bill_downloads')
    .values({
      token,
      mchid: caller.merchant.mchid,
      bill_date: read.value.billDate,
      bill_type: read.value.billType,
      gzip: read.value.gzip ? 1 : 0,
      body: built.csv,
      expires_at_ms: BigInt(nowMs + BILL_DOWNLOAD_TTL_MS),
    })
    .execute();
  return {
    ok: true,
    value: {
      hash_type: 'SHA1',
      hash_value: createHash('sha1').update(built.csv, 'utf8').digest('hex'),
      download_url: `${baseUrl}/v3/billdownload/file?token=${token}`,
    },
  };
}

export async function downloadBill(
  modules: Modules,
  caller: WechatpayCaller,
  token: unknown,
): Promise<Answer<{ bytes: Buffer; gzip: boolean; fileName: string }>> {
  if (typeof token !== 'string' || token.length === 0) return paramError('token', 'is required', null, 'query');
  const row = await modules.store.db
    .selectFrom('wechatpay_bill_downloads')
    .selectAll()
    .where('token', '=', token)
    .executeTakeFirst();
  if (!row || row.expires_at_ms <= BigInt(modules.clock.nowMs())) {
    return refuse('INVALID_REQUEST', '下载链接无效或已过期: ask GET /v3/bill/tradebill for a new one');
  }
  if (row.mchid !== caller.merchant.mchid)
    return refuse('NO_AUTH', '商户无权限: this bill belongs to another merchant');
  const csv = Buffer.from(row.body, 'utf8');
  const gzip = Number(row.gzip) === 1;
  return {
    ok: true,
    value: {
      bytes: gzip ? gzipSync(csv) : csv,
      gzip,
      fileName: `tradebill-${row.mchid}-${row.bill_date}-${row.bill_type}.csv${gzip ? '.gz' : ''}`,
    },
  };
}

function readBillQuery(
  query: Record<string, unknown>,
  nowMs: number,
): Answer<{ billDate: string; billType: BillType; gzip: boolean }> {
  const billDate = query.bill_date;
  if (typeof billDate !== 'string' || billDate.length === 0)
    return paramError('bill_date', 'is required', null, 'query');
  if (!/^\d{4}-\d{2}-\d{2}$/.test(billDate) || Number.isNaN(Date.parse(`${billDate}T00:00:00Z`))) {
    return paramError('bill_date', 'must be YYYY-MM-DD', billDate, 'query');
  }
  // Saoma serves the day so far too (WeChat Pay only past days): a sandbox is tested the same day.
  if (billDate > businessDateOf(nowMs)) {
    return refuse('NO_STATEMENT_EXIST', `账单日期不能晚于今天: ${billDate} has not begun in Beijing`);
  }
  const billType = query.bill_type ?? 'ALL';
  if (billType !== 'ALL' && billType !== 'SUCCESS' && billType !== 'REFUND') {
    return paramError('bill_type', 'must be ALL, SUCCESS or REFUND', billType, 'query');
  }
  const tarType = query.tar_type;
  if (tarType !== undefined && tarType !== 'GZIP')
    return paramError('tar_type', 'must be GZIP when given', tarType, 'query');
  return { ok: true, value: { billDate, billType, gzip: tarType === 'GZIP' } };
}

interface BillSums {
  rowCount: number;
  paymentCount: number;
  refundCount: number;
  grossFen: bigint;
  feeFen: bigint;
  refundedFen: bigint;
  feeRefundedFen: bigint;
}

async function buildBill(
  modules: Modules,
  caller: WechatpayCaller,
  merchant: Merchant,
  billDate: string,
  billType: BillType,
): Promise<{ csv: string; rowCount: number }> {
  const sums: BillSums = {
    rowCount: 0,
    paymentCount: 0,
    refundCount: 0,
    grossFen: 0n,
    feeFen: 0n,
    refundedFen: 0n,
    feeRefundedFen: 0n,
  };
  const rate = `${(merchant.feeRateBps / 100).toFixed(2)}%`;
  const lines = [HEADER.join(',')];
  if (billType !== 'REFUND') {
    for (const cells of await paymentRows(modules, caller, billDate, rate, sums)) lines.push(billRow(cells));
  }
  if (billType !== 'SUCCESS') {
    for (const cells of await refundRows(modules, caller, billDate, rate, sums)) lines.push(billRow(cells));
  }
  if (billType === 'ALL') {
    // The pair of the native bill: the same day from the same tables must give the same totals.
    assertSameTotals(sums, (await tradeBill(modules.store.db, merchant.id, billDate)).totals);
  }
  const feeNetFen = sums.feeFen - sums.feeRefundedFen;
  lines.push(
    SUMMARY_HEADER.join(','),
    billRow([
      String(sums.rowCount),
      formatYuan(sums.grossFen),
      formatYuan(sums.refundedFen),
      '0.00',
      formatYuan(feeNetFen),
      formatYuan(sums.grossFen),
      formatYuan(sums.refundedFen),
    ]),
  );
  return { csv: `${BOM}${lines.join('\r\n')}\r\n`, rowCount: sums.rowCount };
}

async function paymentRows(modules: Modules, caller: WechatpayCaller, billDate: string, rate: string, sums: BillSums) {
  const [startMs, endMs] = dayBoundsMs(billDate);
  const rows = await modules.store.db
    .selectFrom('orders')
    .selectAll()
    .where('merchant_id', '=', caller.merchantId)
    .where('paid_at_ms', '>=', startMs)
    .where('paid_at_ms', '<', endMs)
    .orderBy('paid_at_ms')
    .limit(TRADE_BILL_ROWS_MAX)
    .execute();
  return rows.map((row) => {
    const order = toOrder(row);
    const appid = order.protocolData?.appid ?? caller.merchant.appid;
    sums.rowCount += 1;
    sums.paymentCount += 1;
    sums.grossFen += order.amountFen;
    sums.feeFen += order.feeFen;
    const amount = formatYuan(order.amountFen);
    // One row per payment, in WeChat Pay's 27 columns (no vouchers, no sub-merchants at Saoma).
    return [
      billTime(order.paidAtMs!),
      appid,
      caller.merchant.mchid,
      '0',
      '',
      order.id,
      order.outTradeNo,
      order.payerUserId === null ? '' : deriveOpenid(modules.cipher, appid, order.payerUserId),
      tradeTypeOf(order),
      'SUCCESS',
      'OTHERS',
      'CNY',
      amount,
      '0.00',
      '0',
      '0',
      '0.00',
      '0.00',
      '',
      '',
      order.subject,
      order.protocolData?.attach ?? '',
      formatYuan(order.feeFen),
      rate,
      amount,
      '0.00',
      '',
    ];
  });
}

async function refundRows(modules: Modules, caller: WechatpayCaller, billDate: string, rate: string, sums: BillSums) {
  const [startMs, endMs] = dayBoundsMs(billDate);
  const rows = await modules.store.db
    .selectFrom('refunds')
    .innerJoin('orders', 'orders.id', 'refunds.order_id')
    .selectAll('orders')
    .select([
      'refunds.id as refund_id',
      'refunds.out_request_no',
      'refunds.amount_fen as refund_amount_fen',
      'refunds.fee_refund_fen',
      'refunds.completed_at_ms',
    ])
    .where('refunds.merchant_id', '=', caller.merchantId)
    .where('refunds.status', '=', 'SUCCESS')
    .where('refunds.completed_at_ms', '>=', startMs)
    .where('refunds.completed_at_ms', '<', endMs)
    .orderBy('refunds.completed_at_ms')
    .limit(TRADE_BILL_ROWS_MAX)
    .execute();
  return rows.map((row) => {
    const order = toOrder(row);
    const appid = order.protocolData?.appid ?? caller.merchant.appid;
    const [refundFen, feeRefundFen] = [BigInt(row.refund_amount_fen), BigInt(row.fee_refund_fen)];
    sums.rowCount += 1;
    sums.refundCount += 1;
    sums.refundedFen += refundFen;
    sums.feeRefundedFen += feeRefundFen;
    return [
      billTime(row.completed_at_ms!),
      appid,
      caller.merchant.mchid,
      '0',
      '',
      order.id,
      order.outTradeNo,
      order.payerUserId === null ? '' : deriveOpenid(modules.cipher, appid, order.payerUserId),
      tradeTypeOf(order),
      'REFUND',
      'OTHERS',
      'CNY',
      '0.00',
      '0.00',
      row.refund_id,
      row.out_request_no,
      formatYuan(refundFen),
      '0.00',
      'ORIGINAL',
      'SUCCESS',
      order.subject,
      order.protocolData?.attach ?? '',
      formatYuan(-feeRefundFen),
      rate,
      formatYuan(order.amountFen),
      formatYuan(refundFen),
      '',
    ];
  });
}

function assertSameTotals(sums: BillSums, native: TradeBillTotals): void {
  const same =
    sums.paymentCount === native.paymentCount &&
    sums.refundCount === native.refundCount &&
    sums.grossFen === native.grossFen &&
    sums.feeFen === native.feeFen &&
    sums.refundedFen === native.refundedFen &&
    sums.feeRefundedFen === native.feeRefundedFen;
  if (!same) throw new Error('the WeChat Pay trade bill and the native trade bill disagree on the same day');
}

/** `2024-01-01 12:00:00`, Beijing time, as WeChat Pay's bills. */
const billTime = (atMs: bigint) =>
  new Date(Number(atMs) + 8 * 3600 * 1000).toISOString().slice(0, 19).replace('T', ' ');

/**
 * Every cell behind a backtick (so spreadsheets keep long numbers as text). Free text loses what
 * would break the row: line breaks and backticks; its ASCII commas become full-width ones, so a
 * plain CSV reader splits the row as the backtick-aware one does.
 */
function billRow(cells: readonly string[]): string {
  return cells.map((cell) => `\`${cell.replace(/[\r\n`]+/g, ' ').replaceAll(',', '，')}`).join(',');
}

async function purgeExpired(modules: Modules, nowMs: number): Promise<void> {
  const expired = await modules.store.db
    .selectFrom('wechatpay_bill_downloads')
    .select('token')
    .where('expires_at_ms', '<=', BigInt(nowMs))
    .limit(PURGE_ROWS_MAX)
    .execute();
  if (expired.length === 0) return;
  await modules.store.db
    .deleteFrom('wechatpay_bill_downloads')
    .where(
      'token',
      'in',
      expired.map((row) => row.token),
    )
    .execute();
}
