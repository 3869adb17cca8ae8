// The wallet: balance, top-up from a linked debit card, withdrawal to it with the provider's fee
// policy (and a quote first), and transfers between users of the same provider. Every movement
// is a linked chain of ledger transfers recorded as an operation (see operations.ts); balance
// payments and transfers also use up the user's real-name tier allowance in the same chain.
import type { BankingService } from '../banking/service.js';
import type { IdentityService, User } from '../identity/service.js';
import { displayName } from '../identity/service.js';
import type { LedgerService } from '../ledger/service.js';
import { availableBalance } from '../ledger/service.js';
import type { TransferResultCode } from '../ledger/types.js';
import { CNY_LEDGER_ID, TransferCodes } from '../network/chart.js';
import { howToRaiseTier, type ProviderPolicy } from '../network/policy.js';
import { bankSettlementAccount, providerAccount, type NetworkService, type Provider } from '../network/service.js';
import { formatYuanSymbol } from '../shared/money.js';
import { ok, problem, problemWith, type Problem, type Result } from '../shared/result.js';
import { useCounter, type CounterUse, type LimitCounter, type Limits } from './limits.js';
import type { ChainStep, OperationRunner, WalletOperation } from './operations.js';
import { computeWithdrawalFee, type WithdrawalFee } from './withdrawal-fee.js';

export type WalletError =
  | 'account_frozen'
  | 'card_not_linked'
  | 'credit_card_not_allowed'
  | 'insufficient_balance'
  | 'card_declined'
  | 'tier_limit_exceeded'
  | 'quota_changed'
  | 'fee_changed'
  | 'payee_not_found'
  | 'payee_unavailable'
  | 'invalid_payee'
  | 'cross_provider_not_supported'
  | 'personal_receive_limit'
  | 'idempotency_conflict';

export interface Balance {
  availableFen: bigint;
  /** Reserved by pending transfers (none yet on the payer side). */
  pendingFen: bigint;
  currency: 'CNY';
}

export interface WithdrawalQuote extends WithdrawalFee {
  amountFen: bigint;
  /** What leaves the wallet: the amount plus the fee. */
  totalFen: bigint;
  freeQuotaLeftFen: bigint;
  freeQuotaLeftAfterFen: bigint;
  feeRateBps: number;
  feeMinFen: bigint;
}

export interface Payee {
  user: User;
  /** The masked real name (or masked phone) the payer sees before confirming. */
  displayName: string;
}

export interface MoneyRequest {
  idempotencyKey: string;
}

export interface WalletService {
  balance(user: User): Promise<Balance>;
  topUp(
    user: User,
    input: MoneyRequest & { cardId: string; amountFen: bigint },
  ): Promise<Result<WalletOperation, WalletError>>;
  quoteWithdrawal(user: User, amountFen: bigint): Promise<WithdrawalQuote>;
  withdraw(
    user: User,
    input: MoneyRequest & { cardId: string; amountFen: bigint; expectedFeeFen?: bigint },
  ): Promise<Result<WalletOperation, WalletError>>;
  findPayee(payer: User, to: { phone?: string; userId?: string }): Promise<Result<Payee, WalletError>>;
  transfer(
    user: User,
    input: MoneyRequest & {
      to: { phone?: string; userId?: string };
      amountFen: bigint;
      note?: string;
      /** Paid by scanning the payee's personal receive code: counts towards its monthly caps. */
      viaPersonalCode?: boolean;
    },
  ): Promise<Result<WalletOperation, WalletError>>;
  /** The tier allowance and free withdrawal quota, for display. */
  limits(user: User): Promise<{ allowance: LimitCounter; withdrawalQuota: LimitCounter; policy: ProviderPolicy }>;
  /** The refusal for a payment above the allowance, for other modules that pay from a wallet. */
  tierLimitStep(
    user: User,
    policy: ProviderPolicy,
    allowance: CounterUse,
    amountFen: bigint,
    userData: string,
  ): ChainStep;
}

export interface WalletDeps {
  ledger: LedgerService;
  network: NetworkService;
  identity: IdentityService;
  banking: BankingService;
  limits: Limits;
  operations: OperationRunner;
}

