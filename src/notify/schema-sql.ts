// Migration 4: the notification outbox, one row per delivery attempt, and the platform's own
// webhook signing key. One text for SQLite and PostgreSQL (text, bigint and integer only).
//
// No foreign key to merchants: an event is history that outlives any change to the merchant's
// rows, and the outbox must never be the reason a state change cannot commit.
export const notifySchemaSql = `
CREATE TABLE platform_keys (
  purpose text PRIMARY KEY CHECK (purpose IN ('webhook_signing')),
  algorithm text NOT NULL CHECK (algorithm IN ('ed25519')),
  public_key_pem text NOT NULL,
  private_key_pem text NOT NULL,
  created_at_ms bigint NOT NULL
);

CREATE TABLE outbox_events (
  id text PRIMARY KEY,
  merchant_id text NOT NULL,
  type text NOT NULL,
  url text NOT NULL,
  body text NOT NULL,
  retry_schedule_seconds text NOT NULL,
  status text NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
  next_attempt_at_ms bigint,
  leased_until_ms bigint,
  attempt_count integer NOT NULL DEFAULT 0 CHECK (attempt_count >= 0),
  round_attempt_count integer NOT NULL DEFAULT 0 CHECK (round_attempt_count >= 0),
  created_at_ms bigint NOT NULL,
  completed_at_ms bigint,
  CHECK ((status = 'pending') = (next_attempt_at_ms IS NOT NULL)),
  CHECK (status = 'pending' OR leased_until_ms IS NULL),
  CHECK ((status = 'pending') = (completed_at_ms IS NULL))
);
CREATE INDEX outbox_events_due ON outbox_events (status, next_attempt_at_ms);
CREATE INDEX outbox_events_by_merchant ON outbox_events (merchant_id, created_at_ms, id);

CREATE TABLE delivery_attempts (
  event_id text NOT NULL REFERENCES outbox_events (id),
  attempt_number integer NOT NULL CHECK (attempt_number >= 1),
  started_at_ms bigint NOT NULL,
  outcome text NOT NULL CHECK (outcome IN ('sending', 'acknowledged', 'failed', 'abandoned')),
  http_status integer,
  error text,
  duration_ms integer,
  finished_at_ms bigint,
  PRIMARY KEY (event_id, attempt_number)
);
`;
