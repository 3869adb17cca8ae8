// The outbox on every store: an event is written with the change it announces or not at all
// (a Kysely transaction, a compiled batch), and bad input from the calling module is refused.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createManualClock } from '../shared/clock.js';
import { runAtomically } from '../store/atomic.js';
import type { Store } from '../store/store.js';
import { testStores } from '../testing/stores.js';
import {
  checkWebhookUrl,
  compileEnqueue,
  enqueueEvent,
  EVENT_BODY_BYTES_MAX,
  type OutboxEventInput,
} from './outbox.js';
import { WECHAT_LIKE_RETRY_SECONDS } from './retry-schedules.js';

const EVENT: OutboxEventInput = {
  merchantId: 'mch_1',
  type: 'trade.success',
  payload: { out_trade_no: 'A-1', amount: 1250n },
  url: 'https://merchant.example/hooks/saoma?shop=1',
  retryScheduleSeconds: WECHAT_LIKE_RETRY_SECONDS,
};

const eventCount = async (store: Store) =>
  Number(
    (
      await store.db
        .selectFrom('outbox_events')
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );

class Rollback extends Error {}

for (const storeKind of testStores) {
  describe(`outbox on ${storeKind.name}`, { skip: storeKind.skip }, () => {
    const withStore = (run: (store: Store) => Promise<void>) => async () => {
      const database = await storeKind.create();
      try {
        await run(database.store);
      } finally {
        await database.cleanup();
      }
    };

    test(
      'an event enqueued in a transaction that rolls back does not exist; one that commits does',
      withStore(async (store) => {
        const clock = createManualClock();
        let enqueuedId = '';
        await assert.rejects(
          store.db.transaction().execute(async (trx) => {
            enqueuedId = (await enqueueEvent(trx, EVENT, clock)).id;
            // The state change it announced fails after the event was written.
            throw new Rollback('the order could not be marked paid');
          }),
          Rollback,
        );
        assert.match(enqueuedId, /^evt_/);
        assert.equal(await eventCount(store), 0);

        const committed = await store.db.transaction().execute((trx) => enqueueEvent(trx, EVENT, clock));
        const row = await store.db.selectFrom('outbox_events').selectAll().executeTakeFirstOrThrow();
        assert.equal(row.id, committed.id);
        assert.equal(row.status, 'pending');
        assert.equal(Number(row.next_attempt_at_ms), clock.nowMs(), 'the first attempt is due at once');
        assert.equal(Number(row.attempt_count), 0);
        assert.deepEqual(JSON.parse(row.retry_schedule_seconds), WECHAT_LIKE_RETRY_SECONDS);
        assert.deepEqual(JSON.parse(row.body), {
          id: committed.id,
          type: 'trade.success',
          created_at: new Date(clock.nowMs()).toISOString(),
          merchant_id: 'mch_1',
          data: { out_trade_no: 'A-1', amount: '1250' },
        });
      }),
    );

    test(
      'compiled into a batch with the state change: nothing is written when the change does not happen',
      withStore(async (store) => {
        const clock = createManualClock();
        const noChange = store.db.updateTable('outbox_events').set({ type: 'x.y' }).where('id', '=', 'evt_none');
        const refused = compileEnqueue(store.db, EVENT, clock);
        assert.equal(
          await runAtomically(store, [{ query: noChange.compile(), mustChangeRow: true }, { query: refused.query }]),
          false,
        );
        assert.equal(await eventCount(store), 0);
        const written = compileEnqueue(store.db, EVENT, clock);
        assert.equal(await runAtomically(store, [{ query: written.query }]), true);
        const row = await store.db.selectFrom('outbox_events').select('id').executeTakeFirstOrThrow();
        assert.equal(row.id, written.id);
        assert.notEqual(written.id, refused.id, 'every event has its own id');
      }),
    );

    test(
      "a calling module's mistakes throw and write nothing",
      withStore(async (store) => {
        const clock = createManualClock();
        const bad: Partial<OutboxEventInput>[] = [
          { type: 'TradeSuccess' },
          { type: 'trade' },
          { merchantId: '' },
          { url: 'ftp://merchant.example/hook' },
          { url: 'https://user:secret@merchant.example/hook' },
          { url: '/relative' },
          { retryScheduleSeconds: [15, 0] },
          { retryScheduleSeconds: [1.5] },
          { retryScheduleSeconds: Array.from({ length: 33 }, () => 60) },
          { payload: [] as unknown as Record<string, unknown> },
          { payload: { text: 'x'.repeat(EVENT_BODY_BYTES_MAX) } },
        ];
        for (const change of bad) {
          await assert.rejects(enqueueEvent(store.db, { ...EVENT, ...change }, clock), JSON.stringify(change));
        }
        assert.equal(await eventCount(store), 0);
      }),
    );
  });
}

test('checkWebhookUrl takes absolute http(s) URLs without credentials or fragments', () => {
  assert.equal(checkWebhookUrl('https://shop.example/notify?x=1').ok, true);
  assert.equal(checkWebhookUrl('http://127.0.0.1:8080/notify').ok, true);
  for (const url of [
    'notify',
    'mailto:a@b.example',
    'https://a:b@shop.example/',
    'https://shop.example/#x',
    `https://shop.example/${'a'.repeat(2048)}`,
  ]) {
    const checked = checkWebhookUrl(url);
    assert.equal(checked.ok, false, url);
    assert.equal(!checked.ok && checked.error.code, 'invalid_webhook_url');
  }
});
