// Row types of the tables, for the query builder (Kysely). 64-bit integer columns are bigint
// in both drivers; small integer columns come back as bigint from SQLite and number from
// PostgreSQL, so readers convert them with Number().
import type { Generated } from 'kysely';

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

export interface Schema {
  institutions: InstitutionsTable;
  ledgers: LedgersTable;
  accounts: AccountsTable;
  transfers: TransfersTable;
  transfer_failures: TransferFailuresTable;
  journal_head: JournalHeadTable;
  schema_migrations: SchemaMigrationsTable;
}
