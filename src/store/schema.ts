// Row types of the tables, for the query builder (Kysely). 64-bit integer columns are bigint
// in both drivers; small integer columns come back as bigint from SQLite and number from
// PostgreSQL, so readers convert them with Number().
import type { Generated } from 'kysely';
import type { AlipayTables } from '../gateway/alipay/tables.js';
import type { GatewayTables } from '../gateway/tables.js';
import type { WechatpayTables } from '../gateway/wechatpay/tables.js';
import type { MerchantTables } from '../merchant/tables.js';
import type { NotifyTables } from '../notify/tables.js';
import type { PortalTables } from '../portal/tables.js';

type SmallInt = number | bigint;

export interface InstitutionsTable {
  id: string;
  name: string;
  kind: string;
  created_at_ms: bigint;
}

export interface LedgersTable {
  id: SmallInt;
  currency: string;
  scale: SmallInt;
  name: string;
}

export interface AccountsTable {
  id: Generated<bigint>;
  key: string | null;
  institution_id: string;
  ledger_id: SmallInt;
  code: SmallInt;
  owner_ref: string | null;
  flags: SmallInt;
  debits_posted: Generated<bigint>;
  credits_posted: Generated<bigint>;
  debits_pending: Generated<bigint>;
  credits_pending: Generated<bigint>;
  last_seq: Generated<bigint>;
  created_at_ms: bigint;
}

export interface TransfersTable {
  seq: bigint;
  id: string;
  debit_account_id: bigint;
  credit_account_id: bigint;
  amount: bigint;
  pending_id: string | null;
  ledger_id: SmallInt;
  code: SmallInt;
  flags: SmallInt;
  timeout_seconds: SmallInt;
  user_data: string | null;
  created_at_ms: bigint;
  pending_status: string;
  expires_at_ms: bigint | null;
  hash: string;
  debit_prev_seq: bigint;
  credit_prev_seq: bigint;
}

export interface TransferFailuresTable {
  id: string;
  pending_id: string | null;
  debit_account_id: bigint;
  credit_account_id: bigint;
  amount: bigint;
  ledger_id: SmallInt;
  code: SmallInt;
  flags: SmallInt;
  timeout_seconds: SmallInt;
  user_data: string | null;
  result: string;
  created_at_ms: bigint;
}

export interface JournalHeadTable {
  id: SmallInt;
  seq: bigint;
  hash: string;
}

export interface SchemaMigrationsTable {
  version: SmallInt;
  name: string;
  applied_at_ms: bigint;
}

/** Every table; modules with tables of their own declare them beside their migration. */
export interface Schema
  extends MerchantTables, NotifyTables, GatewayTables, WechatpayTables, AlipayTables, PortalTables {
  institutions: InstitutionsTable;
  ledgers: LedgersTable;
  accounts: AccountsTable;
  transfers: TransfersTable;
  transfer_failures: TransferFailuresTable;
  journal_head: JournalHeadTable;
  schema_migrations: SchemaMigrationsTable;
  institution_profiles: InstitutionProfilesTable;
  users: UsersTable;
  devices: DevicesTable;
  sessions: SessionsTable;
  bank_accounts: BankAccountsTable;
  cards: CardsTable;
  wallet_operations: WalletOperationsTable;
  red_packets: RedPacketsTable;
  red_packet_shares: RedPacketSharesTable;
}

// Migration 2: the payer side (network profiles, identity, banking, wallet, red packets).

export interface InstitutionProfilesTable {
  institution_id: string;
  profile: string;
  updated_at_ms: bigint;
}

export interface UsersTable {
  id: string;
  provider_id: string;
  phone: string;
  password_hash: string;
  pin_hash: string | null;
  pin_failures: Generated<SmallInt>;
  pin_locked_until_ms: bigint | null;
  tier: SmallInt;
  real_name: string | null;
  id_number_sealed: string | null;
  id_number_index: string | null;
  wallet_account_id: bigint;
  status: Generated<string>;
  created_at_ms: bigint;
}

export interface DevicesTable {
  id: string;
  user_id: string;
  name: string;
  created_at_ms: bigint;
  last_seen_at_ms: bigint;
}

export interface SessionsTable {
  token_hash: string;
  user_id: string;
  device_id: string;
  created_at_ms: bigint;
  expires_at_ms: bigint;
}

export interface BankAccountsTable {
  id: string;
  bank_id: string;
  kind: 'debit' | 'credit';
  number_sealed: string;
  number_index: string;
  last4: string;
  holder_name: string;
  holder_id_index: string | null;
  phone: string;
  ledger_account_id: bigint;
  created_at_ms: bigint;
}

export interface CardsTable {
  id: string;
  user_id: string;
  bank_account_id: string;
  created_at_ms: bigint;
  unlinked_at_ms: bigint | null;
}

export interface WalletOperationsTable {
  id: string;
  user_id: string;
  kind: string;
  idempotency_key: string;
  fingerprint: string;
  amount_fen: bigint;
  fee_fen: Generated<bigint>;
  /** For a withdrawal: the part of the amount covered by the free quota. */
  quota_fen: Generated<bigint>;
  card_id: string | null;
  counterparty_user_id: string | null;
  note: string | null;
  status: string;
  failure_code: string | null;
  failure_message: string | null;
  created_at_ms: bigint;
  completed_at_ms: bigint | null;
}

export interface RedPacketsTable {
  id: string;
  sender_user_id: string;
  provider_id: string;
  kind: 'single' | 'lucky' | 'equal';
  total_fen: bigint;
  share_count: SmallInt;
  recipient_user_id: string | null;
  note: string | null;
  idempotency_key: string;
  fingerprint: string;
  status: string;
  failure_code: string | null;
  failure_message: string | null;
  created_at_ms: bigint;
  expires_at_ms: bigint;
  refunded_fen: bigint | null;
}

export interface RedPacketSharesTable {
  packet_id: string;
  share_index: SmallInt;
  amount_fen: bigint;
  claimed_by: string | null;
  claimed_at_ms: bigint | null;
  paid: Generated<SmallInt>;
}
