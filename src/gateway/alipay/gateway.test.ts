// The classic gateway driven by the real alipay-sdk (every response's signature checked) against a
// real server on a loopback port, on every store: precreate → a wallet user scans and pays → the
// notification, verified by the SDK → query → partial refund → refund query → the bill, whose
// totals equal the ledger; payment codes below and above the password-free limit; close, cancel,
// trade.create for one buyer.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { businessDateOf } from '../../acquiring/settlement.js';
import { testStores } from '../../testing/stores.js';
import { withWalletHarness, type WalletHarness } from '../../testing/wallet-app.js';
import { openAlipayShop, startReceiver } from './testing.js';

const DAY_MS = 86_400_000;

/** Pays an order's qr_code as the wallet user who scanned it. */
async function payQr(h: WalletHarness, token: string, qrCode: string, key: string) {
  const code = new URL(qrCode).pathname.split('/c/')[1]!;
  return h.call('POST', `/v1/codes/${code}/pay`, { token, key, body: {} });
}

async function paymentCode(h: WalletHarness, token: string): Promise<string> {
  const issued = await h.call('POST', '/v1/wallet/payment-codes', { token });
  assert.equal(issued.status, 201, JSON.stringify(issued.body));
  return issued.body.code;
}

/**
 * Noon of today in Shanghai. The classic gateway does not check the SDK's timestamps (real time),
 * and a test that moves the clock forward by minutes must not cross midnight in Shanghai: the
 * trade bill is per business day (run at 23:50 there, the payment and the refund fell on two).
 */
function shanghaiNoonToday(): number {
  const shanghaiNow = new Date(Date.now() + 8 * 3_600_000);
  return Date.UTC(shanghaiNow.getUTCFullYear(), shanghaiNow.getUTCMonth(), shanghaiNow.getUTCDate(), 4);
}

