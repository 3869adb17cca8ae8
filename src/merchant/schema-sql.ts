// Migration 3: the merchant side — merchants with their stores, terminals and API apps (public
// keys for request signatures, webhook URLs), the nonces of signed requests, collection codes,
// orders, payment codes, refunds and settlements. One text for SQLite and PostgreSQL.
export const merchantsSchemaSql = `
CREATE TABLE merchants (
  id text PRIMARY KEY,
  provider_id text NOT NULL REFERENCES institutions (id),
  kind text NOT NULL CHECK (kind IN ('individual', 'business')),
  name text NOT NULL,
  mcc text NOT NULL,
  fee_rate_bps integer NOT NULL CHECK (fee_rate_bps >= 0 AND fee_rate_bps <= 10000),
  settlement_bank_account_id text NOT NULL REFERENCES bank_accounts (id),
  settlement_delay_days integer NOT NULL DEFAULT 1,
  pending_account_id bigint NOT NULL,
  available_account_id bigint NOT NULL,
  status text NOT NULL DEFAULT 'active',
  created_at_ms bigint NOT NULL
);

CREATE TABLE stores (
  id text PRIMARY KEY,
  merchant_id text NOT NULL REFERENCES merchants (id),
  name text NOT NULL,
  city text NOT NULL,
  created_at_ms bigint NOT NULL
);
CREATE INDEX stores_by_merchant ON stores (merchant_id);

CREATE TABLE terminals (
  id text PRIMARY KEY,
  store_id text NOT NULL REFERENCES stores (id),
  name text NOT NULL,
  created_at_ms bigint NOT NULL
);

CREATE TABLE merchant_apps (
  app_id text PRIMARY KEY,
  merchant_id text NOT NULL REFERENCES merchants (id),
  key_algorithm text NOT NULL CHECK (key_algorithm IN ('rsa', 'ed25519')),
  public_key_pem text NOT NULL,
  webhook_url text,
  created_at_ms bigint NOT NULL
);
CREATE INDEX merchant_apps_by_merchant ON merchant_apps (merchant_id);

CREATE TABLE request_nonces (
  app_id text NOT NULL,
  nonce text NOT NULL,
  seen_at_ms bigint NOT NULL,
  PRIMARY KEY (app_id, nonce)
);
CREATE INDEX request_nonces_by_age ON request_nonces (seen_at_ms);

CREATE TABLE collection_codes (
  code text PRIMARY KEY,
  kind text NOT NULL CHECK (kind IN ('static', 'order', 'personal')),
  merchant_id text REFERENCES merchants (id),
  store_id text REFERENCES stores (id),
  order_id text,
  user_id text REFERENCES users (id),
  created_at_ms bigint NOT NULL
);

CREATE TABLE orders (
  id text PRIMARY KEY,
  merchant_id text NOT NULL REFERENCES merchants (id),
  store_id text,
  terminal_id text,
  out_trade_no text NOT NULL,
  channel text NOT NULL,
  amount_fen bigint NOT NULL CHECK (amount_fen > 0),
  subject text NOT NULL,
  status text NOT NULL,
  payer_user_id text,
  code text,
  notify_url text,
  fee_fen bigint NOT NULL DEFAULT 0,
  refunded_fen bigint NOT NULL DEFAULT 0,
  close_reason text,
  created_at_ms bigint NOT NULL,
  expires_at_ms bigint NOT NULL,
  paid_at_ms bigint,
  settlement_id text,
  UNIQUE (merchant_id, out_trade_no)
);
CREATE INDEX orders_unsettled ON orders (merchant_id, paid_at_ms) WHERE settlement_id IS NULL AND paid_at_ms IS NOT NULL;
CREATE INDEX orders_open_by_expiry ON orders (status, expires_at_ms);
CREATE INDEX orders_by_merchant_paid ON orders (merchant_id, paid_at_ms);

CREATE TABLE payment_codes (
  code text PRIMARY KEY,
  user_id text NOT NULL REFERENCES users (id),
  device_id text NOT NULL,
  provider_id text NOT NULL,
  issued_at_ms bigint NOT NULL,
  expires_at_ms bigint NOT NULL,
  used_at_ms bigint,
  order_id text
);
CREATE INDEX payment_codes_by_user ON payment_codes (user_id, issued_at_ms);

CREATE TABLE refunds (
  id text PRIMARY KEY,
  order_id text NOT NULL REFERENCES orders (id),
  merchant_id text NOT NULL REFERENCES merchants (id),
  out_request_no text NOT NULL,
  amount_fen bigint NOT NULL CHECK (amount_fen > 0),
  fee_refund_fen bigint NOT NULL,
  reason text,
  status text NOT NULL,
  failure_code text,
  created_at_ms bigint NOT NULL,
  completed_at_ms bigint,
  settlement_id text,
  UNIQUE (merchant_id, out_request_no)
);
CREATE INDEX refunds_unsettled ON refunds (merchant_id, completed_at_ms) WHERE settlement_id IS NULL AND status = 'SUCCESS';
CREATE INDEX refunds_by_order ON refunds (order_id);

CREATE TABLE settlements (
  id text PRIMARY KEY,
  merchant_id text NOT NULL REFERENCES merchants (id),
  business_date text NOT NULL,
  gross_fen bigint NOT NULL,
  fee_fen bigint NOT NULL,
  refund_fen bigint NOT NULL,
  net_fen bigint NOT NULL,
  payment_count integer NOT NULL,
  refund_count integer NOT NULL,
  status text NOT NULL,
  created_at_ms bigint NOT NULL,
  paid_out_at_ms bigint
);
CREATE INDEX settlements_by_merchant ON settlements (merchant_id, business_date);
CREATE INDEX settlements_processing ON settlements (status) WHERE status = 'processing';
`;