export function createWalletService(deps: WalletDeps): WalletService {
  const { ledger, network, identity, banking, limits, operations } = deps;

  const providerOf = async (user: User): Promise<Provider> => {
    const provider = await network.getProvider(user.providerId);
    if (!provider) throw new Error(`user ${user.id} belongs to unknown provider ${user.providerId}`);
    return provider;
  };

  const balance = async (user: User): Promise<Balance> => {
    const account = await ledger.getAccount(user.walletAccountId);
    if (!account) throw new Error(`wallet account ${user.walletAccountId} of ${user.id} is missing`);
    return { availableFen: availableBalance(account), pendingFen: account.debitsPending, currency: 'CNY' };
  };

  const insufficientBalance = (user: User, neededFen: bigint) => async (): Promise<Problem> => {
    const { availableFen } = await balance(user);
    return {
      code: 'insufficient_balance',
      message: `your balance ${formatYuanSymbol(availableFen)} does not cover ${formatYuanSymbol(neededFen)}`,
      details: { available: availableFen.toString(), needed: neededFen.toString() },
    };
  };

  const tierLimitStep: WalletService['tierLimitStep'] = (user, policy, allowance, amountFen, userData) => ({
    transfer: useCounter(allowance, '', amountFen, TransferCodes.allowanceUse, userData),
    // Explained from the counter as it stands after the refusal.
    explain: async (code) =>
      code === 'insufficient_funds' ? tierLimitProblem(user, policy, await allowance.read(), amountFen) : null,
  });

  /** Which debit card, refusing credit cards (balances are never funded on credit, as in the real apps). */
  const debitCard = async (user: User, cardId: string) => {
    const linked = await banking.linkedCard(user, cardId);
    if (!linked) return problem('card_not_linked', `you have no linked card ${cardId}`);
    if (linked.account.kind !== 'debit') {
      return problem(
        'credit_card_not_allowed',
        'a wallet balance can only be topped up from or withdrawn to a debit card',
      );
    }
    return ok(linked);
  };

  const service: WalletService = {
    balance,

    async topUp(user, input) {
      if (user.status === 'frozen') return frozen();
      const card = await debitCard(user, input.cardId);
      if (!card.ok) return card;
      const provider = await providerOf(user);
      const [settlement, reserve] = await Promise.all([
        bankSettlementAccount(network, card.value.account.bankId, provider.id),
        providerAccount(network, provider.id, 'reserve'),
      ]);
      const ran = await operations.run(
        {
          userId: user.id,
          kind: 'top_up',
          idempotencyKey: input.idempotencyKey,
          request: { card_id: input.cardId, amount: input.amountFen.toString() },
          amountFen: input.amountFen,
          cardId: input.cardId,
        },
        async (operation) => ({
          before: [],
          steps: [
            {
              // The bank: the customer's money moves to the provider's account at the bank.
              transfer: money(card.value.account.ledgerAccountId, settlement, operation, TransferCodes.topUp),
              explain: (code) =>
                code === 'insufficient_funds'
                  ? {
                      code: 'card_declined',
                      message: `${card.value.card.bankName} declined: the card's balance does not cover ${formatYuanSymbol(operation.amountFen)}`,
                    }
                  : null,
            },
            // The provider: the reserve grows by what it now owes the user.
            { transfer: money(reserve, user.walletAccountId, operation, TransferCodes.topUp) },
          ],
        }),
      );
      return settle(ran);
    },

    async quoteWithdrawal(user, amountFen) {
      const provider = await providerOf(user);
      const quota = await limits.withdrawalQuota(user, provider.policy);
      return quote(provider.policy, quota, amountFen);
    },

    async withdraw(user, input) {
      if (user.status === 'frozen') return frozen();
      const card = await debitCard(user, input.cardId);
      if (!card.ok) return card;
      const provider = await providerOf(user);
      const quota = await limits.withdrawalQuota(user, provider.policy);
      const priced = quote(provider.policy, quota, input.amountFen);
      if (input.expectedFeeFen !== undefined && input.expectedFeeFen !== priced.feeFen) {
        return problemWith(
          'fee_changed',
          `the fee is now ${formatYuanSymbol(priced.feeFen)}, not ${formatYuanSymbol(input.expectedFeeFen)}; confirm the new fee`,
          { fee: priced.feeFen.toString() },
        );
      }
      const [settlement, reserve, feeIncome] = await Promise.all([
        bankSettlementAccount(network, card.value.account.bankId, provider.id),
        providerAccount(network, provider.id, 'reserve'),
        providerAccount(network, provider.id, 'feeIncome'),
      ]);
      const ran = await operations.run(
        {
          userId: user.id,
          kind: 'withdrawal',
          idempotencyKey: input.idempotencyKey,
          request: { card_id: input.cardId, amount: input.amountFen.toString() },
          amountFen: input.amountFen,
          feeFen: priced.feeFen,
          quotaFen: priced.freeFen,
          cardId: input.cardId,
        },
        async (operation) => {
          const short = insufficientBalance(user, operation.amountFen + operation.feeFen);
          let shortProblem: Problem | null = null;
          const steps: ChainStep[] = [
            // The provider pays out of the reserve what it owed the user …
            {
              transfer: money(user.walletAccountId, reserve, operation, TransferCodes.withdrawal),
              explain: (code) => (code === 'insufficient_funds' ? shortProblem : null),
            },
            // … and the bank credits the customer from the provider's account there.
            { transfer: money(settlement, card.value.account.ledgerAccountId, operation, TransferCodes.withdrawal) },
          ];
          if (operation.feeFen > 0n) {
            steps.push({
              transfer: {
                ...money(user.walletAccountId, feeIncome, operation, TransferCodes.withdrawalFee),
                amount: operation.feeFen,
              },
              explain: (code) => (code === 'insufficient_funds' ? shortProblem : null),
            });
          }
          if (operation.quotaFen > 0n) {
            steps.push({
              transfer: useCounter(quota, '', operation.quotaFen, TransferCodes.quotaUse, `op:${operation.id}`),
              explain: (code) =>
                code === 'insufficient_funds'
                  ? {
                      code: 'quota_changed',
                      message:
                        'another withdrawal used the free quota at the same time; ask for a new quote and retry with a new Idempotency-Key',
                    }
                  : null,
            });
          }
          // The sentence names the balance at the time of the refusal, so it is read up front.
          shortProblem = await short();
          return { before: quota.grant ? [quota.grant] : [], steps };
        },
      );
      return settle(ran);
    },

    async findPayee(payer, to) {
      let payee: User | null = null;
      if (to.userId !== undefined) payee = await identity.getUser(to.userId);
      else if (to.phone !== undefined) {
        payee = await identity.findByPhone(payer.providerId, to.phone);
        if (!payee) {
          // Known at another provider? Then say why it cannot be paid, rather than "not found".
          for (const provider of await network.listProviders()) {
            if (provider.id !== payer.providerId && (await identity.findByPhone(provider.id, to.phone))) {
              return crossProvider(provider.name);
            }
          }
        }
      }
      if (!payee) return problem('payee_not_found', 'no user with this phone number or id');
      if (payee.id === payer.id) return problem('invalid_payee', 'you cannot transfer money to yourself');
      if (payee.providerId !== payer.providerId) {
        const provider = await network.getProvider(payee.providerId);
        return crossProvider(provider?.name ?? payee.providerId);
      }
      if (payee.status === 'frozen')
        return problem('payee_unavailable', "the payee's account cannot receive money at the moment");
      return ok({ user: payee, displayName: displayName(payee) });
    },

    async transfer(user, input) {
      if (user.status === 'frozen') return frozen();
      const payee = await service.findPayee(user, input.to);
      if (!payee.ok) return payee;
      const provider = await providerOf(user);
      const allowance = await limits.tierAllowanceUse(user, provider.policy);
      const personal = input.viaPersonalCode ? await limits.personalReceive(payee.value.user, provider.policy) : null;
      const ran = await operations.run(
        {
          userId: user.id,
          kind: 'transfer',
          idempotencyKey: input.idempotencyKey,
          request: {
            to: payee.value.user.id,
            amount: input.amountFen.toString(),
            note: input.note ?? null,
            ...(personal ? { via: 'personal_code' } : {}),
          },
          amountFen: input.amountFen,
          counterpartyUserId: payee.value.user.id,
          note: input.note,
        },
        async (operation) => {
          const shortProblem = await insufficientBalance(user, operation.amountFen)();
          const grants = [allowance.grant, personal?.count.grant ?? null, personal?.amount.grant ?? null];
          return {
            before: grants.filter((grant): grant is NonNullable<typeof grant> => grant !== null),
            steps: [
              {
                transfer: money(
                  user.walletAccountId,
                  payee.value.user.walletAccountId,
                  operation,
                  TransferCodes.walletTransfer,
                ),
                explain: (code) => (code === 'insufficient_funds' ? shortProblem : null),
              },
              tierLimitStep(user, provider.policy, allowance, operation.amountFen, `op:${operation.id}`),
              ...(personal ? personalReceiveSteps(personal, operation, payee.value.displayName) : []),
            ],
          };
        },
      );
      return settle(ran);
    },

    async limits(user) {
      const provider = await providerOf(user);
      const [allowance, withdrawalQuota] = await Promise.all([
        limits.tierAllowance(user, provider.policy),
        limits.withdrawalQuota(user, provider.policy),
      ]);
      return { allowance, withdrawalQuota, policy: provider.policy };
    },

    tierLimitStep,
  };
  return service;
}

