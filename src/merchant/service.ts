// Merchants: individual sellers (a market stall) and businesses, each at one provider, with a
// category code (MCC) and the fee rate it brings, stores and terminals, a settlement bank
// account, and API apps (a registered public key for request signatures, a webhook URL). Each
// merchant has a pending and an available account at its provider.
import type { Selectable } from 'kysely';
import type { LedgerService } from '../ledger/service.js';
import { AccountFlags } from '../ledger/types.js';
import { AccountCodes, AccountKeys, CNY_LEDGER_ID, OwnerRefs } from '../network/chart.js';
import type { NetworkService } from '../network/service.js';
import type { Clock } from '../shared/clock.js';
import { newToken } from '../shared/passwords.js';
import { createRecentCache } from '../shared/recent-cache.js';
import { ok, problem, type Result } from '../shared/result.js';
import type { Store } from '../store/store.js';
import type { MerchantTables } from './tables.js';

export type MerchantKind = 'individual' | 'business';

export interface Merchant {
  id: string;
  providerId: string;
  kind: MerchantKind;
  name: string;
  mcc: string;
  feeRateBps: number;
  settlementBankAccountId: string;
  settlementDelayDays: number;
  pendingAccountId: bigint;
  availableAccountId: bigint;
  status: 'active' | 'suspended';
  createdAtMs: bigint;
}

export interface MerchantStore {
  id: string;
  merchantId: string;
  name: string;
  city: string;
}

export type MerchantError =
  'merchant_not_found' | 'invalid_merchant' | 'store_not_found' | 'unknown_provider' | 'bank_account_not_found';

/**
 * The discount rate by category: 0.38% for the categories the real schemes favour (groceries and
 * supermarkets, convenience stores, transit, schools, hospitals, utilities), 0.6% for the rest.
 */
const REDUCED_RATE_MCCS = new Set(['5411', '5412', '5499', '4111', '4121', '8211', '8220', '8062', '4900']);
/** Merchants read recently are reused this long (and at most this many are kept). */
const MERCHANT_CACHE_TTL_MS = 1_000;
const MERCHANT_CACHE_MAX = 10_000;

export const STANDARD_FEE_RATE_BPS = 60;
export const REDUCED_FEE_RATE_BPS = 38;
export const feeRateForMcc = (mcc: string): number =>
  REDUCED_RATE_MCCS.has(mcc) ? REDUCED_FEE_RATE_BPS : STANDARD_FEE_RATE_BPS;

export interface NewMerchant {
  providerId: string;
  kind: MerchantKind;
  name: string;
  mcc: string;
  /** Omitted: the rate for the MCC. */
  feeRateBps?: number;
  settlementBankAccountId: string;
  settlementDelayDays?: number;
}

export interface MerchantService {
  create(input: NewMerchant): Promise<Result<Merchant, MerchantError>>;
  get(id: string): Promise<Merchant | null>;
  addStore(merchantId: string, input: { name: string; city: string }): Promise<Result<MerchantStore, MerchantError>>;
  getStore(storeId: string): Promise<MerchantStore | null>;
  listStores(merchantId: string): Promise<MerchantStore[]>;
  addTerminal(
    storeId: string,
    name: string,
  ): Promise<Result<{ id: string; storeId: string; name: string }, MerchantError>>;
  list(options: { limit: number; providerId?: string }): Promise<Merchant[]>;
}

