// What every Alipay method is handed, whichever door it came in by (the classic gateway or the v3
// API), and the readers of its business parameters: each answers with the value or with the
// refusal Alipay would give for it.
import type { MerchantTransferService } from '../../acquiring/merchant-transfers.js';
import type { Order, ProtocolData } from '../../acquiring/orders.js';
import type { Merchant } from '../../merchant/service.js';
import type { Modules } from '../../modules.js';
import { fail, invalidParameter, missingParameter, type Outcome } from './errors.js';
import { parseYuan } from './wire.js';

export interface MethodContext {
  modules: Modules;
  transfers: MerchantTransferService;
  merchant: Merchant;
  appId: string;
  /** The business parameters: biz_content (classic) or the JSON body / query (v3). */
  biz: Readonly<Record<string, unknown>>;
  /** Where the order's notifications go (classic: the common parameter; v3: the body's field). */
  notifyUrl: string | undefined;
  /** `http://host:port` as the client reached us: what a QR code or download URL points at. */
  baseUrl: string;
  /** An absolute, time-limited URL of the merchant's trade bill of the day. */
  billDownloadUrl(businessDate: string): Promise<string>;
}

export interface MethodAnswer {
  code: '10000' | '10003';
  fields: Record<string, unknown>;
}

export type MethodHandler = (context: MethodContext) => Promise<Outcome<MethodAnswer>>;

export const answer = (fields: Record<string, unknown>, code: '10000' | '10003' = '10000') =>
  ({ ok: true, value: { code, fields } }) as const;

type Family = 'trade' | 'fund';

/** A string parameter (a JSON number is taken by its decimal spelling, as Alipay's own servers do). */
export function optionalText(
  biz: Readonly<Record<string, unknown>>,
  name: string,
  family: Family,
  lengthMax = 256,
): Outcome<string | undefined> {
  const value = biz[name];
  if (value === undefined || value === null || value === '') return { ok: true, value: undefined };
  const text = typeof value === 'number' && Number.isFinite(value) ? String(value) : value;
  if (typeof text !== 'string') return invalidParameter(family, `${name} must be a string`);
  if (text.length > lengthMax) return invalidParameter(family, `${name} is at most ${lengthMax} characters`);
  return { ok: true, value: text };
}

export function requiredText(
  biz: Readonly<Record<string, unknown>>,
  name: string,
  family: Family,
  lengthMax = 256,
): Outcome<string> {
  const read = optionalText(biz, name, family, lengthMax);
  if (!read.ok) return read;
  return read.value === undefined ? missingParameter(name) : { ok: true, value: read.value };
}

export function requiredAmount(biz: Readonly<Record<string, unknown>>, name: string, family: Family): Outcome<bigint> {
  if (biz[name] === undefined || biz[name] === null || biz[name] === '') return missingParameter(name);
  const parsed = parseYuan(biz[name]);
  return parsed.ok ? parsed : invalidParameter(family, `${name}: ${parsed.error.message}`);
}

/** The order named by trade_no (Saoma's order id) or out_trade_no, of this merchant only. */
export async function orderOf(context: MethodContext): Promise<Outcome<Order>> {
  const tradeNo = optionalText(context.biz, 'trade_no', 'trade', 64);
  if (!tradeNo.ok) return tradeNo;
  const outTradeNo = optionalText(context.biz, 'out_trade_no', 'trade', 64);
  if (!outTradeNo.ok) return outTradeNo;
  if (tradeNo.value === undefined && outTradeNo.value === undefined)
    return missingParameter('out_trade_no 或 trade_no');
  const order = await context.modules.orders.find(
    context.merchant.id,
    tradeNo.value !== undefined ? { orderId: tradeNo.value } : { outTradeNo: outTradeNo.value },
  );
  if (!order || (outTradeNo.value !== undefined && order.outTradeNo !== outTradeNo.value)) {
    return fail('40004', 'ACQ.TRADE_NOT_EXIST', '交易不存在');
  }
  return { ok: true, value: order };
}

/** The fields an Alipay order echoes back in notifications, kept with the order. */
export function protocolDataOf(context: MethodContext, names: readonly string[]): Outcome<ProtocolData> {
  const data: Record<string, string> = { app_id: context.appId };
  for (const name of names) {
    const read = optionalText(context.biz, name, 'trade', 512);
    if (!read.ok) return read;
    if (read.value !== undefined) data[name] = read.value;
  }
  return { ok: true, value: data };
}
