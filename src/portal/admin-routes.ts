// The operator's side of the merchant portal, under /v1/admin with the operator token: create a
// portal log-in for a merchant, and list a merchant's portal users.
import type { FastifyInstance } from 'fastify';
import { requireAdminToken } from '../api/admin-ledger.js';
import { sendError, sendProblem } from '../api/errors.js';
import type { Modules } from '../modules.js';
import { portalUserJson } from './routes.js';
import { createPortalUserService, PASSWORD_LENGTH_MAX } from './users.js';

const tags = ['operator'];
const MERCHANT_PARAMS = {
  type: 'object',
  additionalProperties: false,
  required: ['id'],
  properties: { id: { type: 'string', minLength: 1, maxLength: 64 } },
} as const;

export async function portalAdminRoutes(
  app: FastifyInstance,
  options: { modules: Modules; adminToken: string },
): Promise<void> {
  const { modules } = options;
  requireAdminToken(app, options.adminToken);
  const users = createPortalUserService({ store: modules.store, clock: modules.clock, merchants: modules.merchants });

  app.post<{ Params: { id: string }; Body: { login: string; name: string; password: string } }>(
    '/merchants/:id/portal-users',
    {
      schema: {
        tags,
        summary:
          "Create a merchant portal log-in (a phone number or e-mail and a password) for one of a merchant's people",
        params: MERCHANT_PARAMS,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['login', 'name', 'password'],
          properties: {
            login: { type: 'string', minLength: 1, maxLength: 254 },
            name: { type: 'string', minLength: 1, maxLength: 50 },
            password: { type: 'string', minLength: 1, maxLength: PASSWORD_LENGTH_MAX },
          },
        },
      },
    },
    async (request, reply) => {
      const created = await users.create(request.params.id, request.body);
      if (!created.ok) return sendProblem(reply, created.error);
      return reply.code(201).send(portalUserJson(created.value));
    },
  );

  app.get<{ Params: { id: string } }>(
    '/merchants/:id/portal-users',
    { schema: { tags, summary: "A merchant's portal users", params: MERCHANT_PARAMS } },
    async (request, reply) => {
      if (!(await modules.merchants.get(request.params.id))) {
        return sendError(reply, 'merchant_not_found', `no merchant ${request.params.id}`);
      }
      return { portal_users: (await users.listForMerchant(request.params.id)).map(portalUserJson) };
    },
  );
}
