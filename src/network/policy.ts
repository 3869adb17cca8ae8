// A wallet provider's policy — real-name tier limits, withdrawal fees and free quota, red packet
// rules, PIN lockout — as data, with the demo providers' defaults from the real schemes. Stored
// per provider as JSON (amounts as strings of fen), so an operator changes figures, not code.

export type TierLevel = 1 | 2 | 3;
export const TIER_LEVELS: readonly TierLevel[] = [1, 2, 3];
export type LimitPeriod = 'lifetime' | 'year' | 'month';

export interface TierPolicy {
  /** Balance payments and transfers allowed per period. */
  limitFen: bigint;
  period: LimitPeriod;
}

export interface ProviderPolicy {
  tiers: Record<TierLevel, TierPolicy>;
  withdrawal: {
    feeRateBps: number;
    feeMinFen: bigint;
    /** Withdrawals free of fee per identity (resident ID) per period. */
    freeQuotaFen: bigint;
    freeQuotaPeriod: LimitPeriod;
  };
  redPackets: {
    /** A one-to-one packet, and each share of a group packet, at most. */
    shareMaxFen: bigint;
    countMax: number;
    /** Unclaimed money goes back to the sender after this long. */
    expirySeconds: number;
  };
  pin: { failuresMax: number; lockSeconds: number };
  payments: {
    /** At or below this a payment needs no PIN (小额免密); above it the payer confirms with the PIN. */
    passwordFreeLimitFen: bigint;
    /** Consumer-presented payment codes: this provider's prefix and length (an aggregator routes by prefix). */
    paymentCodePrefix: string;
    paymentCodeLength: number;
    /** A payment code is replaced after this long and is refused once it has expired. */
    paymentCodeTtlSeconds: number;
    /** A scanned payment code above the password-free limit waits this long for the payer. */
    payerConfirmSeconds: number;
    /** Unpaid QR orders close after this long unless the merchant says otherwise. */
    orderTimeoutSeconds: number;
    /** The merchant notification retry schedule: the waits after each failed attempt. */
    notifyRetrySeconds: number[];
    /** What an individual's personal receive code may take in a month before it looks like business use. */
    personalReceiveMonthlyCountMax: number;
    personalReceiveMonthlyAmountMaxFen: bigint;
  };
}

const yuan = (amount: number): bigint => BigInt(amount) * 100n;

/**
 * The figures DESIGN.md quotes: class I ¥1,000 of balance payments since opening, class II
 * ¥100,000 a year, class III ¥200,000 a year; withdrawals 0.1% with a ¥0.10 minimum after a
 * free quota (¥20,000 for life per identity at the Alipay-like provider, ¥1,000 at the
 * WeChat-Pay-like one); red packets at most ¥200, unclaimed ones back after 24 h; the PIN locks
 * for three hours after five wrong tries.
 */
export function defaultProviderPolicy(
  freeQuotaYuan: number,
  payments: Partial<ProviderPolicy['payments']> = {},
): ProviderPolicy {
  return {
    tiers: {
      1: { limitFen: yuan(1_000), period: 'lifetime' },
      2: { limitFen: yuan(100_000), period: 'year' },
      3: { limitFen: yuan(200_000), period: 'year' },
    },
    withdrawal: { feeRateBps: 10, feeMinFen: 10n, freeQuotaFen: yuan(freeQuotaYuan), freeQuotaPeriod: 'lifetime' },
    redPackets: { shareMaxFen: yuan(200), countMax: 100, expirySeconds: 24 * 3600 },
    pin: { failuresMax: 5, lockSeconds: 3 * 3600 },
    payments: { ...DEFAULT_PAYMENTS, ...payments },
  };
}

/**
 * Payment defaults: ¥1,000 without a PIN (the small-amount password-free setting of the real
 * apps), 18-digit codes renewed every minute, 45 s for a payer to confirm a scanned code, QR
 * orders open 15 minutes, personal codes capped at 100 payments or ¥50,000 a month.
 */
