// The WeChat Pay API v3 gateway, served at the root of the main server so that the path a client
// signs is `/v3/…`: orders, queries and close under /v3/pay, refunds under /v3/refund, the trade
// bill under /v3/bill and its download under /v3/billdownload. Each prefix is an encapsulated
// scope with WeChat Pay's own body parsing (the raw bytes kept for the signature), request
// signatures, error shape and not-found answer, and every answer — errors and 204 included —
// signed with the platform key (Wechatpay-Timestamp/Nonce/Serial/Signature) and given a Request-ID.
import { randomBytes } from 'node:crypto';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { baseUrlOf } from '../../acquiring/json.js';
import type { Modules } from '../../modules.js';
import { gatewayKey } from '../platform-keys.js';
import { createWechatpayAuth, type WechatpayCaller } from './auth.js';
import { downloadBill, requestTradeBill } from './bill.js';
import { sendWechatpayError, type Answer, type WechatpayProblem } from './errors.js';
import { createRefund, queryRefund } from './refunds.js';
import { platformHeaders } from './signing.js';
import { closeTransaction, createTransaction, queryTransaction, TRADE_TYPES, type TradePath } from './transactions.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the WeChat Pay gateway's signature check; null elsewhere. */
    wechatpayCaller: WechatpayCaller | null;
  }
}

type Authenticate = ReturnType<typeof createWechatpayAuth>;
type ScopeRoutes = (scope: FastifyInstance, modules: Modules) => void;

export async function wechatpayRoutes(app: FastifyInstance, options: { modules: Modules }): Promise<void> {
  const { modules } = options;
  const authenticate = createWechatpayAuth({ store: modules.store, clock: modules.clock });
  const scopes: [string, ScopeRoutes][] = [
    ['/v3/pay', payRoutes],
    ['/v3/refund', refundRoutes],
    ['/v3/bill', billRoutes],
    ['/v3/billdownload', downloadRoutes],
  ];
  for (const [prefix, routes] of scopes) {
    app.register(
      async (scope) => {
        installProtocol(scope, modules, authenticate);
        routes(scope, modules);
      },
      { prefix },
    );
  }
}

function payRoutes(scope: FastifyInstance, modules: Modules): void {
  for (const path of Object.keys(TRADE_TYPES) as TradePath[]) {
    scope.post(`/transactions/${path}`, async (request, reply) =>
      answer(
        reply,
        await createTransaction(modules, callerOf(request), { path, body: request.body, baseUrl: baseUrlOf(request) }),
      ),
    );
  }
  scope.get<{ Params: { out_trade_no: string }; Querystring: Record<string, unknown> }>(
    '/transactions/out-trade-no/:out_trade_no',
    async (request, reply) =>
      answer(
        reply,
        await queryTransaction(
          modules,
          callerOf(request),
          { outTradeNo: request.params.out_trade_no },
          request.query.mchid,
        ),
      ),
  );
  scope.get<{ Params: { transaction_id: string }; Querystring: Record<string, unknown> }>(
    '/transactions/id/:transaction_id',
    async (request, reply) =>
      answer(
        reply,
        await queryTransaction(
          modules,
          callerOf(request),
          { transactionId: request.params.transaction_id },
          request.query.mchid,
        ),
      ),
  );
  scope.post<{ Params: { out_trade_no: string } }>(
    '/transactions/out-trade-no/:out_trade_no/close',
    async (request, reply) => {
      const closed = await closeTransaction(modules, callerOf(request), request.params.out_trade_no, request.body);
      if (!closed.ok) return sendWechatpayError(reply, closed.error);
      return reply.code(204).send();
    },
  );
}

function refundRoutes(scope: FastifyInstance, modules: Modules): void {
  scope.post('/domestic/refunds', async (request, reply) =>
    answer(reply, await createRefund(modules, callerOf(request), request.body)),
  );
  scope.get<{ Params: { out_refund_no: string } }>('/domestic/refunds/:out_refund_no', async (request, reply) =>
    answer(reply, await queryRefund(modules, callerOf(request), request.params.out_refund_no)),
  );
}

