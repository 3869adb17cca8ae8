// The merchants' API under /v1/merchant, for their servers, every request signed with the app's
// key (see src/merchant/signature.ts): orders and their codes, scanned payment codes, close,
// refunds, stores and static collection codes, settlements and the daily trade bill.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { sendError, sendProblem } from '../api/errors.js';
import {
  merchantAppOf,
  merchantAuth,
  nonceLeftOver,
  nonceWrite,
  registerSignedJson,
  takeRequestNonce,
} from '../merchant/auth.js';
import type { Merchant } from '../merchant/service.js';
import type { Modules } from '../modules.js';
import { checkWebhookUrl } from '../notify/outbox.js';
import { notificationRoutes } from '../notify/routes.js';
import { tradeBill } from '../reports/trade-bill.js';
import { parseAmountFen } from '../shared/money.js';
import { emvFor, codeUrl } from './code-text.js';
import { baseUrlOf, orderJson, refundJson, settlementJson } from './json.js';
import { OUT_TRADE_NO_PATTERN } from './orders.js';

const tags = ['merchant'];
const amount = { type: 'string', pattern: '^[1-9][0-9]{0,15}$', description: 'Whole fen as a string' } as const;
const outTradeNo = { type: 'string', pattern: OUT_TRADE_NO_PATTERN.source } as const;
const text = (maxLength: number) => ({ type: 'string', minLength: 1, maxLength }) as const;

declare module 'fastify' {
  interface FastifyRequest {
    /** The signed request's merchant, set before every merchant API route runs (always active). */
    activeMerchant: Merchant | null;
  }
}

