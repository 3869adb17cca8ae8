// Signed merchant requests through a small Fastify app on every store: real RSA-2048 and Ed25519
// keys, the raw body, replays (one after another and racing), the clock window and every refusal.
import assert from 'node:assert/strict';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { describe, test } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { installErrorHandlers } from '../api/errors.js';
import { createManualClock, type ManualClock } from '../shared/clock.js';
import type { Store } from '../store/store.js';
import { testStores, type TestDatabase } from '../testing/stores.js';
import { merchantAppOf, merchantAuth, purgeExpiredNonces, registerSignedJson } from './auth.js';
import { CLOCK_SKEW_MAX_MS, NONCE_RETENTION_MS, parsePublicKey, signRequest } from './signature.js';

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ed25519 = generateKeyPairSync('ed25519');
const stranger = generateKeyPairSync('ed25519');
const RSA_APP = 'app_rsa_1';
const ED25519_APP = 'app_ed25519_1';
const MERCHANT_ID = 'merchant-1';
const SECOND_MS = 1000;

interface Harness {
  app: FastifyInstance;
  store: Store;
  clock: ManualClock;
  send(request: SignedRequest): Promise<{ status: number; body: any }>;
}

interface SignedRequest {
  method: 'GET' | 'POST';
  url: string;
  body?: string;
  appId?: string;
  privateKey?: KeyObject;
  /** When the client signed; the clock's time by default. */
  timestampMs?: number;
  nonce?: string;
  /** Replaces (or, with undefined, removes) signed headers before sending. */
  headers?: Record<string, string | undefined>;
  /** The request as sent, when it differs from what was signed. */
  sentUrl?: string;
  sentBody?: string;
}

/** The parents a merchant row needs (an institution and a settlement bank account), then the apps. */
async function insertMerchantWithApps(store: Store, nowMs: number): Promise<void> {
  const createdAtMs = BigInt(nowMs);
  await store.db
    .insertInto('institutions')
    .values({ id: 'test-provider', name: 'Test Provider', kind: 'provider', created_at_ms: createdAtMs })
    .execute();
  await store.db
    .insertInto('bank_accounts')
    .values({
      id: 'settlement-1',
      bank_id: 'test-provider',
      kind: 'debit',
      number_sealed: 'sealed',
      number_index: 'index-1',
      last4: '0001',
      holder_name: 'Test Shop',
      holder_id_index: null,
      phone: '13800000000',
      ledger_account_id: 1n,
      created_at_ms: createdAtMs,
    })
    .execute();
  await store.db
    .insertInto('merchants')
    .values({
      id: MERCHANT_ID,
      provider_id: 'test-provider',
      kind: 'business',
      name: 'Test Shop',
      mcc: '5812',
      fee_rate_bps: 60,
      settlement_bank_account_id: 'settlement-1',
      pending_account_id: 2n,
      available_account_id: 3n,
      created_at_ms: createdAtMs,
    })
    .execute();
  for (const [appId, publicKey] of [
    [RSA_APP, rsa.publicKey],
    [ED25519_APP, ed25519.publicKey],
  ] as const) {
    const parsed = parsePublicKey(publicKey.export({ format: 'pem', type: 'spki' }).toString());
    assert.ok(parsed.ok);
    await store.db
      .insertInto('merchant_apps')
      .values({
        app_id: appId,
        merchant_id: MERCHANT_ID,
        key_algorithm: parsed.value.algorithm,
        public_key_pem: parsed.value.pem,
        webhook_url: null,
        created_at_ms: createdAtMs,
      })
      .execute();
  }
}

/** The server's settings that matter here: no coercion, unknown fields refused. */
function buildApp(store: Store, clock: ManualClock): FastifyInstance {
  const app = Fastify({ logger: false, ajv: { customOptions: { coerceTypes: false, removeAdditional: false } } });
  installErrorHandlers(app);
  const authenticate = merchantAuth({ store, clock });
  app.register(
    async (merchantApi) => {
      registerSignedJson(merchantApi);
      const schema = {
        body: {
          type: 'object',
          required: ['amount_fen'],
          additionalProperties: false,
          properties: { amount_fen: { type: 'string' }, subject: { type: 'string' } },
        },
      };
      merchantApi.post('/orders', { schema, preValidation: authenticate }, async (request) => ({
        app: merchantAppOf(request),
        body: request.body,
      }));
      merchantApi.get('/orders', { preHandler: authenticate }, async (request) => ({
        app: merchantAppOf(request),
        query: request.query,
      }));
    },
    { prefix: '/v1/merchant' },
  );
  // A mistake to guard against: the auth on a route whose plugin lost the raw body.
  app.post('/v1/unprepared', { preHandler: authenticate }, async () => ({ accepted: true }));
  return app;
}