for (const storeKind of testStores) {
  describe(`Alipay classic gateway on ${storeKind.name}`, { skip: storeKind.skip }, () => {
    test(
      'precreate → scan and pay → notification (retried until success) → query → partial refund → refund query → bill = ledger',
      withWalletHarness(storeKind, async (h) => {
        h.clock.setMs(shanghaiNoonToday());
        const shop = await openAlipayShop(h);
        const receiver = await startReceiver(shop.sdk, (index) => (index === 0 ? 'fail' : 'success'));
        try {
          const created = await shop.exec(
            'alipay.trade.precreate',
            { outTradeNo: 'A-1', totalAmount: '250.00', subject: '苹果 5 斤', passbackParams: 'shelf=3' },
            { notifyUrl: receiver.url },
          );
          assert.equal(created.code, '10000', JSON.stringify(created));
          assert.match(created.qrCode, new RegExp(`^${shop.baseUrl}/c/o[A-Za-z0-9_-]+$`));
          const again = await shop.exec('alipay.trade.precreate', {
            outTradeNo: 'A-1',
            totalAmount: '250.00',
            subject: '苹果 5 斤',
          });
          assert.equal(again.qrCode, created.qrCode, 'the same out_trade_no gives the same code');
          const waiting = await shop.exec('alipay.trade.query', { outTradeNo: 'A-1' });
          assert.deepEqual(
            [waiting.code, waiting.tradeStatus, waiting.totalAmount],
            ['10000', 'WAIT_BUYER_PAY', '250.00'],
          );

          const payer = await h.funded(100_000n);
          const paid = await payQr(h, payer.token, created.qrCode, 'pay-a1');
          assert.deepEqual([paid.status, paid.body.status], [201, 'SUCCESS']);
          const native = await h.modules.orders.find(shop.merchant.id, { outTradeNo: 'A-1' });
          assert.equal(native?.protocol, 'alipay', 'the order is an ordinary order of the one engine');

          await h.modules.notifier.runOnce(10);
          h.clock.advanceMs(240_000);
          await h.modules.notifier.runOnce(10);
          assert.deepEqual(
            receiver.received.map((r) => [r.answeredWith, r.verified]),
            [
              ['fail', true],
              ['success', true],
            ],
          );
          const notice = receiver.received[1]!.fields;
          assert.deepEqual(
            [notice.notify_type, notice.trade_status, notice.out_trade_no, notice.total_amount, notice.buyer_id],
            ['trade_status_sync', 'TRADE_SUCCESS', 'A-1', '250.00', payer.userId],
          );
          assert.deepEqual(
            [notice.app_id, notice.passback_params, notice.sign_type],
            [shop.credentials.appId, 'shelf=3', 'RSA2'],
          );
          assert.deepEqual(JSON.parse(notice.fund_bill_list!), [{ amount: '250.00', fundChannel: 'ALIPAYACCOUNT' }]);
          assert.equal(receiver.received[0]!.fields.notify_id, notice.notify_id, 'the same notify_id on every attempt');
          await h.modules.notifier.runOnce(10);
          h.clock.advanceMs(600_000);
          await h.modules.notifier.runOnce(10);
          assert.equal(receiver.received.length, 2, '"success" ends the retries');

          const queried = await shop.exec('alipay.trade.query', { tradeNo: native!.id });
          assert.deepEqual(
            [queried.tradeStatus, queried.outTradeNo, queried.buyerUserId, queried.buyerPayAmount],
            ['TRADE_SUCCESS', 'A-1', payer.userId, '250.00'],
          );
          assert.deepEqual(queried.fundBillList, [{ amount: '250.00', fundChannel: 'ALIPAYACCOUNT' }]);
          assert.match(queried.buyerLogonId, /^1[0-9]{2}\*{4}[0-9]{4}$/);

          const refund = { outTradeNo: 'A-1', refundAmount: '50.00', outRequestNo: 'R-1', refundReason: '坏了一个' };
          const refunded = await shop.exec('alipay.trade.refund', refund);
          assert.deepEqual([refunded.code, refunded.fundChange, refunded.refundFee], ['10000', 'Y', '50.00']);
          const repeated = await shop.exec('alipay.trade.refund', refund);
          assert.deepEqual([repeated.code, repeated.fundChange, repeated.refundFee], ['10000', 'N', '50.00']);
          assert.equal(await h.balanceOf(payer), 100_000n - 25_000n + 5_000n, 'the repeat moved nothing');
          const over = await shop.exec('alipay.trade.refund', {
            outTradeNo: 'A-1',
            refundAmount: '200.01',
            outRequestNo: 'R-2',
          });
          assert.deepEqual([over.code, over.subCode], ['40004', 'ACQ.REFUND_AMT_NOT_EQUAL_TOTAL']);

          const found = await shop.exec('alipay.trade.fastpay.refund.query', {
            outTradeNo: 'A-1',
            outRequestNo: 'R-1',
          });
          assert.deepEqual(
            [found.code, found.refundStatus, found.refundAmount, found.totalAmount],
            ['10000', 'REFUND_SUCCESS', '50.00', '250.00'],
          );
          const none = await shop.exec('alipay.trade.fastpay.refund.query', { outTradeNo: 'A-1', outRequestNo: 'R-2' });
          assert.deepEqual([none.code, none.refundStatus], ['10000', undefined], 'no refund_status: not refunded');
          const noRequestNo = await shop.exec('alipay.trade.fastpay.refund.query', { outTradeNo: 'A-1' });
          assert.deepEqual([noRequestNo.code, noRequestNo.subCode], ['40001', 'isv.missing-parameter']);

          await h.modules.notifier.runOnce(10);
          const refundNotice = receiver.received.at(-1)!;
          assert.equal(refundNotice.verified, true);
          assert.deepEqual(
            [refundNotice.fields.trade_status, refundNotice.fields.out_biz_no, refundNotice.fields.refund_fee],
            ['TRADE_SUCCESS', 'R-1', '50.00'],
          );

          const closePaid = await shop.exec('alipay.trade.close', { outTradeNo: 'A-1' });
          assert.deepEqual([closePaid.code, closePaid.subCode], ['40004', 'ACQ.TRADE_STATUS_ERROR']);

          const paidDay = businessDateOf(h.clock.nowMs());
          const early = await shop.exec('alipay.data.dataservice.bill.downloadurl.query', {
            billType: 'trade',
            billDate: paidDay,
          });
          assert.deepEqual([early.code, early.subCode], ['40004', 'isp.bill_not_exist']);
          h.clock.advanceMs(DAY_MS);
          const link = await shop.exec('alipay.data.dataservice.bill.downloadurl.query', {
            billType: 'trade',
            billDate: paidDay,
          });
          assert.equal(link.code, '10000', JSON.stringify(link));
          assert.ok(link.billDownloadUrl.startsWith(`${shop.baseUrl}/alipay/bills/download?token=`));
          const bill = await fetch(link.billDownloadUrl);
          assert.equal(bill.status, 200);
          const total = (await bill.text())
            .trim()
            .split('\n')
            .at(-1)!
            .split(',')
            .map((field) => field.replaceAll('"', ''));
          assert.deepEqual(total, ['total', '1', '1', '250.00', '0.95', '50.00', '0.19', '199.24']);
          const pending = (await h.modules.ledger.getAccount(shop.merchant.pendingAccountId))!;
          assert.equal(pending.creditsPosted - pending.debitsPosted, 19_924n, 'bill net = ledger');
          const tampered = link.billDownloadUrl.replace(/.$/, (c: string) => (c === 'A' ? 'B' : 'A'));
          assert.equal((await fetch(tampered)).status, 404);
          h.clock.advanceMs(31_000);
          assert.equal((await fetch(link.billDownloadUrl)).status, 410, 'the link lives 30 seconds');
        } finally {
          await receiver.close();
        }
      }),
    );

    test(
      'trade.pay with a payment code below (10000) and above (10003, then the PIN) the limit; cancel; trade.create for one buyer',
      withWalletHarness(storeKind, async (h) => {
        h.clock.setMs(shanghaiNoonToday());
        const shop = await openAlipayShop(h);
        const payer = await h.funded(300_000n);
        const small = await shop.exec('alipay.trade.pay', {
          outTradeNo: 'P-1',
          scene: 'bar_code',
          authCode: await paymentCode(h, payer.token),
          subject: '香蕉',
          totalAmount: '8.88',
        });
        assert.deepEqual(
          [small.code, small.buyerUserId, small.totalAmount, small.receiptAmount],
          ['10000', payer.userId, '8.88', '8.88'],
        );
        const big = await shop.exec('alipay.trade.pay', {
          outTradeNo: 'P-2',
          scene: 'bar_code',
          authCode: await paymentCode(h, payer.token),
          subject: '果篮',
          totalAmount: '1000.01',
        });
        assert.deepEqual([big.code, big.msg], ['10003', 'order success pay inprocess']);
        assert.equal((await shop.exec('alipay.trade.query', { outTradeNo: 'P-2' })).tradeStatus, 'WAIT_BUYER_PAY');
        const confirmed = await h.call('POST', `/v1/wallet/payments/${big.tradeNo}/confirm`, {
          token: payer.token,
          key: 'confirm-p2',
          body: { pin: payer.pin },
        });
        assert.equal(confirmed.status, 201, JSON.stringify(confirmed.body));
        assert.equal((await shop.exec('alipay.trade.query', { outTradeNo: 'P-2' })).tradeStatus, 'TRADE_SUCCESS');
        const usedCode = await shop.exec('alipay.trade.pay', {
          outTradeNo: 'P-3',
          authCode: '280000000000000000',
          subject: 'x',
          totalAmount: '1.00',
        });
        assert.deepEqual([usedCode.code, usedCode.subCode], ['40004', 'ACQ.PAYMENT_AUTH_CODE_INVALID']);

        const cancelled = await shop.exec('alipay.trade.cancel', { outTradeNo: 'P-1' });
        assert.deepEqual([cancelled.code, cancelled.action, cancelled.retryFlag], ['10000', 'refund', 'N']);
        assert.equal((await shop.exec('alipay.trade.query', { outTradeNo: 'P-1' })).tradeStatus, 'TRADE_CLOSED');
        const cancelledAgain = await shop.exec('alipay.trade.cancel', { outTradeNo: 'P-1' });
        assert.deepEqual([cancelledAgain.code, cancelledAgain.action], ['10000', 'refund']);
        assert.equal(await h.balanceOf(payer), 300_000n - 100_001n, 'the cancelled payment came back once');

        const unpaid = await shop.exec('alipay.trade.precreate', {
          outTradeNo: 'U-1',
          totalAmount: '3.00',
          subject: 'x',
        });
        const cancelUnpaid = await shop.exec('alipay.trade.cancel', { outTradeNo: 'U-1' });
        assert.deepEqual([cancelUnpaid.code, cancelUnpaid.action], ['10000', 'close']);
        const late = await payQr(h, payer.token, unpaid.qrCode, 'late');
        assert.deepEqual([late.status, late.body.error.code], [422, 'order_closed']);

        const other = await h.funded(10_000n);
        const forOne = await shop.exec('alipay.trade.create', {
          outTradeNo: 'C-1',
          totalAmount: '12.00',
          subject: '小程序订单',
          buyerId: payer.userId,
        });
        assert.equal(forOne.code, '10000', JSON.stringify(forOne));
        const stranger = await h.call('POST', `/v1/wallet/payments/${forOne.tradeNo}/confirm`, {
          token: other.token,
          key: 'stranger',
          body: { pin: other.pin },
        });
        assert.equal(stranger.status, 404, 'only the named buyer sees the trade');
        const buyerPays = await h.call('POST', `/v1/wallet/payments/${forOne.tradeNo}/confirm`, {
          token: payer.token,
          key: 'buyer',
          body: { pin: payer.pin },
        });
        assert.equal(buyerPays.status, 201, JSON.stringify(buyerPays.body));
        const paidForOne = await shop.exec('alipay.trade.query', { tradeNo: forOne.tradeNo });
        assert.deepEqual([paidForOne.tradeStatus, paidForOne.outTradeNo], ['TRADE_SUCCESS', 'C-1']);
        const unknownBuyer = await shop.exec('alipay.trade.create', {
          outTradeNo: 'C-2',
          totalAmount: '1.00',
          subject: 'x',
          buyerId: 'u_nobody',
        });
        assert.deepEqual([unknownBuyer.code, unknownBuyer.subCode], ['40004', 'ACQ.INVALID_PARAMETER']);
      }),
    );
  });
}
