// The merchant portal's API under /v1/portal, for the browser app at /app/merchant/: log-in with
// an HTTP-only cookie, the dashboard, order search and detail, refunds (through the refund
// service, as the merchant API does), and — in the files beside this one — stores and their codes,
// settlements and bills, API credentials and the webhook log. Reads go through the portal's own
// queries; every change goes through the existing services.
import type { FastifyInstance } from 'fastify';
import { baseUrlOf, orderJson, refundJson } from '../acquiring/json.js';
import type { OrderStatus } from '../acquiring/orders.js';
import { OUT_TRADE_NO_PATTERN } from '../acquiring/orders.js';
import { sendError, sendProblem } from '../api/errors.js';
import { displayName } from '../identity/service.js';
import type { Modules } from '../modules.js';
import { newToken } from '../shared/passwords.js';
import { parseAmountFen } from '../shared/money.js';
import { accountRoutes } from './account-routes.js';
import {
  activeMerchantOf,
  clearPortalCookie,
  portalOf,
  portalToken,
  requirePortalUserWith,
  setPortalCookie,
} from './auth.js';
import {
  dashboard,
  DASHBOARD_DAYS_DEFAULT,
  DASHBOARD_DAYS_MAX,
  ORDER_PAGE_DEFAULT,
  ORDER_PAGE_MAX,
  searchOrders,
} from './queries.js';
import { storeRoutes } from './store-routes.js';
import { createPortalUserService, PASSWORD_LENGTH_MAX, type PortalUser } from './users.js';
import type { Merchant } from '../merchant/service.js';

const tags = ['portal'];
const ORDER_STATUSES: readonly OrderStatus[] = [
  'WAIT_BUYER_PAY',
  'USERPAYING',
  'PAYING',
  'SUCCESS',
  'REFUND',
  'CLOSED',
];
const DATE_PATTERN = '^[0-9]{4}-[0-9]{2}-[0-9]{2}$';
const ORDER_ID_PARAMS = {
  type: 'object',
  additionalProperties: false,
  required: ['order_id'],
  properties: { order_id: { type: 'string', minLength: 1, maxLength: 64 } },
} as const;

const iso = (ms: bigint | null) => (ms === null ? null : new Date(Number(ms)).toISOString());

export const portalUserJson = (user: PortalUser) => ({
  id: user.id,
  merchant_id: user.merchantId,
  login: user.login,
  name: user.name,
  created_at: iso(user.createdAtMs),
  last_login_at: iso(user.lastLoginAtMs),
});

const merchantSummaryJson = (merchant: Merchant) => ({
  id: merchant.id,
  name: merchant.name,
  provider: merchant.providerId,
  kind: merchant.kind,
  mcc: merchant.mcc,
  fee_rate_bps: merchant.feeRateBps,
  settlement_delay_days: merchant.settlementDelayDays,
  status: merchant.status,
});

const takingsJson = (takings: { amountFen: bigint; count: number }) => ({
  amount: takings.amountFen.toString(),
  count: takings.count,
});

/** A date that is a real calendar day (2026-02-30 is not). */
const isCalendarDate = (text: string) => {
  const parsed = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 10) === text;
};

export async function portalRoutes(app: FastifyInstance, options: { modules: Modules }): Promise<void> {
  const modules = options.modules;
  const users = createPortalUserService({ store: modules.store, clock: modules.clock, merchants: modules.merchants });
  const requirePortalUser = requirePortalUserWith(users, modules.merchants);
  if (!app.hasRequestDecorator('portal')) app.decorateRequest('portal', null);
  registerSessionRoutes(app, modules, users, requirePortalUser);
  registerDashboardRoutes(app, modules, requirePortalUser);
  registerOrderRoutes(app, modules, requirePortalUser);
  await app.register(storeRoutes, { modules, preHandler: requirePortalUser });
  await app.register(accountRoutes, { modules, preHandler: requirePortalUser });
}

type PreHandler = ReturnType<typeof requirePortalUserWith>;

