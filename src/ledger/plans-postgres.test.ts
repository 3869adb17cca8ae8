// The ledger's batch function on PostgreSQL keeps finding transfers by key once its table has
// grown past the size it had when the function's plans were first made (migration 10,
// plans-postgres.ts). The plans are read with auto_explain on the one connection the ledger
// uses, sent back to the test as notices.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type pg from 'pg';
import { testStores, type TestDatabase } from '../testing/stores.js';
import { openStore, type Store } from '../store/store.js';
import { createTestBook, type TestBook } from './testing.js';

const postgres = testStores.find((kind) => kind.name === 'postgres')!;

/** Transfers the table holds before the plans are read: some hundreds of pages. */
const GROWN_TRANSFERS = 6_000;
const GROWTH_BATCH = 500;

describe('the ledger function plans on PostgreSQL', { skip: postgres.skip }, () => {
  let database: TestDatabase;
  let store: Store;
  let book: TestBook;
  const plans: string[] = [];
  let explainError: unknown;

  before(async () => {
    database = await postgres.create();
    // One connection, so the plans PL/pgSQL keeps are those of every batch below.
    store = await openStore(database.url, { poolSize: 1 });
    store.pool!.on('connect', (client: pg.PoolClient) => {
      client.on('notice', (notice) => plans.push(notice.message ?? ''));
      client
        .query("LOAD 'auto_explain'; SET auto_explain.log_level = notice; SET auto_explain.log_nested_statements = on")
        .catch((error: unknown) => (explainError = error));
    });
    book = await createTestBook(store);
  });
  after(async () => {
    await book.closeAudited();
    await store.close();
    await database.cleanup();
  });

  test('after the transfers table grew, a batch reads transfers through their id index only', async () => {
    const payer = await book.openWallet(1_000_000_00n);
    const payee = await book.openAccount();
    // Small batches while the table is nearly empty: PL/pgSQL plans each statement for its
    // first calls and then keeps one generic plan, made for a table of a page or two.
    for (let call = 0; call < 8; call++) {
      const [result] = await book.ledger.transfer([book.transferRequest(`early-${call}`, payer, payee, 1n)]);
      assert.equal(result!.code, 'ok');
    }
    for (let start = 0; start < GROWN_TRANSFERS; start += GROWTH_BATCH) {
      const requests = Array.from({ length: GROWTH_BATCH }, (_, index) =>
        book.transferRequest(`grow-${start + index}`, payer, payee, 1n),
      );
      const results = await book.ledger.transfer(requests);
      assert.ok(results.every((result) => result.code === 'ok'));
    }

    plans.length = 0;
    await store.pool!.query('SET auto_explain.log_min_duration = 0');
    const [fresh, replayed] = await book.ledger.transfer([
      book.transferRequest('late-new', payer, payee, 1n),
      book.transferRequest('grow-42', payer, payee, 1n),
    ]);
    await store.pool!.query('SET auto_explain.log_min_duration = -1');
    assert.equal(fresh!.code, 'ok');
    assert.equal(replayed!.code, 'ok');
    assert.equal(replayed!.replayed, true, 'a known id is found');

    assert.equal(explainError, undefined, 'auto_explain (PostgreSQL contrib) loads for a superuser');
    const readingTransfers = plans.filter((plan) => /\bon transfers\b/.test(plan));
    assert.ok(readingTransfers.length >= 2, `the batch's look-ups by id were explained (${plans.length} plans)`);
    for (const plan of readingTransfers) {
      assert.doesNotMatch(plan, /Seq Scan on transfers\b/, `no statement reads every transfer:\n${plan}`);
    }
    assert.ok(
      readingTransfers.some((plan) => /Index (Only )?Scan using transfers_id_key on transfers\b/.test(plan)),
      'the ids are found through the index on transfers.id',
    );
  });
});
