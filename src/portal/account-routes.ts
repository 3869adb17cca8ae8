// The portal's money-out and integration pages: settlements and the daily trade bill (the same
// CSV as the merchant API's), the API credentials (apps, their public keys and webhook URLs, and
// the platform's key that signs webhooks), and the webhook log with re-send (the notify module's
// own routes, authenticated by the portal session instead of a signature).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { settlementJson } from '../acquiring/json.js';
import { sendError } from '../api/errors.js';
import type { Modules } from '../modules.js';
import { platformPublicKeyPem } from '../notify/platform-key.js';
import { notificationRoutes } from '../notify/routes.js';
import { tradeBill } from '../reports/trade-bill.js';
import { portalOf } from './auth.js';
import { merchantApps } from './queries.js';

const tags = ['portal'];
const SETTLEMENTS_DEFAULT = 30;
const SETTLEMENTS_MAX = 366;
const APPS_LISTED_MAX = 50;

export async function accountRoutes(
  app: FastifyInstance,
  options: { modules: Modules; preHandler: (request: FastifyRequest, reply: FastifyReply) => Promise<unknown> },
): Promise<void> {
  const { settlements, store, notifier, clock } = options.modules;
  const preHandler = options.preHandler;

  app.get<{ Querystring: { limit?: string } }>(
    '/settlements',
    {
      schema: {
        tags,
        summary: 'Settlements newest first: gross, fees, refunds and the net paid out, per business day',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { limit: { type: 'string', pattern: '^[1-9][0-9]{0,2}$' } },
        },
      },
      preHandler,
    },
    async (request, reply) => {
      const limit = Number(request.query.limit ?? SETTLEMENTS_DEFAULT);
      if (limit > SETTLEMENTS_MAX) {
        return sendError(reply, 'invalid_request', `limit is at most ${SETTLEMENTS_MAX}`, 'querystring.limit');
      }
      const merchant = portalOf(request).merchant;
      return { settlements: (await settlements.list(merchant.id, limit)).map(settlementJson) };
    },
  );

  app.get<{ Params: { date: string } }>(
    '/bills/:date',
    {
      schema: {
        tags,
        summary: 'The trade bill of a business day (YYYY-MM-DD, Asia/Shanghai) as CSV, to download',
        params: {
          type: 'object',
          additionalProperties: false,
          required: ['date'],
          properties: { date: { type: 'string', pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' } },
        },
      },
      preHandler,
    },
    async (request, reply) => {
      const date = request.params.date;
      const parsed = new Date(`${date}T00:00:00Z`);
      if (Number.isNaN(parsed.getTime()) || parsed.toISOString().slice(0, 10) !== date) {
        return sendError(reply, 'invalid_request', 'the date is not a calendar day', 'params.date');
      }
      const merchant = portalOf(request).merchant;
      const bill = await tradeBill(store.db, merchant.id, date);
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="trade-bill-${merchant.id}-${date}.csv"`)
        .send(bill.csv);
    },
  );

  app.get(
    '/credentials',
    {
      schema: {
        tags,
        summary:
          "The merchant's API apps (app id, key algorithm, public key, webhook URL) and the platform's webhook key",
      },
      preHandler,
    },
    async (request) => {
      const merchant = portalOf(request).merchant;
      const apps = await merchantApps(store.db, merchant.id, APPS_LISTED_MAX);
      return {
        merchant_id: merchant.id,
        apps: apps.map((entry) => ({
          app_id: entry.appId,
          key_algorithm: entry.keyAlgorithm,
          public_key_pem: entry.publicKeyPem,
          webhook_url: entry.webhookUrl,
          created_at: new Date(Number(entry.createdAtMs)).toISOString(),
        })),
        platform_webhook_key: { algorithm: 'ed25519', public_key_pem: await platformPublicKeyPem(store, clock) },
      };
    },
  );

  await app.register(notificationRoutes, {
    store,
    notifier,
    preHandler,
    merchantIdOf: (request) => portalOf(request).merchant.id,
  });
}
