// Migrations: an older database upgrades to the current schema, and the indexes serve the queries
// that must not read every row ever made (SQLite's plans, read with EXPLAIN QUERY PLAN). The
// sweeps' and the static codes' queries are the code's own; the others are their shapes.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { CompiledQuery, Kysely } from 'kysely';
import { refundsInFlight } from '../acquiring/refunds.js';
import { insertPersonalCode, personalCodeOf } from '../acquiring/service.js';
import { unsettledPayment, unsettledRefund } from '../acquiring/settlement.js';
import { realNameUsersQuery, userSearchQuery } from '../console/queries.js';
import { expiredPendingTransfers } from '../ledger/service.js';
import { staticCodesQuery } from '../portal/queries.js';
import { testStores, type TestDatabase } from '../testing/stores.js';
import { migrate, MIGRATIONS, schemaVersion } from './migrations.js';
import type { Schema } from './schema.js';
import { openStore, type Store } from './store.js';

const sqlite = testStores.find((kind) => kind.name === 'sqlite-memory')!;

/** What SQLite plans for the query, one line per step. */
function planOf(store: Store, query: { sql: string; parameters: readonly unknown[] }): string {
  const steps = store
    .sqlite!.prepare(`EXPLAIN QUERY PLAN ${query.sql}`)
    .all(...query.parameters.map((value) => (typeof value === 'bigint' ? value : (value as string)))) as {
    detail: string;
  }[];
  return steps.map((step) => step.detail).join(' | ');
}

// Settlement's claim with the code's own conditions (src/acquiring/settlement.ts); the shapes of
// its totals, the bills' and the takings' queries (src/reports/trade-bill.ts,
// src/portal/queries.ts), the personal code's (src/acquiring/service.ts) and the users'
// (src/identity/service.ts).
const unsettledPayments = (db: Kysely<Schema>) =>
  db.selectFrom('orders').select('id').where(unsettledPayment('m1', 1_000n)).limit(1).compile();
const claimPayments = (db: Kysely<Schema>) =>
  db.updateTable('orders').set({ settlement_id: 'se_1' }).where(unsettledPayment('m1', 1_000n)).compile();
const unsettledRefunds = (db: Kysely<Schema>) =>
  db.selectFrom('refunds').select('id').where(unsettledRefund('m1', 1_000n)).limit(1).compile();
const settledPayments = (db: Kysely<Schema>) =>
  db
    .selectFrom('orders')
    .select((eb) => eb.fn.sum<bigint>('amount_fen').as('gross'))
    .where('settlement_id', '=', 'se_1')
    .compile();
const settledRefunds = (db: Kysely<Schema>) =>
  db
    .selectFrom('refunds')
    .select((eb) => eb.fn.sum<bigint>('amount_fen').as('refunded'))
    .where('settlement_id', '=', 'se_1')
    .compile();
const paidBetween = (db: Kysely<Schema>) =>
  db
    .selectFrom('orders')
    .selectAll()
    .where('merchant_id', '=', 'm1')
    .where('paid_at_ms', '>=', 0n)
    .where('paid_at_ms', '<', 1_000n)
    .orderBy('paid_at_ms')
    .compile();

const userByPhone = (db: Kysely<Schema>) =>
  db.selectFrom('users').selectAll().where('phone', '=', '13800000000').limit(2).compile();
const userByWalletAccount = (db: Kysely<Schema>) =>
  db.selectFrom('users').selectAll().where('wallet_account_id', '=', 1n).compile();
// src/merchant/service.ts's list.
const newestMerchants = (db: Kysely<Schema>) =>
  db.selectFrom('merchants').selectAll().orderBy('created_at_ms', 'desc').limit(20).compile();

