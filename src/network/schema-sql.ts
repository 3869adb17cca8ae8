// Migration 2: the tables of the payer side — institution profiles, users, sessions and devices,
// bank records and linked cards, wallet operations (which carry their idempotency keys) and red
// packets. One text for both stores: every type here means the same in SQLite and PostgreSQL
// (SQLite gives `bigint` integer affinity), and booleans are 0/1 integers.
export const walletsSchemaSql = `
CREATE TABLE institution_profiles (
  institution_id text PRIMARY KEY REFERENCES institutions (id),
  profile text NOT NULL,
  updated_at_ms bigint NOT NULL
);

CREATE TABLE users (
  id text PRIMARY KEY,
  provider_id text NOT NULL REFERENCES institutions (id),
  phone text NOT NULL,
  password_hash text NOT NULL,
  pin_hash text,
  pin_failures integer NOT NULL DEFAULT 0,
  pin_locked_until_ms bigint,
  tier integer NOT NULL CHECK (tier IN (1, 2, 3)),
  real_name text,
  id_number_sealed text,
  id_number_index text,
  wallet_account_id bigint NOT NULL,
  status text NOT NULL DEFAULT 'active',
  created_at_ms bigint NOT NULL,
  UNIQUE (provider_id, phone)
);
CREATE INDEX users_by_id_number ON users (id_number_index);

CREATE TABLE devices (
  id text PRIMARY KEY,
  user_id text NOT NULL REFERENCES users (id),
  name text NOT NULL,
  created_at_ms bigint NOT NULL,
  last_seen_at_ms bigint NOT NULL
);
CREATE INDEX devices_by_user ON devices (user_id);

CREATE TABLE sessions (
  token_hash text PRIMARY KEY,
  user_id text NOT NULL REFERENCES users (id),
  device_id text NOT NULL REFERENCES devices (id),
  created_at_ms bigint NOT NULL,
  expires_at_ms bigint NOT NULL
);
CREATE INDEX sessions_by_device ON sessions (device_id);

CREATE TABLE bank_accounts (
  id text PRIMARY KEY,
  bank_id text NOT NULL REFERENCES institutions (id),
  kind text NOT NULL CHECK (kind IN ('debit', 'credit')),
  number_sealed text NOT NULL,
  number_index text NOT NULL UNIQUE,
  last4 text NOT NULL,
  holder_name text NOT NULL,
  holder_id_index text,
  phone text NOT NULL,
  ledger_account_id bigint NOT NULL,
  created_at_ms bigint NOT NULL
);

CREATE TABLE cards (
  id text PRIMARY KEY,
  user_id text NOT NULL REFERENCES users (id),
  bank_account_id text NOT NULL REFERENCES bank_accounts (id),
  created_at_ms bigint NOT NULL,
  unlinked_at_ms bigint
);
CREATE INDEX cards_by_user ON cards (user_id);
CREATE UNIQUE INDEX cards_linked_once ON cards (user_id, bank_account_id) WHERE unlinked_at_ms IS NULL;

CREATE TABLE wallet_operations (
  id text PRIMARY KEY,
  user_id text NOT NULL REFERENCES users (id),
  kind text NOT NULL,
  idempotency_key text NOT NULL,
  fingerprint text NOT NULL,
  amount_fen bigint NOT NULL,
  fee_fen bigint NOT NULL DEFAULT 0,
  quota_fen bigint NOT NULL DEFAULT 0,
  card_id text,
  counterparty_user_id text,
  note text,
  status text NOT NULL,
  failure_code text,
  failure_message text,
  created_at_ms bigint NOT NULL,
  completed_at_ms bigint,
  UNIQUE (user_id, kind, idempotency_key)
);

CREATE TABLE red_packets (
  id text PRIMARY KEY,
  sender_user_id text NOT NULL REFERENCES users (id),
  provider_id text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('single', 'lucky', 'equal')),
  total_fen bigint NOT NULL,
  share_count integer NOT NULL,
  recipient_user_id text,
  note text,
  idempotency_key text NOT NULL,
  fingerprint text NOT NULL,
  status text NOT NULL,
  failure_code text,
  failure_message text,
  created_at_ms bigint NOT NULL,
  expires_at_ms bigint NOT NULL,
  refunded_fen bigint,
  UNIQUE (sender_user_id, idempotency_key)
);
CREATE INDEX red_packets_due ON red_packets (status, expires_at_ms);

CREATE TABLE red_packet_shares (
  packet_id text NOT NULL REFERENCES red_packets (id),
  share_index integer NOT NULL,
  amount_fen bigint NOT NULL,
  claimed_by text,
  claimed_at_ms bigint,
  paid integer NOT NULL DEFAULT 0,
  PRIMARY KEY (packet_id, share_index),
  UNIQUE (packet_id, claimed_by)
);
-- The sweep looks for claimed shares whose payment was cut short; there are few, so a partial index.
CREATE INDEX red_packet_shares_unpaid ON red_packet_shares (claimed_at_ms) WHERE claimed_by IS NOT NULL AND paid = 0;
`;
