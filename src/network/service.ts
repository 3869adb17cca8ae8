// The network: wallet providers and banks as institutions with their profiles (a provider's
// policy, a bank's card number prefixes), the ledgers, and each institution's own accounts —
// opened once, idempotently, and found again by key.
import { performance } from 'node:perf_hooks';
import type { LedgerService } from '../ledger/service.js';
import { AccountFlags } from '../ledger/types.js';
import type { Clock } from '../shared/clock.js';
import { ok, problem, type Result } from '../shared/result.js';
import type { Store } from '../store/store.js';
import { AccountCodes, AccountKeys, CNY_LEDGER_ID, LIMITS_LEDGER_ID, OwnerRefs } from './chart.js';
import { policyFromJson, policyToJson, type ProviderPolicy } from './policy.js';

export interface Provider {
  id: string;
  name: string;
  /** The name in Chinese, shown to users of the zh-CN apps. */
  nameZh: string;
  policy: ProviderPolicy;
}

export interface Bank {
  id: string;
  name: string;
  nameZh: string;
  /** Card numbers starting with one of these belong to this bank (the BIN). */
  binPrefixes: string[];
}

type Profile =
  { kind: 'provider'; nameZh: string; policy: string } | { kind: 'bank'; nameZh: string; binPrefixes: string[] };

export type NetworkError = 'invalid_institution' | 'conflict';

export interface NetworkService {
  /** The CNY ledger and the limits ledger; safe to call at every start. */
  ensureLedgers(): Promise<void>;
  createProvider(input: Provider): Promise<Result<Provider, NetworkError>>;
  createBank(input: Bank): Promise<Result<Bank, NetworkError>>;
  getProvider(id: string): Promise<Provider | null>;
  getBank(id: string): Promise<Bank | null>;
  listProviders(): Promise<Provider[]>;
  listBanks(): Promise<Bank[]>;
  bankForCardNumber(cardNumber: string): Promise<Bank | null>;
  /**
   * The id of an institution's account with this key, opened on first use. Used for the fixed
   * accounts of the chart (reserve, escrow, settlement at a bank …); ids never change, so they
   * are remembered.
   */
  systemAccountId(spec: SystemAccountSpec): Promise<bigint>;
}

export interface SystemAccountSpec {
  key: string;
  institutionId: string;
  ledgerId: number;
  code: number;
  flags?: number;
}

const ID_PATTERN = /^[a-z][a-z0-9-]{1,31}$/;
/** How long a provider's policy is reused before it is read again. */
const PROFILE_CACHE_TTL_MS = 5_000;

