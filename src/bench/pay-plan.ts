// What the three processes of `saoma bench pay` agree on: which payer pays which merchant how much
// for payment i, how much money each payer needs, and the messages they exchange over IPC.
import type { KeyAlgorithm } from '../merchant/signature.js';
import { DEMO_PROVIDERS } from '../network/demo.js';

/** Every payment is at bluepay, the Alipay-like demo provider. */
export const BENCH_PROVIDER_ID = 'bluepay';
/** Amounts from ¥1.00 to ¥99.99: ordinary counter payments, all with a fee, none needing the PIN. */
export const AMOUNT_MIN_FEN = 100;
export const AMOUNT_MAX_FEN = 9_999;
/**
 * The apps' webhook URL when the notifier is off (the default): an app needs one for its payments
 * to queue a notification at all, and with no notifier running nothing is ever sent to it (nothing
 * listens at port 9 either). With `--deliver` the apps point at the orchestrator's receiver instead.
 */
export const QUEUED_ONLY_WEBHOOK_URL = 'http://127.0.0.1:9/hook';

const provider = DEMO_PROVIDERS.find((candidate) => candidate.id === BENCH_PROVIDER_ID)!;
/**
 * The load process signs at most this many orders of a phase before its clock starts (~1 KB each
 * with an RSA signature: 50 MB at most); a longer phase signs the rest as it sends them, inside its
 * clock, and says how many (PhaseFigures.signedInPhase).
 */
export const PRESIGNED_ORDERS_MAX = 50_000;

/** A class III payer's allowance of balance payments a year. */
export const PAYER_ALLOWANCE_FEN = provider.policy.tiers[3].limitFen;
if (BigInt(AMOUNT_MAX_FEN) > provider.policy.payments.passwordFreeLimitFen) {
  throw new Error('bench amounts must stay within the password-free limit: the load process types no PIN');
}

export interface PaymentPlan {
  payers: number;
  merchants: number;
}

/** Consecutive payments (which run at the same time) go to different payers and merchants. */
export const payerOf = (plan: PaymentPlan, index: number): number => index % plan.payers;
export const merchantOf = (plan: PaymentPlan, index: number): number => index % plan.merchants;

/** A fixed spread of amounts over [AMOUNT_MIN_FEN, AMOUNT_MAX_FEN] (a multiplicative hash of i). */
export function amountOf(index: number): number {
  const spread = AMOUNT_MAX_FEN - AMOUNT_MIN_FEN + 1;
  return AMOUNT_MIN_FEN + ((Math.imul(index + 1, 2_654_435_761) >>> 0) % spread);
}

/** What each payer is topped up with: enough for its share of `payments` at the largest amount. */
export function payerBalanceFen(plan: PaymentPlan, payments: number): bigint {
  return BigInt(Math.ceil(payments / plan.payers)) * BigInt(AMOUNT_MAX_FEN);
}

/** The world the server process sets up: merchants with their signing keys, payers with sessions. */
export interface BenchMerchant {
  merchantId: string;
  appId: string;
  /** PKCS#8 PEM of the app's private key: RSA-2048 or Ed25519, as the run's `keyAlgorithm` says. */
  privateKeyPem: string;
}

export interface BenchWorld {
  url: string;
  merchants: BenchMerchant[];
  /** Session tokens, one per payer, in payer order. */
  payerTokens: string[];
}

/** Latency figures of one phase, in milliseconds. */
export interface PhaseFigures {
  count: number;
  elapsedMs: number;
  p50Ms: number;
  p99Ms: number;
  /** The first request of a pair (the order, or the first floor request) and the second (the payment). */
  firstP50Ms: number;
  firstP99Ms: number;
  secondP50Ms: number;
  secondP99Ms: number;
  /** Failures by kind: `order 401 nonce_replayed`, `pay 422 insufficient_balance`, `pay ECONNRESET` … */
  errors: Record<string, number>;
  /** CPU time the load process spent in the phase (not counting the orders pre-signed before it). */
  cpuMs: number;
  /**
   * Orders the load process signed inside the phase's clock: those past PRESIGNED_ORDERS_MAX and
   * pre-signed ones that grew too old to send (see pay-load.ts). 0 in any ordinary run.
   */
  signedInPhase: number;
}

/** The orders of a payments phase, signed before its clock starts. */
export interface SignedFigures {
  /** Orders signed (the phase's first PRESIGNED_ORDERS_MAX at most). */
  count: number;
  elapsedMs: number;
  cpuMs: number;
}

export type LoadPhase = 'warm-up' | 'floor warm' | 'floor' | 'payments';
/** The phases that pay, whose orders the load process signs before their clock starts. */
export type PaymentPhase = Extract<LoadPhase, 'warm-up' | 'payments'>;

/** Orchestrator → server process. */
export type ServerCommand =
  | {
      type: 'start';
      databaseUrl: string;
      fieldKeyHex: string;
      payers: number;
      merchants: number;
      payments: number;
      /** The kind of key each merchant's app signs its requests with. */
      keyAlgorithm: KeyAlgorithm;
      /** Run the notifier (startSaoma's deliverNotifications); off, notifications are only queued. */
      deliverNotifications: boolean;
      /** Every app's webhook URL: the orchestrator's receiver, or QUEUED_ONLY_WEBHOOK_URL. */
      webhookUrl: string;
    }
  | { type: 'measure-start' }
  | { type: 'measure-stop' }
  | { type: 'finish' };

/** Server process → orchestrator. */
export type ServerEvent =
  | { type: 'progress'; done: number }
  | { type: 'ready'; world: BenchWorld }
  | { type: 'measuring' }
  | {
      type: 'measured';
      peakRssBytes: number;
      cpuMs: number;
      elapsedMs: number;
      /** The event loop's busy time (event-loop utilisation) while the payments ran. */
      eventLoopBusyMs: number;
      /** The main thread's time on a core, and runnable but waiting for one; null off Linux. */
      mainThread: { cpuMs: number; runQueueMs: number } | null;
    }
  | {
      type: 'finished';
      ledgerAuditOk: boolean;
      networkAuditOk: boolean;
      auditedTransfers: number;
      auditProblems: string[];
      ordersPaid: number;
      notificationsQueued: number;
    }
  | { type: 'failed'; message: string };

/** Orchestrator → load process. */
export type LoadCommand =
  | { type: 'plan'; world: BenchWorld; plan: PaymentPlan; concurrency: number }
  /** Sign the orders of the payment phase that comes next (its `phase` command names the same range). */
  | { type: 'sign'; phase: PaymentPhase; firstIndex: number; count: number }
  | { type: 'phase'; phase: LoadPhase; firstIndex: number; count: number };

/** Load process → orchestrator. */
export type LoadEvent =
  | { type: 'progress'; done: number }
  /** The trivial route the floor uses: GET /ping when the server has it, else GET /health. */
  | { type: 'planned'; floorPath: string }
  | { type: 'signed'; phase: PaymentPhase; figures: SignedFigures }
  | { type: 'phase-done'; phase: LoadPhase; figures: PhaseFigures }
  | { type: 'failed'; message: string };