export function createMerchantService(deps: {
  store: Store;
  ledger: LedgerService;
  network: NetworkService;
  clock: Clock;
}): MerchantService {
  const { store, ledger, network, clock } = deps;
  const db = store.db;
  const now = () => BigInt(clock.nowMs());
  // Every payment reads its merchant a few times; a suspension made elsewhere is seen within the TTL.
  const recent = createRecentCache<string, Merchant>(MERCHANT_CACHE_TTL_MS, MERCHANT_CACHE_MAX);

  const openAccount = async (key: string, providerId: string, code: number, merchantId: string) => {
    const created = await ledger.createAccount({
      key,
      institutionId: providerId,
      ledgerId: CNY_LEDGER_ID,
      code,
      ownerRef: OwnerRefs.merchant(merchantId),
      // What a merchant is owed can only be paid out once: never below zero.
      flags: AccountFlags.debitsMustNotExceedCredits,
    });
    if (!created.ok) throw new Error(`cannot open merchant account ${key}: ${created.error.message}`);
    return created.value.id;
  };

  const service: MerchantService = {
    async create(input) {
      if (!(await network.getProvider(input.providerId))) {
        return problem('unknown_provider', `there is no wallet provider "${input.providerId}"`);
      }
      if (!/^[0-9]{4}$/.test(input.mcc)) return problem('invalid_merchant', 'the MCC must be four digits');
      const name = input.name.trim();
      if (name.length === 0 || name.length > 60) return problem('invalid_merchant', 'the name must be 1–60 characters');
      const feeRateBps = input.feeRateBps ?? feeRateForMcc(input.mcc);
      if (!Number.isInteger(feeRateBps) || feeRateBps < 0 || feeRateBps > 10_000) {
        return problem('invalid_merchant', 'the fee rate must be 0–10000 basis points');
      }
      const delayDays = input.settlementDelayDays ?? 1;
      if (!Number.isInteger(delayDays) || delayDays < 0 || delayDays > 30) {
        return problem('invalid_merchant', 'settlement is T+0 to T+30 days');
      }
      const bank = await db
        .selectFrom('bank_accounts')
        .select(['id', 'kind'])
        .where('id', '=', input.settlementBankAccountId)
        .executeTakeFirst();
      if (!bank || bank.kind !== 'debit') {
        return problem(
          'bank_account_not_found',
          'settlement goes to a current (debit) account at a bank of the network',
        );
      }
      const id = `m_${newToken(12)}`;
      const pendingAccountId = await openAccount(
        AccountKeys.merchantPending(id),
        input.providerId,
        AccountCodes.merchantPending,
        id,
      );
      const availableAccountId = await openAccount(
        AccountKeys.merchantAvailable(id),
        input.providerId,
        AccountCodes.merchantAvailable,
        id,
      );
      await db
        .insertInto('merchants')
        .values({
          id,
          provider_id: input.providerId,
          kind: input.kind,
          name,
          mcc: input.mcc,
          fee_rate_bps: feeRateBps,
          settlement_bank_account_id: bank.id,
          settlement_delay_days: delayDays,
          pending_account_id: pendingAccountId,
          available_account_id: availableAccountId,
          created_at_ms: now(),
        })
        .execute();
      return ok((await service.get(id))!);
    },

    async get(id) {
      const cached = recent.get(id);
      if (cached) return cached;
      const row = await db.selectFrom('merchants').selectAll().where('id', '=', id).executeTakeFirst();
      const merchant = row ? toMerchant(row) : null;
      if (merchant) recent.set(id, merchant);
      return merchant;
    },

    async addStore(merchantId, input) {
      if (!(await service.get(merchantId))) return problem('merchant_not_found', `no merchant ${merchantId}`);
      const id = `st_${newToken(9)}`;
      await db
        .insertInto('stores')
        .values({ id, merchant_id: merchantId, name: input.name, city: input.city, created_at_ms: now() })
        .execute();
      return ok({ id, merchantId, name: input.name, city: input.city });
    },

    async getStore(storeId) {
      const row = await db.selectFrom('stores').selectAll().where('id', '=', storeId).executeTakeFirst();
      return row ? { id: row.id, merchantId: row.merchant_id, name: row.name, city: row.city } : null;
    },

    async listStores(merchantId) {
      const rows = await db
        .selectFrom('stores')
        .selectAll()
        .where('merchant_id', '=', merchantId)
        .orderBy('created_at_ms')
        .limit(200)
        .execute();
      return rows.map((row) => ({ id: row.id, merchantId: row.merchant_id, name: row.name, city: row.city }));
    },

    async addTerminal(storeId, name) {
      if (!(await service.getStore(storeId))) return problem('store_not_found', `no store ${storeId}`);
      const id = `tm_${newToken(9)}`;
      await db.insertInto('terminals').values({ id, store_id: storeId, name, created_at_ms: now() }).execute();
      return ok({ id, storeId, name });
    },

    async list(options) {
      let query = db.selectFrom('merchants').selectAll().orderBy('created_at_ms', 'desc').limit(options.limit);
      if (options.providerId !== undefined) query = query.where('provider_id', '=', options.providerId);
      return (await query.execute()).map(toMerchant);
    },
  };
  return service;
}

function toMerchant(row: Selectable<MerchantTables['merchants']>): Merchant {
  return {
    id: row.id,
    providerId: row.provider_id,
    kind: row.kind,
    name: row.name,
    mcc: row.mcc,
    feeRateBps: Number(row.fee_rate_bps),
    settlementBankAccountId: row.settlement_bank_account_id,
    settlementDelayDays: Number(row.settlement_delay_days),
    pendingAccountId: BigInt(row.pending_account_id),
    availableAccountId: BigInt(row.available_account_id),
    status: row.status === 'suspended' ? 'suspended' : 'active',
    createdAtMs: BigInt(row.created_at_ms),
  };
}
