// Migration 9: indexes for a network that has run a while, found by reading the plan of every
// statement the test suites prepare (EXPLAIN QUERY PLAN) and looking for whole-table reads.
// One text for SQLite and PostgreSQL. src/store/migrations.test.ts checks the plans. (A partial
// index serves a query whose bound values imply its WHERE: SQLite plans such a statement again
// with the values bound, PostgreSQL plans each unnamed statement with its values.)
//
// - A merchant's orders by payment time hold paid orders only. Every order used to enter this
//   index unpaid, as (merchant, NULL), and move when paid: two index writes per payment for
//   entries no query reads (bills, takings and settlement ask for a range of payment times,
//   which SQLite and PostgreSQL both know excludes NULL).
// - orders_unsettled is made again after it, unchanged: the two now have the same columns and
//   both match settlement's query, and SQLite, which keeps no statistics here, breaks such a tie
//   for the index made last. Settlement must read the unsettled orders only, not every payment
//   the merchant ever took.
// - Settlement totals what it claimed by settlement id: that read every order and refund ever
//   made, once per merchant per run. Only settled rows enter these indexes, at settlement.
// - The sweep for refunds cut short (a crash) read every refund, every time it ran.
// - A merchant's static codes and a user's personal receive code were found by reading every
//   collection code, one per QR order ever made. Order codes enter neither index.
// - Logging in by phone number alone read every user (the unique index leads with the
//   provider); a statement line's counterparty, found by wallet account, read every user too.
// - The console's lists of users who gave their real name and of merchants, newest first, read
//   and sorted every user (every merchant) for each page.
export const indexesSql = `
DROP INDEX orders_by_merchant_paid;
CREATE INDEX orders_by_merchant_paid ON orders (merchant_id, paid_at_ms) WHERE paid_at_ms IS NOT NULL;
DROP INDEX orders_unsettled;
CREATE INDEX orders_unsettled ON orders (merchant_id, paid_at_ms) WHERE settlement_id IS NULL AND paid_at_ms IS NOT NULL;
CREATE INDEX orders_by_settlement ON orders (settlement_id) WHERE settlement_id IS NOT NULL;
CREATE INDEX refunds_by_settlement ON refunds (settlement_id) WHERE settlement_id IS NOT NULL;
CREATE INDEX refunds_in_flight ON refunds (created_at_ms) WHERE status = 'PROCESSING';
CREATE INDEX collection_codes_static ON collection_codes (merchant_id, created_at_ms) WHERE kind = 'static';
CREATE INDEX collection_codes_by_user ON collection_codes (user_id) WHERE user_id IS NOT NULL;
CREATE INDEX users_by_phone ON users (phone);
CREATE UNIQUE INDEX users_by_wallet_account ON users (wallet_account_id);
CREATE INDEX users_real_named ON users (created_at_ms, id) WHERE real_name IS NOT NULL;
CREATE INDEX merchants_by_creation ON merchants (created_at_ms);
`;
