// Refusals as Alipay gives them, through the real SDK with every answer's signature checked: a
// wrong key, an unknown app, a missing parameter, bad amounts, an unknown order, a refund above
// what was paid, closing a paid order, paying a closed one; and the two answers that come as
// error_response (no method, an unknown method), sent by hand since the SDK cannot send them.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { testStores } from '../../testing/stores.js';
import { withWalletHarness } from '../../testing/wallet-app.js';
import { generateAlipayAppKeys } from './credentials.js';
import { contentToSign, signText, verifyText } from './signing.js';
import { openAlipayShop, sdkFor } from './testing.js';
import { createPrivateKey } from 'node:crypto';

for (const storeKind of testStores) {
  describe(`Alipay gateway refusals on ${storeKind.name}`, { skip: storeKind.skip }, () => {
    test(
      'signature, app, parameters, amounts, orders, refunds, close and pay are refused with their codes',
      withWalletHarness(storeKind, async (h) => {
        const shop = await openAlipayShop(h);
        const order = { outTradeNo: 'E-1', totalAmount: '10.00', subject: 'x' };

        const stranger = sdkFor(shop.credentials, { privateKey: generateAlipayAppKeys().privateKeyPem });
        const forged = await stranger.exec('alipay.trade.precreate', { bizContent: order }, { validateSign: true });
        assert.deepEqual(
          [forged.code, forged.msg, forged.subCode],
          ['40002', 'Invalid Arguments', 'isv.invalid-signature'],
        );
        assert.match(forged.subMsg, /app_id=.*&biz_content=.*&method=alipay\.trade\.precreate/);
        const nobody = sdkFor(shop.credentials, { appId: '2021999999999999' });
        const unknownApp = await nobody.exec('alipay.trade.query', { bizContent: order }, { validateSign: true });
        assert.deepEqual([unknownApp.code, unknownApp.subCode], ['40002', 'isv.invalid-app-id']);
        assert.equal(await h.modules.orders.find(shop.merchant.id, { outTradeNo: 'E-1' }), null, 'nothing was made');

        const missing = await shop.exec('alipay.trade.precreate', { outTradeNo: 'E-1', subject: 'x' });
        assert.deepEqual(
          [missing.code, missing.msg, missing.subCode],
          ['40001', 'Missing Required Arguments', 'isv.missing-parameter'],
        );
        for (const totalAmount of ['0.001', '-1', 'abc', 0, '0']) {
          const bad = await shop.exec('alipay.trade.precreate', { ...order, totalAmount });
          assert.deepEqual([bad.code, bad.subCode], ['40004', 'ACQ.INVALID_PARAMETER'], JSON.stringify(totalAmount));
        }
        const badRefund = await shop.exec('alipay.trade.refund', { outTradeNo: 'E-1', refundAmount: '0.001' });
        assert.deepEqual([badRefund.code, badRefund.subCode], ['40004', 'ACQ.INVALID_PARAMETER']);

        const unknown = await shop.exec('alipay.trade.query', { outTradeNo: 'NOPE' });
        assert.deepEqual(
          [unknown.code, unknown.msg, unknown.subCode, unknown.subMsg],
          ['40004', 'Business Failed', 'ACQ.TRADE_NOT_EXIST', '交易不存在'],
        );
        const noRef = await shop.exec('alipay.trade.query', {});
        assert.deepEqual([noRef.code, noRef.subCode], ['40001', 'isv.missing-parameter']);

        const created = await shop.exec('alipay.trade.precreate', order);
        assert.equal(created.code, '10000');
        const conflict = await shop.exec('alipay.trade.precreate', { ...order, totalAmount: '11.00' });
        assert.deepEqual([conflict.code, conflict.subCode], ['40004', 'ACQ.CONTEXT_INCONSISTENT']);
        const refundUnpaid = await shop.exec('alipay.trade.refund', { outTradeNo: 'E-1', refundAmount: '1.00' });
        assert.deepEqual([refundUnpaid.code, refundUnpaid.subCode], ['40004', 'ACQ.TRADE_STATUS_ERROR']);
        const closed = await shop.exec('alipay.trade.close', { outTradeNo: 'E-1' });
        assert.deepEqual([closed.code, closed.outTradeNo], ['10000', 'E-1']);
        assert.equal((await shop.exec('alipay.trade.query', { outTradeNo: 'E-1' })).tradeStatus, 'TRADE_CLOSED');
        const payer = await h.funded(10_000n);
        const code = new URL(created.qrCode).pathname.split('/c/')[1]!;
        const payClosed = await h.call('POST', `/v1/codes/${code}/pay`, { token: payer.token, key: 'k', body: {} });
        assert.deepEqual([payClosed.status, payClosed.body.error.code], [422, 'order_closed']);
        const authCode = (await h.call('POST', '/v1/wallet/payment-codes', { token: payer.token })).body.code;
        const tillClosed = await shop.exec('alipay.trade.pay', { ...order, scene: 'bar_code', authCode });
        assert.deepEqual([tillClosed.code, tillClosed.subCode], ['40004', 'ACQ.TRADE_HAS_CLOSE']);

        const paid = await shop.exec('alipay.trade.pay', {
          outTradeNo: 'E-2',
          totalAmount: '5.00',
          subject: 'x',
          authCode: (await h.call('POST', '/v1/wallet/payment-codes', { token: payer.token })).body.code,
        });
        assert.equal(paid.code, '10000', JSON.stringify(paid));
        const closePaid = await shop.exec('alipay.trade.close', { outTradeNo: 'E-2' });
        assert.deepEqual([closePaid.code, closePaid.subCode], ['40004', 'ACQ.TRADE_STATUS_ERROR']);
        const payPaid = await shop.exec('alipay.trade.precreate', {
          outTradeNo: 'E-2',
          totalAmount: '5.00',
          subject: 'x',
        });
        assert.deepEqual([payPaid.code, payPaid.subCode], ['40004', 'ACQ.TRADE_HAS_SUCCESS']);
        const above = await shop.exec('alipay.trade.refund', { outTradeNo: 'E-2', refundAmount: '5.01' });
        assert.deepEqual([above.code, above.subCode], ['40004', 'ACQ.REFUND_AMT_NOT_EQUAL_TOTAL']);
        const badBill = await shop.exec('alipay.data.dataservice.bill.downloadurl.query', {
          billType: 'trade',
          billDate: '2026-02-30',
        });
        assert.deepEqual([badBill.code, badBill.subCode], ['40004', 'isv.invalid-bill-date']);
        assert.equal(await h.balanceOf(payer), 10_000n - 500n);
      }),
    );

    test(
      'no method and an unknown method answer as error_response, signed; a GET with query parameters works',
      withWalletHarness(storeKind, async (h) => {
        const shop = await openAlipayShop(h);
        const platformKey = shop.credentials.platformPublicKeyPem;
        const post = async (params: Record<string, string>) => {
          const response = await fetch(shop.credentials.gateway, {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded;charset=utf-8' },
            body: new URLSearchParams(params).toString(),
          });
          assert.equal(response.status, 200);
          return response.text();
        };
        const checkErrorResponse = (raw: string, subCode: string) => {
          const parsed = JSON.parse(raw);
          assert.equal(parsed.error_response.sub_code, subCode);
          const inner = raw.slice(raw.indexOf(':') + 1, raw.lastIndexOf(',"sign"'));
          assert.equal(verifyText(inner, parsed.sign, platformKey), true, 'error_response is signed too');
        };
        checkErrorResponse(await post({ app_id: shop.credentials.appId }), 'isv.missing-method');
        checkErrorResponse(
          await post({ method: 'alipay.trade.nothing', app_id: shop.credentials.appId }),
          'isv.invalid-method',
        );

        const params: Record<string, string> = {
          app_id: shop.credentials.appId,
          method: 'alipay.trade.query',
          format: 'JSON',
          charset: 'utf-8',
          sign_type: 'RSA2',
          timestamp: '2026-06-01 08:00:00',
          version: '1.0',
          biz_content: JSON.stringify({ out_trade_no: 'G-1' }),
        };
        const appKey = createPrivateKey(shop.credentials.appPrivateKeyPem);
        params.sign = signText(contentToSign(params, ['sign']), appKey);
        const response = await fetch(`${shop.credentials.gateway}?${new URLSearchParams(params)}`);
        const raw = await response.text();
        const answer = JSON.parse(raw).alipay_trade_query_response;
        assert.deepEqual(
          [answer.code, answer.sub_code],
          ['40004', 'ACQ.TRADE_NOT_EXIST'],
          'authentic, and the order is unknown',
        );
        const missingSign = await post({ ...params, sign: '' });
        assert.equal(JSON.parse(missingSign).alipay_trade_query_response.sub_code, 'isv.missing-signature');
        const xml = await post({ ...params, format: 'xml' });
        assert.equal(JSON.parse(xml).alipay_trade_query_response.sub_code, 'isv.invalid-format');
        const badTime = await post({ ...params, timestamp: '1767225600' });
        assert.equal(JSON.parse(badTime).alipay_trade_query_response.sub_code, 'isv.invalid-timestamp');
      }),
    );
  });
}
