// The merchant side over HTTP, on every store: onboarding, signed merchant requests (and every
// way a signature fails), an order paid by a wallet user who scanned its code, a partial refund,
// the trade bill against the ledger, settlement to the bank, a printable static code, and a
// scanned payment code.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import jsQRModule from 'jsqr';
import { PNG } from 'pngjs';
import { signRequest } from '../merchant/signature.js';
import { defaultProviderPolicy } from '../network/policy.js';
import { platformPublicKeyPem } from '../notify/platform-key.js';
import { verifyWebhook } from '../notify/webhook-signature.js';
import { testStores } from '../testing/stores.js';
import { withWalletHarness, type WalletHarness } from '../testing/wallet-app.js';
import { parseMpm } from './emv-qr.js';
import { personalCodeOf } from './service.js';
import { businessDateOf } from './settlement.js';

const jsQR = jsQRModule.default;
const ADMIN = 'operator-token-for-merchant-tests';
const admin = { authorization: `Bearer ${ADMIN}` };

interface MerchantClient {
  merchantId: string;
  appId: string;
  privateKeyPem: string;
  bankAccountId: string;
  call(
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
    tamper?: (headers: Record<string, string>) => string | void,
  ): Promise<{ status: number; body: any; text: string }>;
}

/** A signed order request, made once and sent as often as called (every send reuses its nonce). */
function signedOrder(h: WalletHarness, shop: MerchantClient, body: Record<string, unknown>, nonce?: string) {
  const payload = JSON.stringify(body);
  const headers: Record<string, string> = {
    ...signRequest({
      appId: shop.appId,
      privateKeyPem: shop.privateKeyPem,
      method: 'POST',
      pathWithQuery: '/v1/merchant/orders',
      body: payload,
      timestampMs: h.clock.nowMs(),
      nonce,
    }),
    'content-type': 'application/json',
  };
  return () => h.app.inject({ method: 'POST', url: '/v1/merchant/orders', headers, payload });
}

async function onboard(h: WalletHarness): Promise<MerchantClient> {
  const bank = await h.call('POST', '/v1/admin/bank-accounts', {
    headers: admin,
    body: { bank: 'east-bank', kind: 'debit', holder_name: '老王水果店', phone: '13700000001', amount: '0' },
  });
  assert.equal(bank.status, 201);
  const merchant = await h.call('POST', '/v1/admin/merchants', {
    headers: admin,
    body: {
      provider: 'bluepay',
      kind: 'business',
      name: '老王水果店',
      mcc: '5411',
      settlement_bank_account_id: bank.body.id,
    },
  });
  assert.equal(merchant.status, 201, JSON.stringify(merchant.body));
  assert.equal(merchant.body.fee_rate_bps, 38);
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const app = await h.call('POST', `/v1/admin/merchants/${merchant.body.id}/apps`, {
    headers: admin,
    body: { public_key_pem: publicKey.export({ type: 'spki', format: 'pem' }) },
  });
  assert.equal(app.status, 201, JSON.stringify(app.body));
  const privateKeyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  return {
    merchantId: merchant.body.id,
    appId: app.body.app_id,
    privateKeyPem,
    bankAccountId: bank.body.id,
    async call(method, path, body, tamper) {
      const payload = body === undefined ? '' : JSON.stringify(body);
      const headers: Record<string, string> = signRequest({
        appId: app.body.app_id,
        privateKeyPem,
        method,
        pathWithQuery: path,
        body: payload,
        timestampMs: h.clock.nowMs(),
      });
      if (payload !== '') headers['content-type'] = 'application/json';
      const sent = tamper?.(headers) ?? payload;
      const response = await h.app.inject({ method, url: path, headers, ...(payload === '' ? {} : { payload: sent }) });
      const isJson = String(response.headers['content-type'] ?? '').includes('json');
      return { status: response.statusCode, body: isJson ? response.json() : null, text: response.body };
    },
  };
}

