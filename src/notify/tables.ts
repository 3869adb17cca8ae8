// Row types of migration 4's tables (the outbox, its delivery attempts, the platform's signing
// key), for the query builder. Integer columns come back as bigint (SQLite) or number (PostgreSQL).
import type { Generated } from 'kysely';

type SmallInt = number | bigint;

export type OutboxStatus = 'pending' | 'delivered' | 'failed';
export type AttemptOutcome = 'sending' | 'acknowledged' | 'failed' | 'abandoned';

export interface OutboxEventsTable {
  /** `evt_…`: what the merchant dedupes on; the same on every attempt. */
  id: string;
  merchant_id: string;
  type: string;
  url: string;
  /** The exact JSON bytes delivered (and signed) on every attempt. */
  body: string;
  /** Migration 5: how it goes on the wire: `saoma` (signed JSON), `alipay`, `wechatpay` (see worker.ts). */
  format: Generated<string>;
  /** JSON array of whole seconds: the waits after each failed attempt of a round. */
  retry_schedule_seconds: string;
  status: OutboxStatus;
  /** When pending: the earliest a worker may claim it (while an attempt runs: the end of its lease). */
  next_attempt_at_ms: bigint | null;
  /** Set while an attempt is in flight (or was, when its worker stopped); null otherwise. */
  leased_until_ms: bigint | null;
  /** Attempts claimed over the event's life: the next attempt's number is this plus one. */
  attempt_count: Generated<SmallInt>;
  /** Attempts claimed in the current round of the schedule; a resend starts a new round. */
  round_attempt_count: Generated<SmallInt>;
  created_at_ms: bigint;
  /** When it was acknowledged or given up on; null while pending. */
  completed_at_ms: bigint | null;
}

export interface DeliveryAttemptsTable {
  event_id: string;
  attempt_number: SmallInt;
  started_at_ms: bigint;
  outcome: AttemptOutcome;
  http_status: SmallInt | null;
  error: string | null;
  duration_ms: SmallInt | null;
  finished_at_ms: bigint | null;
}

export interface PlatformKeysTable {
  purpose: 'webhook_signing';
  algorithm: 'ed25519';
  /** SPKI PEM, for merchants to verify webhooks with. */
  public_key_pem: string;
  /** PKCS#8 PEM. */
  private_key_pem: string;
  created_at_ms: bigint;
}

export interface NotifyTables {
  outbox_events: OutboxEventsTable;
  delivery_attempts: DeliveryAttemptsTable;
  platform_keys: PlatformKeysTable;
}