function registerSessionRoutes(
  app: FastifyInstance,
  modules: Modules,
  users: ReturnType<typeof createPortalUserService>,
  requirePortalUser: PreHandler,
): void {
  app.post<{ Body: { login: string; password: string } }>(
    '/sessions',
    {
      schema: {
        tags,
        summary:
          'Log in to the merchant portal with a phone number or e-mail and a password (sets an HTTP-only cookie)',
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['login', 'password'],
          properties: {
            login: { type: 'string', minLength: 1, maxLength: 254 },
            password: { type: 'string', minLength: 1, maxLength: PASSWORD_LENGTH_MAX },
          },
        },
      },
    },
    async (request, reply) => {
      const logged = await users.logIn(request.body);
      if (!logged.ok) return sendProblem(reply, logged.error);
      const merchant = (await modules.merchants.get(logged.value.user.merchantId))!;
      setPortalCookie(request, reply, logged.value.session);
      return reply.code(201).send({
        user: portalUserJson(logged.value.user),
        merchant: merchantSummaryJson(merchant),
        // For scripts; the browser app keeps to the cookie and never reads it.
        session: { token: logged.value.session.token, expires_at: iso(logged.value.session.expiresAtMs) },
      });
    },
  );

  app.delete(
    '/sessions/current',
    { schema: { tags, summary: 'Log out of the merchant portal' }, preHandler: requirePortalUser },
    async (request, reply) => {
      await users.logOut(portalToken(request)!);
      clearPortalCookie(reply);
      return reply.code(204).send();
    },
  );

  app.get(
    '/me',
    { schema: { tags, summary: 'The logged-in portal user and their merchant' }, preHandler: requirePortalUser },
    async (request) => {
      const { user, merchant, session } = portalOf(request);
      const provider = await modules.network.getProvider(merchant.providerId);
      return {
        user: portalUserJson(user),
        merchant: {
          ...merchantSummaryJson(merchant),
          provider_name: provider?.name ?? merchant.providerId,
          provider_name_zh: provider?.nameZh ?? merchant.providerId,
        },
        session_expires_at: iso(session.expiresAtMs),
      };
    },
  );
}

function registerDashboardRoutes(app: FastifyInstance, modules: Modules, requirePortalUser: PreHandler): void {
  app.get<{ Querystring: { days?: string } }>(
    '/dashboard',
    {
      schema: {
        tags,
        summary:
          "Today's takings and refunds; paid amounts by hour of today, by day and by the payer's wallet provider (Asia/Shanghai)",
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            days: {
              type: 'string',
              pattern: '^[1-9][0-9]?$',
              description: `Days in the by-day and by-provider figures, 1–${DASHBOARD_DAYS_MAX} (${DASHBOARD_DAYS_DEFAULT})`,
            },
          },
        },
      },
      preHandler: requirePortalUser,
    },
    async (request, reply) => {
      const days = Number(request.query.days ?? DASHBOARD_DAYS_DEFAULT);
      if (days > DASHBOARD_DAYS_MAX) {
        return sendError(reply, 'invalid_request', `days is at most ${DASHBOARD_DAYS_MAX}`, 'querystring.days');
      }
      const merchant = portalOf(request).merchant;
      const figures = await dashboard(modules.store.db, merchant.id, modules.clock.nowMs(), days);
      return {
        business_date: figures.businessDate,
        time_zone: 'Asia/Shanghai',
        today: { paid: takingsJson(figures.today.paid), refunded: takingsJson(figures.today.refunded) },
        by_hour: figures.byHour.map((hour) => ({ hour: hour.hour, ...takingsJson(hour) })),
        by_day: figures.byDay.map((day) => ({ date: day.date, ...takingsJson(day) })),
        by_provider: figures.byProvider.map((entry) => ({ provider: entry.providerId, ...takingsJson(entry) })),
      };
    },
  );
}

interface OrderQuery {
  out_trade_no?: string;
  status?: string;
  from?: string;
  to?: string;
  limit?: string;
  before?: string;
}

