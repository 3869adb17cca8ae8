// Alipay's answers: the public codes with their fixed `msg`, and the sub-codes a merchant's code
// branches on. Saoma's own refusals (order_paid, insufficient_balance …) are translated by one
// table per family of methods, so every refusal of the engine has its Alipay name.
import type { Problem } from '../../shared/result.js';

export type AlipayErrorCode = '20000' | '40001' | '40002' | '40004' | '40006';
export type AlipayCode = '10000' | '10003' | AlipayErrorCode;

export const CODE_MESSAGES: Readonly<Record<AlipayCode, string>> = {
  '10000': 'Success',
  '10003': 'order success pay inprocess',
  '20000': 'Service Currently Unavailable',
  '40001': 'Missing Required Arguments',
  '40002': 'Invalid Arguments',
  '40004': 'Business Failed',
  '40006': 'Insufficient Permissions',
};

export interface AlipayError {
  code: AlipayErrorCode;
  subCode: string;
  subMsg: string;
}

export type Outcome<Value> = { ok: true; value: Value } | { ok: false; error: AlipayError };

export const fail = (code: AlipayErrorCode, subCode: string, subMsg: string): { ok: false; error: AlipayError } => ({
  ok: false,
  error: { code, subCode, subMsg },
});

/** What goes under the response key (classic) for a refusal. */
export const errorFields = (error: AlipayError) => ({
  code: error.code,
  msg: CODE_MESSAGES[error.code],
  sub_code: error.subCode,
  sub_msg: error.subMsg,
});

export const missingParameter = (name: string) => fail('40001', 'isv.missing-parameter', `缺少必选参数 ${name}`);
export const systemError = () => fail('20000', 'isp.unknow-error', '系统繁忙');

/** The sub-codes of the trade methods (alipay.trade.*), for each refusal of the engine. */
const TRADE_SUB_CODES: Readonly<Record<string, readonly [string, string]>> = {
  order_not_found: ['ACQ.TRADE_NOT_EXIST', '交易不存在'],
  out_trade_no_conflict: ['ACQ.CONTEXT_INCONSISTENT', '交易信息被篡改'],
  order_closed: ['ACQ.TRADE_HAS_CLOSE', '交易已经关闭'],
  order_expired: ['ACQ.TRADE_HAS_CLOSE', '交易已经关闭'],
  order_paid: ['ACQ.TRADE_HAS_SUCCESS', '交易已被支付'],
  order_being_paid: ['ACQ.TRADE_BUYER_NOT_MATCH', '交易买家不匹配'],
  invalid_order: ['ACQ.INVALID_PARAMETER', '参数无效'],
  payment_code_invalid: ['ACQ.PAYMENT_AUTH_CODE_INVALID', '支付失败，获取顾客账户信息失败，请顾客刷新付款码后重新收款'],
  payment_code_expired: ['ACQ.PAYMENT_AUTH_CODE_INVALID', '支付失败，获取顾客账户信息失败，请顾客刷新付款码后重新收款'],
  payment_code_used: ['ACQ.PAYMENT_AUTH_CODE_INVALID', '支付失败，获取顾客账户信息失败，请顾客刷新付款码后重新收款'],
  insufficient_balance: ['ACQ.BUYER_BALANCE_NOT_ENOUGH', '买家余额不足'],
  tier_limit_exceeded: ['ACQ.ERROR_BUYER_CERTIFY_LEVEL_LIMIT', '买家未通过人行认证或超出认证等级限额'],
  account_frozen: ['ACQ.BUYER_ENABLE_STATUS_FORBID', '买家状态非法'],
  cross_provider_not_supported: ['ACQ.PAYMENT_FAIL', '支付失败'],
  merchant_unavailable: ['ACQ.SELLER_BEEN_BLOCKED', '商家账号被冻结'],
  order_not_paid: ['ACQ.TRADE_STATUS_ERROR', '交易状态不合法'],
  refund_exceeds_paid: ['ACQ.REFUND_AMT_NOT_EQUAL_TOTAL', '退款金额超限'],
  out_request_no_conflict: ['ACQ.CONTEXT_INCONSISTENT', '退款请求号已用于另一笔退款'],
  merchant_insufficient_funds: ['ACQ.SELLER_BALANCE_NOT_ENOUGH', '卖家余额不足'],
  invalid_refund: ['ACQ.INVALID_PARAMETER', '参数无效'],
};

/** The sub-codes of alipay.fund.trans.uni.transfer. */
const FUND_SUB_CODES: Readonly<Record<string, readonly [string, string]>> = {
  invalid_transfer: ['INVALID_PARAMETER', '参数有误'],
  payee_not_found: ['PAYEE_NOT_EXIST', '收款账号不存在'],
  cross_provider_not_supported: ['PAYEE_NOT_EXIST', '收款账号不存在'],
  out_biz_no_conflict: ['INVALID_PARAMETER', '参数有误：商户订单号已用于另一笔转账'],
  merchant_insufficient_funds: ['PAYER_BALANCE_NOT_ENOUGH', '付款方余额不足'],
};

/** 40004 with the family's sub-code, and Saoma's own sentence after the Chinese one (a sandbox explains). */
export function businessFailure(family: 'trade' | 'fund', refusal: Problem): { ok: false; error: AlipayError } {
  const table = family === 'trade' ? TRADE_SUB_CODES : FUND_SUB_CODES;
  const known = Object.hasOwn(table, refusal.code) ? table[refusal.code] : undefined;
  const [subCode, subMsg] = known ?? [family === 'trade' ? 'ACQ.SYSTEM_ERROR' : 'SYSTEM_ERROR', '系统异常'];
  return fail('40004', subCode, `${subMsg}（${refusal.message}）`);
}

export const invalidParameter = (family: 'trade' | 'fund', message: string) =>
  businessFailure(family, { code: family === 'trade' ? 'invalid_order' : 'invalid_transfer', message });
