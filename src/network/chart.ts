// The chart of accounts and the transfer codes of the payer side: which ledger account holds
// what, under which key, and why each transfer moved money. Every module finds its accounts
// through these keys, so a name is defined once.

/** Renminbi, in fen. */
export const CNY_LEDGER_ID = 1;
/**
 * Counters that must never be overspent — a tier's allowance, a free withdrawal quota — kept as
 * accounts in a ledger of their own (ISO 4217 "XXX": no currency), so that using one commits or
 * fails in the same linked chain as the payment it limits, and two racing payments cannot both
 * pass a check-then-act test.
 */
export const LIMITS_LEDGER_ID = 90;

/** What an account is (the ledger's `code` on accounts). */
export const AccountCodes = {
  /** A provider's client funds held at the central bank (asset: debit balance). */
  providerReserve: 100,
  /** What a bank owes a provider: where card top-ups arrive and withdrawals leave (per bank). */
  bankSettlement: 101,
  /** A user's balance at a provider (liability: credit balance, never below zero). */
  wallet: 110,
  /** Red packets sent and not yet claimed or refunded. */
  redPacketEscrow: 111,
  /** A merchant's takings not yet settled (net of the fee). */
  merchantPending: 112,
  /** A merchant's settled takings, paid out to the bank by the settlement run. */
  merchantAvailable: 113,
  /** The provider's fees. */
  feeIncome: 120,
  /** A customer's current account at a bank (never below zero). */
  bankDeposit: 200,
  /** A credit card: credited with its limit, debited by spending (never below zero). */
  creditCard: 201,
  /** A bank's cash, the source of deposits made at the counter (asset). */
  bankVault: 210,
  /** Where a bank's credit limits come from. */
  bankCreditLines: 211,
  /** A user's allowance of balance payments and transfers for one period. */
  tierAllowance: 900,
  /** An identity's free withdrawal quota for one period. */
  withdrawalQuota: 901,
  /** What a personal receive code has taken this month (count of payments, or fen). */
  personalReceiveCount: 903,
  personalReceiveAmount: 904,
  /** The provider's side of its allowances and quotas. */
  limitsSource: 902,
} as const;

/** Accounts whose credit balance is money a provider holds for its clients. */
export const CLIENT_FUND_ACCOUNT_CODES: readonly number[] = [
  AccountCodes.wallet,
  AccountCodes.redPacketEscrow,
  AccountCodes.merchantPending,
  AccountCodes.merchantAvailable,
];

/** Why money moved (the ledger's `code` on transfers). */
export const TransferCodes = {
  topUp: 1,
  withdrawal: 2,
  withdrawalFee: 3,
  walletTransfer: 4,
  redPacketSend: 5,
  redPacketClaim: 6,
  redPacketRefund: 7,
  bankCounterDeposit: 20,
  creditLineGrant: 21,
  allowanceGrant: 90,
  allowanceUse: 91,
  quotaGrant: 92,
  quotaUse: 93,
  personalReceiveGrant: 94,
  personalReceiveUse: 95,
  payment: 30,
  paymentFee: 31,
  refund: 32,
  refundFee: 33,
  settlement: 34,
  payout: 35,
  /** A merchant pays a user from its available balance (Alipay's fund.trans.uni.transfer). */
  merchantTransfer: 36,
} as const;

export type TransferCodeName = keyof typeof TransferCodes;
const TRANSFER_CODE_NAMES = new Map<number, TransferCodeName>(
  Object.entries(TransferCodes).map(([name, code]) => [code, name as TransferCodeName]),
);
export const transferCodeName = (code: number): TransferCodeName | null => TRANSFER_CODE_NAMES.get(code) ?? null;

/** Unique account keys (the ledger's idempotent `key` on accounts). */
export const AccountKeys = {
  providerReserve: (providerId: string) => `${providerId}:reserve`,
  feeIncome: (providerId: string) => `${providerId}:fee-income`,
  redPacketEscrow: (providerId: string) => `${providerId}:red-packet-escrow`,
  limitsSource: (providerId: string) => `${providerId}:limits-source`,
  bankSettlement: (bankId: string, providerId: string) => `${bankId}:settlement:${providerId}`,
  bankVault: (bankId: string) => `${bankId}:vault`,
  bankCreditLines: (bankId: string) => `${bankId}:credit-lines`,
  bankAccount: (bankAccountId: string) => `bank-account:${bankAccountId}`,
  wallet: (userId: string) => `wallet:${userId}`,
  merchantPending: (merchantId: string) => `merchant:${merchantId}:pending`,
  merchantAvailable: (merchantId: string) => `merchant:${merchantId}:available`,
  tierAllowance: (userId: string, period: string) => `allowance:${userId}:${period}`,
  personalReceive: (userId: string, what: 'count' | 'amount', period: string) =>
    `personal-receive:${userId}:${what}:${period}`,
  withdrawalQuota: (providerId: string, identity: string, period: string) =>
    `withdrawal-quota:${providerId}:${identity}:${period}`,
} as const;

/** Who owns an account (the ledger's `owner_ref`), to show a statement line's counterparty. */
export const OwnerRefs = {
  user: (userId: string) => `user:${userId}`,
  bankAccount: (bankAccountId: string) => `bank-account:${bankAccountId}`,
  merchant: (merchantId: string) => `merchant:${merchantId}`,
  institution: (institutionId: string) => `institution:${institutionId}`,
} as const;
