// The operator console's API on every store: the operator token guards it; institutions with their
// counts; paid orders per second against payments made at known moments; the reserve balances;
// search of users and merchants; the real-name list, newest first and paged.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { testStores } from '../testing/stores.js';
import { withWalletHarness, type WalletHarness } from '../testing/wallet-app.js';

const ADMIN = 'operator-token-for-console-tests';
const admin = { authorization: `Bearer ${ADMIN}` };

async function merchantOf(h: WalletHarness, name: string) {
  const bank = await h.modules.banking.openAccount({
    bankId: 'east-bank',
    kind: 'debit',
    holderName: name,
    phone: '13711112222',
    amountFen: 0n,
  });
  assert.ok(bank.ok);
  const created = await h.modules.merchants.create({
    providerId: 'bluepay',
    kind: 'business',
    name,
    mcc: '5411',
    settlementBankAccountId: bank.value.id,
  });
  assert.ok(created.ok);
  return created.value;
}

for (const storeKind of testStores) {
  describe(`operator console API on ${storeKind.name}`, { skip: storeKind.skip }, () => {
    const withHarness = (run: (harness: WalletHarness) => Promise<void>) =>
      withWalletHarness(storeKind, run, { adminToken: ADMIN });

    test(
      'institutions, payments per second, balances, search and the real-name list',
      withHarness(async (h) => {
        for (const path of [
          '/v1/admin/institutions',
          '/v1/admin/metrics/payments',
          '/v1/admin/balances',
          '/v1/admin/search?q=1',
          '/v1/admin/real-name-reviews',
        ]) {
          const refused = await h.call('GET', path);
          assert.deepEqual([refused.status, refused.body.error.code], [401, 'unauthorized'], path);
        }
        const shop = await merchantOf(h, '老王水果店');
        const payer = await h.funded(100_000n);
        const unverified = await h.signUp('greenpay');

        const institutions = await h.call('GET', '/v1/admin/institutions', { headers: admin });
        assert.deepEqual(
          institutions.body.providers.map((p: { id: string; users: number; merchants: number }) => [
            p.id,
            p.users,
            p.merchants,
          ]),
          [
            ['bluepay', 1, 1],
            ['greenpay', 1, 0],
          ],
        );
        assert.deepEqual(institutions.body.banks.map((bank: { id: string }) => bank.id).sort(), [
          'east-bank',
          'north-bank',
        ]);

        // Three payments: two in one second, one three seconds later.
        const pay = async (outTradeNo: string, amountFen: bigint) => {
          const order = await h.modules.acquiring.createOrder(shop, { outTradeNo, amountFen, subject: 'x' });
          assert.ok(order.ok);
          const paid = await h.call('POST', `/v1/codes/${order.value.code}/pay`, {
            token: payer.token,
            key: outTradeNo,
            body: {},
          });
          assert.equal(paid.status, 201, JSON.stringify(paid.body));
        };
        h.clock.advanceMs(10_000);
        await pay('M-1', 100n);
        await pay('M-2', 200n);
        h.clock.advanceMs(3_000);
        await pay('M-3', 300n);
        const metrics = await h.call('GET', '/v1/admin/metrics/payments?window=10', { headers: admin });
        assert.equal(metrics.status, 200, JSON.stringify(metrics.body));
        assert.equal(metrics.body.per_second.length, 10);
        assert.deepEqual(
          metrics.body.per_second.map((second: { count: number }) => second.count),
          [0, 0, 0, 0, 0, 0, 2, 0, 0, 1],
        );
        assert.deepEqual([metrics.body.per_second[6].amount, metrics.body.total], ['300', 3]);
        assert.equal(metrics.body.average_per_second, 2 / 9);
        const wide = await h.call('GET', '/v1/admin/metrics/payments?window=601', { headers: admin });
        assert.deepEqual([wide.status, wide.body.error.field], [400, 'querystring.window']);
        h.clock.advanceMs(60_000);
        const later = await h.call('GET', '/v1/admin/metrics/payments', { headers: admin });
        assert.deepEqual([later.body.window_seconds, later.body.total], [60, 0]);

        const balances = await h.call('GET', '/v1/admin/balances', { headers: admin });
        const bluepay = balances.body.providers.find((p: { provider: string }) => p.provider === 'bluepay');
        assert.equal(balances.body.ok, true);
        assert.equal(bluepay.reserve, bluepay.bank_settlement);
        assert.equal(BigInt(bluepay.reserve), BigInt(bluepay.client_funds) + BigInt(bluepay.fee_income));
        assert.ok(BigInt(bluepay.reserve) >= 100_000n);

        const byPhone = await h.call('GET', `/v1/admin/search?q=${payer.phone.slice(0, 7)}`, { headers: admin });
        assert.ok(byPhone.body.users.some((user: { id: string }) => user.id === payer.userId));
        const byName = await h.call('GET', `/v1/admin/search?q=${encodeURIComponent(payer.name)}`, { headers: admin });
        assert.deepEqual(
          byName.body.users.map((user: { id: string }) => user.id),
          [payer.userId],
        );
        const byMerchant = await h.call('GET', `/v1/admin/search?q=${encodeURIComponent('水果')}`, { headers: admin });
        assert.deepEqual(
          byMerchant.body.merchants.map((m: { id: string }) => m.id),
          [shop.id],
        );
        const wildcard = await h.call('GET', '/v1/admin/search?q=%25', { headers: admin });
        assert.deepEqual(
          [wildcard.body.users, wildcard.body.merchants],
          [[], []],
          'a % is searched for, not a wildcard',
        );
        const blank = await h.call('GET', '/v1/admin/search?q=%20', { headers: admin });
        assert.deepEqual([blank.status, blank.body.error.field], [400, 'querystring.q']);

        const second = await h.funded(0n);
        const reviews = await h.call('GET', '/v1/admin/real-name-reviews?limit=1', { headers: admin });
        assert.equal(reviews.body.manual_review, false);
        assert.deepEqual(
          reviews.body.users.map((user: { id: string }) => user.id),
          [second.userId],
        );
        assert.match(reviews.body.users[0].id_number, /^\d\*+[\dX]$/);
        const next = await h.call('GET', `/v1/admin/real-name-reviews?limit=1&before=${reviews.body.next_before}`, {
          headers: admin,
        });
        assert.deepEqual(
          next.body.users.map((user: { id: string }) => user.id),
          [payer.userId],
        );
        const last = await h.call('GET', `/v1/admin/real-name-reviews?before=${payer.userId}`, { headers: admin });
        assert.deepEqual([last.body.users, last.body.next_before], [[], null]);
        assert.ok(!reviews.body.users.some((user: { id: string }) => user.id === unverified.userId));
      }),
    );
  });
}