function registerOrderRoutes(app: FastifyInstance, modules: Modules, requirePortalUser: PreHandler): void {
  const { orders, refunds, identity, store } = modules;

  app.get<{ Querystring: OrderQuery }>(
    '/orders',
    {
      schema: {
        tags,
        summary:
          'Orders newest first, by out_trade_no, status (comma-separated) and creation date range (Asia/Shanghai)',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            out_trade_no: { type: 'string', pattern: OUT_TRADE_NO_PATTERN.source },
            status: { type: 'string', maxLength: 100 },
            from: { type: 'string', pattern: DATE_PATTERN },
            to: { type: 'string', pattern: DATE_PATTERN },
            limit: { type: 'string', pattern: '^[1-9][0-9]{0,2}$' },
            before: { type: 'string', minLength: 1, maxLength: 64 },
          },
        },
      },
      preHandler: requirePortalUser,
    },
    async (request, reply) => {
      const query = request.query;
      const limit = Number(query.limit ?? ORDER_PAGE_DEFAULT);
      if (limit > ORDER_PAGE_MAX) {
        return sendError(reply, 'invalid_request', `limit is at most ${ORDER_PAGE_MAX}`, 'querystring.limit');
      }
      const statuses = query.status === undefined || query.status === '' ? [] : query.status.split(',');
      const unknown = statuses.find((status) => !ORDER_STATUSES.includes(status as OrderStatus));
      if (unknown !== undefined) {
        return sendError(
          reply,
          'invalid_request',
          `status ${JSON.stringify(unknown)} is not one of ${ORDER_STATUSES.join(', ')}`,
          'querystring.status',
        );
      }
      for (const field of ['from', 'to'] as const) {
        const date = query[field];
        if (date !== undefined && !isCalendarDate(date)) {
          return sendError(reply, 'invalid_request', `${field} is not a calendar date`, `querystring.${field}`);
        }
      }
      if (query.from !== undefined && query.to !== undefined && query.from > query.to) {
        return sendError(reply, 'invalid_request', 'from is after to', 'querystring.from');
      }
      const merchant = portalOf(request).merchant;
      const found = await searchOrders(store.db, merchant.id, {
        outTradeNo: query.out_trade_no,
        statuses: statuses as OrderStatus[],
        fromDate: query.from,
        toDate: query.to,
        limit,
        before: query.before,
      });
      if (!found.ok) return sendError(reply, found.error.code, found.error.message, 'querystring.before');
      const page = await Promise.all(found.value.orderIds.map((id) => orders.get(id)));
      const base = baseUrlOf(request);
      return {
        orders: page.flatMap((order) => (order === null ? [] : [orderJson(order, base)])),
        next_before: found.value.nextBefore,
      };
    },
  );

  app.get<{ Params: { order_id: string } }>(
    '/orders/:order_id',
    {
      schema: { tags, summary: 'One order with its refunds and the payer (masked)', params: ORDER_ID_PARAMS },
      preHandler: requirePortalUser,
    },
    async (request, reply) => {
      const merchant = portalOf(request).merchant;
      const order = await orders.find(merchant.id, { orderId: request.params.order_id });
      if (!order) return sendError(reply, 'order_not_found', `you have no order ${request.params.order_id}`);
      const payer = order.payerUserId === null ? null : await identity.getUser(order.payerUserId);
      return {
        ...orderJson(order, baseUrlOf(request)),
        refundable: (order.status === 'SUCCESS' || order.status === 'REFUND'
          ? order.amountFen - order.refundedFen
          : 0n
        ).toString(),
        payer: payer === null ? null : { name: displayName(payer), provider: payer.providerId },
        refunds: (await refunds.listForOrder(order.id)).map(refundJson),
      };
    },
  );

  app.post<{ Params: { order_id: string }; Body: { amount: string; reason?: string; out_request_no?: string } }>(
    '/orders/:order_id/refunds',
    {
      schema: {
        tags,
        summary:
          'Refund all or part of a paid order (the refund service, as the merchant API); idempotent per out_request_no',
        params: ORDER_ID_PARAMS,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['amount'],
          properties: {
            amount: { type: 'string', maxLength: 20, description: 'Whole fen as a string' },
            reason: { type: 'string', minLength: 1, maxLength: 200 },
            out_request_no: {
              type: 'string',
              pattern: OUT_TRADE_NO_PATTERN.source,
              description: 'The browser makes one per refund form, so a double click refunds once',
            },
          },
        },
      },
      preHandler: requirePortalUser,
    },
    async (request, reply) => {
      const merchant = activeMerchantOf(request, reply);
      if (!merchant) return reply;
      const amount = parseAmountFen(request.body.amount);
      if (!amount.ok) return sendError(reply, 'invalid_request', amount.error.message, 'body.amount');
      const order = await orders.find(merchant.id, { orderId: request.params.order_id });
      if (!order) return sendError(reply, 'order_not_found', `you have no order ${request.params.order_id}`);
      const refunded = await refunds.refund(merchant, order, {
        outRequestNo: request.body.out_request_no ?? `portal-${newToken(12)}`,
        amountFen: amount.value,
        reason: request.body.reason,
      });
      if (!refunded.ok) return sendProblem(reply, refunded.error);
      return reply.code(201).send(refundJson(refunded.value));
    },
  );
}