/**
 * A personal receive code counts each payment (1) and its amount against the payee's monthly caps;
 * at either cap the payment is refused and the payee is told to register as a merchant.
 */
function personalReceiveSteps(
  personal: { count: LimitCounter; amount: LimitCounter },
  operation: WalletOperation,
  payeeName: string,
): ChainStep[] {
  const refusal: Problem = {
    code: 'personal_receive_limit',
    message:
      `${payeeName}'s personal receive code has reached its monthly limit (${personal.count.limitFen} payments or ` +
      `${formatYuanSymbol(personal.amount.limitFen)}), which is what business use looks like: ` +
      'the payee should register as a merchant to collect more',
    details: {
      payments_left: personal.count.leftFen.toString(),
      amount_left: personal.amount.leftFen.toString(),
    },
  };
  const explain = (code: TransferResultCode) => (code === 'insufficient_funds' ? refusal : null);
  const userData = `op:${operation.id}`;
  return [
    { transfer: useCounter(personal.count, '', 1n, TransferCodes.personalReceiveUse, userData), explain },
    {
      transfer: useCounter(personal.amount, '', operation.amountFen, TransferCodes.personalReceiveUse, userData),
      explain,
    },
  ];
}

function money(debitAccountId: bigint, creditAccountId: bigint, operation: WalletOperation, code: number) {
  return {
    debitAccountId,
    creditAccountId,
    amount: operation.amountFen,
    ledgerId: CNY_LEDGER_ID,
    code,
    userData: `op:${operation.id}`,
  };
}

