// The notifications API on every store, through Fastify's inject: pages newest first with their
// attempts, filters and limits, one event, resend, the public key, and another merchant's events.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { installErrorHandlers, sendError } from '../api/errors.js';
import { createManualClock, type ManualClock } from '../shared/clock.js';
import type { Store } from '../store/store.js';
import { testStores } from '../testing/stores.js';
import { enqueueEvent } from './outbox.js';
import { NOTIFICATION_PAGE_MAX } from './queries.js';
import { notificationRoutes } from './routes.js';
import { startTestReceiver, type TestReceiver } from './testing.js';
import { verifyWebhook } from './webhook-signature.js';
import { createNotifier, type Notifier } from './worker.js';

interface Harness {
  app: FastifyInstance;
  store: Store;
  clock: ManualClock;
  notifier: Notifier;
  receiver: TestReceiver;
  call(method: 'GET' | 'POST', url: string, merchantId?: string | null): Promise<{ status: number; body: any }>;
}

/** Stands in for the merchants' signed-request check: the merchant is whoever the header names. */
function buildApp(store: Store, notifier: Notifier): FastifyInstance {
  const app = Fastify({ ajv: { customOptions: { coerceTypes: false, removeAdditional: false } } });
  installErrorHandlers(app);
  void app.register(notificationRoutes, {
    prefix: '/v1',
    store,
    notifier,
    preHandler: async (request, reply) => {
      const merchantId = request.headers['x-test-merchant'];
      if (typeof merchantId !== 'string') return sendError(reply, 'unauthorized', 'sign the request');
    },
    merchantIdOf: (request) => String(request.headers['x-test-merchant']),
  });
  return app;
}

