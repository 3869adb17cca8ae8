// WeChat Pay v3's error answers: `{"code","message","detail"}` with the status the real service
// gives each code, in one exhaustive table, and the engine's refusals translated into them.
import type { FastifyReply } from 'fastify';
import type { AcquiringError } from '../../acquiring/service.js';
import type { RefundError } from '../../acquiring/refunds.js';
import type { Problem } from '../../shared/result.js';

export const WECHATPAY_ERROR_STATUS = {
  PARAM_ERROR: 400,
  INVALID_REQUEST: 400,
  APPID_MCHID_NOT_MATCH: 400,
  ORDER_CLOSED: 400,
  ORDERPAID: 400,
  NO_STATEMENT_EXIST: 400,
  SIGN_ERROR: 401,
  NO_AUTH: 403,
  OUT_TRADE_NO_USED: 403,
  NOT_ENOUGH: 403,
  TRADE_ERROR: 403,
  ORDER_NOT_EXIST: 404,
  RESOURCE_NOT_EXISTS: 404,
  NOT_FOUND: 404,
  RATE_LIMITED: 429,
  SYSTEM_ERROR: 500,
} as const satisfies Record<string, number>;

export type WechatpayErrorCode = keyof typeof WECHATPAY_ERROR_STATUS;

export interface WechatpayProblem {
  code: WechatpayErrorCode;
  message: string;
  /** WeChat Pay's particulars: `{field, value, issue, location}` for a bad parameter. */
  detail?: Record<string, unknown>;
}

export type Answer<Value> = { ok: true; value: Value } | { ok: false; error: WechatpayProblem };

export const refuse = (
  code: WechatpayErrorCode,
  message: string,
  detail?: Record<string, unknown>,
): { ok: false; error: WechatpayProblem } => ({ ok: false, error: { code, message, ...(detail ? { detail } : {}) } });

/** A bad parameter, named as WeChat Pay names it: a JSON pointer into the body or the query's name. */
export const paramError = (
  field: string,
  issue: string,
  value: unknown,
  location: 'body' | 'query' | 'path' = 'body',
): { ok: false; error: WechatpayProblem } =>
  refuse('PARAM_ERROR', `${field}: ${issue}`, { field, value: value === undefined ? null : value, issue, location });

export function sendWechatpayError(reply: FastifyReply, problem: WechatpayProblem): FastifyReply {
  return reply
    .code(WECHATPAY_ERROR_STATUS[problem.code])
    .header('content-type', 'application/json; charset=utf-8')
    .send(
      JSON.stringify({
        code: problem.code,
        message: problem.message,
        ...(problem.detail ? { detail: problem.detail } : {}),
      }),
    );
}

/** The engine's refusals of an order (creating, closing), as WeChat Pay words them. */
export function orderRefusal(engine: Problem<AcquiringError | string>): WechatpayProblem {
  switch (engine.code) {
    case 'order_paid':
      return { code: 'ORDERPAID', message: '订单已支付' + detailOf(engine) };
    case 'order_closed':
    case 'order_expired':
      return { code: 'ORDER_CLOSED', message: '订单已关闭' + detailOf(engine) };
    case 'order_being_paid':
      return { code: 'TRADE_ERROR', message: '用户支付中，请稍后查询订单' + detailOf(engine) };
    case 'out_trade_no_conflict':
      return { code: 'OUT_TRADE_NO_USED', message: '商户订单号重复' + detailOf(engine) };
    case 'invalid_order':
      return { code: 'PARAM_ERROR', message: engine.message };
    case 'order_not_found':
      return { code: 'ORDER_NOT_EXIST', message: '订单不存在' };
    default:
      return { code: 'INVALID_REQUEST', message: engine.message };
  }
}

/** The refund engine's refusals. A refund above what is left is INVALID_REQUEST, as WeChat Pay answers it. */
export function refundRefusal(engine: Problem<RefundError>): WechatpayProblem {
  switch (engine.code) {
    case 'refund_exceeds_paid':
      return { code: 'INVALID_REQUEST', message: '申请退款金额超过订单可退金额' + detailOf(engine) };
    case 'order_not_paid':
      return { code: 'INVALID_REQUEST', message: '订单未支付，不能退款' + detailOf(engine) };
    case 'merchant_insufficient_funds':
      return { code: 'NOT_ENOUGH', message: '基本账户余额不足' + detailOf(engine) };
    case 'out_request_no_conflict':
      return { code: 'INVALID_REQUEST', message: '商户退款单号已用于另一笔退款' + detailOf(engine) };
    case 'invalid_refund':
      return { code: 'PARAM_ERROR', message: engine.message };
  }
}

const detailOf = (engine: Problem): string => ` (${engine.message})`;
