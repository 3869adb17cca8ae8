// The counters that limit a user's money: the real-name tier's allowance of balance payments and
// transfers, and the free withdrawal quota of an identity. Each is an account in the limits
// ledger, granted its limit once per period and debited in the same linked chain as the money
// it limits — so the ledger refuses an overspend atomically, even when two payments race.
import type { User } from '../identity/service.js';
import type { LedgerService } from '../ledger/service.js';
import { AccountFlags, TransferFlags, type Account, type TransferRequest } from '../ledger/types.js';
import { AccountCodes, AccountKeys, LIMITS_LEDGER_ID, OwnerRefs, TransferCodes } from '../network/chart.js';
import { limitPeriodKey, type LimitPeriod, type ProviderPolicy } from '../network/policy.js';
import { providerAccount, type NetworkService } from '../network/service.js';
import type { Clock } from '../shared/clock.js';
import { createRecentCache } from '../shared/recent-cache.js';

export interface LimitCounter {
  accountId: bigint;
  /** `life` or `y2026`. */
  period: string;
  periodKind: LimitPeriod;
  limitFen: bigint;
  usedFen: bigint;
  leftFen: bigint;
  /** Tops the counter up to its limit (the first use in a period, or after a raise); null when not needed. */
  grant: TransferRequest | null;
  sourceAccountId: bigint;
}

/**
 * What debiting a counter needs, without its balances: its account, the grant to make first (if
 * any), and a fresh read of the counter for a refusal's message.
 */
export interface CounterUse {
  accountId: bigint;
  sourceAccountId: bigint;
  grant: TransferRequest | null;
  /** The counter as it stands now. */
  read(): Promise<LimitCounter>;
}

export interface Limits {
  tierAllowance(user: User, policy: ProviderPolicy): Promise<LimitCounter>;
  /**
   * The tier allowance for a debit (a payment, a transfer). Once a period's counter is known to
   * be granted its whole limit, it is not read again: its account never changes and the credits
   * granted only grow, so that stays true whoever else writes (a raised limit reads it again).
   */
  tierAllowanceUse(user: User, policy: ProviderPolicy): Promise<CounterUse>;
  withdrawalQuota(user: User, policy: ProviderPolicy): Promise<LimitCounter>;
  /** What the payee's personal receive code may still take this month: payments (1 each) and fen. */
  personalReceive(payee: User, policy: ProviderPolicy): Promise<{ count: LimitCounter; amount: LimitCounter }>;
}

/** Counters known to be granted their whole limit, at most; past it the memory starts again. */
const FULLY_GRANTED_MAX = 65_536;

interface CounterSpec {
  user: User;
  key: string;
  code: number;
  periodKind: LimitPeriod;
  limitFen: bigint;
  grantId: (period: string) => string;
  grantCode: number;
}

