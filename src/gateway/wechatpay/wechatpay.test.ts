// The WeChat Pay v3 gateway driven by the real `wechatpay-axios-plugin` (response verification on)
// against a real Saoma server on a loopback port, on every store: a native order paid by a wallet
// user, its notification verified and decrypted, queries, a partial refund and its notification,
// the trade bill against the ledger; jsapi, app and h5 orders; close; and every refusal, with
// tampered, replayed and stale signatures.
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { Aes, Formatter, Rsa, Wechatpay } from 'wechatpay-axios-plugin';
import { businessDateOf } from '../../acquiring/settlement.js';
import { testStores } from '../../testing/stores.js';
import { withWalletHarness, type Person, type WalletHarness } from '../../testing/wallet-app.js';
import { BILL_DOWNLOAD_TTL_MS } from './bill.js';
import { registerWechatpayMerchant, wechatpayCredentials, type WechatpayCredentials } from './credentials.js';

const ADMIN = 'operator-token-for-wechatpay-tests';
const admin = { authorization: `Bearer ${ADMIN}` };

interface Shop {
  merchantId: string;
  creds: WechatpayCredentials;
  wx: any;
  /** A request signed by hand (for what the SDK will not send: stale, replayed, tampered). */
  raw(
    method: 'GET' | 'POST',
    pathWithQuery: string,
    options?: { body?: string; timestampSeconds?: number; nonce?: string; sentBody?: string },
  ): Promise<RawReply>;
}

interface RawReply {
  status: number;
  headers: Headers;
  text: string;
  json: any;
}

interface Notification {
  headers: IncomingHttpHeaders;
  body: string;
}

async function openShop(h: WalletHarness): Promise<Shop> {
  h.clock.setMs(Date.now());
  const bank = await h.call('POST', '/v1/admin/bank-accounts', {
    headers: admin,
    body: { bank: 'east-bank', kind: 'debit', holder_name: '微信小店', phone: '13700000002', amount: '0' },
  });
  const merchant = await h.call('POST', '/v1/admin/merchants', {
    headers: admin,
    body: {
      provider: 'bluepay',
      kind: 'business',
      name: '微信小店',
      mcc: '5812',
      settlement_bank_account_id: bank.body.id,
    },
  });
  assert.equal(merchant.status, 201, JSON.stringify(merchant.body));
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const merchantPrivateKeyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const registered = await registerWechatpayMerchant(h.modules, { merchantId: merchant.body.id, publicKeyPem });
  assert.ok(registered.ok, JSON.stringify(registered));
  const again = await registerWechatpayMerchant(h.modules, {
    merchantId: merchant.body.id,
    publicKeyPem,
    serialNo: registered.value.merchantSerial,
  });
  assert.deepEqual(again, registered, 'registering the same serial and key again changes nothing');
  await h.app.listen({ port: 0, host: '127.0.0.1' });
  const baseUrl = `http://127.0.0.1:${(h.app.server.address() as AddressInfo).port}`;
  const creds = await wechatpayCredentials(h.modules, {
    baseUrl,
    mchid: registered.value.mchid,
    merchantPrivateKeyPem,
  });
  assert.ok(creds.ok);
  assert.match(creds.value.platformPublicKeyId, /^PUB_KEY_ID_\d{36}$/);
  const wx = new Wechatpay({
    mchid: creds.value.mchid,
    serial: creds.value.merchantSerial,
    privateKey: creds.value.merchantPrivateKeyPem,
    certs: { [creds.value.platformPublicKeyId]: creds.value.platformPublicKeyPem },
    baseURL: baseUrl,
  });
  return {
    merchantId: merchant.body.id,
    creds: creds.value,
    wx,
    async raw(method, pathWithQuery, options = {}) {
      const body = options.body ?? '';
      const timestamp = options.timestampSeconds ?? Math.floor(h.clock.nowMs() / 1000);
      const nonce = options.nonce ?? Formatter.nonce();
      const signature = Rsa.sign(
        Formatter.request(method, pathWithQuery, timestamp, nonce, body),
        merchantPrivateKeyPem,
      );
      const response = await fetch(`${baseUrl}${pathWithQuery}`, {
        method,
        headers: {
          authorization: Formatter.authorization(
            creds.value.mchid,
            nonce,
            signature,
            timestamp,
            creds.value.merchantSerial,
          ),
          accept: 'application/json',
          ...(method === 'POST' ? { 'content-type': 'application/json' } : {}),
        },
        ...(method === 'POST' ? { body: options.sentBody ?? body } : {}),
      });
      const text = await response.text();
      return {
        status: response.status,
        headers: response.headers,
        text,
        json: text.startsWith('{') ? JSON.parse(text) : null,
      };
    },
  };
}

