// The delivery worker on every store, against a real HTTP receiver: retries exactly on schedule
// (a 500, a hang, a dropped connection, then a 200), signatures on every attempt, the end of the
// schedule, resend, racing workers, and a worker that stops mid-attempt.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createManualClock, type ManualClock } from '../shared/clock.js';
import { testStores, type TestDatabase } from '../testing/stores.js';
import { openStore, type Store } from '../store/store.js';
import type { FetchFunction } from './delivery.js';
import { enqueueEvent } from './outbox.js';
import { platformPublicKeyPem } from './platform-key.js';
import { ALIPAY_LIKE_RETRY_SECONDS } from './retry-schedules.js';
import { startTestReceiver, type ReceivedRequest, type ReceiverAnswer, type TestReceiver } from './testing.js';
import { verifyWebhook, WEBHOOK_HEADERS } from './webhook-signature.js';
import { createNotifier, LEASE_MARGIN_MS, startNotifier, type RunReport } from './worker.js';

const TIMEOUT_MS = 300;
const DAY_MS = 24 * 3600 * 1000;

interface Context {
  database: TestDatabase;
  store: Store;
  clock: ManualClock;
  receiver: TestReceiver;
}

async function enqueue(context: Context, schedule: readonly number[], overrides: { merchantId?: string } = {}) {
  return enqueueEvent(
    context.store.db,
    {
      merchantId: overrides.merchantId ?? 'mch_1',
      type: 'trade.success',
      payload: { out_trade_no: 'A-1', amount: 1250n, status: 'SUCCESS' },
      url: `${context.receiver.origin}/hooks/saoma?shop=1&lang=zh`,
      retryScheduleSeconds: schedule,
    },
    context.clock,
  );
}