async function withHarness(create: () => Promise<TestDatabase>, run: (h: Harness) => Promise<void>) {
  const database = await create();
  const clock = createManualClock();
  try {
    await insertMerchantWithApps(database.store, clock.nowMs());
    const app = buildApp(database.store, clock);
    try {
      await run({ app, store: database.store, clock, send: (request) => send(app, clock, request) });
    } finally {
      await app.close();
    }
  } finally {
    await database.cleanup();
  }
}

async function send(app: FastifyInstance, clock: ManualClock, request: SignedRequest) {
  const signed = signRequest({
    appId: request.appId ?? ED25519_APP,
    privateKeyPem: request.privateKey ?? ed25519.privateKey,
    method: request.method,
    pathWithQuery: request.url,
    body: request.body,
    timestampMs: request.timestampMs ?? clock.nowMs(),
    nonce: request.nonce,
  });
  const headers: Record<string, string> = request.body === undefined ? {} : { 'content-type': 'application/json' };
  for (const [name, value] of Object.entries({ ...signed, ...request.headers })) {
    if (value !== undefined) headers[name] = value;
  }
  const reply = await app.inject({
    method: request.method,
    url: request.sentUrl ?? request.url,
    headers,
    payload: request.sentBody ?? request.body,
  });
  return { status: reply.statusCode, body: reply.body === '' ? null : JSON.parse(reply.body) };
}

const refusedWith = (reply: { status: number; body: any }, status: number, code: string, message?: RegExp) => {
  assert.equal(reply.status, status, JSON.stringify(reply.body));
  assert.equal(reply.body.error.code, code);
  if (message) assert.match(reply.body.error.message, message);
};

const ORDER = '{"amount_fen":"1250","subject":"咖啡"}';