export async function merchantRoutes(app: FastifyInstance, options: { modules: Modules }): Promise<void> {
  const modules = options.modules;
  const { merchants, orders, acquiring, refunds, settlements, store } = modules;
  registerSignedJson(app);
  app.addHook('preValidation', merchantAuth({ store, clock: modules.clock }));
  app.addHook('onSend', nonceLeftOver({ store }));
  // Every route acts for an active merchant: a suspended one is refused before any of them runs.
  if (!app.hasRequestDecorator('activeMerchant')) app.decorateRequest('activeMerchant', null);
  app.addHook('preHandler', async (request, reply) => {
    const merchant = await merchants.get(merchantAppOf(request).merchantId);
    if (!merchant || merchant.status !== 'active') {
      return sendError(reply, 'forbidden', 'this merchant is suspended and cannot use the API');
    }
    request.activeMerchant = merchant;
  });
  // The webhook log and re-send, behind the same signatures and the same check (the hooks above).
  app.register(notificationRoutes, {
    store,
    notifier: modules.notifier,
    preHandler: async () => undefined,
    merchantIdOf: (request) => merchantAppOf(request).merchantId,
  });

  const merchantOf = (request: FastifyRequest): Merchant => {
    if (!request.activeMerchant) throw new Error('a merchant route ran without its merchant');
    return request.activeMerchant;
  };
  const amountOf = (reply: FastifyReply, value: string, field: string): bigint | null => {
    const parsed = parseAmountFen(value);
    if (parsed.ok) return parsed.value;
    sendError(reply, 'invalid_request', parsed.error.message, field);
    return null;
  };
  const orderOf = async (merchant: Merchant, reply: FastifyReply, ref: string) => {
    const order = await orders.find(merchant.id, { outTradeNo: ref });
    if (!order) sendError(reply, 'order_not_found', `no order with out_trade_no ${ref}`);
    return order;
  };

  app.post<{
    Body: {
      out_trade_no: string;
      amount: string;
      subject: string;
      timeout_seconds?: number;
      notify_url?: string;
      store_id?: string;
    };
  }>(
    '/orders',
    {
      // The request's nonce is written with the order, in one unit (merchant/auth.ts).
      config: { nonceWithEffect: true },
      schema: {
        tags,
        summary: 'Create an order; answers with the code URL (for a QR) and the same code as an EMVCo string',
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['out_trade_no', 'amount', 'subject'],
          properties: {
            out_trade_no: outTradeNo,
            amount,
            subject: text(128),
            timeout_seconds: { type: 'integer', minimum: 1, maximum: 604_800 },
            notify_url: { type: 'string', format: 'uri', maxLength: 512 },
            store_id: text(64),
          },
        },
      },
    },
    async (request, reply) => {
      const merchant = merchantOf(request);
      const body = request.body;
      const amountFen = amountOf(reply, body.amount, 'body.amount');
      if (amountFen === null) return reply;
      if (body.notify_url !== undefined) {
        const url = checkWebhookUrl(body.notify_url);
        if (!url.ok) return sendError(reply, 'invalid_request', url.error.message, 'body.notify_url');
      }
      const nonce = takeRequestNonce(request);
      const created = await acquiring.createOrder(merchant, {
        outTradeNo: body.out_trade_no,
        amountFen,
        subject: body.subject,
        timeoutSeconds: body.timeout_seconds,
        notifyUrl: body.notify_url,
        storeId: body.store_id,
        nonce: nonce ? nonceWrite(store, nonce) : undefined,
      });
      if (!created.ok) return sendProblem(reply, created.error);
      const order = created.value;
      return reply.code(201).send({
        ...orderJson(order, baseUrlOf(request)),
        emv_qr: order.code === null ? null : emvFor(merchant, order.code, order.amountFen),
      });
    },
  );

  app.get<{ Params: { out_trade_no: string } }>(
    '/orders/:out_trade_no',
    { schema: { tags, summary: 'An order: the source of truth for its state (notifications only announce it)' } },
    async (request, reply) => {
      const merchant = merchantOf(request);
      const order = await orderOf(merchant, reply, request.params.out_trade_no);
      if (!order) return reply;
      const orderRefunds = await refunds.listForOrder(order.id);
      return { ...orderJson(order, baseUrlOf(request)), refunds: orderRefunds.map(refundJson) };
    },
  );

  app.post<{ Params: { out_trade_no: string } }>(
    '/orders/:out_trade_no/close',
    { schema: { tags, summary: 'Close (or cancel) an order nobody has paid' } },
    async (request, reply) => {
      const merchant = merchantOf(request);
      const order = await orderOf(merchant, reply, request.params.out_trade_no);
      if (!order) return reply;
      const closed = await orders.close(order, 'closed_by_merchant');
      if (!closed.ok) return sendProblem(reply, closed.error);
      return orderJson(closed.value, baseUrlOf(request));
    },
  );

  app.post<{ Params: { out_trade_no: string } }>(
    '/orders/:out_trade_no/cancel',
    {
      schema: {
        tags,
        summary: 'Cancel an order: closed if unpaid, refunded in full if paid (as a till does when a sale is voided)',
      },
    },
    async (request, reply) => {
      const merchant = merchantOf(request);
      const order = await orderOf(merchant, reply, request.params.out_trade_no);
      if (!order) return reply;
      if (order.status === 'SUCCESS' || order.status === 'REFUND') {
        // A repeated cancel is the same refund (its own amount), and one of an order refunded in
        // full already has nothing left to move.
        const outRequestNo = `cancel-${order.id}`;
        const earlier = await refunds.find(merchant.id, outRequestNo);
        const amountFen = earlier ? earlier.amountFen : order.amountFen - order.refundedFen;
        if (amountFen === 0n) return { action: 'refund', ...orderJson(order, baseUrlOf(request)) };
        const refunded = await refunds.refund(merchant, order, { outRequestNo, amountFen, reason: 'cancelled' });
        if (!refunded.ok) return sendProblem(reply, refunded.error);
        return { action: 'refund', ...orderJson((await orders.get(order.id))!, baseUrlOf(request)) };
      }
      const closed = await orders.close(order, 'cancelled');
      if (!closed.ok) return sendProblem(reply, closed.error);
      return { action: 'close', ...orderJson(closed.value, baseUrlOf(request)) };
    },
  );

  app.post<{
    Body: {
      out_trade_no: string;
      amount: string;
      subject: string;
      auth_code: string;
      store_id?: string;
      terminal_id?: string;
    };
  }>(
    '/orders/pay-by-code',
    {
      schema: {
        tags,
        summary:
          "The cashier scanned the payer's payment code: paid at once below the password-free limit, else USERPAYING until the payer confirms (45 s)",
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['out_trade_no', 'amount', 'subject', 'auth_code'],
          properties: {
            out_trade_no: outTradeNo,
            amount,
            subject: text(128),
            auth_code: { type: 'string', pattern: '^[0-9]{10,24}$' },
            store_id: text(64),
            terminal_id: text(64),
          },
        },
      },
    },
    async (request, reply) => {
      const merchant = merchantOf(request);
      const body = request.body;
      const amountFen = amountOf(reply, body.amount, 'body.amount');
      if (amountFen === null) return reply;
      const paid = await acquiring.payByCode(merchant, {
        outTradeNo: body.out_trade_no,
        amountFen,
        subject: body.subject,
        authCode: body.auth_code,
        storeId: body.store_id,
        terminalId: body.terminal_id,
      });
      if (!paid.ok) return sendProblem(reply, paid.error);
      return reply.code(paid.value.status === 'SUCCESS' ? 201 : 202).send(orderJson(paid.value, baseUrlOf(request)));
    },
  );

  app.post<{ Params: { out_trade_no: string }; Body: { out_request_no: string; amount: string; reason?: string } }>(
    '/orders/:out_trade_no/refunds',
    {
      schema: {
        tags,
        summary: 'Refund all or part of a paid order; idempotent per out_request_no; the fee comes back pro rata',
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['out_request_no', 'amount'],
          properties: { out_request_no: outTradeNo, amount, reason: text(200) },
        },
      },
    },
    async (request, reply) => {
      const merchant = merchantOf(request);
      const order = await orderOf(merchant, reply, request.params.out_trade_no);
      if (!order) return reply;
      const amountFen = amountOf(reply, request.body.amount, 'body.amount');
      if (amountFen === null) return reply;
      const refunded = await refunds.refund(merchant, order, {
        outRequestNo: request.body.out_request_no,
        amountFen,
        reason: request.body.reason,
      });
      if (!refunded.ok) return sendProblem(reply, refunded.error);
      return reply.code(201).send(refundJson(refunded.value));
    },
  );

  app.get<{ Params: { out_request_no: string } }>(
    '/refunds/:out_request_no',
    { schema: { tags, summary: 'A refund by its out_request_no' } },
    async (request, reply) => {
      const merchant = merchantOf(request);
      const refund = await refunds.find(merchant.id, request.params.out_request_no);
      if (!refund)
        return sendError(reply, 'not_found', `no refund with out_request_no ${request.params.out_request_no}`);
      return refundJson(refund);
    },
  );

  app.post<{ Body: { name: string; city: string } }>(
    '/stores',
    {
      schema: {
        tags,
        summary: 'Add a store',
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['name', 'city'],
          properties: { name: text(60), city: text(30) },
        },
      },
    },
    async (request, reply) => {
      const merchant = merchantOf(request);
      const added = await merchants.addStore(merchant.id, request.body);
      if (!added.ok) return sendProblem(reply, added.error);
      return reply.code(201).send({ store_id: added.value.id, name: added.value.name, city: added.value.city });
    },
  );

  app.post<{ Params: { store_id: string }; Body: { name: string } }>(
    '/stores/:store_id/terminals',
    {
      schema: {
        tags,
        summary: 'Add a terminal (a till) to a store; orders may name it',
        body: { type: 'object', additionalProperties: false, required: ['name'], properties: { name: text(60) } },
      },
    },
    async (request, reply) => {
      const merchant = merchantOf(request);
      const merchantStore = await merchants.getStore(request.params.store_id);
      if (!merchantStore || merchantStore.merchantId !== merchant.id) {
        return sendError(reply, 'store_not_found', `you have no store ${request.params.store_id}`);
      }
      const added = await merchants.addTerminal(merchantStore.id, request.body.name);
      if (!added.ok) return sendProblem(reply, added.error);
      return reply.code(201).send({ terminal_id: added.value.id, store_id: merchantStore.id, name: added.value.name });
    },
  );

  app.post<{ Params: { store_id: string } }>(
    '/stores/:store_id/collection-codes',
    { schema: { tags, summary: "A store's static collection code: the payer scans it and types the amount" } },
    async (request, reply) => {
      const merchant = merchantOf(request);
      const merchantStore = await merchants.getStore(request.params.store_id);
      if (!merchantStore || merchantStore.merchantId !== merchant.id) {
        return sendError(reply, 'store_not_found', `you have no store ${request.params.store_id}`);
      }
      const code = await acquiring.createStaticCode(merchant, merchantStore);
      const url = codeUrl(baseUrlOf(request), code);
      return reply.code(201).send({
        code,
        code_url: url,
        emv_qr: emvFor(merchant, code, undefined, merchantStore.name),
        qr_png: `${url}/qr.png`,
        qr_svg: `${url}/qr.svg`,
      });
    },
  );

  app.get<{ Querystring: { limit?: string } }>(
    '/settlements',
    {
      schema: {
        tags,
        summary: 'Settlements, newest first: gross, fees, refunds and what was paid out, per business day',
      },
    },
    async (request) => {
      const merchant = merchantOf(request);
      const limit = Math.min(Number(request.query.limit ?? 30) || 30, 366);
      return { settlements: (await settlements.list(merchant.id, limit)).map(settlementJson) };
    },
  );

  app.get<{ Params: { date: string } }>(
    '/bills/:date',
    {
      schema: {
        tags,
        summary:
          'The trade bill of a business day (YYYY-MM-DD, Asia/Shanghai) as CSV: every payment and refund, then the totals',
      },
    },
    async (request, reply) => {
      const merchant = merchantOf(request);
      if (!/^\d{4}-\d{2}-\d{2}$/.test(request.params.date) || Number.isNaN(Date.parse(request.params.date))) {
        return sendError(reply, 'invalid_request', 'the date must be YYYY-MM-DD', 'params.date');
      }
      const bill = await tradeBill(store.db, merchant.id, request.params.date);
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="trade-bill-${merchant.id}-${request.params.date}.csv"`)
        .send(bill.csv);
    },
  );
}