for (const storeKind of testStores) {
  describe(`merchant API on ${storeKind.name}`, { skip: storeKind.skip }, () => {
    const withHarness = (run: (harness: WalletHarness) => Promise<void>) =>
      withWalletHarness(storeKind, run, { adminToken: ADMIN });

    test(
      'cancelling a paid order refunds what is left once; a second cancel answers the same, moving nothing',
      withHarness(async (h) => {
        const shop = await onboard(h);
        const payer = await h.funded(10_000n);
        const created = await shop.call('POST', '/v1/merchant/orders', {
          out_trade_no: 'C-1',
          amount: '3000',
          subject: 'x',
        });
        const paid = await h.call('POST', `/v1/codes/${created.body.code}/pay`, {
          token: payer.token,
          key: 'c1',
          body: {},
        });
        assert.equal(paid.status, 201);
        const partial = await shop.call('POST', '/v1/merchant/orders/C-1/refunds', {
          out_request_no: 'P-1',
          amount: '1000',
        });
        assert.equal(partial.status, 201);
        const first = await shop.call('POST', '/v1/merchant/orders/C-1/cancel');
        const second = await shop.call('POST', '/v1/merchant/orders/C-1/cancel');
        for (const cancelled of [first, second]) {
          assert.deepEqual([cancelled.status, cancelled.body.action, cancelled.body.refunded], [200, 'refund', '3000']);
        }
        assert.equal(await h.balanceOf(payer), 10_000n, 'the payer has everything back, once');
        const statement = await h.call('GET', '/v1/wallet/statement?kind=payment,refund', { token: payer.token });
        assert.deepEqual(
          statement.body.lines.map((line: any) => [line.kind, line.direction, line.amount, line.merchant?.name]),
          [
            ['refund', 'in', '2000', '老王水果店'],
            ['refund', 'in', '1000', '老王水果店'],
            ['payment', 'out', '3000', '老王水果店'],
          ],
          'one line per payment and per refund, for the whole amount, naming the merchant',
        );
        assert.equal(statement.body.lines[2].cause.type, 'order');
      }),
    );

    test(
      'order → the payer scans and pays → query → partial refund → bill totals equal the ledger → settlement pays the bank',
      withHarness(async (h) => {
        const shop = await onboard(h);
        const payer = await h.funded(100_000n);
        const created = await shop.call('POST', '/v1/merchant/orders', {
          out_trade_no: 'A-1',
          amount: '25000',
          subject: '苹果 5 斤',
        });
        assert.equal(created.status, 201, JSON.stringify(created.body));
        assert.match(created.body.code_url, /^http:\/\/[^/]+\/c\/o[A-Za-z0-9_-]+$/);
        const emv = parseMpm(created.body.emv_qr);
        assert.ok(emv.ok);
        assert.equal(emv.value.amount, '250.00');
        assert.equal(emv.value.merchantAccount?.fields['01'], created.body.code);

        const scanned = await h.call('POST', '/v1/codes/scan', {
          token: payer.token,
          body: { text: created.body.emv_qr },
        });
        assert.deepEqual(
          [scanned.status, scanned.body.merchant.name, scanned.body.order.amount],
          [200, '老王水果店', '25000'],
        );
        const noKey = await h.call('POST', `/v1/codes/${created.body.code}/pay`, { token: payer.token, body: {} });
        assert.equal(noKey.status, 400);
        const paid = await h.call('POST', `/v1/codes/${created.body.code}/pay`, {
          token: payer.token,
          key: 'pay-a1',
          body: {},
        });
        assert.deepEqual([paid.status, paid.body.status, paid.body.fee], [201, 'SUCCESS', '95']);
        const queried = await shop.call('GET', '/v1/merchant/orders/A-1');
        assert.deepEqual([queried.status, queried.body.status], [200, 'SUCCESS']);

        const refund = await shop.call('POST', '/v1/merchant/orders/A-1/refunds', {
          out_request_no: 'R-1',
          amount: '5000',
          reason: '坏了一个',
        });
        assert.deepEqual([refund.status, refund.body.status, refund.body.fee_refund], [201, 'SUCCESS', '19']);
        const over = await shop.call('POST', '/v1/merchant/orders/A-1/refunds', {
          out_request_no: 'R-2',
          amount: '20001',
        });
        assert.deepEqual([over.status, over.body.error.code], [422, 'refund_exceeds_paid']);
        const closePaid = await shop.call('POST', '/v1/merchant/orders/A-1/close');
        assert.deepEqual([closePaid.status, closePaid.body.error.code], [422, 'order_paid']);
        const unpaid = await shop.call('POST', '/v1/merchant/orders', {
          out_trade_no: 'A-2',
          amount: '100',
          subject: 'x',
        });
        const cancelled = await shop.call('POST', '/v1/merchant/orders/A-2/cancel');
        assert.deepEqual([cancelled.body.action, cancelled.body.status], ['close', 'CLOSED']);
        const payLate = await h.call('POST', `/v1/codes/${unpaid.body.code}/pay`, {
          token: payer.token,
          key: 'late',
          body: {},
        });
        assert.deepEqual([payLate.status, payLate.body.error.code], [422, 'order_closed']);
        assert.equal(await h.balanceOf(payer), 100_000n - 25_000n + 5_000n);

        const today = businessDateOf(h.clock.nowMs());
        const bill = await shop.call('GET', `/v1/merchant/bills/${today}`);
        assert.equal(bill.status, 200);
        const total = bill.text
          .trim()
          .split('\n')
          .at(-1)!
          .split(',')
          .map((field) => field.replaceAll('"', ''));
        assert.deepEqual(total, ['total', '1', '1', '250.00', '0.95', '50.00', '0.19', '199.24']);
        const merchant = (await h.modules.merchants.get(shop.merchantId))!;
        const pending = (await h.modules.ledger.getAccount(merchant.pendingAccountId))!;
        assert.equal(
          pending.creditsPosted - pending.debitsPosted,
          19_924n,
          'the bill net equals what the ledger credited the merchant (gross, less fees and refunds)',
        );

        h.clock.advanceMs(24 * 3600 * 1000);
        assert.ok((await h.modules.settlements.settleDue(100)) >= 1);
        const settled = await shop.call('GET', '/v1/merchant/settlements');
        const day = settled.body.settlements.find((s: { business_date: string }) => s.business_date === today);
        assert.deepEqual([day.status, day.net, day.payments, day.refund_count], ['paid_out', '19924', 1, 1]);
        const bankAccount = await h.modules.store.db
          .selectFrom('bank_accounts')
          .select('ledger_account_id')
          .where('id', '=', shop.bankAccountId)
          .executeTakeFirstOrThrow();
        const bankBalance = (await h.modules.ledger.getAccount(BigInt(bankAccount.ledger_account_id)))!;
        assert.equal(bankBalance.creditsPosted - bankBalance.debitsPosted, 19_924n);
        assert.equal(await h.modules.settlements.settleDue(100), 0, 'a settled day is not paid twice');
      }),
    );

    test(
      "an order is written with its request's nonce: racing replays make one order; a repeat and a refusal use their nonces up",
      withHarness(async (h) => {
        const shop = await onboard(h);
        const signed = (body: Record<string, unknown>, nonce?: string) => signedOrder(h, shop, body, nonce);
        const orderCount = async () =>
          (
            await h.modules.store.db
              .selectFrom('orders')
              .select('id')
              .where('merchant_id', '=', shop.merchantId)
              .execute()
          ).length;
        const body = { out_trade_no: 'N-1', amount: '100', subject: 'x' };
        const send = signed(body);
        const replies = await Promise.all([send(), send(), send()]);
        assert.deepEqual(
          replies.map((reply) => reply.statusCode).sort(),
          [201, 401, 401],
          JSON.stringify(replies.map((reply) => reply.json())),
        );
        for (const reply of replies.filter((each) => each.statusCode === 401)) {
          assert.equal(reply.json().error.code, 'nonce_replayed');
        }
        assert.equal(await orderCount(), 1);
        // The same order asked for again under a fresh nonce: the same order, and that nonce is spent.
        const repeat = signed(body);
        const repeated = await repeat();
        assert.deepEqual(
          [repeated.statusCode, repeated.json().id],
          [201, replies.find((r) => r.statusCode === 201)!.json().id],
        );
        assert.deepEqual([(await repeat()).statusCode, (await repeat()).json().error.code], [401, 'nonce_replayed']);
        // Refused before any order (the body fails validation, then the route's own check): the
        // nonce is spent all the same, so a valid request under it can never succeed later.
        const refusals = [
          { ...body, out_trade_no: 'N-2', amount: '0' },
          { ...body, out_trade_no: 'N-3', notify_url: 'ftp://x' },
        ];
        for (const [index, refusedBody] of refusals.entries()) {
          const nonce = `refused-${index}-0123456789abcdef`;
          assert.equal((await signed(refusedBody, nonce)()).statusCode, 400);
          const valid = await signed({ ...body, out_trade_no: `N-valid-${index}` }, nonce)();
          assert.deepEqual([valid.statusCode, valid.json().error.code], [401, 'nonce_replayed']);
        }
        assert.equal(await orderCount(), 1);
      }),
    );

    test(
      'a suspended merchant is refused on every route, its refused order spends its nonce, and it is served again once reinstated',
      withHarness(async (h) => {
        const shop = await onboard(h);
        assert.equal(
          (await shop.call('POST', '/v1/merchant/orders', { out_trade_no: 'U-1', amount: '100', subject: 'x' })).status,
          201,
        );
        const setStatus = async (status: 'active' | 'suspended') => {
          await h.modules.store.db.updateTable('merchants').set({ status }).where('id', '=', shop.merchantId).execute();
          // Merchants are reused for a second (MERCHANT_CACHE_TTL_MS, on the machine's own clock).
          await new Promise((resolve) => setTimeout(resolve, 1_100));
        };
        await setStatus('suspended');

        const createU2 = signedOrder(
          h,
          shop,
          { out_trade_no: 'U-2', amount: '100', subject: 'x' },
          'suspended-0123456789abcdef',
        );
        const refused = await createU2();
        assert.deepEqual([refused.statusCode, refused.json().error.code], [403, 'forbidden']);
        for (const [method, path] of [
          ['GET', '/v1/merchant/orders/U-1'],
          ['POST', '/v1/merchant/orders/U-1/close'],
          ['GET', '/v1/merchant/settlements'],
          ['GET', '/v1/merchant/notifications'],
        ] as const) {
          const answer = await shop.call(method, path);
          assert.deepEqual([answer.status, answer.body.error?.code], [403, 'forbidden'], `${method} ${path}`);
        }
        const orders = await h.modules.store.db
          .selectFrom('orders')
          .select(['out_trade_no', 'status'])
          .where('merchant_id', '=', shop.merchantId)
          .execute();
        assert.deepEqual(orders, [{ out_trade_no: 'U-1', status: 'WAIT_BUYER_PAY' }], 'nothing was created or closed');

        await setStatus('active');
        assert.equal((await shop.call('GET', '/v1/merchant/orders/U-1')).status, 200);
        const replayed = await createU2();
        assert.deepEqual([replayed.statusCode, replayed.json().error.code], [401, 'nonce_replayed']);
      }),
    );

    test(
      'signatures: a wrong key, a replayed nonce, a stale timestamp, a changed body and an unknown app are refused',
      withHarness(async (h) => {
        const shop = await onboard(h);
        const body = { out_trade_no: 'S-1', amount: '100', subject: 'x' };
        const replayed: Record<string, string> = {};
        const first = await shop.call(
          'POST',
          '/v1/merchant/orders',
          body,
          (headers) => void Object.assign(replayed, headers),
        );
        assert.equal(first.status, 201);
        const again = await h.app.inject({
          method: 'POST',
          url: '/v1/merchant/orders',
          headers: replayed,
          payload: JSON.stringify(body),
        });
        assert.deepEqual([again.statusCode, again.json().error.code], [401, 'nonce_replayed']);
        const changed = await shop.call('POST', '/v1/merchant/orders', body, () =>
          JSON.stringify({ ...body, amount: '1' }),
        );
        assert.deepEqual([changed.status, changed.body.error.code], [401, 'signature_invalid']);
        const other = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
        const wrongKey = await shop.call('POST', '/v1/merchant/orders', body, (headers) => {
          Object.assign(
            headers,
            signRequest({
              appId: shop.appId,
              privateKeyPem: other,
              method: 'POST',
              pathWithQuery: '/v1/merchant/orders',
              body: JSON.stringify(body),
              timestampMs: h.clock.nowMs(),
            }),
          );
        });
        assert.deepEqual([wrongKey.status, wrongKey.body.error.code], [401, 'signature_invalid']);
        const stale = await shop.call('POST', '/v1/merchant/orders', body, (headers) => {
          Object.assign(
            headers,
            signRequest({
              appId: shop.appId,
              privateKeyPem: shop.privateKeyPem,
              method: 'POST',
              pathWithQuery: '/v1/merchant/orders',
              body: JSON.stringify(body),
              timestampMs: h.clock.nowMs() - 5 * 60_000 - 1,
            }),
          );
        });
        assert.deepEqual([stale.status, stale.body.error.code], [401, 'signature_expired']);
        const unknown = await shop.call('GET', '/v1/merchant/orders/S-1', undefined, (headers) => {
          headers['saoma-app-id'] = 'app_nobody';
        });
        assert.deepEqual([unknown.status, unknown.body.error.code], [401, 'unknown_app']);
        const unsigned = await h.app.inject({ method: 'GET', url: '/v1/merchant/orders/S-1' });
        assert.equal(unsigned.statusCode, 401);
      }),
    );

    test(
      'a printable static code decodes to its URL; the payer types the amount; a payment code is scanned at the till',
      withHarness(async (h) => {
        const shop = await onboard(h);
        const store = await shop.call('POST', '/v1/merchant/stores', { name: '东门店', city: '杭州' });
        assert.equal(store.status, 201);
        const terminal = await shop.call('POST', `/v1/merchant/stores/${store.body.store_id}/terminals`, {
          name: '1 号收银台',
        });
        assert.equal(terminal.status, 201);
        const code = await shop.call('POST', `/v1/merchant/stores/${store.body.store_id}/collection-codes`);
        assert.equal(code.status, 201);
        const png = await h.app.inject({ method: 'GET', url: new URL(code.body.qr_png).pathname });
        assert.equal(png.headers['content-type'], 'image/png');
        const image = PNG.sync.read(png.rawPayload);
        const decoded = jsQR(new Uint8ClampedArray(image.data), image.width, image.height);
        assert.equal(decoded?.data, code.body.code_url);
        const payer = await h.funded(200_000n);
        const paid = await h.call('POST', `/v1/codes/${code.body.code}/pay`, {
          token: payer.token,
          key: 'veg',
          body: { amount: '1234' },
        });
        assert.deepEqual([paid.status, paid.body.status, paid.body.channel], [201, 'SUCCESS', 'static']);

        const issued = await h.call('POST', '/v1/wallet/payment-codes', { token: payer.token });
        assert.equal(issued.status, 201);
        assert.match(issued.body.code, /^28[0-9]{16}$/);
        const barcode = await h.app.inject({
          method: 'GET',
          url: `/v1/wallet/payment-codes/${issued.body.code}/barcode.svg`,
          headers: { authorization: `Bearer ${payer.token}` },
        });
        assert.match(barcode.body, /<svg/);
        const till = await shop.call('POST', '/v1/merchant/orders/pay-by-code', {
          out_trade_no: 'TILL-1',
          amount: '888',
          subject: '香蕉',
          auth_code: issued.body.code,
        });
        assert.deepEqual([till.status, till.body.status], [201, 'SUCCESS']);
        const big = await h.call('POST', '/v1/wallet/payment-codes', { token: payer.token });
        const waiting = await shop.call('POST', '/v1/merchant/orders/pay-by-code', {
          out_trade_no: 'TILL-2',
          amount: '100001',
          subject: '果篮',
          auth_code: big.body.code,
        });
        assert.deepEqual([waiting.status, waiting.body.status], [202, 'USERPAYING']);
        const lost = await h.call('POST', '/v1/sessions', {
          body: { provider: 'bluepay', phone: payer.phone, password: payer.password, device_name: 'lost phone' },
        });
        const lostCode = await h.call('POST', '/v1/wallet/payment-codes', { token: lost.body.session.token });
        assert.equal(
          (await h.call('DELETE', `/v1/me/devices/${lost.body.session.device_id}`, { token: payer.token })).status,
          204,
        );
        const fromLost = await shop.call('POST', '/v1/merchant/orders/pay-by-code', {
          out_trade_no: 'TILL-LOST',
          amount: '1',
          subject: 'x',
          auth_code: lostCode.body.code,
        });
        assert.deepEqual([fromLost.status, fromLost.body.error.code], [422, 'payment_code_invalid']);
        const awaiting = await h.call('GET', '/v1/wallet/payments/awaiting', { token: payer.token });
        assert.equal(awaiting.body.orders.length, 1);
        assert.equal(awaiting.body.orders[0].merchant.name, '老王水果店');
        const wrongPin = await h.call('POST', `/v1/wallet/payments/${waiting.body.order_id}/confirm`, {
          token: payer.token,
          key: 'c1',
          body: { pin: '000000' },
        });
        assert.equal(wrongPin.body.error.code, 'wrong_pin');
        const confirmed = await h.call('POST', `/v1/wallet/payments/${waiting.body.order_id}/confirm`, {
          token: payer.token,
          key: 'c2',
          body: { pin: payer.pin },
        });
        assert.deepEqual([confirmed.status, confirmed.body.status], [201, 'SUCCESS']);
        assert.equal(await h.balanceOf(payer), 200_000n - 1_234n - 888n - 100_001n);
      }),
    );

    test(
      'a personal receive code pays a person, with the PIN, up to its monthly count and amount; then the payee is told to register as a merchant',
      withHarness(async (h) => {
        const policy = defaultProviderPolicy(20, {
          personalReceiveMonthlyCountMax: 2,
          personalReceiveMonthlyAmountMaxFen: 10_000n,
        });
        assert.ok(
          (await h.modules.network.createProvider({ id: 'smallpay', name: 'SmallPay', nameZh: '小付', policy })).ok,
        );
        const payer = await h.funded(100_000n, 'smallpay');
        const seller = await h.signUp('smallpay');
        const code = await h.call('POST', '/v1/me/receive-code', { token: seller.token });
        assert.equal(code.status, 201);
        assert.equal((await h.call('POST', '/v1/me/receive-code', { token: seller.token })).body.code, code.body.code);
        const scanned = await h.call('POST', '/v1/codes/scan', {
          token: payer.token,
          body: { text: code.body.code_url },
        });
        assert.deepEqual(
          [scanned.body.kind, scanned.body.merchant, scanned.body.payee.user_id],
          ['personal', null, seller.userId],
        );
        const pay = (amount: string, key: string, pin: string | null = payer.pin) =>
          h.call('POST', `/v1/codes/${code.body.code}/pay`, {
            token: payer.token,
            key,
            body: { amount, ...(pin ? { pin } : {}) },
          });
        assert.equal((await pay('100', 'no-pin', null)).body.error.code, 'pin_required');
        assert.equal((await pay('100', 'p1')).status, 201);
        assert.equal((await pay('200', 'p2')).status, 201);
        const third = await pay('300', 'p3');
        assert.deepEqual([third.status, third.body.error.code], [422, 'personal_receive_limit']);
        assert.match(third.body.error.message, /register as a merchant/);
        assert.equal(await h.balanceOf(seller), 300n);
        const other = await h.signUp('smallpay');
        const otherCode = (await h.call('POST', '/v1/me/receive-code', { token: other.token })).body.code;
        const big = await h.call('POST', `/v1/codes/${otherCode}/pay`, {
          token: payer.token,
          key: 'big',
          body: { amount: '10001', pin: payer.pin },
        });
        assert.equal(big.body.error.code, 'personal_receive_limit');
        h.clock.advanceMs(31 * 24 * 3600 * 1000);
        const relog = await h.call('POST', '/v1/sessions', {
          body: { provider: 'smallpay', phone: payer.phone, password: payer.password },
        });
        payer.token = relog.body.session.token;
        assert.equal((await pay('300', 'next-month')).status, 201, 'a new month starts the count again');
      }),
    );

    test(
      'two first requests for a personal receive code at once make one code, the same for both',
      withHarness(async (h) => {
        const sellers = [await h.signUp(), await h.signUp()];
        for (const seller of sellers) {
          const replies = await Promise.all(
            [1, 2, 3].map(() => h.call('POST', '/v1/me/receive-code', { token: seller.token })),
          );
          assert.deepEqual(
            replies.map((reply) => reply.status),
            [201, 201, 201],
          );
          const codes = new Set(replies.map((reply) => reply.body.code as string));
          const rows = await personalCodeOf(h.modules.store.db, seller.userId).execute();
          assert.deepEqual([codes.size, rows.map((row) => row.code)], [1, [...codes]]);
        }
      }),
    );

    test(
      "webhooks: a payment's event reaches the merchant signed by the platform, after failures, and shows in the merchant's log",
      withHarness(async (h) => {
        const shop = await onboard(h);
        const received: { status: number; body: string; verified: boolean }[] = [];
        let failuresLeft = 2;
        const publicKey = await platformPublicKeyPem(h.modules.store, h.clock);
        const server = createServer((request, response) => {
          const chunks: Buffer[] = [];
          request.on('data', (chunk: Buffer) => chunks.push(chunk));
          request.on('end', () => {
            const body = Buffer.concat(chunks).toString('utf8');
            const verified = verifyWebhook({
              publicKey,
              method: request.method!,
              pathWithQuery: request.url!,
              headers: request.headers,
              body,
              nowMs: h.clock.nowMs(),
            }).ok;
            const status = failuresLeft-- > 0 ? 500 : 200;
            received.push({ status, body, verified });
            response.writeHead(status).end();
          });
        });
        await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
        try {
          const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/saoma?shop=1`;
          const created = await shop.call('POST', '/v1/merchant/orders', {
            out_trade_no: 'W-1',
            amount: '500',
            subject: 'x',
            notify_url: url,
          });
          const payer = await h.funded(10_000n);
          assert.equal(
            (await h.call('POST', `/v1/codes/${created.body.code}/pay`, { token: payer.token, key: 'w', body: {} }))
              .status,
            201,
          );
          // BluePay retries like Alipay: 4 minutes after the first failure, then 10.
          await h.modules.notifier.runOnce(10);
          h.clock.advanceMs(239_000);
          await h.modules.notifier.runOnce(10);
          assert.equal(received.length, 1, 'not before the schedule says');
          h.clock.advanceMs(1_000);
          await h.modules.notifier.runOnce(10);
          h.clock.advanceMs(600_000);
          await h.modules.notifier.runOnce(10);
          assert.deepEqual(
            received.map((r) => r.status),
            [500, 500, 200],
          );
          assert.ok(
            received.every((r) => r.verified),
            'every attempt carries a valid platform signature',
          );
          const ids = received.map((r) => JSON.parse(r.body).id);
          assert.equal(new Set(ids).size, 1, 'the same event id on every attempt');
          assert.deepEqual(
            [JSON.parse(received[2]!.body).type, JSON.parse(received[2]!.body).data.out_trade_no],
            ['trade.success', 'W-1'],
          );
          const log = await shop.call('GET', '/v1/merchant/notifications');
          assert.equal(log.status, 200, JSON.stringify(log.body));
          assert.equal(log.body.events?.[0]?.status ?? log.body.notifications?.[0]?.status, 'delivered');
          const badUrl = await shop.call('POST', '/v1/merchant/orders', {
            out_trade_no: 'W-2',
            amount: '500',
            subject: 'x',
            notify_url: 'ftp://x',
          });
          assert.equal(badUrl.status, 400);
        } finally {
          server.close();
        }
      }),
    );
  });
}