describe('migrations', () => {
  test('a database at version 8 upgrades to the current schema, once', async () => {
    const store = await openStore('sqlite::memory:');
    try {
      const db = store.sqlite!;
      db.exec(
        'CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at_ms bigint NOT NULL)',
      );
      for (const migration of MIGRATIONS.filter((each) => each.version <= 8)) {
        db.exec(migration.sqlite);
        db.prepare('INSERT INTO schema_migrations VALUES (?, ?, 0)').run(migration.version, migration.name);
      }
      const before = db
        .prepare("SELECT sql FROM sqlite_master WHERE name = 'orders_by_merchant_paid'")
        .pluck()
        .get() as string;
      assert.doesNotMatch(before, /WHERE/);

      const report = await migrate(store);
      assert.deepEqual(report.applied, [
        { version: 9, name: 'indexes' },
        { version: 10, name: 'ledger-plans' },
      ]);
      assert.equal(await schemaVersion(store), MIGRATIONS.at(-1)!.version);
      const after = db.prepare("SELECT sql FROM sqlite_master WHERE name = 'orders_by_merchant_paid'").pluck().get();
      assert.match(after as string, /WHERE paid_at_ms IS NOT NULL/);
      assert.deepEqual((await migrate(store)).applied, [], 'nothing left to apply');
    } finally {
      await store.close();
    }
  });

  describe('plans on a migrated database', () => {
    let database: TestDatabase;
    let db: Kysely<Schema>;
    const plan = (query: CompiledQuery) => planOf(database.store, query);
    before(async () => {
      database = await sqlite.create();
      db = database.store.db;
    });
    after(() => database.cleanup());

    test('the sweeps, codes and users are found through their indexes', () => {
      const plans = {
        expiredPending: plan(expiredPendingTransfers(db, 1_000n, 10).compile()),
        refundsInFlight: plan(refundsInFlight(db, 1_000n, 10).compile()),
        staticCodes: plan(staticCodesQuery(db, 'm1', 10).compile()),
        personalCode: plan(personalCodeOf(db, 'u1').compile()),
        personalCodeInsert: plan(insertPersonalCode(db, 'u1', 'p1', 0n)),
        userByPhone: plan(userByPhone(db)),
        userByWalletAccount: plan(userByWalletAccount(db)),
      };
      assert.match(plans.expiredPending, /USING INDEX transfers_expiring \(expires_at_ms>\? AND expires_at_ms<\?\)/);
      assert.match(plans.refundsInFlight, /USING INDEX refunds_in_flight \(created_at_ms<\?\)/);
      assert.match(plans.staticCodes, /USING INDEX collection_codes_static \(merchant_id=\?\)/);
      assert.match(plans.personalCode, /USING INDEX collection_codes_by_user \(user_id=\?\)/);
      assert.match(plans.personalCodeInsert, /USING INDEX collection_codes_by_user \(user_id=\?\)/);
      assert.match(plans.userByPhone, /USING INDEX users_by_phone \(phone=\?\)/);
      assert.match(plans.userByWalletAccount, /USING INDEX users_by_wallet_account \(wallet_account_id=\?\)/);
      for (const [name, steps] of Object.entries(plans)) {
        // A select without FROM (the insert's one row of values) is a SCAN CONSTANT ROW: no table.
        assert.doesNotMatch(
          steps,
          /\bSCAN\b(?! CONSTANT ROW)|TEMP B-TREE/,
          `${name} reads no whole table and sorts nothing`,
        );
      }
    });

    test("the console's newest-first lists read their index in order and seek to a page's cursor", () => {
      // A first page walks the index from its newest end and stops at the limit: no sort, no table.
      assert.equal(plan(realNameUsersQuery(db, { limit: 20 }).compile()), 'SCAN users USING INDEX users_real_named');
      assert.equal(plan(newestMerchants(db)), 'SCAN merchants USING INDEX merchants_by_creation');
      assert.equal(
        plan(realNameUsersQuery(db, { limit: 20, before: { createdAtMs: 5n, id: 'u_5' } }).compile()),
        'SEARCH users USING INDEX users_real_named ((created_at_ms,id)<(?,?))',
      );
    });

    test("the console's search by phone reads the phone index, not every user", () => {
      const steps = plan(userSearchQuery(db, '13800').compile());
      assert.match(steps, /USING INDEX users_by_phone \(phone>\? AND phone<\?\)/);
      assert.doesNotMatch(steps, /SCAN users/);
    });

    test('settlement reads only unsettled payments and what it claimed; bills read the day asked for', () => {
      assert.match(plan(unsettledPayments(db)), /USING INDEX orders_unsettled \(merchant_id=\? AND paid_at_ms<\?\)/);
      assert.match(plan(claimPayments(db)), /USING INDEX orders_unsettled \(merchant_id=\? AND paid_at_ms<\?\)/);
      assert.match(plan(settledPayments(db)), /USING INDEX orders_by_settlement \(settlement_id=\?\)/);
      assert.match(plan(settledRefunds(db)), /USING INDEX refunds_by_settlement \(settlement_id=\?\)/);
      assert.match(
        plan(unsettledRefunds(db)),
        /USING INDEX refunds_unsettled \(merchant_id=\? AND completed_at_ms<\?\)/,
      );
      assert.match(
        plan(paidBetween(db)),
        /USING INDEX orders_by_merchant_paid \(merchant_id=\? AND paid_at_ms>\? AND paid_at_ms<\?\)/,
      );
      for (const query of [
        unsettledPayments,
        claimPayments,
        unsettledRefunds,
        settledPayments,
        settledRefunds,
        paidBetween,
      ]) {
        assert.doesNotMatch(plan(query(db)), /\bSCAN\b/, 'no query reads a whole table');
      }
    });
  });
});