/** Every answer of the gateway carries the platform's signature over its exact body, and a Request-ID. */
function assertPlatformSigned(shop: Shop, reply: RawReply): void {
  const header = (name: string) => reply.headers.get(name) ?? '';
  assert.equal(header('wechatpay-serial'), shop.creds.platformPublicKeyId);
  assert.ok(header('request-id').length > 0);
  const message = Formatter.response(header('wechatpay-timestamp'), header('wechatpay-nonce'), reply.text);
  assert.equal(Rsa.verify(message, header('wechatpay-signature'), shop.creds.platformPublicKeyPem), true, reply.text);
}

/** The SDK's refusal of a call: status and WeChat Pay's code. */
async function refusal(call: Promise<unknown>): Promise<{ status: number; code: string; message: string }> {
  try {
    await call;
  } catch (error: any) {
    assert.ok(error.response, String(error));
    return { status: error.response.status, code: error.response.data.code, message: error.response.data.message };
  }
  assert.fail('the call was expected to be refused');
}

async function startReceiver(statuses: number[]): Promise<{ url: string; received: Notification[]; server: Server }> {
  const received: Notification[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
      response.writeHead(statuses.shift() ?? 204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/wxpay/notify`, received, server };
}

/** The receiver's side, with the SDK's own helpers: the signature, then the resource decrypted. */
function openNotification(shop: Shop, notification: Notification): { event: any; resource: any } {
  const headers = notification.headers;
  assert.equal(headers['wechatpay-serial'], shop.creds.platformPublicKeyId);
  const signed = Formatter.response(
    String(headers['wechatpay-timestamp']),
    String(headers['wechatpay-nonce']),
    notification.body,
  );
  assert.equal(Rsa.verify(signed, String(headers['wechatpay-signature']), shop.creds.platformPublicKeyPem), true);
  const event = JSON.parse(notification.body);
  assert.equal(event.resource_type, 'encrypt-resource');
  assert.equal(event.resource.algorithm, 'AEAD_AES_256_GCM');
  const plain = Aes.AesGcm.decrypt(
    event.resource.ciphertext,
    shop.creds.apiV3Key,
    event.resource.nonce,
    event.resource.associated_data,
  );
  return { event, resource: JSON.parse(plain) };
}

const codeOf = (url: string) => /\/c\/([A-Za-z0-9_-]+)/.exec(url)![1]!;

async function payCode(h: WalletHarness, payer: Person, code: string, key: string) {
  return h.call('POST', `/v1/codes/${code}/pay`, { token: payer.token, key, body: {} });
}

function nativeOrder(shop: Shop, outTradeNo: string, totalFen: number, notifyUrl: string, extra: object = {}) {
  return {
    appid: shop.creds.appid,
    mchid: shop.creds.mchid,
    description: '深圳分店-咖啡',
    out_trade_no: outTradeNo,
    notify_url: notifyUrl,
    amount: { total: totalFen, currency: 'CNY' },
    ...extra,
  };
}

for (const storeKind of testStores) {
  describe(`WeChat Pay v3 gateway on ${storeKind.name}`, { skip: storeKind.skip }, () => {
    const withHarness = (run: (harness: WalletHarness) => Promise<void>) =>
      withWalletHarness(storeKind, run, { adminToken: ADMIN });

    test(
      'native order → wallet pays → notification verified and decrypted → queries → partial refund → refund query → bill equals the ledger',
      withHarness(async (h) => {
        const shop = await openShop(h);
        const receiver = await startReceiver([500]);
        try {
          const payer = await h.funded(100_000n);
          const order = nativeOrder(shop, 'WX20260001', 25_000, receiver.url, { attach: '自定义数据' });
          const created = await shop.wx.v3.pay.transactions.native.post(order);
          assert.equal(created.status, 200);
          assert.match(created.data.code_url, /^http:\/\/127\.0\.0\.1:\d+\/c\/o[A-Za-z0-9_-]+$/);
          const repeated = await shop.wx.v3.pay.transactions.native.post(order);
          assert.equal(repeated.data.code_url, created.data.code_url, 'the same order again answers the same code');

          const unpaid = await shop.wx.v3.pay.transactions.outTradeNo._out_trade_no_.get({
            params: { mchid: shop.creds.mchid },
            out_trade_no: 'WX20260001',
          });
          assert.deepEqual([unpaid.data.trade_state, unpaid.data.transaction_id], ['NOTPAY', undefined]);

          const paid = await payCode(h, payer, codeOf(created.data.code_url), 'wx-pay-1');
          assert.deepEqual([paid.status, paid.body.status], [201, 'SUCCESS']);
          assert.equal(paid.body.fee, '150', '0.6% of ¥250');

          // WeChat Pay's schedule: the receiver fails once, the retry comes 15 s later.
          await h.modules.notifier.runOnce(10);
          h.clock.advanceMs(14_000);
          await h.modules.notifier.runOnce(10);
          assert.equal(receiver.received.length, 1, 'not before the schedule says');
          h.clock.advanceMs(1_000);
          await h.modules.notifier.runOnce(10);
          assert.equal(receiver.received.length, 2);
          const [first, second] = receiver.received.map((n) => openNotification(shop, n));
          assert.equal(first!.event.id, second!.event.id, 'one event id on every attempt');
          assert.deepEqual(
            [second!.event.event_type, second!.event.resource.original_type],
            ['TRANSACTION.SUCCESS', 'transaction'],
          );

          const byOutTradeNo = await shop.wx.v3.pay.transactions.outTradeNo._out_trade_no_.get({
            params: { mchid: shop.creds.mchid },
            out_trade_no: 'WX20260001',
          });
          const transaction = byOutTradeNo.data;
          assert.equal(transaction.trade_state, 'SUCCESS');
          assert.equal(transaction.trade_type, 'NATIVE');
          assert.equal(transaction.attach, '自定义数据');
          assert.deepEqual(transaction.amount, {
            total: 25_000,
            payer_total: 25_000,
            currency: 'CNY',
            payer_currency: 'CNY',
          });
          assert.match(transaction.payer.openid, /^o[A-Za-z0-9_-]{27}$/);
          assert.match(transaction.success_time, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00$/);
          assert.deepEqual(second!.resource, transaction, 'the notification carries what the query answers');
          const byId = await shop.wx.v3.pay.transactions.id._transaction_id_.get({
            params: { mchid: shop.creds.mchid },
            transaction_id: transaction.transaction_id,
          });
          assert.deepEqual(byId.data, transaction);

          const refund = {
            out_trade_no: 'WX20260001',
            out_refund_no: 'RF20260001',
            reason: '少了一杯',
            amount: { refund: 5_000, total: 25_000, currency: 'CNY' },
          };
          const refunded = await shop.wx.v3.refund.domestic.refunds.post(refund);
          assert.deepEqual(
            [refunded.data.status, refunded.data.out_refund_no, refunded.data.transaction_id],
            ['SUCCESS', 'RF20260001', transaction.transaction_id],
          );
          assert.deepEqual(
            [refunded.data.amount.refund, refunded.data.amount.total, refunded.data.amount.refund_fee],
            [5_000, 25_000, 30],
          );
          const replayed = await shop.wx.v3.refund.domestic.refunds.post(refund);
          assert.equal(replayed.data.refund_id, refunded.data.refund_id, 'one refund per out_refund_no');
          assert.equal(await h.balanceOf(payer), 100_000n - 25_000n + 5_000n);
          const over = await refusal(
            shop.wx.v3.refund.domestic.refunds.post({
              transaction_id: transaction.transaction_id,
              out_refund_no: 'RF20260002',
              amount: { refund: 20_001, total: 25_000, currency: 'CNY' },
            }),
          );
          assert.deepEqual([over.status, over.code], [400, 'INVALID_REQUEST']);
          const queriedRefund = await shop.wx.v3.refund.domestic.refunds._out_refund_no_.get({
            out_refund_no: 'RF20260001',
          });
          assert.deepEqual(queriedRefund.data, refunded.data);
          const refundState = await shop.wx.v3.pay.transactions.id._transaction_id_.get({
            params: { mchid: shop.creds.mchid },
            transaction_id: transaction.transaction_id,
          });
          assert.equal(refundState.data.trade_state, 'REFUND');

          await h.modules.notifier.runOnce(10);
          assert.equal(receiver.received.length, 3);
          const refundNote = openNotification(shop, receiver.received[2]!);
          assert.equal(refundNote.event.event_type, 'REFUND.SUCCESS');
          assert.deepEqual(
            [refundNote.resource.refund_status, refundNote.resource.out_refund_no, refundNote.resource.amount.refund],
            ['SUCCESS', 'RF20260001', 5_000],
          );

          const today = businessDateOf(h.clock.nowMs());
          const bill = await shop.wx.v3.bill.tradebill.get({ params: { bill_date: today, bill_type: 'ALL' } });
          assert.equal(bill.data.hash_type, 'SHA1');
          const download = await shop.wx.v3.billdownload.file.get({
            params: { token: new URL(bill.data.download_url).searchParams.get('token') },
            responseType: 'arraybuffer',
          });
          const bytes = Buffer.from(download.data);
          assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'UTF-8 with a BOM');
          assert.equal(createHash('sha1').update(bytes).digest('hex'), bill.data.hash_value);
          const { rows, summary } = Formatter.castCsvBill(bytes) as { rows: any[]; summary: any };
          assert.deepEqual(
            rows.map((row: any) => [row['交易状态'], row['商户订单号'], row['微信订单号']]),
            [
              ['SUCCESS', 'WX20260001', transaction.transaction_id],
              ['REFUND', 'WX20260001', transaction.transaction_id],
            ],
          );
          assert.equal(rows[0]['用户标识'], transaction.payer.openid);
          assert.deepEqual(summary, {
            总交易单数: '2',
            应结订单总金额: '250.00',
            退款总金额: '50.00',
            充值券退款总金额: '0.00',
            手续费总金额: '1.20',
            订单总金额: '250.00',
            申请退款总金额: '50.00',
          });
          const fen = (yuan: string) => BigInt(yuan.replace('.', ''));
          const billNetFen = fen(summary['应结订单总金额']) - fen(summary['退款总金额']) - fen(summary['手续费总金额']);
          const merchant = (await h.modules.merchants.get(shop.merchantId))!;
          const pending = (await h.modules.ledger.getAccount(merchant.pendingAccountId))!;
          assert.equal(billNetFen, pending.creditsPosted - pending.debitsPosted, 'the bill nets to the ledger');

          const gzipped = await shop.wx.v3.bill.tradebill.get({ params: { bill_date: today, tar_type: 'GZIP' } });
          const gzipDownload = await shop.wx.v3.billdownload.file.get({
            params: { token: new URL(gzipped.data.download_url).searchParams.get('token') },
            responseType: 'arraybuffer',
          });
          const unzipped = gunzipSync(Buffer.from(gzipDownload.data));
          assert.equal(createHash('sha1').update(unzipped).digest('hex'), gzipped.data.hash_value);
          assert.deepEqual(unzipped, bytes);
        } finally {
          receiver.server.close();
        }
      }),
    );

    test(
      'jsapi (payer by openid), app and h5 orders are paid by their codes; close answers a signed 204',
      withHarness(async (h) => {
        const shop = await openShop(h);
        const receiver = await startReceiver([]);
        try {
          const payer = await h.funded(100_000n);
          const stranger = await h.funded(100_000n);
          const first = await shop.wx.v3.pay.transactions.native.post(
            nativeOrder(shop, 'WXFIRST01', 100, receiver.url),
          );
          await payCode(h, payer, codeOf(first.data.code_url), 'wx-first');
          const queried = await shop.wx.v3.pay.transactions.outTradeNo._out_trade_no_.get({
            params: { mchid: shop.creds.mchid },
            out_trade_no: 'WXFIRST01',
          });
          const openid = queried.data.payer.openid as string;

          const jsapi = await shop.wx.v3.pay.transactions.jsapi.post(
            nativeOrder(shop, 'WXJSAPI01', 300, receiver.url, { payer: { openid } }),
          );
          assert.match(jsapi.data.prepay_id, /^wx\d{14}o[A-Za-z0-9_-]+$/);
          const jsapiCode = (jsapi.data.prepay_id as string).slice(16);
          const wrongPayer = await payCode(h, stranger, jsapiCode, 'wx-stranger');
          assert.deepEqual(
            [wrongPayer.status, wrongPayer.body.error.code],
            [409, 'order_being_paid'],
            'a JSAPI order is its payer’s alone',
          );
          assert.equal((await payCode(h, payer, jsapiCode, 'wx-jsapi')).body.status, 'SUCCESS');
          const jsapiPaid = await shop.wx.v3.pay.transactions.outTradeNo._out_trade_no_.get({
            params: { mchid: shop.creds.mchid },
            out_trade_no: 'WXJSAPI01',
          });
          assert.deepEqual(
            [jsapiPaid.data.trade_type, jsapiPaid.data.trade_state, jsapiPaid.data.payer.openid],
            ['JSAPI', 'SUCCESS', openid],
          );
          const unknownOpenid = await refusal(
            shop.wx.v3.pay.transactions.jsapi.post(
              nativeOrder(shop, 'WXJSAPI02', 300, receiver.url, { payer: { openid: 'oNOBODYxxxxxxxxxxxxxxxxxxxxx' } }),
            ),
          );
          assert.deepEqual([unknownOpenid.status, unknownOpenid.code], [400, 'PARAM_ERROR']);

          const app = await shop.wx.v3.pay.transactions.app.post(nativeOrder(shop, 'WXAPP0001', 400, receiver.url));
          assert.equal(
            (await payCode(h, stranger, (app.data.prepay_id as string).slice(16), 'wx-app')).body.status,
            'SUCCESS',
          );
          const h5 = await shop.wx.v3.pay.transactions.h5.post(
            nativeOrder(shop, 'WXH5000001', 500, receiver.url, {
              scene_info: { payer_client_ip: '203.0.113.7', h5_info: { type: 'Wap' } },
            }),
          );
          assert.match(h5.data.h5_url, /\/c\/o[A-Za-z0-9_-]+\?prepay_id=wx\d{14}o/);
          const scanned = await h.call('POST', '/v1/codes/scan', {
            token: payer.token,
            body: { text: `${h5.data.h5_url}&redirect_url=x` },
          });
          assert.deepEqual([scanned.status, scanned.body.order.amount], [200, '500']);
          assert.equal((await payCode(h, payer, codeOf(h5.data.h5_url), 'wx-h5')).body.status, 'SUCCESS');
          for (const [outTradeNo, tradeType] of [
            ['WXAPP0001', 'APP'],
            ['WXH5000001', 'MWEB'],
          ]) {
            const state = await shop.wx.v3.pay.transactions.outTradeNo._out_trade_no_.get({
              params: { mchid: shop.creds.mchid },
              out_trade_no: outTradeNo,
            });
            assert.deepEqual([state.data.trade_type, state.data.trade_state], [tradeType, 'SUCCESS']);
          }
          const noScene = await refusal(
            shop.wx.v3.pay.transactions.h5.post(nativeOrder(shop, 'WXH5000002', 500, receiver.url)),
          );
          assert.deepEqual([noScene.code, noScene.message], ['PARAM_ERROR', '/scene_info: is required']);

          const toClose = await shop.wx.v3.pay.transactions.native.post(
            nativeOrder(shop, 'WXCLOSE01', 700, receiver.url),
          );
          const closed = await shop.wx.v3.pay.transactions.outTradeNo._out_trade_no_.close.post(
            { mchid: shop.creds.mchid },
            { out_trade_no: 'WXCLOSE01' },
          );
          assert.deepEqual([closed.status, closed.data], [204, ''], 'verified by the SDK: a signed empty body');
          const closedAgain = await shop.raw('POST', '/v3/pay/transactions/out-trade-no/WXCLOSE01/close', {
            body: JSON.stringify({ mchid: shop.creds.mchid }),
          });
          assert.deepEqual([closedAgain.status, closedAgain.text], [204, '']);
          assertPlatformSigned(shop, closedAgain);
          const state = await shop.wx.v3.pay.transactions.outTradeNo._out_trade_no_.get({
            params: { mchid: shop.creds.mchid },
            out_trade_no: 'WXCLOSE01',
          });
          assert.equal(state.data.trade_state, 'CLOSED');
          const payClosed = await payCode(h, payer, codeOf(toClose.data.code_url), 'wx-closed');
          assert.deepEqual([payClosed.status, payClosed.body.error.code], [422, 'order_closed']);
          const reopen = await refusal(
            shop.wx.v3.pay.transactions.native.post(nativeOrder(shop, 'WXCLOSE01', 700, receiver.url)),
          );
          assert.deepEqual([reopen.status, reopen.code], [400, 'ORDER_CLOSED']);
          const closePaid = await refusal(
            shop.wx.v3.pay.transactions.outTradeNo._out_trade_no_.close.post(
              { mchid: shop.creds.mchid },
              { out_trade_no: 'WXAPP0001' },
            ),
          );
          assert.deepEqual([closePaid.status, closePaid.code], [400, 'ORDERPAID']);
          const payAgain = await refusal(
            shop.wx.v3.pay.transactions.app.post(nativeOrder(shop, 'WXAPP0001', 400, receiver.url)),
          );
          assert.deepEqual([payAgain.status, payAgain.code], [400, 'ORDERPAID']);
          const otherType = await refusal(
            shop.wx.v3.pay.transactions.native.post(nativeOrder(shop, 'WXJSAPI01', 300, receiver.url)),
          );
          assert.deepEqual([otherType.status, otherType.code], [403, 'OUT_TRADE_NO_USED']);
          const otherAmount = await refusal(
            shop.wx.v3.pay.transactions.native.post(nativeOrder(shop, 'WXFIRST01', 101, receiver.url)),
          );
          assert.deepEqual([otherAmount.status, otherAmount.code], [403, 'OUT_TRADE_NO_USED']);

          // The native API sees the same orders: one engine.
          const native = await h.modules.orders.find(shop.merchantId, { outTradeNo: 'WXJSAPI01' });
          assert.deepEqual(
            [native?.protocol, native?.status, native?.payerUserId],
            ['wechatpay', 'SUCCESS', payer.userId],
          );
        } finally {
          receiver.server.close();
        }
      }),
    );

    test(
      'refusals in WeChat Pay’s shape, signed: bad parameters and amounts, unknown orders, other merchants, bad signatures',
      withHarness(async (h) => {
        const shop = await openShop(h);
        const url = 'http://127.0.0.1:9/notify';
        for (const total of [0, -1, 1.5, '1', 'abc', '0.001', 2 ** 53]) {
          const refused = await refusal(
            shop.wx.v3.pay.transactions.native.post(nativeOrder(shop, 'WXBADAMT1', total as number, url)),
          );
          assert.deepEqual([refused.status, refused.code], [400, 'PARAM_ERROR'], String(total));
        }
        const missing = { ...nativeOrder(shop, 'WXMISS001', 1, url), description: undefined };
        assert.deepEqual(await refusal(shop.wx.v3.pay.transactions.native.post(missing)), {
          status: 400,
          code: 'PARAM_ERROR',
          message: '/description: is required',
        });
        const shortNo = await refusal(shop.wx.v3.pay.transactions.native.post(nativeOrder(shop, 'WX1', 1, url)));
        assert.equal(shortNo.code, 'PARAM_ERROR');
        const badCurrency = await refusal(
          shop.wx.v3.pay.transactions.native.post({
            ...nativeOrder(shop, 'WXUSD0001', 1, url),
            amount: { total: 1, currency: 'USD' },
          }),
        );
        assert.equal(badCurrency.code, 'PARAM_ERROR');
        const wrongAppid = await refusal(
          shop.wx.v3.pay.transactions.native.post({
            ...nativeOrder(shop, 'WXAPPID01', 1, url),
            appid: 'wx0000000000000000',
          }),
        );
        assert.deepEqual([wrongAppid.status, wrongAppid.code], [400, 'APPID_MCHID_NOT_MATCH']);
        const otherMchid = await refusal(
          shop.wx.v3.pay.transactions.native.post({ ...nativeOrder(shop, 'WXMCHID01', 1, url), mchid: '1900000001' }),
        );
        assert.deepEqual([otherMchid.status, otherMchid.code], [403, 'NO_AUTH']);
        const pastExpiry = await refusal(
          shop.wx.v3.pay.transactions.native.post(
            nativeOrder(shop, 'WXEXPIRE1', 1, url, { time_expire: '2020-01-01T00:00:00+08:00' }),
          ),
        );
        assert.equal(pastExpiry.code, 'PARAM_ERROR');

        for (const get of [
          () =>
            shop.wx.v3.pay.transactions.outTradeNo._out_trade_no_.get({
              params: { mchid: shop.creds.mchid },
              out_trade_no: 'NOSUCH01',
            }),
          () =>
            shop.wx.v3.pay.transactions.id._transaction_id_.get({
              params: { mchid: shop.creds.mchid },
              transaction_id: 'ord_nosuch',
            }),
        ]) {
          assert.deepEqual(await refusal(get()), { status: 404, code: 'ORDER_NOT_EXIST', message: '订单不存在' });
        }
        const unpaid = await shop.wx.v3.pay.transactions.native.post(nativeOrder(shop, 'WXUNPAID1', 1, url));
        assert.ok(unpaid.data.code_url);
        const order = (await h.modules.orders.find(shop.merchantId, { outTradeNo: 'WXUNPAID1' }))!;
        const unpaidById = await refusal(
          shop.wx.v3.pay.transactions.id._transaction_id_.get({
            params: { mchid: shop.creds.mchid },
            transaction_id: order.id,
          }),
        );
        assert.equal(unpaidById.code, 'ORDER_NOT_EXIST', 'an unpaid order has no transaction_id yet');
        const noMchid = await refusal(
          shop.wx.v3.pay.transactions.outTradeNo._out_trade_no_.get({ out_trade_no: 'WXUNPAID1' }),
        );
        assert.deepEqual([noMchid.status, noMchid.code], [400, 'PARAM_ERROR']);
        const foreign = await refusal(
          shop.wx.v3.pay.transactions.outTradeNo._out_trade_no_.get({
            params: { mchid: '1900000001' },
            out_trade_no: 'WXUNPAID1',
          }),
        );
        assert.deepEqual([foreign.status, foreign.code], [403, 'NO_AUTH']);
        const closeUnknown = await refusal(
          shop.wx.v3.pay.transactions.outTradeNo._out_trade_no_.close.post(
            { mchid: shop.creds.mchid },
            { out_trade_no: 'NOSUCH01' },
          ),
        );
        assert.deepEqual([closeUnknown.status, closeUnknown.code], [404, 'ORDER_NOT_EXIST']);

        const refundUnknown = await refusal(
          shop.wx.v3.refund.domestic.refunds.post({
            out_trade_no: 'NOSUCH01',
            out_refund_no: 'RFX1',
            amount: { refund: 1, total: 1, currency: 'CNY' },
          }),
        );
        assert.deepEqual([refundUnknown.status, refundUnknown.code], [404, 'RESOURCE_NOT_EXISTS']);
        const refundUnpaid = await refusal(
          shop.wx.v3.refund.domestic.refunds.post({
            out_trade_no: 'WXUNPAID1',
            out_refund_no: 'RFX2',
            amount: { refund: 1, total: 1, currency: 'CNY' },
          }),
        );
        assert.deepEqual([refundUnpaid.status, refundUnpaid.code], [400, 'INVALID_REQUEST']);
        for (const amount of [
          { refund: 0, total: 1, currency: 'CNY' },
          { refund: '1', total: 1, currency: 'CNY' },
          { refund: 1, total: 1 },
        ]) {
          const bad = await refusal(
            shop.wx.v3.refund.domestic.refunds.post({ out_trade_no: 'WXUNPAID1', out_refund_no: 'RFX3', amount }),
          );
          assert.equal(bad.code, 'PARAM_ERROR', JSON.stringify(amount));
        }
        const refundQuery = await refusal(
          shop.wx.v3.refund.domestic.refunds._out_refund_no_.get({ out_refund_no: 'RFNONE' }),
        );
        assert.deepEqual([refundQuery.status, refundQuery.code], [404, 'RESOURCE_NOT_EXISTS']);

        const today = businessDateOf(h.clock.nowMs());
        const noTrades = await refusal(shop.wx.v3.bill.tradebill.get({ params: { bill_date: today } }));
        assert.deepEqual([noTrades.status, noTrades.code], [400, 'NO_STATEMENT_EXIST']);
        const badDate = await refusal(shop.wx.v3.bill.tradebill.get({ params: { bill_date: '2026-13-01' } }));
        assert.equal(badDate.code, 'PARAM_ERROR');
        const future = await refusal(shop.wx.v3.bill.tradebill.get({ params: { bill_date: '2999-01-01' } }));
        assert.equal(future.code, 'NO_STATEMENT_EXIST');

        // By hand: what the SDK will not send. Every refusal is signed all the same.
        const path = `/v3/pay/transactions/out-trade-no/WXUNPAID1?mchid=${shop.creds.mchid}`;
        const good = await shop.raw('GET', path, { nonce: 'replayed-nonce-0001' });
        assert.equal(good.status, 200);
        assertPlatformSigned(shop, good);
        const replayed = await shop.raw('GET', path, { nonce: 'replayed-nonce-0001' });
        assert.deepEqual([replayed.status, replayed.json.code], [401, 'SIGN_ERROR']);
        assertPlatformSigned(shop, replayed);
        const stale = await shop.raw('GET', path, { timestampSeconds: Math.floor(h.clock.nowMs() / 1000) - 301 });
        assert.deepEqual([stale.status, stale.json.code], [401, 'SIGN_ERROR']);
        const ahead = await shop.raw('GET', path, { timestampSeconds: Math.floor(h.clock.nowMs() / 1000) + 301 });
        assert.deepEqual([ahead.status, ahead.json.code], [401, 'SIGN_ERROR']);
        const body = JSON.stringify(nativeOrder(shop, 'WXTAMPER1', 100, url));
        const tampered = await shop.raw('POST', '/v3/pay/transactions/native', {
          body,
          sentBody: body.replace('100', '1'),
        });
        assert.deepEqual([tampered.status, tampered.json.code], [401, 'SIGN_ERROR']);
        assertPlatformSigned(shop, tampered);
        const otherQuery = await shop.raw('GET', path.replace('WXUNPAID1', 'WXUNPAID2'), {});
        assert.equal(otherQuery.status, 404, 'a good signature over another path is for that path only');
        const unsigned = await fetch(`${shop.creds.baseUrl}${path}`);
        assert.equal(unsigned.status, 401);
        const notFound = await shop.raw('GET', '/v3/pay/no-such-call');
        assert.deepEqual([notFound.status, notFound.json.code], [404, 'NOT_FOUND']);
        assertPlatformSigned(shop, notFound);
        const notJson = await fetch(`${shop.creds.baseUrl}/v3/pay/transactions/native`, {
          method: 'POST',
          headers: { 'content-type': 'text/plain' },
          body: 'x',
        });
        assert.equal(notJson.status, 400);
        assert.ok(notJson.headers.get('wechatpay-signature'));
        assert.equal(await h.modules.orders.find(shop.merchantId, { outTradeNo: 'WXTAMPER1' }), null);

        // A download token is the merchant's own and runs out.
        const payer = await h.funded(10_000n);
        await payCode(h, payer, codeOf(unpaid.data.code_url), 'wx-unpaid');
        const bill = await shop.wx.v3.bill.tradebill.get({ params: { bill_date: today } });
        const downloadPath = new URL(bill.data.download_url).pathname + new URL(bill.data.download_url).search;
        h.clock.advanceMs(BILL_DOWNLOAD_TTL_MS);
        const expired = await shop.raw('GET', downloadPath);
        assert.deepEqual([expired.status, expired.json.code], [400, 'INVALID_REQUEST']);
        assertPlatformSigned(shop, expired);
      }),
    );
  });
}
