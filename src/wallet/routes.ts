// The wallet API: balance, top-up, withdrawal (with a quote), transfers, the statement and the
// operations behind its lines. Every money-moving route requires an Idempotency-Key and the
// payment PIN.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { requireUserWith, userOf } from '../api/auth.js';
import { sendError, sendProblem } from '../api/errors.js';
import { idempotencyHeaderSchema, idempotencyKey } from '../api/idempotency.js';
import { PHONE_PATTERN, PIN_PATTERN, type User } from '../identity/service.js';
import type { Modules } from '../modules.js';
import { parseAmountFen } from '../shared/money.js';
import type { WalletOperation } from './operations.js';
import type { Balance } from './service.js';
import {
  readStatement,
  STATEMENT_KINDS,
  STATEMENT_PAGE_MAX,
  type StatementKind,
  type StatementLine,
} from './statement.js';

const tags = ['wallet'];
export const amountSchema = {
  type: 'string',
  pattern: '^[1-9][0-9]{0,15}$',
  description: 'Whole fen as a string: "1250" is ¥12.50',
} as const;
export const pinSchema = { type: 'string', pattern: PIN_PATTERN, description: 'The six-digit payment PIN' } as const;
const cardId = { type: 'string', minLength: 1, maxLength: 64 } as const;

export const balanceJson = (balance: Balance) => ({
  available: balance.availableFen.toString(),
  pending: balance.pendingFen.toString(),
  currency: balance.currency,
});

export const operationJson = (operation: WalletOperation) => ({
  id: operation.id,
  kind: operation.kind,
  status: operation.status,
  amount: operation.amountFen.toString(),
  fee: operation.feeFen.toString(),
  card_id: operation.cardId,
  counterparty_user_id: operation.counterpartyUserId,
  note: operation.note,
  failure: operation.failure,
  created_at: new Date(Number(operation.createdAtMs)).toISOString(),
  completed_at: operation.completedAtMs === null ? null : new Date(Number(operation.completedAtMs)).toISOString(),
});

const lineJson = (line: StatementLine) => ({
  seq: line.seq.toString(),
  at: new Date(Number(line.atMs)).toISOString(),
  kind: line.kind,
  direction: line.direction,
  amount: line.amountFen.toString(),
  counterparty: line.counterparty === null ? null : { user_id: line.counterparty.userId, name: line.counterparty.name },
  merchant: line.merchant,
  cause: line.cause,
  note: line.note,
  transfer_id: line.transferId,
});

/**
 * What every money-moving request checks first, in this order: the key (400), the account's
 * standing (403), the PIN when one is given (422, counting towards the lockout). Null after
 * answering.
 */
export async function moneyPreflight(
  modules: Modules,
  request: FastifyRequest,
  reply: FastifyReply,
  pin: string | undefined,
): Promise<{ user: User; key: string; pinConfirmed: boolean } | null> {
  const key = idempotencyKey(request, reply);
  if (key === null) return null;
  const user = userOf(request);
  if (user.status === 'frozen') {
    sendError(reply, 'account_frozen', 'your account is frozen; contact customer service to appeal');
    return null;
  }
  // Routes whose schema requires the PIN always pass one; paying a code may go without it below
  // the password-free limit.
  if (pin !== undefined) {
    const checked = await modules.identity.verifyPin(user.id, pin);
    if (!checked.ok) {
      sendProblem(reply, checked.error);
      return null;
    }
  }
  return { user, key, pinConfirmed: pin !== undefined };
}

