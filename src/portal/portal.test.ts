// The merchant portal's API on every store: portal log-ins made by the operator, cookie sessions,
// the dashboard's sums against the payments made, order search and detail, refunds through the
// portal (and their refusals), stores, codes and the printable stand, settlements and bills, API
// credentials, the webhook log with re-send, and the demo merchants' logins.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, test } from 'node:test';
import { businessDateOf } from '../acquiring/settlement.js';
import { seedDemo } from '../network/demo.js';
import { maskName } from '../shared/mask.js';
import { testStores } from '../testing/stores.js';
import { withWalletHarness, type Person, type WalletHarness } from '../testing/wallet-app.js';

const ADMIN = 'operator-token-for-portal-tests';
const admin = { authorization: `Bearer ${ADMIN}` };
const PASSWORD = 'portal-password-1';

interface Shop {
  merchantId: string;
  login: string;
  /** The portal session cookie, `saoma_portal=…`. */
  cookie: string;
}

let shopCounter = 0;

/** Onboards a merchant (bank account, merchant, store) and a portal user, and logs the user in. */
async function openShop(h: WalletHarness, provider = 'bluepay', name = '老王水果店'): Promise<Shop> {
  shopCounter += 1;
  const phone = `1370000${String(shopCounter).padStart(4, '0')}`;
  const bank = await h.call('POST', '/v1/admin/bank-accounts', {
    headers: admin,
    body: { bank: 'east-bank', kind: 'debit', holder_name: name, phone, amount: '0' },
  });
  assert.equal(bank.status, 201, JSON.stringify(bank.body));
  const merchant = await h.call('POST', '/v1/admin/merchants', {
    headers: admin,
    body: { provider, kind: 'business', name, mcc: '5411', settlement_bank_account_id: bank.body.id },
  });
  assert.equal(merchant.status, 201, JSON.stringify(merchant.body));
  const user = await h.call('POST', `/v1/admin/merchants/${merchant.body.id}/portal-users`, {
    headers: admin,
    body: { login: phone, name: '王建国', password: PASSWORD },
  });
  assert.equal(user.status, 201, JSON.stringify(user.body));
  return { merchantId: merchant.body.id, login: phone, cookie: await logIn(h, phone, PASSWORD) };
}

async function logIn(h: WalletHarness, login: string, password: string): Promise<string> {
  const response = await h.app.inject({ method: 'POST', url: '/v1/portal/sessions', payload: { login, password } });
  assert.equal(response.statusCode, 201, response.body);
  const setCookie = String(response.headers['set-cookie']);
  return setCookie.split(';')[0]!;
}

async function portal(
  h: WalletHarness,
  shop: Shop,
  method: 'GET' | 'POST' | 'DELETE',
  url: string,
  body?: unknown,
): Promise<{ status: number; body: any; text: string; headers: Record<string, unknown> }> {
  const response = await h.app.inject({
    method,
    url,
    headers: { cookie: shop.cookie },
    ...(body === undefined ? {} : { payload: body as object }),
  });
  const isJson = String(response.headers['content-type'] ?? '').includes('json');
  return {
    status: response.statusCode,
    body: isJson ? response.json() : null,
    text: response.body,
    headers: response.headers,
  };
}

/** An order of the shop, paid by `payer` through the wallet API (scan → pay). */
async function paidOrder(h: WalletHarness, shop: Shop, payer: Person, outTradeNo: string, amountFen: bigint) {
  const merchant = (await h.modules.merchants.get(shop.merchantId))!;
  const created = await h.modules.acquiring.createOrder(merchant, {
    outTradeNo,
    amountFen,
    subject: `订单 ${outTradeNo}`,
  });
  assert.ok(created.ok);
  const paid = await h.call('POST', `/v1/codes/${created.value.code}/pay`, {
    token: payer.token,
    key: `pay-${outTradeNo}`,
    body: {},
  });
  assert.deepEqual([paid.status, paid.body.status], [201, 'SUCCESS'], JSON.stringify(paid.body));
  return paid.body.order_id as string;
}