async function eventRow(store: Store, id: string) {
  return store.db.selectFrom('outbox_events').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

async function attemptsOf(store: Store, id: string) {
  const rows = await store.db
    .selectFrom('delivery_attempts')
    .selectAll()
    .where('event_id', '=', id)
    .orderBy('attempt_number')
    .execute();
  return rows.map((row) => ({
    number: Number(row.attempt_number),
    startedAtMs: Number(row.started_at_ms),
    outcome: row.outcome,
    httpStatus: row.http_status === null ? null : Number(row.http_status),
    error: row.error,
    durationMs: row.duration_ms === null ? null : Number(row.duration_ms),
  }));
}

function counts(report: RunReport): Omit<RunReport, 'due'> {
  const { attempted, acknowledged, failed, gaveUp } = report;
  return { attempted, acknowledged, failed, gaveUp };
}

/** Every request: signed by the platform key over what was received, fresh, and for `eventId`. */
function assertAllVerify(requests: readonly ReceivedRequest[], publicKeyPem: string, eventId: string): void {
  for (const request of requests) {
    const verified = verifyWebhook({ publicKey: publicKeyPem, ...request, nowMs: request.receivedAtMs });
    assert.ok(verified.ok, JSON.stringify(verified));
    assert.equal(verified.value.eventId, eventId);
    assert.equal(request.headers[WEBHOOK_HEADERS.eventId.toLowerCase()], eventId);
  }
}

/** A fetch that blocks until released: a worker stuck mid-attempt (or a process that stopped). */
function stuckFetch() {
  let release!: () => void;
  let entered!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const enteredOnce = new Promise<void>((resolve) => (entered = resolve));
  const fetchImpl: FetchFunction = async () => {
    entered();
    await released;
    return new Response('late but fine', { status: 200 });
  };
  return { fetchImpl, entered: enteredOnce, release };
}

for (const storeKind of testStores) {
  describe(`notification delivery on ${storeKind.name}`, { skip: storeKind.skip }, () => {
    const withContext =
      (
        run: (context: Context) => Promise<void>,
        answers: { script?: ReceiverAnswer[]; otherwise?: ReceiverAnswer } = {},
      ) =>
      async () => {
        const database = await storeKind.create();
        const clock = createManualClock();
        const receiver = await startTestReceiver({ ...answers, clock });
        try {
          await run({ database, store: database.store, clock, receiver });
        } finally {
          await receiver.close();
          await database.cleanup();
        }
      };

    test(
      'a 500, a hang and a dropped connection, each retried exactly on schedule, then delivered once',
      withContext(
        async (context) => {
          const { store, clock, receiver } = context;
          const schedule = [60, 120, 300];
          const startMs = clock.nowMs();
          const { id } = await enqueue(context, schedule);
          assert.match(id, /^evt_[0-9a-z]{9}[A-Za-z0-9_-]{16}$/);
          const notifier = createNotifier({ store, clock, timeoutMs: TIMEOUT_MS });

          assert.deepEqual(counts(await notifier.runOnce()), { attempted: 1, acknowledged: 0, failed: 1, gaveUp: 0 });
          for (const [index, waitSeconds] of schedule.entries()) {
            clock.advanceMs(waitSeconds * 1000 - 1);
            assert.equal((await notifier.runOnce()).due, 0, `retry ${index + 1} is not a millisecond early`);
            assert.equal(receiver.requests.length, index + 1);
            clock.advanceMs(1);
            const report = await notifier.runOnce();
            assert.equal(report.attempted, 1, `retry ${index + 1} is made exactly ${waitSeconds} s after the failure`);
          }
          assert.equal((await eventRow(store, id)).status, 'delivered');
          assert.deepEqual(
            receiver.requests.map((request) => request.answer),
            ['error', 'hang', 'close', 'ok'],
          );

          const attempts = await attemptsOf(store, id);
          const startedAt = [0, 60, 180, 480].map((seconds) => startMs + seconds * 1000);
          assert.deepEqual(
            attempts.map(({ number, startedAtMs, outcome, httpStatus }) => ({
              number,
              startedAtMs,
              outcome,
              httpStatus,
            })),
            [
              { number: 1, startedAtMs: startedAt[0], outcome: 'failed', httpStatus: 500 },
              { number: 2, startedAtMs: startedAt[1], outcome: 'failed', httpStatus: null },
              { number: 3, startedAtMs: startedAt[2], outcome: 'failed', httpStatus: null },
              { number: 4, startedAtMs: startedAt[3], outcome: 'acknowledged', httpStatus: 200 },
            ],
          );
          assert.equal(attempts[1]!.error, `no answer within ${TIMEOUT_MS} ms`);
          assert.ok(
            attempts[1]!.durationMs! >= TIMEOUT_MS - 20,
            `the hang lasted the timeout (${attempts[1]!.durationMs})`,
          );
          assert.match(attempts[2]!.error!, /closed|socket|reset/i);
          assert.ok(attempts.every((attempt) => attempt.durationMs !== null && attempt.durationMs >= 0));

          // The same event, byte for byte, on every attempt; a fresh nonce and signature each time.
          const publicKeyPem = await platformPublicKeyPem(store);
          assertAllVerify(receiver.requests, publicKeyPem, id);
          assert.equal(new Set(receiver.requests.map((request) => request.body)).size, 1);
          assert.equal(new Set(receiver.requests.map((request) => request.headers['saoma-nonce'])).size, 4);
          const first = receiver.requests[0]!;
          assert.equal(first.method, 'POST');
          assert.equal(first.pathWithQuery, '/hooks/saoma?shop=1&lang=zh');
          assert.match(String(first.headers['content-type']), /^application\/json/);
          const body = JSON.parse(first.body);
          assert.deepEqual(body, {
            id,
            type: 'trade.success',
            created_at: new Date(startMs).toISOString(),
            merchant_id: 'mch_1',
            data: { out_trade_no: 'A-1', amount: '1250', status: 'SUCCESS' },
          });

          clock.advanceMs(30 * DAY_MS);
          assert.equal((await notifier.runOnce()).due, 0, 'a delivered event is not sent again');
          assert.equal(receiver.requests.length, 4);
        },
        { script: ['error', 'hang', 'close'], otherwise: 'ok' },
      ),
    );

    test(
      'an event that never succeeds is given up on after the last scheduled attempt; resend starts a new round',
      withContext(
        async (context) => {
          const { store, clock, receiver } = context;
          const { id } = await enqueue(context, ALIPAY_LIKE_RETRY_SECONDS);
          const notifier = createNotifier({ store, clock, timeoutMs: TIMEOUT_MS });
          assert.equal((await notifier.runOnce()).attempted, 1);
          let last: RunReport | null = null;
          for (const waitSeconds of ALIPAY_LIKE_RETRY_SECONDS) {
            clock.advanceMs(waitSeconds * 1000 - 1);
            assert.equal((await notifier.runOnce()).due, 0);
            clock.advanceMs(1);
            last = await notifier.runOnce();
            assert.equal(last.attempted, 1);
          }
          assert.deepEqual(counts(last!), { attempted: 1, acknowledged: 0, failed: 1, gaveUp: 1 });
          const failed = await eventRow(store, id);
          assert.equal(failed.status, 'failed');
          assert.equal(failed.next_attempt_at_ms, null);
          assert.equal(Number(failed.completed_at_ms), clock.nowMs());
          assert.equal(Number(failed.attempt_count), ALIPAY_LIKE_RETRY_SECONDS.length + 1);
          assert.equal(receiver.requests.length, 8);

          clock.advanceMs(30 * DAY_MS);
          assert.equal((await notifier.runOnce()).due, 0, 'a failed event is not tried again by itself');
          assert.equal(receiver.requests.length, 8);

          // The merchant fixed its endpoint and asks for the event again.
          receiver.otherwise = 'ok';
          assert.equal((await notifier.resend('mch_2', id)).ok, false, "another merchant's event does not exist");
          assert.equal((await notifier.resend('mch_1', 'evt_nope')).ok, false);
          const resent = await notifier.resend('mch_1', id);
          assert.ok(resent.ok);
          assert.equal(resent.value.status, 'pending');
          assert.equal(resent.value.nextAttemptAtMs, clock.nowMs());
          assert.deepEqual(counts(await notifier.runOnce()), { attempted: 1, acknowledged: 1, failed: 0, gaveUp: 0 });
          // Resending a delivered event works too: attempt numbers keep counting.
          assert.ok((await notifier.resend('mch_1', id)).ok);
          assert.equal((await notifier.runOnce()).acknowledged, 1);
          const attempts = await attemptsOf(store, id);
          assert.deepEqual(
            attempts.map((attempt) => attempt.number),
            [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
          );
          assert.deepEqual(
            attempts.slice(8).map((attempt) => attempt.outcome),
            ['acknowledged', 'acknowledged'],
          );
          assert.equal(receiver.requests.length, 10);
          assertAllVerify(receiver.requests, await platformPublicKeyPem(store), id);
        },
        { otherwise: 'error' },
      ),
    );

    test(
      'a failed attempt in a new round waits from the start of the schedule again',
      withContext(
        async (context) => {
          const { store, clock } = context;
          const { id } = await enqueue(context, [30, 90]);
          const notifier = createNotifier({ store, clock, timeoutMs: TIMEOUT_MS });
          await notifier.runOnce();
          clock.advanceMs(30_000);
          await notifier.runOnce();
          clock.advanceMs(90_000);
          assert.equal((await notifier.runOnce()).gaveUp, 1);
          assert.ok((await notifier.resend('mch_1', id)).ok);
          assert.equal((await notifier.runOnce()).failed, 1);
          const row = await eventRow(store, id);
          assert.equal(row.status, 'pending');
          assert.equal(Number(row.next_attempt_at_ms), clock.nowMs() + 30_000);
          assert.equal(Number(row.attempt_count), 4);
          assert.equal(Number(row.round_attempt_count), 1);
        },
        { otherwise: 'error' },
      ),
    );

    test(
      'two workers racing over the same due events never make one attempt twice',
      withContext(
        async (context) => {
          const { store, clock, receiver, database } = context;
          const ids = new Set<string>();
          for (let index = 0; index < 24; index += 1) ids.add((await enqueue(context, [60])).id);
          // A second connection (a second pool on PostgreSQL), as a second process would have.
          const otherStore = storeKind.name === 'sqlite-memory' ? store : await openStore(database.url);
          try {
            const first = createNotifier({ store, clock, concurrencyMax: 4, timeoutMs: 5_000 });
            const second = createNotifier({ store: otherStore, clock, concurrencyMax: 4, timeoutMs: 5_000 });
            const reports = await Promise.all([first.runOnce(), second.runOnce(), first.runOnce(), second.runOnce()]);
            assert.equal(
              reports.reduce((sum, report) => sum + report.attempted, 0),
              24,
              JSON.stringify(reports),
            );
            assert.equal(receiver.requests.length, 24);
            const delivered = receiver.requests.map((request) => String(request.headers['saoma-event-id']));
            assert.deepEqual(new Set(delivered), ids, 'each event exactly once');
            const attempts = await store.db.selectFrom('delivery_attempts').selectAll().execute();
            assert.equal(attempts.length, 24);
            assert.ok(
              attempts.every((attempt) => Number(attempt.attempt_number) === 1 && attempt.outcome === 'acknowledged'),
            );
            assert.equal((await second.runOnce()).due, 0);
          } finally {
            if (otherStore !== store) await otherStore.close();
          }
        },
        { otherwise: 'slow' },
      ),
    );

    test(
      'a worker stuck mid-attempt keeps its claim until the lease runs out; then the next attempt is made',
      withContext(async (context) => {
        const { store, clock, receiver } = context;
        const { id } = await enqueue(context, [60]);
        const stuck = stuckFetch();
        const timeoutMs = 1_000;
        const stuckNotifier = createNotifier({ store, clock, fetchImpl: stuck.fetchImpl, timeoutMs });
        const healthy = createNotifier({ store, clock, timeoutMs });
        const running = stuckNotifier.runOnce();
        await stuck.entered;

        assert.equal((await healthy.runOnce()).due, 0, 'claimed: nobody else sends it meanwhile');
        const shown = await healthy.show('mch_1', id);
        assert.ok(shown.ok && shown.value.inFlight && shown.value.attempts[0]!.outcome === 'sending');
        assert.ok((await healthy.resend('mch_1', id)).ok);
        assert.equal((await healthy.runOnce()).due, 0, 'a resend leaves an attempt in flight alone');

        clock.advanceMs(timeoutMs + LEASE_MARGIN_MS - 1);
        assert.equal((await healthy.runOnce()).due, 0);
        clock.advanceMs(1);
        assert.deepEqual(counts(await healthy.runOnce()), { attempted: 1, acknowledged: 1, failed: 0, gaveUp: 0 });
        assert.equal(receiver.requests.length, 1);
        assert.deepEqual(
          (await attemptsOf(store, id)).map((attempt) => attempt.outcome),
          ['abandoned', 'acknowledged'],
        );

        // The stuck worker wakes up: its answer is recorded, but it does not touch the event any more.
        stuck.release();
        await running;
        const row = await eventRow(store, id);
        assert.equal(row.status, 'delivered');
        assert.equal(Number(row.attempt_count), 2);
        assert.deepEqual(
          (await attemptsOf(store, id)).map((attempt) => attempt.outcome),
          ['acknowledged', 'acknowledged'],
        );
      }),
    );

    test(
      "when the round's last attempt is abandoned, the event is given up on once the lease runs out",
      withContext(async (context) => {
        const { store, clock } = context;
        const { id } = await enqueue(context, []);
        const stuck = stuckFetch();
        const stuckNotifier = createNotifier({ store, clock, fetchImpl: stuck.fetchImpl, timeoutMs: 1_000 });
        const healthy = createNotifier({ store, clock, timeoutMs: 1_000 });
        const running = stuckNotifier.runOnce();
        await stuck.entered;
        clock.advanceMs(1_000 + LEASE_MARGIN_MS);
        assert.deepEqual(counts(await healthy.runOnce()), { attempted: 0, acknowledged: 0, failed: 0, gaveUp: 1 });
        assert.equal((await eventRow(store, id)).status, 'failed');
        assert.deepEqual(
          (await attemptsOf(store, id)).map((attempt) => attempt.outcome),
          ['abandoned'],
        );
        // Its answer arrives after all: the merchant has the event, so it counts as delivered.
        stuck.release();
        await running;
        assert.equal((await eventRow(store, id)).status, 'delivered');
        assert.equal(context.receiver.requests.length, 0);
      }),
    );

    test(
      'a refused connection is a failed attempt with its reason',
      withContext(async (context) => {
        const { store, clock, receiver } = context;
        const url = `${receiver.origin}/gone`;
        await receiver.close();
        const { id } = await enqueueEvent(
          store.db,
          { merchantId: 'mch_1', type: 'refund.success', payload: {}, url, retryScheduleSeconds: [15] },
          clock,
        );
        const notifier = createNotifier({ store, clock, timeoutMs: 2_000 });
        assert.equal((await notifier.runOnce()).failed, 1);
        const [attempt] = await attemptsOf(store, id);
        assert.equal(attempt!.httpStatus, null);
        assert.match(attempt!.error!, /ECONNREFUSED/);
      }),
    );

    test(
      'startNotifier runs the worker on a timer and stop waits for the run in progress',
      withContext(async (context) => {
        const { store, clock, receiver } = context;
        await enqueue(context, [60]);
        const logged: string[] = [];
        const log = { info: (_: object, message: string) => logged.push(message), error: () => undefined };
        const loop = startNotifier(createNotifier({ store, clock, timeoutMs: TIMEOUT_MS }), { log, intervalMs: 5 });
        const report = await loop.runOnce();
        await loop.stop();
        assert.equal(receiver.requests.length, 1);
        assert.equal(report?.acknowledged, 1);
        assert.deepEqual(logged, ['notifier: delivery run']);
      }),
    );
  });
}