export function createLimits(deps: { ledger: LedgerService; network: NetworkService; clock: Clock }): Limits {
  const { ledger, network, clock } = deps;
  /** Counter key → its account and the credits it is known to have been granted (≥ its limit then). */
  const fullyGranted = createRecentCache<string, { accountId: bigint; grantedFen: bigint }>(
    Number.POSITIVE_INFINITY,
    FULLY_GRANTED_MAX,
  );

  const counterKey = (spec: CounterSpec) => {
    const period = limitPeriodKey(spec.periodKind, clock.nowMs());
    return { period, key: spec.key.replace('{period}', period) };
  };

  const counter = async (spec: CounterSpec): Promise<LimitCounter> => {
    const { period, key } = counterKey(spec);
    const sourceAccountId = await providerAccount(network, spec.user.providerId, 'limitsSource');
    const account = await openCounter(key, spec.user, spec.code);
    const granted = account.creditsPosted;
    if (granted >= spec.limitFen) fullyGranted.set(key, { accountId: account.id, grantedFen: granted });
    const grant: TransferRequest | null =
      spec.limitFen > granted
        ? {
            // The target limit is in the id: two requests racing to grant it make one transfer;
            // a limit raised later grants the difference under a new id.
            id: `${spec.grantId(period)}:${spec.limitFen}`,
            debitAccountId: sourceAccountId,
            creditAccountId: account.id,
            amount: spec.limitFen - granted,
            ledgerId: LIMITS_LEDGER_ID,
            code: spec.grantCode,
          }
        : null;
    const usedFen = account.debitsPosted + account.debitsPending;
    const creditFen = granted > spec.limitFen ? granted : spec.limitFen;
    const leftFen = creditFen > usedFen ? creditFen - usedFen : 0n;
    return {
      accountId: account.id,
      period,
      periodKind: spec.periodKind,
      limitFen: spec.limitFen,
      usedFen,
      leftFen,
      grant,
      sourceAccountId,
    };
  };

  const openCounter = async (key: string, user: User, code: number): Promise<Account> => {
    const existing = await ledger.getAccountByKey(key);
    if (existing) return existing;
    const created = await ledger.createAccount({
      key,
      institutionId: user.providerId,
      ledgerId: LIMITS_LEDGER_ID,
      code,
      ownerRef: OwnerRefs.user(user.id),
      flags: AccountFlags.debitsMustNotExceedCredits,
    });
    if (!created.ok) throw new Error(`cannot open limit counter ${key}: ${created.error.message}`);
    return created.value;
  };

  /** The counter's account and grant, from memory when it is known to be granted its whole limit. */
  const counterUse = async (spec: CounterSpec): Promise<CounterUse> => {
    const read = () => counter(spec);
    const known = fullyGranted.get(counterKey(spec).key);
    if (known && known.grantedFen >= spec.limitFen) {
      const sourceAccountId = await providerAccount(network, spec.user.providerId, 'limitsSource');
      return { accountId: known.accountId, sourceAccountId, grant: null, read };
    }
    const { accountId, sourceAccountId, grant } = await read();
    return { accountId, sourceAccountId, grant, read };
  };

  const tierSpec = (user: User, policy: ProviderPolicy): CounterSpec => {
    const tier = policy.tiers[user.tier];
    return {
      user,
      key: AccountKeys.tierAllowance(user.id, '{period}'),
      code: AccountCodes.tierAllowance,
      periodKind: tier.period,
      limitFen: tier.limitFen,
      grantId: (period) => `grant:${user.id}:${period}`,
      grantCode: TransferCodes.allowanceGrant,
    };
  };

  return {
    tierAllowance: (user, policy) => counter(tierSpec(user, policy)),
    tierAllowanceUse: (user, policy) => counterUse(tierSpec(user, policy)),
    async personalReceive(payee, policy) {
      const spec = (what: 'count' | 'amount', limit: bigint) =>
        counter({
          user: payee,
          key: AccountKeys.personalReceive(payee.id, what, '{period}'),
          code: what === 'count' ? AccountCodes.personalReceiveCount : AccountCodes.personalReceiveAmount,
          periodKind: 'month',
          limitFen: limit,
          grantId: (period) => `grant:pr:${payee.id}:${what}:${period}`,
          grantCode: TransferCodes.personalReceiveGrant,
        });
      return {
        count: await spec('count', BigInt(policy.payments.personalReceiveMonthlyCountMax)),
        amount: await spec('amount', policy.payments.personalReceiveMonthlyAmountMaxFen),
      };
    },
    withdrawalQuota(user, policy) {
      // Per identity: every account of the same person shares one quota (Alipay's rule); before
      // real-name there is no identity to share, so the user stands for it.
      const identity = (user.idNumberIndex ?? user.id).slice(0, 32);
      return counter({
        user,
        key: AccountKeys.withdrawalQuota(user.providerId, identity, '{period}'),
        code: AccountCodes.withdrawalQuota,
        periodKind: policy.withdrawal.freeQuotaPeriod,
        limitFen: policy.withdrawal.freeQuotaFen,
        grantId: (period) => `grant:wq:${user.providerId}:${identity}:${period}`,
        grantCode: TransferCodes.quotaGrant,
      });
    },
  };
}

/** Debits a counter by `amountFen`, as a member of a linked chain. */
export function useCounter(
  counter: Pick<LimitCounter, 'accountId' | 'sourceAccountId'>,
  id: string,
  amountFen: bigint,
  code: number,
  userData: string,
): TransferRequest {
  return {
    id,
    debitAccountId: counter.accountId,
    creditAccountId: counter.sourceAccountId,
    amount: amountFen,
    ledgerId: LIMITS_LEDGER_ID,
    code,
    userData,
    flags: TransferFlags.none,
  };
}