export function createNetworkService(deps: { store: Store; ledger: LedgerService; clock: Clock }): NetworkService {
  const { store, ledger, clock } = deps;
  const db = store.db;
  const accountIds = new Map<string, bigint>();
  // Every payment reads its provider's policy several times; policies change rarely, and a change
  // made by another process is seen within the TTL (one made here, at once).
  const providerCache = new Map<string, { provider: Provider; atMs: number }>();

  const systemAccountId = async (spec: SystemAccountSpec): Promise<bigint> => {
    const known = accountIds.get(spec.key);
    if (known !== undefined) return known;
    const created = await ledger.createAccount({ ...spec, ownerRef: OwnerRefs.institution(spec.institutionId) });
    // The chart's keys and codes are fixed in code: a failure here is a programmer's error.
    if (!created.ok) throw new Error(`cannot open system account ${spec.key}: ${created.error.message}`);
    accountIds.set(spec.key, created.value.id);
    return created.value.id;
  };

  const saveProfile = async (institutionId: string, profile: Profile) => {
    providerCache.delete(institutionId);
    await db
      .insertInto('institution_profiles')
      .values({ institution_id: institutionId, profile: JSON.stringify(profile), updated_at_ms: BigInt(clock.nowMs()) })
      .onConflict((conflict) =>
        conflict.column('institution_id').doUpdateSet({
          profile: JSON.stringify(profile),
          updated_at_ms: BigInt(clock.nowMs()),
        }),
      )
      .execute();
  };

  const loadProfiles = async (kind: Profile['kind'], id?: string) => {
    let query = db
      .selectFrom('institution_profiles')
      .innerJoin('institutions', 'institutions.id', 'institution_profiles.institution_id')
      .select(['institutions.id', 'institutions.name', 'institution_profiles.profile'])
      .where('institutions.kind', '=', kind === 'provider' ? 'provider' : 'bank')
      .orderBy('institutions.id');
    if (id !== undefined) query = query.where('institutions.id', '=', id);
    const rows = await query.execute();
    return rows.map((row) => ({ id: row.id, name: row.name, profile: JSON.parse(row.profile) as Profile }));
  };

  const toProvider = (row: { id: string; name: string; profile: Profile }): Provider | null =>
    row.profile.kind === 'provider'
      ? { id: row.id, name: row.name, nameZh: row.profile.nameZh, policy: policyFromJson(row.profile.policy) }
      : null;
  const toBank = (row: { id: string; name: string; profile: Profile }): Bank | null =>
    row.profile.kind === 'bank'
      ? { id: row.id, name: row.name, nameZh: row.profile.nameZh, binPrefixes: row.profile.binPrefixes }
      : null;

  const service: NetworkService = {
    async ensureLedgers() {
      for (const spec of [
        { id: CNY_LEDGER_ID, currency: 'CNY', scale: 2, name: 'Renminbi (fen)' },
        { id: LIMITS_LEDGER_ID, currency: 'XXX', scale: 2, name: 'Limits: tier allowances and free quotas (fen)' },
      ]) {
        const created = await ledger.createLedger(spec);
        if (!created.ok) throw new Error(`cannot create ledger ${spec.id}: ${created.error.message}`);
      }
    },

    async createProvider(input) {
      if (!ID_PATTERN.test(input.id)) return invalidId(input.id);
      const institution = await ledger.createInstitution({ id: input.id, name: input.name, kind: 'provider' });
      if (!institution.ok)
        return problem(
          institution.error.code === 'conflict' ? 'conflict' : 'invalid_institution',
          institution.error.message,
        );
      await saveProfile(input.id, { kind: 'provider', nameZh: input.nameZh, policy: policyToJson(input.policy) });
      const own = (key: string, ledgerId: number, code: number, flags: number = AccountFlags.none) =>
        systemAccountId({ key, institutionId: input.id, ledgerId, code, flags });
      await own(AccountKeys.providerReserve(input.id), CNY_LEDGER_ID, AccountCodes.providerReserve);
      await own(AccountKeys.feeIncome(input.id), CNY_LEDGER_ID, AccountCodes.feeIncome);
      // Escrow only ever pays out what was put in: a bug that overpays a claim is refused, not hidden.
      await own(
        AccountKeys.redPacketEscrow(input.id),
        CNY_LEDGER_ID,
        AccountCodes.redPacketEscrow,
        AccountFlags.debitsMustNotExceedCredits,
      );
      await own(AccountKeys.limitsSource(input.id), LIMITS_LEDGER_ID, AccountCodes.limitsSource);
      return ok(input);
    },

    async createBank(input) {
      if (!ID_PATTERN.test(input.id)) return invalidId(input.id);
      if (input.binPrefixes.length === 0 || input.binPrefixes.some((prefix) => !/^[0-9]{6}$/.test(prefix))) {
        return problem('invalid_institution', 'a bank needs at least one card number prefix (BIN) of six digits');
      }
      const institution = await ledger.createInstitution({ id: input.id, name: input.name, kind: 'bank' });
      if (!institution.ok)
        return problem(
          institution.error.code === 'conflict' ? 'conflict' : 'invalid_institution',
          institution.error.message,
        );
      await saveProfile(input.id, { kind: 'bank', nameZh: input.nameZh, binPrefixes: input.binPrefixes });
      await systemAccountId({
        key: AccountKeys.bankVault(input.id),
        institutionId: input.id,
        ledgerId: CNY_LEDGER_ID,
        code: AccountCodes.bankVault,
      });
      await systemAccountId({
        key: AccountKeys.bankCreditLines(input.id),
        institutionId: input.id,
        ledgerId: CNY_LEDGER_ID,
        code: AccountCodes.bankCreditLines,
      });
      return ok(input);
    },

    async getProvider(id) {
      const cached = providerCache.get(id);
      if (cached && performance.now() - cached.atMs < PROFILE_CACHE_TTL_MS) return cached.provider;
      const [row] = await loadProfiles('provider', id);
      const provider = row ? toProvider(row) : null;
      if (provider) providerCache.set(id, { provider, atMs: performance.now() });
      return provider;
    },
    async getBank(id) {
      const [row] = await loadProfiles('bank', id);
      return row ? toBank(row) : null;
    },
    async listProviders() {
      return (await loadProfiles('provider')).flatMap((row) => toProvider(row) ?? []);
    },
    async listBanks() {
      return (await loadProfiles('bank')).flatMap((row) => toBank(row) ?? []);
    },
    async bankForCardNumber(cardNumber) {
      const banks = await service.listBanks();
      return banks.find((bank) => bank.binPrefixes.some((prefix) => cardNumber.startsWith(prefix))) ?? null;
    },
    systemAccountId,
  };
  return service;
}

function invalidId(id: string) {
  return problem(
    'invalid_institution' as const,
    `institution id "${id}" must be 2–32 characters: lower-case letters, digits and dashes, starting with a letter`,
  );
}

/** The account where a bank keeps what it owes a provider (opened on first use). */
export function bankSettlementAccount(network: NetworkService, bankId: string, providerId: string): Promise<bigint> {
  return network.systemAccountId({
    key: AccountKeys.bankSettlement(bankId, providerId),
    institutionId: bankId,
    ledgerId: CNY_LEDGER_ID,
    code: AccountCodes.bankSettlement,
    flags: AccountFlags.none,
  });
}

/** The fixed accounts of a provider, by key. */
export function providerAccount(
  network: NetworkService,
  providerId: string,
  which: 'reserve' | 'feeIncome' | 'redPacketEscrow' | 'limitsSource',
): Promise<bigint> {
  const specs = {
    reserve: [AccountKeys.providerReserve(providerId), CNY_LEDGER_ID, AccountCodes.providerReserve, AccountFlags.none],
    feeIncome: [AccountKeys.feeIncome(providerId), CNY_LEDGER_ID, AccountCodes.feeIncome, AccountFlags.none],
    redPacketEscrow: [
      AccountKeys.redPacketEscrow(providerId),
      CNY_LEDGER_ID,
      AccountCodes.redPacketEscrow,
      AccountFlags.debitsMustNotExceedCredits,
    ],
    limitsSource: [
      AccountKeys.limitsSource(providerId),
      LIMITS_LEDGER_ID,
      AccountCodes.limitsSource,
      AccountFlags.none,
    ],
  } as const;
  const [key, ledgerId, code, flags] = specs[which];
  return network.systemAccountId({ key, institutionId: providerId, ledgerId, code, flags });
}
