// The operator ledger API under /v1/admin: institutions, ledgers, accounts, transfers, history
// and the audit, for operators and tests. It moves money directly, so it exists only when an
// admin token is configured, and every request must carry that token.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { HISTORY_PAGE_MAX, type LedgerService } from '../ledger/service.js';
import type { NetworkAuditReport } from '../network/audit.js';
import { INSTITUTION_KINDS, type InstitutionKind } from '../ledger/types.js';
import { CALL_TRANSFERS_MAX } from '../ledger/validate.js';
import { sendError, TRANSFER_REFUSAL_MESSAGES } from './errors.js';
import {
  accountJson,
  auditJson,
  historyJson,
  parseId,
  transferJson,
  transferRequestFromJson,
  transferResultJson,
  type TransferBody,
} from './ledger-json.js';

const INT32_MAX = 2_147_483_647;
/** A full batch of 8190 transfers with long ids and user data is about 5 MiB of JSON. */
const TRANSFER_BATCH_BODY_BYTES_MAX = 16 * 1024 * 1024;
const HISTORY_PAGE_DEFAULT = 100;

const idDigits = { type: 'string', pattern: '^[0-9]{1,19}$' } as const;
const int32 = (minimum: number) => ({ type: 'integer', minimum, maximum: INT32_MAX }) as const;

/**
 * One transfer. Numbers are only type-checked and strings only bounded: every rule of the books
 * is the ledger's, so that each transfer of a call gets its own result code instead of the whole
 * call failing on one bad field. The amount must be a string: a JSON number loses precision.
 */
const transferSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id'],
  properties: {
    id: { type: 'string', maxLength: 256 },
    debit_account_id: idDigits,
    credit_account_id: idDigits,
    amount: { type: 'string', pattern: '^-?[0-9]+$', maxLength: 64 },
    ledger_id: { type: 'number' },
    code: { type: 'number' },
    flags: { type: 'number' },
    pending_id: { type: 'string', nullable: true, maxLength: 256 },
    timeout_seconds: { type: 'number' },
    user_data: { type: 'string', nullable: true, maxLength: 1024 },
  },
} as const;

const institutionSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'name', 'kind'],
  properties: {
    id: { type: 'string', maxLength: 64 },
    name: { type: 'string', minLength: 1, maxLength: 200 },
    kind: { type: 'string', enum: INSTITUTION_KINDS },
  },
} as const;

const ledgerSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'currency', 'scale', 'name'],
  properties: {
    id: int32(1),
    currency: { type: 'string', maxLength: 3 },
    scale: { type: 'integer' },
    name: { type: 'string', minLength: 1, maxLength: 200 },
  },
} as const;

const accountSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['institution_id', 'ledger_id', 'code'],
  properties: {
    key: { type: 'string', minLength: 1, maxLength: 256 },
    institution_id: { type: 'string', maxLength: 64 },
    ledger_id: int32(1),
    code: int32(0),
    owner_ref: { type: 'string', maxLength: 256 },
    flags: int32(0),
  },
} as const;

const accountParams = {
  type: 'object',
  required: ['id'],
  properties: { id: idDigits },
} as const;

interface AccountBody {
  key?: string;
  institution_id: string;
  ledger_id: number;
  code: number;
  owner_ref?: string;
  flags?: number;
}

interface HistoryQuery {
  before_seq?: string;
  limit?: string;
}

export interface AdminLedgerOptions {
  ledger: LedgerService;
  adminToken: string;
  /** The network's audit (providers' reserves), added to the ledger's when the payer side is served. */
  networkAudit?: () => Promise<NetworkAuditReport>;
}

/** Register with `{ prefix: '/v1/admin' }`. */
export async function adminLedgerRoutes(
  app: FastifyInstance,
  { ledger, adminToken, networkAudit }: AdminLedgerOptions,
): Promise<void> {
  requireAdminToken(app, adminToken);
  registerSetupRoutes(app, ledger);
  registerAccountRoutes(app, ledger);
  registerTransferRoutes(app, ledger);
  app.get('/audit', async () => {
    const books = auditJson(await ledger.audit());
    if (!networkAudit) return books;
    const network = await networkAudit();
    return { ...books, ok: books.ok && network.ok, network: networkAuditJson(network) };
  });
}

/** Every route of `app` (an encapsulated plugin) answers 401 without the operator token. */
export function requireAdminToken(app: FastifyInstance, adminToken: string): void {
  const authorized = bearerTokenCheck(adminToken);
  app.addHook('onRequest', async (request, reply) => {
    if (authorized(request.headers.authorization)) return;
    reply.header('www-authenticate', 'Bearer realm="saoma-admin"');
    return sendError(
      reply,
      'unauthorized',
      'this route needs the operator token: Authorization: Bearer <SAOMA_ADMIN_TOKEN>',
    );
  });
}

/** Hashing both sides first gives equal lengths, so the comparison's time says nothing about the token. */
function bearerTokenCheck(token: string): (header: string | undefined) => boolean {
  const digest = (text: string) => createHash('sha256').update(text).digest();
  const expected = digest(token);
  return (header) => {
    const match = /^Bearer +(\S+) *$/i.exec(header ?? '');
    return match !== null && timingSafeEqual(digest(match[1]!), expected);
  };
}