for (const storeKind of testStores) {
  describe(`signed merchant requests on ${storeKind.name}`, { skip: storeKind.skip }, () => {
    const it = (name: string, run: (h: Harness) => Promise<void>) =>
      test(name, () => withHarness(() => storeKind.create(), run));

    it('an RSA-2048 and an Ed25519 app are each accepted and named to the handler', async (h) => {
      for (const [appId, privateKey] of [
        [RSA_APP, rsa.privateKey],
        [ED25519_APP, ed25519.privateKey],
      ] as const) {
        const reply = await h.send({ method: 'POST', url: '/v1/merchant/orders', body: ORDER, appId, privateKey });
        assert.equal(reply.status, 200, JSON.stringify(reply.body));
        assert.deepEqual(reply.body, {
          app: { appId, merchantId: MERCHANT_ID },
          body: { amount_fen: '1250', subject: '咖啡' },
        });
      }
      const nonces = await h.store.db.selectFrom('request_nonces').select(['app_id', 'seen_at_ms']).execute();
      assert.deepEqual(nonces.map((row) => [row.app_id, row.seen_at_ms]).sort(), [
        [ED25519_APP, BigInt(h.clock.nowMs())],
        [RSA_APP, BigInt(h.clock.nowMs())],
      ]);
    });

    it('a GET with a query string signs the path with its query, as sent', async (h) => {
      const url = '/v1/merchant/orders?out_trade_no=A%2F1&limit=10';
      const reply = await h.send({ method: 'GET', url, appId: RSA_APP, privateKey: rsa.privateKey });
      assert.equal(reply.status, 200, JSON.stringify(reply.body));
      assert.deepEqual(reply.body.query, { out_trade_no: 'A/1', limit: '10' });
      const reordered = await h.send({
        method: 'GET',
        url,
        sentUrl: '/v1/merchant/orders?limit=10&out_trade_no=A%2F1',
      });
      refusedWith(reordered, 401, 'signature_invalid');
    });

    it('another key, a changed body, path or query are refused as a bad signature', async (h) => {
      const wrongKey = await h.send({
        method: 'POST',
        url: '/v1/merchant/orders',
        body: ORDER,
        privateKey: stranger.privateKey,
      });
      refusedWith(wrongKey, 401, 'signature_invalid', /does not match the request for app app_ed25519_1's ed25519 key/);
      assert.match(wrongKey.body.error.details.signed_string, /^POST\n\/v1\/merchant\/orders\napp_ed25519_1\n/);
      const otherAppsKey = await h.send({ method: 'POST', url: '/v1/merchant/orders', body: ORDER, appId: RSA_APP });
      refusedWith(otherAppsKey, 401, 'signature_invalid');
      const changedBody = await h.send({
        method: 'POST',
        url: '/v1/merchant/orders',
        body: ORDER,
        sentBody: ORDER.replace('1250', '9250'),
      });
      refusedWith(changedBody, 401, 'signature_invalid');
      // The same JSON in other bytes is another body: the signature covers bytes, not meaning.
      const respaced = await h.send({
        method: 'POST',
        url: '/v1/merchant/orders',
        body: ORDER,
        sentBody: ORDER.replace(',', ', '),
      });
      refusedWith(respaced, 401, 'signature_invalid');
      const changedQuery = await h.send({
        method: 'GET',
        url: '/v1/merchant/orders?limit=10',
        sentUrl: '/v1/merchant/orders?limit=11',
      });
      refusedWith(changedQuery, 401, 'signature_invalid');
      const addedQuery = await h.send({
        method: 'GET',
        url: '/v1/merchant/orders',
        sentUrl: '/v1/merchant/orders?limit=1',
      });
      refusedWith(addedQuery, 401, 'signature_invalid');
      const changedPath = await h.send({
        method: 'POST',
        url: '/v1/merchant/refunds',
        body: ORDER,
        sentUrl: '/v1/merchant/orders',
      });
      refusedWith(changedPath, 401, 'signature_invalid');
      const nonces = await h.store.db.selectFrom('request_nonces').selectAll().execute();
      assert.equal(nonces.length, 0, 'a refused request records no nonce');
    });

    it('a nonce is used once: a replay is refused, a refused request does not use it up', async (h) => {
      const nonce = 'replay-0123456789abcdef';
      const wrong = await h.send({
        method: 'POST',
        url: '/v1/merchant/orders',
        body: ORDER,
        nonce,
        privateKey: stranger.privateKey,
      });
      refusedWith(wrong, 401, 'signature_invalid');
      const first = await h.send({ method: 'POST', url: '/v1/merchant/orders', body: ORDER, nonce });
      assert.equal(first.status, 200, JSON.stringify(first.body));
      h.clock.advanceMs(SECOND_MS);
      const replay = await h.send({ method: 'POST', url: '/v1/merchant/orders', body: ORDER, nonce });
      refusedWith(replay, 401, 'nonce_replayed', /Saoma-Nonce replay-0123456789abcdef was already used/);
      // Nonces belong to an app: another app may happen to choose the same one.
      const otherApp = await h.send({
        method: 'POST',
        url: '/v1/merchant/orders',
        body: ORDER,
        nonce,
        appId: RSA_APP,
        privateKey: rsa.privateKey,
      });
      assert.equal(otherApp.status, 200, JSON.stringify(otherApp.body));
    });

    it('two requests racing with one nonce: exactly one passes', async (h) => {
      for (let round = 0; round < 5; round += 1) {
        const nonce = `race-${round}-0123456789abcdef`;
        const request = { method: 'POST', url: '/v1/merchant/orders', body: ORDER, nonce } as const;
        const replies = await Promise.all([h.send(request), h.send(request), h.send(request)]);
        const statuses = replies.map((reply) => reply.status).sort();
        assert.deepEqual(statuses, [200, 401, 401], JSON.stringify(replies.map((reply) => reply.body)));
        for (const reply of replies.filter((each) => each.status === 401)) refusedWith(reply, 401, 'nonce_replayed');
      }
    });

    it('a timestamp more than five minutes off, either way, is refused; 4 min 59 s is accepted', async (h) => {
      const signedAtMs = h.clock.nowMs();
      const late = { method: 'POST', url: '/v1/merchant/orders', body: ORDER, timestampMs: signedAtMs } as const;
      h.clock.advanceMs(CLOCK_SKEW_MAX_MS + SECOND_MS);
      refusedWith(await h.send(late), 401, 'signature_expired', /301 s behind the server clock/);
      h.clock.setMs(signedAtMs - CLOCK_SKEW_MAX_MS - SECOND_MS);
      refusedWith(await h.send(late), 401, 'signature_expired', /301 s ahead of the server clock/);
      h.clock.setMs(signedAtMs + CLOCK_SKEW_MAX_MS - SECOND_MS);
      assert.equal((await h.send(late)).status, 200);
      h.clock.setMs(signedAtMs - CLOCK_SKEW_MAX_MS + SECOND_MS);
      assert.equal((await h.send(late)).status, 200);
      const inSeconds = await h.send({ ...late, timestampMs: Math.floor(h.clock.nowMs() / SECOND_MS) });
      refusedWith(inSeconds, 401, 'signature_expired', /looks like seconds/);
    });

    it('an unknown app is refused', async (h) => {
      const reply = await h.send({ method: 'POST', url: '/v1/merchant/orders', body: ORDER, appId: 'app_nobody' });
      refusedWith(reply, 401, 'unknown_app', /no app is registered as Saoma-App-Id "app_nobody"/);
    });

    it('each missing header, and a malformed signature, is refused by name', async (h) => {
      for (const name of ['Saoma-App-Id', 'Saoma-Timestamp', 'Saoma-Nonce', 'Saoma-Signature']) {
        const reply = await h.send({
          method: 'POST',
          url: '/v1/merchant/orders',
          body: ORDER,
          headers: { [name]: undefined },
        });
        refusedWith(reply, 401, 'signature_invalid', new RegExp(`the ${name} header is missing`));
      }
      for (const signature of ['not base64 at all!', 'QUJD', 'QUJDRA', 'QR==']) {
        const reply = await h.send({
          method: 'POST',
          url: '/v1/merchant/orders',
          body: ORDER,
          headers: { 'Saoma-Signature': signature },
        });
        refusedWith(reply, 401, 'signature_invalid', /Saoma-Signature|does not match/);
      }
    });

    it('an unsigned request is refused before its body is validated; JSON rules still hold when signed', async (h) => {
      const unsigned = await h.app.inject({
        method: 'POST',
        url: '/v1/merchant/orders',
        headers: { 'content-type': 'application/json' },
        payload: '{"amount_fen":1250}',
      });
      assert.equal(unsigned.statusCode, 401);
      const numberAmount = await h.send({ method: 'POST', url: '/v1/merchant/orders', body: '{"amount_fen":1250}' });
      refusedWith(numberAmount, 400, 'invalid_request', /body.amount_fen must be string/);
      const unknownField = await h.send({
        method: 'POST',
        url: '/v1/merchant/orders',
        body: '{"amount_fen":"1","tip":"1"}',
      });
      refusedWith(unknownField, 400, 'invalid_request', /body.tip is not a field this request takes/);
      const poisoned = await h.send({
        method: 'POST',
        url: '/v1/merchant/orders',
        body: '{"amount_fen":"1","__proto__":{"admin":true}}',
      });
      refusedWith(poisoned, 400, 'invalid_request', /not valid JSON/);
      const text = await h.send({
        method: 'POST',
        url: '/v1/merchant/orders',
        body: 'amount_fen=1',
        headers: { 'content-type': 'text/plain' },
      });
      refusedWith(text, 415, 'unsupported_media_type');
    });

    it('the auth on a route without registerSignedJson fails loudly instead of trusting a lost body', async (h) => {
      const reply = await h.send({ method: 'POST', url: '/v1/unprepared', body: ORDER });
      refusedWith(reply, 500, 'internal_error');
    });

    it('old nonces are purged now and then, a bounded number at a time', async (h) => {
      const first = await h.send({ method: 'POST', url: '/v1/merchant/orders', body: ORDER });
      assert.equal(first.status, 200);
      // Just inside the retention a nonce stays; the purge after the interval leaves it.
      h.clock.advanceMs(NONCE_RETENTION_MS);
      assert.equal((await h.send({ method: 'POST', url: '/v1/merchant/orders', body: ORDER })).status, 200);
      assert.equal(await countNonces(h.store), 2);
      h.clock.advanceMs(60 * SECOND_MS);
      assert.equal((await h.send({ method: 'POST', url: '/v1/merchant/orders', body: ORDER })).status, 200);
      assert.equal(await countNonces(h.store), 2, 'the first nonce is purged, the two recent ones stay');

      const oldMs = BigInt(h.clock.nowMs() - NONCE_RETENTION_MS - 1);
      const old = Array.from({ length: 5 }, (_, index) => ({
        app_id: RSA_APP,
        nonce: `old-${index}`,
        seen_at_ms: oldMs,
      }));
      await h.store.db.insertInto('request_nonces').values(old).execute();
      assert.equal(await purgeExpiredNonces(h.store, h.clock.nowMs(), 3), 3);
      assert.equal(await purgeExpiredNonces(h.store, h.clock.nowMs(), 3), 2);
      assert.equal(await purgeExpiredNonces(h.store, h.clock.nowMs(), 3), 0);
      assert.equal(await countNonces(h.store), 2);
    });
  });
}

async function countNonces(store: Store): Promise<number> {
  const row = await store.db
    .selectFrom('request_nonces')
    .select((eb) => eb.fn.countAll().as('count'))
    .executeTakeFirstOrThrow();
  return Number(row.count);
}
