// The v3 API through the SDK's curl() (which verifies every answer's signature headers), and its
// refusals: an unknown order (400), a wrong key, a replayed nonce, a stale timestamp (401); and
// alipay.fund.trans.uni.transfer from the merchant's available balance to a user's wallet.
import assert from 'node:assert/strict';
import { createPrivateKey, randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import { createMerchantTransferService } from '../../acquiring/merchant-transfers.js';
import { testStores } from '../../testing/stores.js';
import { withWalletHarness } from '../../testing/wallet-app.js';
import { generateAlipayAppKeys } from './credentials.js';
import { signText, verifyText } from './signing.js';
import { openAlipayShop, sdkFor } from './testing.js';

const refusalOf = async (call: Promise<unknown>) => {
  try {
    await call;
  } catch (error) {
    const refused = error as { code?: string; responseHttpStatus?: number };
    return [refused.responseHttpStatus, refused.code];
  }
  assert.fail('the call was not refused');
};

for (const storeKind of testStores) {
  describe(`Alipay v3 API and transfers on ${storeKind.name}`, { skip: storeKind.skip }, () => {
    test(
      'curl(): precreate, pay by scan, query, refund; refusals with their HTTP statuses',
      withWalletHarness(storeKind, async (h) => {
        h.clock.setMs(Date.now());
        const shop = await openAlipayShop(h);
        const created = await shop.sdk.curl('POST', '/v3/alipay/trade/precreate', {
          body: { out_trade_no: 'V-1', total_amount: '12.00', subject: '咖啡' },
        });
        assert.equal(created.responseHttpStatus, 200);
        assert.match(created.data.qr_code, /\/c\/o[A-Za-z0-9_-]+$/);
        const payer = await h.funded(10_000n);
        const code = new URL(created.data.qr_code).pathname.split('/c/')[1]!;
        assert.equal(
          (await h.call('POST', `/v1/codes/${code}/pay`, { token: payer.token, key: 'v', body: {} })).status,
          201,
        );
        const queried = await shop.sdk.curl('POST', '/v3/alipay/trade/query', { body: { out_trade_no: 'V-1' } });
        assert.deepEqual([queried.data.trade_status, queried.data.buyer_user_id], ['TRADE_SUCCESS', payer.userId]);
        const refunded = await shop.sdk.curl('POST', '/v3/alipay/trade/refund', {
          body: { out_trade_no: 'V-1', refund_amount: '2.00', out_request_no: 'VR-1' },
        });
        assert.deepEqual([refunded.data.fund_change, refunded.data.refund_fee], ['Y', '2.00']);
        const byQuery = await shop.sdk.curl('GET', '/v3/alipay/trade/query', { query: { out_trade_no: 'V-1' } });
        assert.equal(byQuery.data.trade_status, 'TRADE_SUCCESS');

        assert.deepEqual(
          await refusalOf(shop.sdk.curl('POST', '/v3/alipay/trade/query', { body: { out_trade_no: 'NOPE' } })),
          [400, 'ACQ.TRADE_NOT_EXIST'],
        );
        assert.deepEqual(
          await refusalOf(
            shop.sdk.curl('POST', '/v3/alipay/trade/precreate', {
              body: { out_trade_no: 'V-2', total_amount: '0.001', subject: 'x' },
            }),
          ),
          [400, 'ACQ.INVALID_PARAMETER'],
        );
        const stranger = sdkFor(shop.credentials, { privateKey: generateAlipayAppKeys().privateKeyPem });
        assert.deepEqual(
          await refusalOf(stranger.curl('POST', '/v3/alipay/trade/query', { body: { out_trade_no: 'V-1' } })),
          [401, 'isv.invalid-signature'],
        );
        const nobody = sdkFor(shop.credentials, { appId: '2021999999999999' });
        assert.deepEqual(
          await refusalOf(nobody.curl('POST', '/v3/alipay/trade/query', { body: { out_trade_no: 'V-1' } })),
          [401, 'isv.invalid-app-id'],
        );
        assert.deepEqual(await refusalOf(shop.sdk.curl('POST', '/v3/alipay/trade/nothing', { body: {} })), [
          404,
          'isv.invalid-method',
        ]);

        // By hand: the same signed request twice (the nonce), then one signed six minutes ago.
        const appKey = createPrivateKey(shop.credentials.appPrivateKeyPem);
        const send = async (timestampMs: number, nonce: string) => {
          const body = JSON.stringify({ out_trade_no: 'V-1' });
          const auth = `app_id=${shop.credentials.appId},nonce=${nonce},timestamp=${timestampMs}`;
          const sign = signText(`${auth}\nPOST\n/v3/alipay/trade/query\n${body}\n`, appKey);
          const response = await fetch(`${shop.baseUrl}/v3/alipay/trade/query`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `ALIPAY-SHA256withRSA ${auth},sign=${sign}` },
            body,
          });
          const text = await response.text();
          const signed = `${response.headers.get('alipay-timestamp')}\n${response.headers.get('alipay-nonce')}\n${text}\n`;
          assert.ok(
            verifyText(signed, response.headers.get('alipay-signature')!, shop.credentials.platformPublicKeyPem),
          );
          return [response.status, JSON.parse(text).code ?? JSON.parse(text).trade_status];
        };
        const nonce = randomUUID();
        assert.deepEqual(await send(h.clock.nowMs(), nonce), [200, 'TRADE_SUCCESS']);
        assert.deepEqual(await send(h.clock.nowMs(), nonce), [401, 'isv.invalid-nonce']);
        assert.deepEqual(await send(h.clock.nowMs() - 6 * 60_000, randomUUID()), [401, 'isv.invalid-timestamp']);
        const unsigned = await fetch(`${shop.baseUrl}/v3/alipay/trade/query`, { method: 'POST', body: '{}' });
        assert.equal(unsigned.status, 401);
      }),
    );

    test(
      'fund.trans.uni.transfer: by phone and name, by user id; idempotent per out_biz_no; the payee and balance checked',
      withWalletHarness(storeKind, async (h) => {
        h.clock.setMs(Date.now());
        const shop = await openAlipayShop(h);
        const payee = await h.funded(0n);
        const transfers = createMerchantTransferService(h.modules);
        const funded = await transfers.fundFromBank(shop.merchant, { amountFen: 10_000n, idempotencyKey: 'fund-1' });
        assert.ok(funded.ok, funded.ok ? '' : funded.error.message);
        const transfer = (outBizNo: string, amount: string, payeeInfo: Record<string, string>) =>
          shop.exec('alipay.fund.trans.uni.transfer', {
            outBizNo,
            transAmount: amount,
            productCode: 'TRANS_ACCOUNT_NO_PWD',
            bizScene: 'DIRECT_TRANSFER',
            orderTitle: '返现',
            payeeInfo,
          });
        const byPhone = { identity: payee.phone, identityType: 'ALIPAY_LOGON_ID', name: payee.name };
        const first = await transfer('T-1', '12.34', byPhone);
        assert.deepEqual(
          [first.code, first.status, first.outBizNo],
          ['10000', 'SUCCESS', 'T-1'],
          JSON.stringify(first),
        );
        const again = await transfer('T-1', '12.34', byPhone);
        assert.deepEqual([again.code, again.orderId], ['10000', first.orderId]);
        assert.equal(await h.balanceOf(payee), 1_234n, 'paid once');
        const changed = await transfer('T-1', '12.35', byPhone);
        assert.deepEqual([changed.code, changed.subCode], ['40004', 'INVALID_PARAMETER']);
        const byId = await transfer('T-2', '1.00', { identity: payee.userId, identityType: 'ALIPAY_USER_ID' });
        assert.equal(byId.code, '10000');
        assert.equal(await h.balanceOf(payee), 1_334n);
        const wrongName = await transfer('T-3', '1.00', { ...byPhone, name: '张三' });
        assert.deepEqual([wrongName.code, wrongName.subCode], ['40004', 'PAYEE_USERINFO_ERROR']);
        const noName = await transfer('T-3', '1.00', { identity: payee.phone, identityType: 'ALIPAY_LOGON_ID' });
        assert.deepEqual([noName.code, noName.subCode], ['40001', 'isv.missing-parameter']);
        const nobody = await transfer('T-3', '1.00', { ...byPhone, identity: '13999999999' });
        assert.deepEqual([nobody.code, nobody.subCode], ['40004', 'PAYEE_NOT_EXIST']);
        const tooMuch = await transfer('T-4', '100.00', byPhone);
        assert.deepEqual([tooMuch.code, tooMuch.subCode], ['40004', 'PAYER_BALANCE_NOT_ENOUGH']);
        const badAmount = await transfer('T-5', '-1', byPhone);
        assert.deepEqual([badAmount.code, badAmount.subCode], ['40004', 'INVALID_PARAMETER']);
        assert.equal(await transfers.availableFen(shop.merchant), 10_000n - 1_334n);
        const viaV3 = await shop.sdk.curl('POST', '/v3/alipay/fund/trans/uni/transfer', {
          body: {
            out_biz_no: 'T-6',
            trans_amount: '0.66',
            product_code: 'TRANS_ACCOUNT_NO_PWD',
            payee_info: { identity: payee.userId, identity_type: 'ALIPAY_USER_ID' },
          },
        });
        assert.equal(viaV3.data.status, 'SUCCESS');
        assert.equal(await h.balanceOf(payee), 1_400n);
      }),
    );
  });
}