for (const storeKind of testStores) {
  describe(`notifications API on ${storeKind.name}`, { skip: storeKind.skip }, () => {
    const withHarness = (run: (h: Harness) => Promise<void>) => async () => {
      const database = await storeKind.create();
      const clock = createManualClock();
      const receiver = await startTestReceiver({ clock, otherwise: 'error' });
      const notifier = createNotifier({ store: database.store, clock, timeoutMs: 2_000 });
      const app = buildApp(database.store, notifier);
      const call: Harness['call'] = async (method, url, merchantId = 'mch_1') => {
        const headers = merchantId === null ? {} : { 'x-test-merchant': merchantId };
        const reply = await app.inject({ method, url, headers });
        return { status: reply.statusCode, body: reply.json() };
      };
      try {
        await run({ app, store: database.store, clock, notifier, receiver, call });
      } finally {
        await app.close();
        await receiver.close();
        await database.cleanup();
      }
    };

    const enqueue = async (h: Harness, merchantId: string, index: number) => {
      h.clock.advanceMs(1_000);
      return (
        await enqueueEvent(
          h.store.db,
          {
            merchantId,
            type: index % 2 === 0 ? 'trade.success' : 'refund.success',
            payload: { index },
            url: `${h.receiver.origin}/notify`,
            retryScheduleSeconds: [60],
          },
          h.clock,
        )
      ).id;
    };

    test(
      'pages newest first, with next_before, status filters and a maximum',
      withHarness(async (h) => {
        const ids: string[] = [];
        for (let index = 0; index < 25; index += 1) ids.push(await enqueue(h, 'mch_1', index));
        await enqueue(h, 'mch_2', 99);
        const newestFirst = [...ids].reverse();

        const first = await h.call('GET', '/v1/notifications');
        assert.equal(first.status, 200, JSON.stringify(first.body));
        assert.deepEqual(
          first.body.notifications.map((event: any) => event.id),
          newestFirst.slice(0, 20),
        );
        assert.equal(first.body.next_before, newestFirst[19]);
        const second = await h.call('GET', `/v1/notifications?before=${first.body.next_before}`);
        assert.deepEqual(
          second.body.notifications.map((event: any) => event.id),
          newestFirst.slice(20),
        );
        assert.equal(second.body.next_before, null);
        const small = await h.call('GET', '/v1/notifications?limit=5');
        assert.equal(small.body.notifications.length, 5);

        const event = first.body.notifications[0];
        assert.equal(event.type, 'trade.success');
        assert.equal(event.status, 'pending');
        assert.deepEqual(event.payload, { index: 24 });
        assert.equal(event.next_attempt_at, event.created_at);
        assert.deepEqual(event.attempts, []);

        // Three fail once and wait for their retry; delivering the rest leaves them pending.
        await h.notifier.runOnce(3);
        h.receiver.otherwise = 'ok';
        await h.notifier.runOnce();
        const pending = await h.call('GET', '/v1/notifications?status=pending&limit=100');
        assert.deepEqual(
          pending.body.notifications.map((event: any) => event.id),
          ids.slice(0, 3).reverse(),
        );
        assert.deepEqual(
          pending.body.notifications[0].attempts.map((attempt: any) => [
            attempt.number,
            attempt.outcome,
            attempt.http_status,
          ]),
          [[1, 'failed', 500]],
        );
        const delivered = await h.call('GET', `/v1/notifications?status=delivered&limit=${NOTIFICATION_PAGE_MAX}`);
        assert.equal(delivered.body.notifications.length, 22);
        assert.equal(delivered.body.notifications[0].attempts[0].outcome, 'acknowledged');

        for (const query of [
          `limit=${NOTIFICATION_PAGE_MAX + 1}`,
          'limit=0',
          'limit=ten',
          'status=lost',
          'colour=red',
        ]) {
          const refused = await h.call('GET', `/v1/notifications?${query}`);
          assert.equal(refused.status, 400, query);
          assert.equal(refused.body.error.code, 'invalid_request', query);
        }
        const otherCursor = (await h.call('GET', '/v1/notifications', 'mch_2')).body.notifications[0].id;
        const foreign = await h.call('GET', `/v1/notifications?before=${otherCursor}`);
        assert.equal(foreign.status, 400);
        assert.equal(foreign.body.error.field, 'querystring.before');
      }),
    );

    test(
      'one event, resend, and nothing of another merchant',
      withHarness(async (h) => {
        const id = await enqueue(h, 'mch_1', 0);
        await h.notifier.runOnce();
        const shown = await h.call('GET', `/v1/notifications/${id}`);
        assert.equal(shown.status, 200);
        assert.equal(shown.body.attempt_count, 1);
        assert.equal(shown.body.in_flight, false);
        assert.equal(shown.body.attempts[0].http_status, 500);
        assert.equal(Date.parse(shown.body.next_attempt_at) - Date.parse(shown.body.attempts[0].finished_at), 60_000);

        h.clock.advanceMs(60_000);
        await h.notifier.runOnce();
        const failed = await h.call('GET', `/v1/notifications/${id}`);
        assert.equal(failed.body.status, 'failed');
        assert.equal(failed.body.next_attempt_at, null);
        assert.equal(failed.body.completed_at, new Date(h.clock.nowMs()).toISOString());

        const resent = await h.call('POST', `/v1/notifications/${id}/resend`);
        assert.equal(resent.status, 202, JSON.stringify(resent.body));
        assert.equal(resent.body.status, 'pending');
        assert.equal(resent.body.next_attempt_at, new Date(h.clock.nowMs()).toISOString());
        h.receiver.otherwise = 'ok';
        await h.notifier.runOnce();
        const delivered = await h.call('GET', `/v1/notifications/${id}`);
        assert.equal(delivered.body.status, 'delivered');
        assert.deepEqual(
          delivered.body.attempts.map((attempt: any) => attempt.outcome),
          ['failed', 'failed', 'acknowledged'],
        );

        for (const [method, url] of [
          ['GET', `/v1/notifications/${id}`],
          ['POST', `/v1/notifications/${id}/resend`],
          ['GET', '/v1/notifications/evt_nope'],
        ] as const) {
          const hidden = await h.call(method, url, 'mch_2');
          assert.equal(hidden.status, 404, url);
          assert.equal(hidden.body.error.code, 'not_found');
        }
        assert.equal((await h.call('GET', '/v1/notifications', 'mch_2')).body.notifications.length, 0);
        assert.equal((await h.call('GET', '/v1/notifications', null)).status, 401);
      }),
    );

    test(
      'the public key verifies what the receiver got',
      withHarness(async (h) => {
        const id = await enqueue(h, 'mch_1', 0);
        h.receiver.otherwise = 'ok';
        await h.notifier.runOnce();
        const key = await h.call('GET', '/v1/notifications/public-key');
        assert.equal(key.status, 200);
        assert.equal(key.body.algorithm, 'ed25519');
        assert.match(key.body.public_key_pem, /^-----BEGIN PUBLIC KEY-----/);
        const [request] = h.receiver.requests;
        const verified = verifyWebhook({
          publicKey: key.body.public_key_pem,
          ...request!,
          nowMs: request!.receivedAtMs,
        });
        assert.ok(verified.ok && verified.value.eventId === id);
      }),
    );
  });
}
