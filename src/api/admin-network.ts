// Operator routes for the payer side, under /v1/admin with the operator token: open a customer's
// account at a simulated bank (a sandbox needs people with cards), and freeze or unfreeze a user.
import type { FastifyInstance } from 'fastify';
import { PHONE_PATTERN } from '../identity/service.js';
import { userJson } from '../identity/routes.js';
import type { Modules } from '../modules.js';
import { AMOUNT_FEN_MAX } from '../shared/money.js';
import { requireAdminToken } from './admin-ledger.js';
import { sendError, sendProblem } from './errors.js';

interface BankAccountBody {
  bank: string;
  kind: 'debit' | 'credit';
  holder_name: string;
  holder_id_number?: string;
  phone: string;
  number?: string;
  amount: string;
}

export async function adminNetworkRoutes(
  app: FastifyInstance,
  options: { modules: Modules; adminToken: string },
): Promise<void> {
  const { banking, identity } = options.modules;
  requireAdminToken(app, options.adminToken);

  app.post<{ Body: BankAccountBody }>(
    '/bank-accounts',
    {
      schema: {
        tags: ['operator'],
        summary: "Open a customer's current account (with an opening deposit) or credit card (with a limit) at a bank",
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['bank', 'kind', 'holder_name', 'phone', 'amount'],
          properties: {
            bank: { type: 'string', maxLength: 64 },
            kind: { type: 'string', enum: ['debit', 'credit'] },
            holder_name: { type: 'string', minLength: 1, maxLength: 50 },
            holder_id_number: { type: 'string', pattern: '^[0-9]{17}[0-9Xx]$' },
            phone: { type: 'string', pattern: PHONE_PATTERN },
            number: { type: 'string', pattern: '^[0-9]{12,19}$' },
            amount: { type: 'string', pattern: '^(0|[1-9][0-9]{0,15})$' },
          },
        },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const amountFen = BigInt(body.amount);
      if (amountFen > AMOUNT_FEN_MAX)
        return sendError(reply, 'invalid_request', 'the amount is too large', 'body.amount');
      const opened = await banking.openAccount({
        bankId: body.bank,
        kind: body.kind,
        holderName: body.holder_name,
        holderIdNumber: body.holder_id_number,
        phone: body.phone,
        number: body.number,
        amountFen,
      });
      if (!opened.ok) return sendProblem(reply, opened.error);
      return reply.code(201).send({
        id: opened.value.id,
        bank: opened.value.bankId,
        kind: opened.value.kind,
        number: opened.value.number,
        holder_name: opened.value.holderName,
        phone: opened.value.phone,
      });
    },
  );

  app.post<{ Params: { id: string }; Body: { status: 'active' | 'frozen' } }>(
    '/users/:id/status',
    {
      schema: {
        tags: ['operator'],
        summary: 'Freeze a user (money stops moving out of the wallet) or unfreeze them',
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['status'],
          properties: { status: { type: 'string', enum: ['active', 'frozen'] } },
        },
      },
    },
    async (request, reply) => {
      const user = await identity.setStatus(request.params.id, request.body.status);
      if (!user) return sendError(reply, 'user_not_found', `no user ${request.params.id}`);
      return userJson(user);
    },
  );
}