export async function walletRoutes(app: FastifyInstance, options: { modules: Modules }): Promise<void> {
  const modules = options.modules;
  const { identity, wallet, operations, ledger } = modules;
  const requireUser = requireUserWith(identity);
  const answer = (reply: FastifyReply, done: Awaited<ReturnType<typeof wallet.topUp>>, status = 201) =>
    done.ok ? reply.code(status).send(operationJson(done.value)) : sendProblem(reply, done.error);

  app.get(
    '/wallet',
    { schema: { tags, summary: 'The balance, as the ledger holds it' }, preHandler: requireUser },
    async (request) => balanceJson(await wallet.balance(userOf(request))),
  );

  app.post<{ Body: { card_id: string; amount: string; pin: string } }>(
    '/wallet/top-ups',
    {
      schema: {
        tags,
        summary: 'Top up from a linked debit card',
        headers: idempotencyHeaderSchema,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['card_id', 'amount', 'pin'],
          properties: { card_id: cardId, amount: amountSchema, pin: pinSchema },
        },
      },
      preHandler: requireUser,
    },
    async (request, reply) => {
      const amount = parseAmountFen(request.body.amount);
      if (!amount.ok) return sendError(reply, 'invalid_request', amount.error.message, 'body.amount');
      const checked = await moneyPreflight(modules, request, reply, request.body.pin);
      if (!checked) return reply;
      return answer(
        reply,
        await wallet.topUp(checked.user, {
          idempotencyKey: checked.key,
          cardId: request.body.card_id,
          amountFen: amount.value,
        }),
      );
    },
  );

  app.get<{ Querystring: { amount: string } }>(
    '/wallet/withdrawals/quote',
    {
      schema: {
        tags,
        summary: 'The fee a withdrawal would cost now, and how much free quota is left',
        querystring: {
          type: 'object',
          additionalProperties: false,
          required: ['amount'],
          properties: { amount: amountSchema },
        },
      },
      preHandler: requireUser,
    },
    async (request, reply) => {
      const amount = parseAmountFen(request.query.amount);
      if (!amount.ok) return sendError(reply, 'invalid_request', amount.error.message, 'querystring.amount');
      const quote = await wallet.quoteWithdrawal(userOf(request), amount.value);
      return {
        amount: quote.amountFen.toString(),
        fee: quote.feeFen.toString(),
        total: quote.totalFen.toString(),
        free_part: quote.freeFen.toString(),
        chargeable_part: quote.chargeableFen.toString(),
        free_quota_left: quote.freeQuotaLeftFen.toString(),
        free_quota_left_after: quote.freeQuotaLeftAfterFen.toString(),
        fee_rate_bps: quote.feeRateBps,
        fee_min: quote.feeMinFen.toString(),
      };
    },
  );

  app.post<{ Body: { card_id: string; amount: string; pin: string; expected_fee?: string } }>(
    '/wallet/withdrawals',
    {
      schema: {
        tags,
        summary: 'Withdraw to a linked debit card; the fee is taken from the balance on top of the amount',
        headers: idempotencyHeaderSchema,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['card_id', 'amount', 'pin'],
          properties: {
            card_id: cardId,
            amount: amountSchema,
            pin: pinSchema,
            expected_fee: {
              type: 'string',
              pattern: '^(0|[1-9][0-9]{0,15})$',
              description: 'The fee the user was shown; a different fee is refused with fee_changed',
            },
          },
        },
      },
      preHandler: requireUser,
    },
    async (request, reply) => {
      const amount = parseAmountFen(request.body.amount);
      if (!amount.ok) return sendError(reply, 'invalid_request', amount.error.message, 'body.amount');
      const checked = await moneyPreflight(modules, request, reply, request.body.pin);
      if (!checked) return reply;
      const expected = request.body.expected_fee;
      return answer(
        reply,
        await wallet.withdraw(checked.user, {
          idempotencyKey: checked.key,
          cardId: request.body.card_id,
          amountFen: amount.value,
          expectedFeeFen: expected === undefined ? undefined : BigInt(expected),
        }),
      );
    },
  );

  app.post<{ Body: { to_phone?: string; to_user_id?: string; amount: string; note?: string; pin: string } }>(
    '/wallet/transfers',
    {
      schema: {
        tags,
        summary: 'Transfer to another user of the same provider, by phone or user id',
        headers: idempotencyHeaderSchema,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['amount', 'pin'],
          properties: {
            to_phone: { type: 'string', pattern: PHONE_PATTERN },
            to_user_id: { type: 'string', minLength: 1, maxLength: 64 },
            amount: amountSchema,
            note: { type: 'string', maxLength: 100 },
            pin: pinSchema,
          },
        },
      },
      preHandler: requireUser,
    },
    async (request, reply) => {
      const body = request.body;
      if ((body.to_phone === undefined) === (body.to_user_id === undefined)) {
        return sendError(
          reply,
          'invalid_request',
          'name the payee by exactly one of to_phone and to_user_id',
          'body.to_phone',
        );
      }
      const amount = parseAmountFen(body.amount);
      if (!amount.ok) return sendError(reply, 'invalid_request', amount.error.message, 'body.amount');
      const checked = await moneyPreflight(modules, request, reply, body.pin);
      if (!checked) return reply;
      return answer(
        reply,
        await wallet.transfer(checked.user, {
          idempotencyKey: checked.key,
          to: { phone: body.to_phone, userId: body.to_user_id },
          amountFen: amount.value,
          note: body.note,
        }),
      );
    },
  );

  app.get<{
    Querystring: {
      limit?: string;
      before?: string;
      kind?: string;
      direction?: 'in' | 'out';
      from?: string;
      to?: string;
    };
  }>(
    '/wallet/statement',
    {
      schema: {
        tags,
        summary:
          'Every movement of the wallet, newest first: paged with `before`, filtered by kind, direction and time',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            limit: {
              type: 'string',
              pattern: '^[1-9][0-9]{0,2}$',
              description: `Lines per page, 1–${STATEMENT_PAGE_MAX} (20)`,
            },
            before: { type: 'string', pattern: '^[0-9]{1,19}$', description: 'next_before of the previous page' },
            kind: { type: 'string', maxLength: 300, description: `Comma-separated: ${STATEMENT_KINDS.join(', ')}` },
            direction: { type: 'string', enum: ['in', 'out'] },
            from: { type: 'string', format: 'date-time' },
            to: { type: 'string', format: 'date-time' },
          },
        },
      },
      preHandler: requireUser,
    },
    async (request, reply) => {
      const query = request.query;
      const limit = Number(query.limit ?? 20);
      if (limit > STATEMENT_PAGE_MAX) {
        return sendError(reply, 'invalid_request', `limit is at most ${STATEMENT_PAGE_MAX}`, 'querystring.limit');
      }
      const kinds = query.kind?.split(',').map((kind) => kind.trim());
      const unknown = kinds?.find((kind) => !(STATEMENT_KINDS as readonly string[]).includes(kind));
      if (unknown !== undefined) {
        return sendError(
          reply,
          'invalid_request',
          `unknown kind "${unknown}"; kinds are ${STATEMENT_KINDS.join(', ')}`,
          'querystring.kind',
        );
      }
      const page = await readStatement(
        { store: modules.store, ledger, identity, operations, balance: wallet.balance },
        userOf(request),
        {
          limit,
          beforeSeq: query.before === undefined ? undefined : BigInt(query.before),
          kinds: kinds as StatementKind[] | undefined,
          direction: query.direction,
          fromMs: query.from === undefined ? undefined : BigInt(Date.parse(query.from)),
          toMs: query.to === undefined ? undefined : BigInt(Date.parse(query.to)),
        },
      );
      return {
        balance: balanceJson(page.balance),
        lines: page.lines.map(lineJson),
        next_before: page.nextBefore === null ? null : page.nextBefore.toString(),
      };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/wallet/operations/:id',
    {
      schema: { tags, summary: 'A top-up, withdrawal or transfer: what a statement line points at' },
      preHandler: requireUser,
    },
    async (request, reply) => {
      const operation = await operations.get(userOf(request).id, request.params.id);
      if (!operation) return sendError(reply, 'not_found', `you have no operation ${request.params.id}`);
      return operationJson(operation);
    },
  );
}
