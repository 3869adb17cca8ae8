// Write units on every store: many at once (so that they share a batch — the SQLite write
// thread's transaction, or a PostgreSQL batch), each all-or-nothing on its own. A unit whose
// later guard fails leaves nothing behind, a unit that breaks a constraint throws without taking
// its neighbours with it, and RETURNING rows come back.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { sql } from 'kysely';
import { createLedgerService } from '../ledger/service.js';
import { systemClock } from '../shared/clock.js';
import { testStores } from '../testing/stores.js';
import { runAtomically, runUnit } from './atomic.js';
import type { Store } from './store.js';

const insertNonce = (store: Store, nonce: string) =>
  store.db
    .insertInto('request_nonces')
    .values({ app_id: 'unit-test', nonce, seen_at_ms: 1n })
    .onConflict((conflict) => conflict.columns(['app_id', 'nonce']).doNothing())
    .compile();

const nonces = async (store: Store) =>
  (await store.db.selectFrom('request_nonces').select('nonce').where('app_id', '=', 'unit-test').execute())
    .map((row) => row.nonce)
    .sort();

for (const storeKind of testStores) {
  describe(`write units on ${storeKind.name}`, { skip: storeKind.skip }, () => {
    test('units sent together commit or fail each on its own', async () => {
      const database = await storeKind.create();
      // The ledger's write thread (SQLite files) is what carries units there.
      const ledger = createLedgerService({ store: database.store, clock: systemClock });
      const { store } = database;
      try {
        assert.equal(await runAtomically(store, [{ query: insertNonce(store, 'before'), mustChangeRow: true }]), true);
        const guardFails = runAtomically(store, [
          { query: insertNonce(store, 'undone') },
          {
            query: store.db
              .updateTable('request_nonces')
              .set({ seen_at_ms: 2n })
              .where('app_id', '=', 'none')
              .compile(),
            mustChangeRow: true,
          },
        ]);
        const violates = runAtomically(store, [
          { query: insertNonce(store, 'violating-unit') },
          {
            query: sql`INSERT INTO request_nonces (app_id, nonce, seen_at_ms) VALUES (NULL, 'x', 1)`.compile(store.db),
          },
        ]);
        const repeated = runAtomically(store, [{ query: insertNonce(store, 'before'), mustChangeRow: true }]);
        const fresh = Array.from({ length: 20 }, (_, index) =>
          runAtomically(store, [
            { query: insertNonce(store, `n${String(index).padStart(2, '0')}`), mustChangeRow: true },
          ]),
        );
        const returning = runUnit(store, [
          {
            query: store.db
              .updateTable('request_nonces')
              .set({ seen_at_ms: 7n })
              .where('app_id', '=', 'unit-test')
              .where('nonce', '=', 'before')
              .returning(['nonce', 'seen_at_ms'])
              .compile(),
            mustChangeRow: true,
          },
        ]);
        const [guardResult, violation, repeatResult, freshResults, returned] = await Promise.allSettled([
          guardFails,
          violates,
          repeated,
          Promise.all(fresh),
          returning,
        ]);
        assert.deepEqual(guardResult, { status: 'fulfilled', value: false });
        assert.equal(violation.status, 'rejected', 'a broken constraint throws');
        assert.deepEqual(repeatResult, { status: 'fulfilled', value: false }, 'a nonce is taken once');
        assert.deepEqual(freshResults, { status: 'fulfilled', value: Array(20).fill(true) });
        assert.equal(returned.status, 'fulfilled');
        const outcome = (returned as PromiseFulfilledResult<Awaited<typeof returning>>).value!;
        assert.deepEqual(
          outcome[0]!.rows.map((row) => [row.nonce, BigInt(row.seen_at_ms as bigint)]),
          [['before', 7n]],
        );
        const expected = ['before', ...Array.from({ length: 20 }, (_, index) => `n${String(index).padStart(2, '0')}`)];
        assert.deepEqual(await nonces(store), expected.sort(), 'neither the undone nor the violating unit left a row');
      } finally {
        await ledger.close();
        await database.cleanup();
      }
    });

    test("a later guard that fails undoes its unit's earlier rows, not its neighbours'", async () => {
      // No error among them: on PostgreSQL the undo itself sends the batch one by one.
      const database = await storeKind.create();
      const ledger = createLedgerService({ store: database.store, clock: systemClock });
      const { store } = database;
      try {
        const nothingToUpdate = {
          query: store.db.updateTable('request_nonces').set({ seen_at_ms: 2n }).where('app_id', '=', 'none').compile(),
          mustChangeRow: true,
        };
        const results = await Promise.all([
          ...Array.from({ length: 10 }, (_, index) =>
            runAtomically(store, [{ query: insertNonce(store, `a${index}`), mustChangeRow: true }]),
          ),
          runAtomically(store, [{ query: insertNonce(store, 'undone'), mustChangeRow: true }, nothingToUpdate]),
          runAtomically(store, [nothingToUpdate, { query: insertNonce(store, 'never-reached') }]),
          ...Array.from({ length: 10 }, (_, index) =>
            runAtomically(store, [{ query: insertNonce(store, `b${index}`), mustChangeRow: true }]),
          ),
        ]);
        assert.deepEqual(results, [...Array(10).fill(true), false, false, ...Array(10).fill(true)]);
        const expected = Array.from({ length: 10 }, (_, index) => [`a${index}`, `b${index}`]).flat();
        assert.deepEqual(await nonces(store), expected.sort());
      } finally {
        await ledger.close();
        await database.cleanup();
      }
    });
  });
}