function quote(policy: ProviderPolicy, quota: LimitCounter, amountFen: bigint): WithdrawalQuote {
  const fee = computeWithdrawalFee({
    amountFen,
    freeQuotaLeftFen: quota.leftFen,
    feeRateBps: policy.withdrawal.feeRateBps,
    feeMinFen: policy.withdrawal.feeMinFen,
  });
  return {
    ...fee,
    amountFen,
    totalFen: amountFen + fee.feeFen,
    freeQuotaLeftFen: quota.leftFen,
    freeQuotaLeftAfterFen: quota.leftFen - fee.freeFen,
    feeRateBps: policy.withdrawal.feeRateBps,
    feeMinFen: policy.withdrawal.feeMinFen,
  };
}

/** An operation that ran but was refused becomes the refusal; one that succeeded is the value. */
function settle(ran: Result<WalletOperation, 'idempotency_conflict'>): Result<WalletOperation, WalletError> {
  if (!ran.ok) return ran;
  const failure = ran.value.failure;
  if (ran.value.status === 'failed' && failure) {
    return { ok: false, error: { ...failure, code: failure.code as WalletError } };
  }
  return ran;
}

export function tierLimitProblem(
  user: User,
  policy: ProviderPolicy,
  counter: LimitCounter,
  amountFen: bigint,
): Problem {
  const period = counter.periodKind === 'lifetime' ? 'since the account was opened' : 'this year';
  const className = ['I', 'II', 'III'][user.tier - 1];
  return {
    code: 'tier_limit_exceeded',
    message:
      `${formatYuanSymbol(amountFen)} is above what a class ${className} account may still pay: ` +
      `${formatYuanSymbol(counter.leftFen)} left of ${formatYuanSymbol(counter.limitFen)} ${period}. ` +
      `To raise it, ${howToRaiseTier(user.tier, policy)}.`,
    details: {
      limit: `class_${user.tier}_${counter.periodKind}`,
      limit_fen: counter.limitFen.toString(),
      left_fen: counter.leftFen.toString(),
      period: counter.period,
      how_to_raise: howToRaiseTier(user.tier, policy),
    },
  };
}

function frozen() {
  return problem('account_frozen', 'your account is frozen; contact customer service to appeal') as {
    ok: false;
    error: Problem<WalletError>;
  };
}

function crossProvider(providerName: string) {
  return problem(
    'cross_provider_not_supported',
    `the payee uses ${providerName}; transfers between providers are not yet supported`,
  ) as { ok: false; error: Problem<WalletError> };
}

export type { TransferResultCode };