function registerSetupRoutes(app: FastifyInstance, ledger: LedgerService): void {
  // Creating is idempotent: the same body again answers 200 with what exists; another body is a 409.
  app.post<{ Body: { id: string; name: string; kind: InstitutionKind } }>(
    '/ledger/institutions',
    { schema: { body: institutionSchema } },
    async (request, reply) => {
      const created = await ledger.createInstitution(request.body);
      return created.ok ? created.value : sendError(reply, created.error.code, created.error.message);
    },
  );
  app.post<{ Body: { id: number; currency: string; scale: number; name: string } }>(
    '/ledger/ledgers',
    { schema: { body: ledgerSchema } },
    async (request, reply) => {
      const created = await ledger.createLedger(request.body);
      return created.ok ? created.value : sendError(reply, created.error.code, created.error.message);
    },
  );
}

function registerAccountRoutes(app: FastifyInstance, ledger: LedgerService): void {
  app.post<{ Body: AccountBody }>('/ledger/accounts', { schema: { body: accountSchema } }, async (request, reply) => {
    const body = request.body;
    const created = await ledger.createAccount({
      institutionId: body.institution_id,
      ledgerId: body.ledger_id,
      code: body.code,
      ...(body.key !== undefined && { key: body.key }),
      ...(body.owner_ref !== undefined && { ownerRef: body.owner_ref }),
      ...(body.flags !== undefined && { flags: body.flags }),
    });
    return created.ok ? accountJson(created.value) : sendError(reply, created.error.code, created.error.message);
  });

  app.get<{ Params: { id: string } }>(
    '/ledger/accounts/:id',
    { schema: { params: accountParams } },
    async (request, reply) => {
      const account = await findAccount(ledger, request.params.id);
      return account ? accountJson(account) : sendAccountNotFound(reply, request.params.id);
    },
  );

  app.get<{ Params: { id: string }; Querystring: HistoryQuery }>(
    '/ledger/accounts/:id/transfers',
    {
      schema: {
        params: accountParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { before_seq: idDigits, limit: { type: 'string', pattern: '^[0-9]{1,5}$' } },
        },
      },
    },
    async (request, reply) => {
      const limit = Number(request.query.limit ?? HISTORY_PAGE_DEFAULT);
      if (limit < 1 || limit > HISTORY_PAGE_MAX) {
        return sendError(
          reply,
          'invalid_request',
          `querystring.limit must be from 1 to ${HISTORY_PAGE_MAX}`,
          'querystring.limit',
        );
      }
      const beforeSeq = request.query.before_seq === undefined ? undefined : parseId(request.query.before_seq);
      if (beforeSeq === null) {
        return sendError(
          reply,
          'invalid_request',
          'querystring.before_seq is past the last possible journal position',
          'querystring.before_seq',
        );
      }
      const account = await findAccount(ledger, request.params.id);
      if (!account) return sendAccountNotFound(reply, request.params.id);
      return historyJson(await ledger.history(account.id, { beforeSeq, limit }));
    },
  );
}

async function findAccount(ledger: LedgerService, digits: string) {
  const id = parseId(digits);
  return id === null ? null : ledger.getAccount(id);
}

const sendAccountNotFound = (reply: FastifyReply, id: string) =>
  sendError(reply, 'account_not_found', `no account ${id}`);

function registerTransferRoutes(app: FastifyInstance, ledger: LedgerService): void {
  // A call answers 200 with one result per transfer, refused or not: the batch as a whole was processed.
  app.post<{ Body: { transfers: TransferBody[] } }>(
    '/ledger/transfers',
    {
      bodyLimit: TRANSFER_BATCH_BODY_BYTES_MAX,
      schema: {
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['transfers'],
          properties: {
            transfers: { type: 'array', minItems: 1, maxItems: CALL_TRANSFERS_MAX, items: transferSchema },
          },
        },
      },
    },
    async (request, reply) => {
      const requests = [];
      for (const [index, body] of request.body.transfers.entries()) {
        const converted = transferRequestFromJson(body, `body.transfers[${index}]`);
        if (!converted.ok) return sendError(reply, 'invalid_request', converted.message, converted.field);
        requests.push(converted.value);
      }
      const results = await ledger.transfer(requests);
      return { results: results.map(transferResultJson) };
    },
  );

  // One transfer: its refusal is the response's error, with the status the error table gives it.
  app.post<{ Body: TransferBody }>('/ledger/transfer', { schema: { body: transferSchema } }, async (request, reply) => {
    const converted = transferRequestFromJson(request.body, 'body');
    if (!converted.ok) return sendError(reply, 'invalid_request', converted.message, converted.field);
    const result = await ledger.transferOne(converted.value);
    if (result.code === 'ok') return transferResultJson(result);
    const replay = result.replayed ? ' (this id was refused the same way before)' : '';
    return sendError(reply, result.code, `transfer ${result.id}: ${TRANSFER_REFUSAL_MESSAGES[result.code]}${replay}`);
  });

  app.get<{ Params: { id: string } }>(
    '/ledger/transfers/:id',
    {
      schema: {
        params: {
          type: 'object',
          required: ['id'],
          properties: { id: { type: 'string', minLength: 1, maxLength: 256 } },
        },
      },
    },
    async (request, reply) => {
      const transfer = await ledger.getTransfer(request.params.id);
      return transfer
        ? transferJson(transfer)
        : sendError(reply, 'transfer_not_found', `no transfer ${request.params.id}`);
    },
  );
}

export const networkAuditJson = (report: NetworkAuditReport) => ({
  ok: report.ok,
  providers: report.providers.map((funds) => ({
    provider: funds.providerId,
    reserve: funds.reserveFen.toString(),
    client_funds: funds.clientFundsFen.toString(),
    fee_income: funds.feeIncomeFen.toString(),
    bank_settlement: funds.bankSettlementFen.toString(),
  })),
  problems: report.problems,
});
