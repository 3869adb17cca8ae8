// The operator console's API, under /v1/admin with the operator token (the browser app at
// /app/console/ keeps the token in sessionStorage and sends it as a Bearer header): institutions,
// paid orders per second, the providers' reserve and settlement balances (the network audit),
// search of users and merchants, and the real-name list. The audit itself is GET /v1/admin/audit.
import type { FastifyInstance } from 'fastify';
import { networkAuditJson, requireAdminToken } from '../api/admin-ledger.js';
import { sendError } from '../api/errors.js';
import type { Modules } from '../modules.js';
import { auditNetwork } from '../network/audit.js';
import { maskPhone } from '../shared/mask.js';
import {
  countsByProvider,
  PAYMENTS_WINDOW_SECONDS_DEFAULT,
  PAYMENTS_WINDOW_SECONDS_MAX,
  paymentsPerSecond,
  realNameUsers,
  REVIEW_PAGE_DEFAULT,
  REVIEW_PAGE_MAX,
  searchPeople,
  type UserHit,
} from './queries.js';

const tags = ['operator'];
const iso = (ms: bigint | number) => new Date(Number(ms)).toISOString();

/** Operators see whole phone numbers (they are looking someone up); ID numbers stay masked. */
const userHitJson = (user: UserHit) => ({
  id: user.id,
  provider: user.providerId,
  phone: user.phone,
  real_name: user.realName,
  tier: user.tier,
  status: user.status,
  created_at: iso(user.createdAtMs),
});

export async function consoleRoutes(
  app: FastifyInstance,
  options: { modules: Modules; adminToken: string },
): Promise<void> {
  const { modules } = options;
  const db = modules.store.db;
  requireAdminToken(app, options.adminToken);

  app.get(
    '/institutions',
    { schema: { tags, summary: 'Wallet providers (with their users and merchants) and banks' } },
    async () => {
      const [providers, banks, counts] = await Promise.all([
        modules.network.listProviders(),
        modules.network.listBanks(),
        countsByProvider(db),
      ]);
      return {
        providers: providers.map((provider) => ({
          id: provider.id,
          name: provider.name,
          name_zh: provider.nameZh,
          users: counts.users.get(provider.id) ?? 0,
          merchants: counts.merchants.get(provider.id) ?? 0,
          password_free_limit: provider.policy.payments.passwordFreeLimitFen.toString(),
        })),
        banks: banks.map((bank) => ({ id: bank.id, name: bank.name, name_zh: bank.nameZh, bins: bank.binPrefixes })),
      };
    },
  );

  app.get<{ Querystring: { window?: string } }>(
    '/metrics/payments',
    {
      schema: {
        tags,
        summary: 'Paid orders per second over the last `window` seconds (the current second last)',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            window: {
              type: 'string',
              pattern: '^[1-9][0-9]{0,2}$',
              description: `Seconds, 1–${PAYMENTS_WINDOW_SECONDS_MAX} (${PAYMENTS_WINDOW_SECONDS_DEFAULT})`,
            },
          },
        },
      },
    },
    async (request, reply) => {
      const windowSeconds = Number(request.query.window ?? PAYMENTS_WINDOW_SECONDS_DEFAULT);
      if (windowSeconds > PAYMENTS_WINDOW_SECONDS_MAX) {
        return sendError(
          reply,
          'invalid_request',
          `window is at most ${PAYMENTS_WINDOW_SECONDS_MAX} seconds`,
          'querystring.window',
        );
      }
      const nowMs = modules.clock.nowMs();
      const figures = await paymentsPerSecond(db, nowMs, windowSeconds);
      const total = figures.counts.reduce((sum, count) => sum + count, 0);
      return {
        window_seconds: windowSeconds,
        now: iso(nowMs),
        start: iso(figures.startMs),
        total,
        // The current second is still filling up: the average is over the complete ones.
        average_per_second: windowSeconds > 1 ? (total - figures.counts.at(-1)!) / (windowSeconds - 1) : total,
        per_second: figures.counts.map((count, index) => ({
          at: iso(figures.startMs + index * 1000),
          count,
          amount: figures.amountsFen[index]!.toString(),
        })),
      };
    },
  );

  app.get(
    '/balances',
    {
      schema: {
        tags,
        summary: "Each provider's reserve, client funds, fee income and bank settlement balances (the network audit)",
      },
    },
    async () => networkAuditJson(await auditNetwork(modules)),
  );

  app.get<{ Querystring: { q: string } }>(
    '/search',
    {
      schema: {
        tags,
        summary: 'Users by id, phone prefix or real name; merchants by id or name',
        querystring: {
          type: 'object',
          additionalProperties: false,
          required: ['q'],
          properties: { q: { type: 'string', minLength: 1, maxLength: 64 } },
        },
      },
    },
    async (request, reply) => {
      if (request.query.q.trim() === '') {
        return sendError(reply, 'invalid_request', 'type something to search for', 'querystring.q');
      }
      const found = await searchPeople(db, request.query.q);
      return {
        users: found.users.map(userHitJson),
        merchants: found.merchants.map((merchant) => ({
          id: merchant.id,
          provider: merchant.providerId,
          name: merchant.name,
          kind: merchant.kind,
          mcc: merchant.mcc,
          status: merchant.status,
          created_at: iso(merchant.createdAtMs),
        })),
      };
    },
  );

  app.get<{ Querystring: { limit?: string; before?: string } }>(
    '/real-name-reviews',
    {
      schema: {
        tags,
        summary: 'Users whose real name and ID number are recorded (class II and up), newest accounts first',
        description:
          'There is no manual review yet: the ID number is checked (format, province, date, check digit) when given, ' +
          'and this list shows what was recorded. Saoma keeps no time of the step, so the order is by account creation.',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            limit: { type: 'string', pattern: '^[1-9][0-9]{0,2}$' },
            before: { type: 'string', minLength: 1, maxLength: 64, description: 'next_before of the previous page' },
          },
        },
      },
    },
    async (request, reply) => {
      const limit = Number(request.query.limit ?? REVIEW_PAGE_DEFAULT);
      if (limit > REVIEW_PAGE_MAX) {
        return sendError(reply, 'invalid_request', `limit is at most ${REVIEW_PAGE_MAX}`, 'querystring.limit');
      }
      let before: { createdAtMs: bigint; id: string } | undefined;
      if (request.query.before !== undefined) {
        const cursor = await modules.identity.getUser(request.query.before);
        if (!cursor) return sendError(reply, 'invalid_request', 'before names no user', 'querystring.before');
        before = { createdAtMs: cursor.createdAtMs, id: cursor.id };
      }
      const rows = await realNameUsers(db, { limit: limit + 1, before });
      const page = rows.slice(0, limit);
      const users = await Promise.all(page.map((row) => modules.identity.getUser(row.id)));
      return {
        manual_review: false,
        users: users.flatMap((user) =>
          user === null
            ? []
            : [
                {
                  id: user.id,
                  provider: user.providerId,
                  phone: maskPhone(user.phone),
                  real_name: user.realName,
                  id_number: user.idNumberMasked,
                  tier: user.tier,
                  status: user.status,
                  created_at: iso(user.createdAtMs),
                },
              ],
        ),
        next_before: rows.length > limit ? page.at(-1)!.id : null,
      };
    },
  );
}
