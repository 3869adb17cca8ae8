// Query templates on every store: built once, run with new values each time, with the values the
// builder fixed kept in their places; a value that did not become a parameter is refused.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { testStores } from '../testing/stores.js';
import { runAtomically } from './atomic.js';
import { paramsOf, queryTemplate, type Param } from './templates.js';

type Nonce = { app_id: string; nonce: string; seen_at_ms: bigint };

const insertNonce = queryTemplate((db, p: Param<Nonce>) =>
  db
    .insertInto('request_nonces')
    .values(paramsOf(p, ['app_id', 'nonce', 'seen_at_ms']))
    .onConflict((conflict) => conflict.columns(['app_id', 'nonce']).doNothing()),
);

/** A fixed value (the app) between two named ones, and a list of fixed length. */
const noncesSeenBetween = queryTemplate((db, p: Param<{ fromMs: bigint; toMs: bigint; a: string; b: string }>) =>
  db
    .selectFrom('request_nonces')
    .select(['nonce', 'seen_at_ms'])
    .where('seen_at_ms', '>=', p('fromMs'))
    .where('app_id', '=', 'template-test')
    .where('seen_at_ms', '<', p('toMs'))
    .where('nonce', 'in', [p('a'), p('b')])
    .orderBy('nonce'),
);

for (const storeKind of testStores) {
  describe(`query templates on ${storeKind.name}`, { skip: storeKind.skip }, () => {
    test('one template runs with each call’s values, fixed values in place', async () => {
      const database = await storeKind.create();
      const { store } = database;
      try {
        for (const [nonce, seenAtMs] of [
          ['n1', 10n],
          ['n2', 20n],
          ['n3', 30n],
        ] as const) {
          const query = insertNonce.compile(store, { app_id: 'template-test', nonce, seen_at_ms: seenAtMs });
          assert.equal(await runAtomically(store, [{ query, mustChangeRow: true }]), true);
        }
        const again = insertNonce.compile(store, { app_id: 'template-test', nonce: 'n2', seen_at_ms: 99n });
        assert.equal(
          await runAtomically(store, [{ query: again, mustChangeRow: true }]),
          false,
          'a repeat changes nothing',
        );
        // Another app's nonce in range must not show: the fixed app id is really applied.
        await runAtomically(store, [
          { query: insertNonce.compile(store, { app_id: 'other-app', nonce: 'n1', seen_at_ms: 15n }) },
        ]);

        const rows = await noncesSeenBetween.all(store, { fromMs: 10n, toMs: 30n, a: 'n1', b: 'n2' });
        assert.deepEqual(
          rows.map((row) => [row.nonce, BigInt(row.seen_at_ms)]),
          [
            ['n1', 10n],
            ['n2', 20n],
          ],
        );
        const narrower = await noncesSeenBetween.first(store, { fromMs: 15n, toMs: 40n, a: 'n3', b: 'n1' });
        assert.deepEqual([narrower?.nonce, BigInt(narrower!.seen_at_ms)], ['n3', 30n]);
        assert.equal(await noncesSeenBetween.first(store, { fromMs: 0n, toMs: 5n, a: 'n1', b: 'n2' }), undefined);
      } finally {
        await database.cleanup();
      }
    });

    test('a value the builder did not turn into a parameter is refused when the template is first used', async () => {
      const database = await storeKind.create();
      try {
        // `p` used only to compute a literal: the query would silently keep the first value.
        const broken = queryTemplate((db, p: Param<{ limit: number }>) =>
          db
            .selectFrom('request_nonces')
            .select('nonce')
            .where('nonce', '=', String(p('limit')).length > 0 ? 'x' : 'y'),
        );
        await assert.rejects(broken.all(database.store, { limit: 1 }), /value limit did not become a parameter/);
      } finally {
        await database.cleanup();
      }
    });
  });
}
