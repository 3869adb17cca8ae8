// Operator routes for the payer side, under /v1/admin with the operator token: open a customer's
// account at a simulated bank (a sandbox needs people with cards), and freeze or unfreeze a user.
import type { FastifyInstance } from 'fastify';
import { PHONE_PATTERN } from '../identity/service.js';
import { userJson } from '../identity/routes.js';
import type { Modules } from '../modules.js';
import { AMOUNT_FEN_MAX } from '../shared/money.js';
import type { Merchant } from '../merchant/service.js';
import { parsePublicKey } from '../merchant/signature.js';
import { checkWebhookUrl } from '../notify/outbox.js';
import { newToken } from '../shared/passwords.js';
import { ok, problem, type Result } from '../shared/result.js';
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
  registerMerchantOnboarding(app, options.modules);

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

interface MerchantBody {
  provider: string;
  kind: 'individual' | 'business';
  name: string;
  mcc: string;
  fee_rate_bps?: number;
  settlement_bank_account_id: string;
  settlement_delay_days?: number;
}

/** Onboarding: a merchant, its stores, and its API apps (a public key for signatures, a webhook URL). */
function registerMerchantOnboarding(app: FastifyInstance, modules: Modules): void {
  const { merchants } = modules;
  app.post<{ Body: MerchantBody }>(
    '/merchants',
    {
      schema: {
        tags: ['operator'],
        summary:
          'Onboard a merchant: an individual (a market stall) or a business, with its MCC, fee rate and settlement account',
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['provider', 'kind', 'name', 'mcc', 'settlement_bank_account_id'],
          properties: {
            provider: { type: 'string', maxLength: 64 },
            kind: { type: 'string', enum: ['individual', 'business'] },
            name: { type: 'string', minLength: 1, maxLength: 60 },
            mcc: { type: 'string', pattern: '^[0-9]{4}$' },
            fee_rate_bps: { type: 'integer', minimum: 0, maximum: 10_000 },
            settlement_bank_account_id: { type: 'string', maxLength: 64 },
            settlement_delay_days: { type: 'integer', minimum: 0, maximum: 30 },
          },
        },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const created = await merchants.create({
        providerId: body.provider,
        kind: body.kind,
        name: body.name,
        mcc: body.mcc,
        feeRateBps: body.fee_rate_bps,
        settlementBankAccountId: body.settlement_bank_account_id,
        settlementDelayDays: body.settlement_delay_days,
      });
      if (!created.ok) return sendProblem(reply, created.error);
      return reply.code(201).send(merchantJson(created.value));
    },
  );

  app.post<{ Params: { id: string }; Body: { public_key_pem: string; webhook_url?: string } }>(
    '/merchants/:id/apps',
    {
      schema: {
        tags: ['operator'],
        summary: 'Register an API app for a merchant: its public key (SPKI PEM, RSA ≥ 2048 or Ed25519) and webhook URL',
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['public_key_pem'],
          properties: {
            public_key_pem: { type: 'string', minLength: 1, maxLength: 8192 },
            webhook_url: { type: 'string', format: 'uri', maxLength: 512 },
          },
        },
      },
    },
    async (request, reply) => {
      const registered = await registerApp(
        modules,
        request.params.id,
        request.body.public_key_pem,
        request.body.webhook_url,
      );
      if (!registered.ok) return sendProblem(reply, registered.error);
      return reply.code(201).send({ app_id: registered.value, merchant_id: request.params.id });
    },
  );
}

export const merchantJson = (merchant: Merchant) => ({
  id: merchant.id,
  provider: merchant.providerId,
  kind: merchant.kind,
  name: merchant.name,
  mcc: merchant.mcc,
  fee_rate_bps: merchant.feeRateBps,
  settlement_bank_account_id: merchant.settlementBankAccountId,
  settlement_delay_days: merchant.settlementDelayDays,
  status: merchant.status,
});

/** Registers an app; its id is what the merchant's requests carry in Saoma-App-Id. */
export async function registerApp(
  modules: Modules,
  merchantId: string,
  publicKeyPem: string,
  webhookUrl: string | undefined,
): Promise<Result<string, 'merchant_not_found' | 'invalid_public_key' | 'invalid_webhook_url'>> {
  if (!(await modules.merchants.get(merchantId))) return problem('merchant_not_found', `no merchant ${merchantId}`);
  const key = parsePublicKey(publicKeyPem);
  if (!key.ok) return key;
  if (webhookUrl !== undefined) {
    const url = checkWebhookUrl(webhookUrl);
    if (!url.ok) return url;
  }
  const appId = `app_${newToken(12)}`;
  await modules.store.db
    .insertInto('merchant_apps')
    .values({
      app_id: appId,
      merchant_id: merchantId,
      key_algorithm: key.value.algorithm,
      public_key_pem: key.value.pem,
      webhook_url: webhookUrl ?? null,
      created_at_ms: BigInt(modules.clock.nowMs()),
    })
    .execute();
  return ok(appId);
}
