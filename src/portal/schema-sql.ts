// Migration 8: the merchant portal's log-in — the merchant's operator users (phone or e-mail and
// a scrypt password hash) and their browser sessions (a random token kept as its SHA-256) — and
// two read indexes for the browser apps: a merchant's orders by creation time (the portal's order
// list) and paid orders by time (the console's payments-per-second figure). One text for both stores.
export const portalSchemaSql = `
CREATE TABLE portal_users (
  id text PRIMARY KEY,
  merchant_id text NOT NULL REFERENCES merchants (id),
  login text NOT NULL UNIQUE,
  name text NOT NULL,
  password_hash text NOT NULL,
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
  created_at_ms bigint NOT NULL,
  last_login_at_ms bigint
);
CREATE INDEX portal_users_by_merchant ON portal_users (merchant_id);

CREATE TABLE portal_sessions (
  token_hash text PRIMARY KEY,
  portal_user_id text NOT NULL REFERENCES portal_users (id),
  created_at_ms bigint NOT NULL,
  expires_at_ms bigint NOT NULL
);
CREATE INDEX portal_sessions_by_user ON portal_sessions (portal_user_id);

CREATE INDEX orders_by_merchant_created ON orders (merchant_id, created_at_ms);
CREATE INDEX orders_paid_by_time ON orders (paid_at_ms) WHERE paid_at_ms IS NOT NULL;
`;