function billRoutes(scope: FastifyInstance, modules: Modules): void {
  scope.get<{ Querystring: Record<string, unknown> }>('/tradebill', async (request, reply) =>
    answer(reply, await requestTradeBill(modules, callerOf(request), request.query, baseUrlOf(request))),
  );
}

function downloadRoutes(scope: FastifyInstance, modules: Modules): void {
  scope.get<{ Querystring: Record<string, unknown> }>('/file', async (request, reply) => {
    const bill = await downloadBill(modules, callerOf(request), request.query.token);
    if (!bill.ok) return sendWechatpayError(reply, bill.error);
    return reply
      .header('content-type', bill.value.gzip ? 'application/x-gzip' : 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="${bill.value.fileName}"`)
      .send(bill.value.bytes);
  });
}

function answer(reply: FastifyReply, result: Answer<object>): FastifyReply {
  if (!result.ok) return sendWechatpayError(reply, result.error);
  return reply.code(200).header('content-type', 'application/json; charset=utf-8').send(JSON.stringify(result.value));
}

function callerOf(request: FastifyRequest): WechatpayCaller {
  if (!request.wechatpayCaller) throw new Error('a WeChat Pay route ran without the signature check');
  return request.wechatpayCaller;
}

/** Body parsing, the signature check, the signed answers, and errors in WeChat Pay's shape. */
function installProtocol(scope: FastifyInstance, modules: Modules, authenticate: Authenticate): void {
  if (!scope.hasRequestDecorator('rawBody')) scope.decorateRequest('rawBody', null);
  scope.decorateRequest('wechatpayCaller', null);
  const parseJson = scope.getDefaultJsonParser('error', 'error');
  scope.removeAllContentTypeParsers();
  scope.addContentTypeParser<Buffer>('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    request.rawBody = body;
    parseJson.call(scope, request, body.toString('utf8'), done);
  });
  scope.addHook('preHandler', async (request, reply) => {
    const verified = await authenticate(request, request.rawBody);
    if (!verified.ok) return sendWechatpayError(reply, verified.error);
    request.wechatpayCaller = verified.value;
  });
  scope.addHook('onSend', async (_request, reply, payload) => {
    const body = bodyBytes(payload);
    const key = await gatewayKey(modules.store, 'wechatpay', modules.clock);
    reply.headers({
      ...platformHeaders({ body, nowMs: modules.clock.nowMs(), keyId: key.keyId, privateKey: key.privateKey }),
      'Request-ID': randomBytes(20).toString('hex').toUpperCase(),
    });
    return payload;
  });
  scope.setErrorHandler((error: FastifyError, request, reply) => sendWechatpayError(reply, problemOf(error, request)));
  scope.setNotFoundHandler((request, reply) =>
    sendWechatpayError(reply, { code: 'NOT_FOUND', message: `${request.method} ${request.url.split('?')[0]} 不存在` }),
  );
}

function bodyBytes(payload: unknown): Buffer {
  if (payload === null || payload === undefined) return Buffer.alloc(0);
  if (typeof payload === 'string') return Buffer.from(payload, 'utf8');
  if (Buffer.isBuffer(payload)) return payload;
  // Only strings and buffers are sent here: a stream could not be signed before it is sent.
  throw new Error('a WeChat Pay answer must be a string or a buffer to be signed');
}

/** Fastify's own refusals (a body that is not JSON, too large, of another type) and the unexpected. */
function problemOf(error: FastifyError, request: FastifyRequest): WechatpayProblem {
  const status = error.statusCode ?? 500;
  if (status === 415)
    return {
      code: 'INVALID_REQUEST',
      message: 'HTTP 请求不符合微信支付 APIv3 接口规则: send Content-Type: application/json',
    };
  if (status === 413) return { code: 'INVALID_REQUEST', message: 'the body is too large' };
  if (status >= 400 && status < 500) return { code: 'PARAM_ERROR', message: `参数错误: ${error.message}` };
  request.log.error({ err: error }, 'WeChat Pay gateway: unexpected error');
  return { code: 'SYSTEM_ERROR', message: '系统异常，请稍后重试' };
}