export const DEFAULT_PAYMENTS: ProviderPolicy['payments'] = {
  passwordFreeLimitFen: yuan(1_000),
  paymentCodePrefix: '28',
  paymentCodeLength: 18,
  paymentCodeTtlSeconds: 60,
  payerConfirmSeconds: 45,
  orderTimeoutSeconds: 15 * 60,
  notifyRetrySeconds: [15, 15, 30, 180, 600, 1200, 1800, 1800, 1800, 3600, 10800, 10800, 10800, 21600, 21600],
  personalReceiveMonthlyCountMax: 100,
  personalReceiveMonthlyAmountMaxFen: yuan(50_000),
};

/** The network's time zone (Asia/Shanghai, UTC+8 all year): a "year" is a calendar year there. */
const NETWORK_UTC_OFFSET_MS = 8 * 3600 * 1000;

/** The period a limit counts in: `life`, `y2026` or `m2026-06` (calendar year or month in the network's time zone). */
export function limitPeriodKey(period: LimitPeriod, nowMs: number): string {
  if (period === 'lifetime') return 'life';
  const local = new Date(nowMs + NETWORK_UTC_OFFSET_MS);
  if (period === 'month') return `m${local.toISOString().slice(0, 7)}`;
  return `y${local.getUTCFullYear()}`;
}

export function policyToJson(policy: ProviderPolicy): string {
  return JSON.stringify(policy, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value));
}

/** Reads a stored policy; the amounts come back as bigint. Written only by policyToJson. */
export function policyFromJson(text: string): ProviderPolicy {
  const raw = JSON.parse(text) as ProviderPolicy;
  const fen = (value: unknown) => BigInt(value as string);
  const tier = (level: TierLevel): TierPolicy => ({
    limitFen: fen(raw.tiers[level].limitFen),
    period: raw.tiers[level].period,
  });
  return {
    tiers: { 1: tier(1), 2: tier(2), 3: tier(3) },
    withdrawal: {
      feeRateBps: raw.withdrawal.feeRateBps,
      feeMinFen: fen(raw.withdrawal.feeMinFen),
      freeQuotaFen: fen(raw.withdrawal.freeQuotaFen),
      freeQuotaPeriod: raw.withdrawal.freeQuotaPeriod,
    },
    redPackets: {
      shareMaxFen: fen(raw.redPackets.shareMaxFen),
      countMax: raw.redPackets.countMax,
      expirySeconds: raw.redPackets.expirySeconds,
    },
    pin: { failuresMax: raw.pin.failuresMax, lockSeconds: raw.pin.lockSeconds },
    payments: paymentsFromJson(raw.payments),
  };
}

/** Policies stored before payments existed get the defaults. */
function paymentsFromJson(raw: ProviderPolicy['payments'] | undefined): ProviderPolicy['payments'] {
  if (raw === undefined) return DEFAULT_PAYMENTS;
  return {
    ...DEFAULT_PAYMENTS,
    ...raw,
    passwordFreeLimitFen: BigInt(raw.passwordFreeLimitFen as unknown as string),
    personalReceiveMonthlyAmountMaxFen: BigInt(raw.personalReceiveMonthlyAmountMaxFen as unknown as string),
  };
}

/** A sentence for the next step up, for refusals ("how to raise it"). */
export function howToRaiseTier(tier: TierLevel, policy: ProviderPolicy): string {
  const yuanText = (fen: bigint) => `¥${(fen / 100n).toLocaleString('en-US')}`;
  if (tier === 1) {
    return `verify your real name and resident ID number to reach class II (${yuanText(policy.tiers[2].limitFen)} a year)`;
  }
  if (tier === 2) {
    return `link a bank card in your own name to reach class III (${yuanText(policy.tiers[3].limitFen)} a year)`;
  }
  return 'class III is the highest class; the limit starts again next year';
}
