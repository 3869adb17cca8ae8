// The ledger's tables on SQLite (migration 1). Balances are INTEGER (64-bit), read as bigint.
// CHECK constraints repeat the ledger's rules so that a bug in the engine cannot store a
// broken balance: the engine checks before it writes, the database checks what is written.

export const ledgerSchemaSqlite = `
CREATE TABLE institutions (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  kind TEXT NOT NULL,
  created_at_ms INTEGER NOT NULL
);

CREATE TABLE ledgers (
  id INTEGER PRIMARY KEY CHECK (id > 0),
  currency TEXT NOT NULL UNIQUE,
  scale INTEGER NOT NULL CHECK (scale BETWEEN 0 AND 18),
  name TEXT NOT NULL
);

CREATE TABLE accounts (
  id INTEGER PRIMARY KEY,
  key TEXT UNIQUE,
  institution_id TEXT NOT NULL REFERENCES institutions (id),
  ledger_id INTEGER NOT NULL REFERENCES ledgers (id),
  code INTEGER NOT NULL,
  owner_ref TEXT,
  flags INTEGER NOT NULL DEFAULT 0,
  debits_posted INTEGER NOT NULL DEFAULT 0 CHECK (debits_posted >= 0),
  credits_posted INTEGER NOT NULL DEFAULT 0 CHECK (credits_posted >= 0),
  debits_pending INTEGER NOT NULL DEFAULT 0 CHECK (debits_pending >= 0),
  credits_pending INTEGER NOT NULL DEFAULT 0 CHECK (credits_pending >= 0),
  last_seq INTEGER NOT NULL DEFAULT 0,
  created_at_ms INTEGER NOT NULL,
  CHECK ((flags & 1) = 0 OR debits_posted + debits_pending <= credits_posted),
  CHECK ((flags & 2) = 0 OR credits_posted + credits_pending <= debits_posted)
);
CREATE INDEX accounts_owner ON accounts (owner_ref);

CREATE TABLE transfers (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  debit_account_id INTEGER NOT NULL,
  credit_account_id INTEGER NOT NULL,
  amount INTEGER NOT NULL CHECK (amount >= 0),
  pending_id TEXT,
  ledger_id INTEGER NOT NULL,
  code INTEGER NOT NULL,
  flags INTEGER NOT NULL,
  timeout_seconds INTEGER NOT NULL,
  user_data TEXT,
  created_at_ms INTEGER NOT NULL,
  pending_status TEXT NOT NULL,
  expires_at_ms INTEGER,
  hash TEXT NOT NULL,
  debit_prev_seq INTEGER NOT NULL,
  credit_prev_seq INTEGER NOT NULL
);
CREATE INDEX transfers_expiring ON transfers (expires_at_ms) WHERE pending_status = 'pending' AND expires_at_ms IS NOT NULL;

CREATE TABLE transfer_failures (
  id TEXT PRIMARY KEY,
  pending_id TEXT,
  debit_account_id INTEGER NOT NULL,
  credit_account_id INTEGER NOT NULL,
  amount INTEGER NOT NULL,
  ledger_id INTEGER NOT NULL,
  code INTEGER NOT NULL,
  flags INTEGER NOT NULL,
  timeout_seconds INTEGER NOT NULL,
  user_data TEXT,
  result TEXT NOT NULL,
  created_at_ms INTEGER NOT NULL
);

CREATE TABLE journal_head (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  seq INTEGER NOT NULL,
  hash TEXT NOT NULL
);
INSERT INTO journal_head (id, seq, hash) VALUES (1, 0, '${'0'.repeat(64)}');
`;