for (const storeKind of testStores) {
  describe(`merchant portal on ${storeKind.name}`, { skip: storeKind.skip }, () => {
    const withHarness = (run: (harness: WalletHarness) => Promise<void>) =>
      withWalletHarness(storeKind, run, { adminToken: ADMIN });

    test(
      'log-ins: the operator creates them (and refuses bad ones); the session is an HTTP-only cookie that log-out ends',
      withHarness(async (h) => {
        const shop = await openShop(h);
        const url = `/v1/admin/merchants/${shop.merchantId}/portal-users`;
        const noToken = await h.call('POST', url, { body: { login: 'a@b.cn', name: 'x', password: PASSWORD } });
        assert.equal(noToken.status, 401);
        const badLogin = await h.call('POST', url, {
          headers: admin,
          body: { login: 'nobody', name: 'x', password: PASSWORD },
        });
        assert.deepEqual([badLogin.status, badLogin.body.error.code], [400, 'invalid_portal_user']);
        const shortPassword = await h.call('POST', url, {
          headers: admin,
          body: { login: 'a@b.cn', name: 'x', password: 'short' },
        });
        assert.deepEqual([shortPassword.status, shortPassword.body.error.code], [400, 'invalid_portal_user']);
        const taken = await h.call('POST', url, {
          headers: admin,
          body: { login: shop.login, name: 'x', password: PASSWORD },
        });
        assert.deepEqual([taken.status, taken.body.error.code], [409, 'portal_login_taken']);
        const unknown = await h.call('POST', '/v1/admin/merchants/m_nobody/portal-users', {
          headers: admin,
          body: { login: 'a@b.cn', name: 'x', password: PASSWORD },
        });
        assert.deepEqual([unknown.status, unknown.body.error.code], [404, 'merchant_not_found']);
        const email = await h.call('POST', url, {
          headers: admin,
          body: { login: ' Cashier@Shop.CN ', name: '收银员', password: PASSWORD },
        });
        assert.deepEqual([email.status, email.body.login], [201, 'cashier@shop.cn']);
        const listed = await h.call('GET', url, { headers: admin });
        assert.deepEqual(
          listed.body.portal_users.map((user: { login: string }) => user.login),
          [shop.login, 'cashier@shop.cn'],
        );

        const wrong = await h.app.inject({
          method: 'POST',
          url: '/v1/portal/sessions',
          payload: { login: shop.login, password: 'wrong-password' },
        });
        assert.deepEqual([wrong.statusCode, wrong.json().error.code], [401, 'invalid_credentials']);
        const nobody = await h.app.inject({
          method: 'POST',
          url: '/v1/portal/sessions',
          payload: { login: '13999999999', password: PASSWORD },
        });
        assert.deepEqual([nobody.statusCode, nobody.json().error.message], [401, 'the login or the password is wrong']);
        const response = await h.app.inject({
          method: 'POST',
          url: '/v1/portal/sessions',
          payload: { login: 'CASHIER@shop.cn', password: PASSWORD },
        });
        assert.equal(response.statusCode, 201);
        const setCookie = String(response.headers['set-cookie']);
        assert.match(setCookie, /^saoma_portal=[A-Za-z0-9_-]+;/);
        assert.match(setCookie, /HttpOnly/);
        assert.match(setCookie, /SameSite=Strict/);
        assert.match(setCookie, /Path=\/v1\/portal/);
        const cashier: Shop = { ...shop, cookie: setCookie.split(';')[0]! };
        const me = await portal(h, cashier, 'GET', '/v1/portal/me');
        assert.deepEqual(
          [me.status, me.body.user.name, me.body.merchant.id, me.body.merchant.provider_name_zh],
          [200, '收银员', shop.merchantId, '蓝付'],
        );
        const anonymous = await h.app.inject({ method: 'GET', url: '/v1/portal/me' });
        assert.deepEqual([anonymous.statusCode, anonymous.json().error.code], [401, 'unauthorized']);
        const walletToken = await h.signUp();
        const walletSession = await h.call('GET', '/v1/portal/me', { token: walletToken.token });
        assert.equal(walletSession.status, 401, "a wallet user's session is not a portal session");
        assert.equal((await portal(h, cashier, 'DELETE', '/v1/portal/sessions/current')).status, 204);
        assert.equal((await portal(h, cashier, 'GET', '/v1/portal/me')).status, 401);
        h.clock.advanceMs(12 * 3600 * 1000);
        assert.equal((await portal(h, shop, 'GET', '/v1/portal/me')).status, 401, 'a session ends after 12 hours');
      }),
    );

    test(
      'a payer pays → the dashboard sums it by hour, day and provider → search → detail → refund in the portal → visible',
      withHarness(async (h) => {
        const shop = await openShop(h);
        const other = await openShop(h, 'bluepay', '隔壁小卖部');
        const payer = await h.funded(100_000n);
        // 2026-06-01 00:00 UTC is 08:00 in Shanghai.
        h.clock.advanceMs(90 * 60 * 1000);
        const first = await paidOrder(h, shop, payer, 'P-1', 25_000n);
        h.clock.advanceMs(60 * 60 * 1000);
        await paidOrder(h, shop, payer, 'P-2', 1_000n);
        const otherOrder = await paidOrder(h, other, payer, 'X-1', 700n);
        const merchant = (await h.modules.merchants.get(shop.merchantId))!;
        h.clock.advanceMs(1_000);
        assert.ok(
          (await h.modules.acquiring.createOrder(merchant, { outTradeNo: 'U-1', amountFen: 500n, subject: '未付' })).ok,
        );

        const board = await portal(h, shop, 'GET', '/v1/portal/dashboard');
        assert.equal(board.status, 200, board.text);
        assert.equal(board.body.business_date, '2026-06-01');
        assert.deepEqual(board.body.today, {
          paid: { amount: '26000', count: 2 },
          refunded: { amount: '0', count: 0 },
        });
        assert.equal(board.body.by_hour.length, 24);
        assert.deepEqual(board.body.by_hour[9], { hour: 9, amount: '25000', count: 1 });
        assert.deepEqual(board.body.by_hour[10], { hour: 10, amount: '1000', count: 1 });
        assert.equal(
          board.body.by_hour.reduce((sum: number, hour: { count: number }) => sum + hour.count, 0),
          2,
        );
        assert.equal(board.body.by_day.length, 30);
        assert.deepEqual(board.body.by_day.at(-1), { date: '2026-06-01', amount: '26000', count: 2 });
        assert.deepEqual(board.body.by_day.at(0).date, '2026-05-03');
        assert.deepEqual(board.body.by_provider, [{ provider: 'bluepay', amount: '26000', count: 2 }]);
        const tooMany = await portal(h, shop, 'GET', '/v1/portal/dashboard?days=91');
        assert.deepEqual([tooMany.status, tooMany.body.error.field], [400, 'querystring.days']);

        const all = await portal(h, shop, 'GET', '/v1/portal/orders');
        assert.deepEqual(
          all.body.orders.map((order: { out_trade_no: string }) => order.out_trade_no),
          ['U-1', 'P-2', 'P-1'],
        );
        const byNumber = await portal(h, shop, 'GET', '/v1/portal/orders?out_trade_no=P-1');
        assert.deepEqual(
          byNumber.body.orders.map((order: { order_id: string }) => order.order_id),
          [first],
        );
        const paidOnly = await portal(h, shop, 'GET', '/v1/portal/orders?status=SUCCESS,REFUND');
        assert.equal(paidOnly.body.orders.length, 2);
        const paged = await portal(h, shop, 'GET', '/v1/portal/orders?limit=2');
        assert.equal(paged.body.orders.length, 2);
        const next = await portal(h, shop, 'GET', `/v1/portal/orders?limit=2&before=${paged.body.next_before}`);
        assert.deepEqual(
          [next.body.orders.map((order: { out_trade_no: string }) => order.out_trade_no), next.body.next_before],
          [['P-1'], null],
        );
        const earlier = await portal(h, shop, 'GET', '/v1/portal/orders?from=2026-05-01&to=2026-05-31');
        assert.deepEqual(earlier.body.orders, []);
        const inRange = await portal(h, shop, 'GET', '/v1/portal/orders?from=2026-06-01&to=2026-06-01');
        assert.equal(inRange.body.orders.length, 3);
        for (const [query, field] of [
          ['status=PAID', 'querystring.status'],
          ['from=2026-02-30', 'querystring.from'],
          ['from=2026-06-02&to=2026-06-01', 'querystring.from'],
          ['limit=101', 'querystring.limit'],
          ['before=ord_nothing', 'querystring.before'],
        ] as const) {
          const refused = await portal(h, shop, 'GET', `/v1/portal/orders?${query}`);
          assert.deepEqual(
            [refused.status, refused.body.error.code, refused.body.error.field],
            [400, 'invalid_request', field],
            query,
          );
        }

        const detail = await portal(h, shop, 'GET', `/v1/portal/orders/${first}`);
        assert.deepEqual(
          [detail.status, detail.body.status, detail.body.refundable, detail.body.payer.provider, detail.body.refunds],
          [200, 'SUCCESS', '25000', 'bluepay', []],
        );
        assert.equal(detail.body.payer.name, maskName(payer.name));
        const foreign = await portal(h, shop, 'GET', `/v1/portal/orders/${otherOrder}`);
        assert.deepEqual([foreign.status, foreign.body.error.code], [404, 'order_not_found']);
        const foreignRefund = await portal(h, shop, 'POST', `/v1/portal/orders/${otherOrder}/refunds`, {
          amount: '100',
        });
        assert.equal(foreignRefund.status, 404, "another merchant's order cannot be refunded");

        const balanceBefore = await h.balanceOf(payer);
        const refund = { amount: '5000', reason: '坏了一个', out_request_no: 'portal-R-1' };
        const refunded = await portal(h, shop, 'POST', `/v1/portal/orders/${first}/refunds`, refund);
        assert.deepEqual(
          [refunded.status, refunded.body.status, refunded.body.amount],
          [201, 'SUCCESS', '5000'],
          refunded.text,
        );
        const again = await portal(h, shop, 'POST', `/v1/portal/orders/${first}/refunds`, refund);
        assert.deepEqual(
          [again.status, again.body.refund_id],
          [201, refunded.body.refund_id],
          'a double click refunds once',
        );
        assert.equal(await h.balanceOf(payer), balanceBefore + 5_000n);
        const over = await portal(h, shop, 'POST', `/v1/portal/orders/${first}/refunds`, { amount: '20001' });
        assert.deepEqual([over.status, over.body.error.code], [422, 'refund_exceeds_paid']);
        assert.ok(over.body.error.message.length > 10, 'the refusal has a sentence');
        const badAmount = await portal(h, shop, 'POST', `/v1/portal/orders/${first}/refunds`, { amount: '12.50' });
        assert.deepEqual([badAmount.status, badAmount.body.error.field], [400, 'body.amount']);
        const unpaid = (await portal(h, shop, 'GET', '/v1/portal/orders?out_trade_no=U-1')).body.orders[0];
        const notPaid = await portal(h, shop, 'POST', `/v1/portal/orders/${unpaid.order_id}/refunds`, {
          amount: '100',
        });
        assert.deepEqual([notPaid.status, notPaid.body.error.code], [422, 'order_not_paid']);

        const after = await portal(h, shop, 'GET', `/v1/portal/orders/${first}`);
        assert.deepEqual(
          [
            after.body.status,
            after.body.refunded,
            after.body.refundable,
            after.body.refunds.map((r: { out_request_no: string }) => r.out_request_no),
          ],
          ['REFUND', '5000', '20000', ['portal-R-1']],
        );
        const boardAfter = await portal(h, shop, 'GET', '/v1/portal/dashboard?days=7');
        assert.deepEqual(boardAfter.body.today.refunded, { amount: '5000', count: 1 });
        assert.equal(boardAfter.body.by_day.length, 7);
        const wallet = await h.call('GET', '/v1/wallet/statement?limit=5', { token: payer.token });
        assert.equal(wallet.status, 200);
      }),
    );

    test(
      'stores and codes: add a store and a code, list them, print the stand; another merchant cannot',
      withHarness(async (h) => {
        const shop = await openShop(h);
        const other = await openShop(h, 'greenpay', '小李咖啡');
        const empty = await portal(h, shop, 'GET', '/v1/portal/stores');
        assert.deepEqual(empty.body, { stores: [], codes_without_store: [] });
        const blank = await portal(h, shop, 'POST', '/v1/portal/stores', { name: '  ', city: '北京' });
        assert.deepEqual([blank.status, blank.body.error.field], [400, 'body.name']);
        const added = await portal(h, shop, 'POST', '/v1/portal/stores', { name: '朝阳门店', city: '北京' });
        assert.equal(added.status, 201, added.text);
        const code = await portal(h, shop, 'POST', `/v1/portal/stores/${added.body.store_id}/collection-codes`);
        assert.equal(code.status, 201, code.text);
        assert.match(code.body.qr_png, /\/c\/s[A-Za-z0-9_-]+\/qr\.png$/);
        assert.match(code.body.emv_qr, /^000201/);
        const listed = await portal(h, shop, 'GET', '/v1/portal/stores');
        assert.deepEqual(
          [listed.body.stores[0].name, listed.body.stores[0].codes.map((entry: { code: string }) => entry.code)],
          ['朝阳门店', [code.body.code]],
        );
        const qr = await h.app.inject({ method: 'GET', url: new URL(code.body.qr_png).pathname });
        assert.deepEqual([qr.statusCode, qr.headers['content-type']], [200, 'image/png']);
        const stand = await portal(h, shop, 'GET', code.body.stand_svg);
        assert.equal(stand.status, 200);
        assert.match(String(stand.headers['content-type']), /^image\/svg\+xml/);
        assert.ok(
          stand.text.includes('老王水果店') && stand.text.includes('朝阳门店') && stand.text.includes('扫码付款'),
        );
        assert.ok(stand.text.includes('<path'), 'the QR is drawn into the stand');
        const notYours = await portal(h, other, 'GET', code.body.stand_svg);
        assert.deepEqual([notYours.status, notYours.body.error.code], [404, 'code_not_found']);
        const notYourStore = await portal(
          h,
          other,
          'POST',
          `/v1/portal/stores/${added.body.store_id}/collection-codes`,
        );
        assert.deepEqual([notYourStore.status, notYourStore.body.error.code], [404, 'store_not_found']);
        const scanned = await h.call('POST', '/v1/codes/scan', {
          token: (await h.signUp()).token,
          body: { text: code.body.code_url },
        });
        assert.deepEqual(
          [scanned.status, scanned.body.merchant.name, scanned.body.store.name],
          [200, '老王水果店', '朝阳门店'],
        );
      }),
    );

    test(
      'settlements, the trade bill, API credentials and the webhook log with re-send',
      withHarness(async (h) => {
        const shop = await openShop(h);
        const payer = await h.funded(100_000n);
        const { publicKey } = generateKeyPairSync('ed25519');
        const app = await h.call('POST', `/v1/admin/merchants/${shop.merchantId}/apps`, {
          headers: admin,
          // Nothing listens here: the event stays in the log, pending, for the re-send.
          body: {
            public_key_pem: publicKey.export({ type: 'spki', format: 'pem' }),
            webhook_url: 'http://127.0.0.1:9/hook',
          },
        });
        assert.equal(app.status, 201, JSON.stringify(app.body));
        const orderId = await paidOrder(h, shop, payer, 'B-1', 10_000n);
        const today = businessDateOf(h.clock.nowMs());

        const bill = await portal(h, shop, 'GET', `/v1/portal/bills/${today}`);
        assert.equal(bill.status, 200);
        assert.match(String(bill.headers['content-disposition']), /attachment; filename="trade-bill-.*\.csv"/);
        assert.ok(bill.text.includes(orderId));
        const badDate = await portal(h, shop, 'GET', '/v1/portal/bills/2026-13-01');
        assert.deepEqual([badDate.status, badDate.body.error.field], [400, 'params.date']);

        assert.deepEqual((await portal(h, shop, 'GET', '/v1/portal/settlements')).body, { settlements: [] });
        h.clock.advanceMs(24 * 3600 * 1000);
        assert.ok((await h.modules.settlements.settleDue(100)) >= 1);
        // A day later the session has ended (12 hours): log in again.
        shop.cookie = await logIn(h, shop.login, PASSWORD);
        const settled = await portal(h, shop, 'GET', '/v1/portal/settlements');
        assert.equal(settled.status, 200, settled.text);
        assert.deepEqual(
          settled.body.settlements.map((entry: { business_date: string; status: string; gross: string }) => [
            entry.business_date,
            entry.status,
            entry.gross,
          ]),
          [[today, 'paid_out', '10000']],
        );

        const credentials = await portal(h, shop, 'GET', '/v1/portal/credentials');
        assert.deepEqual(
          credentials.body.apps.map((entry: { app_id: string; key_algorithm: string; webhook_url: string }) => [
            entry.app_id,
            entry.key_algorithm,
            entry.webhook_url,
          ]),
          [[app.body.app_id, 'ed25519', 'http://127.0.0.1:9/hook']],
        );
        assert.match(credentials.body.platform_webhook_key.public_key_pem, /BEGIN PUBLIC KEY/);

        const log = await portal(h, shop, 'GET', '/v1/portal/notifications');
        assert.equal(log.status, 200, log.text);
        const event = log.body.notifications.find((entry: { type: string }) => entry.type === 'trade.success');
        assert.ok(event, JSON.stringify(log.body));
        assert.equal(event.url, 'http://127.0.0.1:9/hook');
        const resent = await portal(h, shop, 'POST', `/v1/portal/notifications/${event.id}/resend`);
        assert.deepEqual([resent.status, resent.body.id, resent.body.status], [202, event.id, 'pending']);
        const other = await openShop(h, 'bluepay', '别家');
        const foreign = await portal(h, other, 'POST', `/v1/portal/notifications/${event.id}/resend`);
        assert.equal(foreign.status, 404, "another merchant's event does not exist for it");
        assert.deepEqual((await portal(h, other, 'GET', '/v1/portal/notifications')).body.notifications, []);
      }),
    );

    test(
      'the demo seed makes two merchants with portal logins, once, and their logins work',
      withHarness(async (h) => {
        const first = await seedDemo(h.modules);
        const again = await seedDemo(h.modules);
        assert.deepEqual(again.merchantPortal, first.merchantPortal, 'seeding again makes nothing new');
        assert.deepEqual(
          first.merchantPortal.map((entry) => [entry.merchantName, entry.provider, entry.login]),
          [
            ['老王水果店', 'bluepay', '13700000001'],
            ['小李咖啡', 'greenpay', 'owner@xiaoli-coffee.example'],
          ],
        );
        for (const entry of first.merchantPortal) {
          const shop: Shop = {
            merchantId: entry.merchantId,
            login: entry.login,
            cookie: await logIn(h, entry.login, entry.password),
          };
          const stores = await portal(h, shop, 'GET', '/v1/portal/stores');
          assert.deepEqual(
            stores.body.stores[0].codes.map((code: { code: string }) => code.code),
            [entry.collectionCode],
          );
        }
      }),
    );
  });
}
