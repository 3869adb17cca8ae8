// The OpenAPI document is served, names every native route with its body schema, and the docs
// page answers; the money-moving routes declare the Idempotency-Key header.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { testStores } from '../testing/stores.js';
import { createWalletHarness } from '../testing/wallet-app.js';

test('GET /openapi.json describes the native API; /docs serves the browsable page', async () => {
  const database = await testStores[1]!.create();
  const h = await createWalletHarness(database);
  try {
    const document = await h.call('GET', '/openapi.json');
    assert.equal(document.status, 200);
    assert.equal(document.body.openapi, '3.0.3');
    const paths = Object.keys(document.body.paths);
    for (const path of [
      '/v1/users',
      '/v1/sessions',
      '/v1/me/pin',
      '/v1/me/real-name',
      '/v1/me/cards',
      '/v1/wallet/top-ups',
      '/v1/wallet/withdrawals/quote',
      '/v1/wallet/withdrawals',
      '/v1/wallet/transfers',
      '/v1/wallet/statement',
      '/v1/red-packets',
      '/v1/merchant/orders',
      '/v1/merchant/orders/pay-by-code',
      '/v1/merchant/orders/{out_trade_no}/refunds',
      '/v1/merchant/bills/{date}',
      '/v1/merchant/notifications',
      '/v1/codes/{code}/pay',
      '/v1/wallet/payment-codes',
      '/v1/me/receive-code',
    ]) {
      assert.ok(paths.includes(path), `${path} is documented`);
    }
    const transfer = document.body.paths['/v1/wallet/transfers'].post;
    assert.ok(
      transfer.parameters.some((p: { in: string; name: string }) => p.in === 'header' && p.name === 'idempotency-key'),
    );
    assert.deepEqual(transfer.requestBody.content['application/json'].schema.required, ['amount', 'pin']);
    const docs = await h.app.inject({ method: 'GET', url: '/docs/' });
    assert.equal(docs.statusCode, 200);
    assert.match(docs.headers['content-type'] as string, /text\/html/);
  } finally {
    await h.close();
    await database.cleanup();
  }
});
