// The merchant side's flows on every store, through the services: orders paid from wallets, two
// payers racing for one order, expiry, refunds at their edges, scanned payment codes above and
// below the password-free limit, static codes; the ledger and reserve audits pass after each.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { User } from '../identity/service.js';
import type { Merchant } from '../merchant/service.js';
import { testStores } from '../testing/stores.js';
import { withWalletHarness, type Person, type WalletHarness } from '../testing/wallet-app.js';

async function openMerchant(h: WalletHarness, mcc = '5812'): Promise<Merchant> {
  const bank = await h.modules.banking.openAccount({
    bankId: 'north-bank',
    kind: 'debit',
    holderName: '小王面馆',
    phone: '13700000000',
    amountFen: 0n,
  });
  assert.ok(bank.ok);
  const merchant = await h.modules.merchants.create({
    providerId: 'bluepay',
    kind: 'individual',
    name: '小王面馆',
    mcc,
    settlementBankAccountId: bank.value.id,
  });
  assert.ok(merchant.ok, merchant.ok ? '' : merchant.error.message);
  return merchant.value;
}

const userOf = async (h: WalletHarness, person: Person): Promise<User> =>
  (await h.modules.identity.getUser(person.userId))!;
const balance = async (h: WalletHarness, accountId: bigint) => {
  const account = (await h.modules.ledger.getAccount(accountId))!;
  return account.creditsPosted - account.debitsPosted;
};

for (const storeKind of testStores) {
  describe(`acquiring on ${storeKind.name}`, { skip: storeKind.skip }, () => {
    const withHarness = (run: (harness: WalletHarness) => Promise<void>) => withWalletHarness(storeKind, run);

    test(
      'an order described to pay from memory is the order as created, and its payment still checks where it stands',
      withHarness(async (h) => {
        const merchant = await openMerchant(h);
        const [first, second] = [await h.funded(10_000n), await h.funded(10_000n)];
        const create = async (outTradeNo: string) => {
          const created = await h.modules.acquiring.createOrder(merchant, {
            outTradeNo,
            amountFen: 500n,
            subject: 'x',
          });
          assert.ok(created.ok);
          return created.value;
        };
        const payFromMemory = async (person: Person, code: string) => {
          const described = await h.modules.acquiring.describeCodeToPay(code);
          assert.equal(described?.order?.status, 'WAIT_BUYER_PAY', 'described as created, whatever happened since');
          return h.modules.acquiring.payCode(await userOf(h, person), code, {
            idempotencyKey: `${person.userId}:${code}`,
            pinConfirmed: false,
            described,
          });
        };
        const order = await create('mem-1');
        assert.equal(h.modules.orders.createdWithCode(order.code!), order);
        assert.ok(Object.isFrozen(order));
        assert.deepEqual(
          await h.modules.acquiring.describeCodeToPay(order.code!),
          await h.modules.acquiring.describeCode(order.code!),
        );
        const paid = await payFromMemory(first, order.code!);
        assert.ok(paid.ok && paid.value.status === 'SUCCESS');
        const again = await payFromMemory(first, order.code!);
        assert.ok(again.ok && again.value.status === 'SUCCESS' && again.value.paidAtMs === paid.value.paidAtMs);
        const loser = await payFromMemory(second, order.code!);
        assert.equal(loser.ok ? '' : loser.error.code, 'order_paid');
        const closed = await create('mem-2');
        assert.ok((await h.modules.orders.close(closed, 'closed')).ok);
        const late = await payFromMemory(second, closed.code!);
        assert.equal(late.ok ? '' : late.error.code, 'order_closed');
        assert.deepEqual([await h.balanceOf(first), await h.balanceOf(second)], [9_500n, 10_000n]);
        assert.equal(await h.modules.acquiring.describeCodeToPay('o-unknown'), null);
      }),
    );

    test(
      'a QR order is paid once: the payer is debited, the merchant credited net of 0.6%, the fee income gets the rest',
      withHarness(async (h) => {
        const merchant = await openMerchant(h);
        assert.equal(merchant.feeRateBps, 60);
        const payer = await h.funded(100_000n);
        const created = await h.modules.acquiring.createOrder(merchant, {
          outTradeNo: 'T-1',
          amountFen: 12_345n,
          subject: '牛肉面',
        });
        assert.ok(created.ok);
        assert.equal(created.value.status, 'WAIT_BUYER_PAY');
        const paid = await h.modules.acquiring.payCode(await userOf(h, payer), created.value.code!, {
          idempotencyKey: 'k',
          pinConfirmed: false,
        });
        assert.ok(paid.ok, paid.ok ? '' : paid.error.message);
        assert.equal(paid.value.status, 'SUCCESS');
        assert.equal(paid.value.feeFen, 74n); // 12345 × 0.6% = 74.07, half up
        assert.equal(await h.balanceOf(payer), 100_000n - 12_345n);
        assert.equal(await balance(h, merchant.pendingAccountId), 12_345n - 74n);
        const again = await h.modules.acquiring.payCode(await userOf(h, payer), created.value.code!, {
          idempotencyKey: 'k',
          pinConfirmed: false,
        });
        assert.ok(again.ok, 'the same payer paying again gets the paid order back');
        assert.equal(await h.balanceOf(payer), 100_000n - 12_345n);
        const repeat = await h.modules.acquiring.createOrder(merchant, {
          outTradeNo: 'T-1',
          amountFen: 12_345n,
          subject: '牛肉面',
        });
        assert.ok(repeat.ok && repeat.value.id === created.value.id);
        const conflict = await h.modules.acquiring.createOrder(merchant, {
          outTradeNo: 'T-1',
          amountFen: 1n,
          subject: '牛肉面',
        });
        assert.equal(conflict.ok ? '' : conflict.error.code, 'out_trade_no_conflict');
      }),
    );

    test(
      'two payers race for one order: exactly one pays, the other is refused and not charged',
      withHarness(async (h) => {
        const merchant = await openMerchant(h);
        const [alice, bob] = [await h.funded(50_000n), await h.funded(50_000n)];
        const order = await h.modules.acquiring.createOrder(merchant, {
          outTradeNo: 'race',
          amountFen: 10_000n,
          subject: 'x',
        });
        assert.ok(order.ok);
        const results = await Promise.all(
          [alice, bob].map(async (person) =>
            h.modules.acquiring.payCode(await userOf(h, person), order.value.code!, {
              idempotencyKey: 'k',
              pinConfirmed: false,
            }),
          ),
        );
        assert.equal(results.filter((r) => r.ok).length, 1);
        const loser = results.find((r) => !r.ok)!;
        assert.ok(!loser.ok && ['order_paid', 'order_being_paid'].includes(loser.error.code));
        const balances = [await h.balanceOf(alice), await h.balanceOf(bob)].sort();
        assert.deepEqual(balances, [40_000n, 50_000n]);
      }),
    );

    test(
      'an unpaid order closes at its expiry (clock moved, no sleeping); paying it then is refused; a paid order cannot be closed',
      withHarness(async (h) => {
        const merchant = await openMerchant(h);
        const payer = await h.funded(50_000n);
        const order = await h.modules.acquiring.createOrder(merchant, {
          outTradeNo: 'exp',
          amountFen: 100n,
          subject: 'x',
          timeoutSeconds: 60,
        });
        assert.ok(order.ok);
        h.clock.advanceMs(59_000);
        assert.equal(await h.modules.acquiring.sweep(100), 0);
        h.clock.advanceMs(1_000);
        assert.equal(await h.modules.acquiring.sweep(100), 1);
        const closed = (await h.modules.orders.get(order.value.id))!;
        assert.deepEqual([closed.status, closed.closeReason], ['CLOSED', 'expired']);
        const late = await h.modules.acquiring.payCode(await userOf(h, payer), order.value.code!, {
          idempotencyKey: 'k',
          pinConfirmed: false,
        });
        assert.equal(late.ok ? '' : late.error.code, 'order_closed');
        const paidOrder = await h.modules.acquiring.createOrder(merchant, {
          outTradeNo: 'paid',
          amountFen: 100n,
          subject: 'x',
        });
        assert.ok(paidOrder.ok);
        assert.ok(
          (
            await h.modules.acquiring.payCode(await userOf(h, payer), paidOrder.value.code!, {
              idempotencyKey: 'k2',
              pinConfirmed: false,
            })
          ).ok,
        );
        const closePaid = await h.modules.orders.close((await h.modules.orders.get(paidOrder.value.id))!, 'merchant');
        assert.equal(closePaid.ok ? '' : closePaid.error.code, 'order_paid');
        assert.equal(await h.balanceOf(payer), 50_000n - 100n);
      }),
    );

    test(
      'refunds: partial, several, idempotent per out_request_no, never above what was paid; the fee comes back pro rata',
      withHarness(async (h) => {
        const merchant = await openMerchant(h);
        const payer = await h.funded(50_000n);
        const created = await h.modules.acquiring.createOrder(merchant, {
          outTradeNo: 'R',
          amountFen: 10_001n,
          subject: 'x',
        });
        assert.ok(created.ok);
        const paid = await h.modules.acquiring.payCode(await userOf(h, payer), created.value.code!, {
          idempotencyKey: 'k',
          pinConfirmed: false,
        });
        assert.ok(paid.ok);
        assert.equal(paid.value.feeFen, 60n);
        const refund = (outRequestNo: string, amountFen: bigint) =>
          h.modules.orders
            .get(created.value.id)
            .then((order) => h.modules.refunds.refund(merchant, order!, { outRequestNo, amountFen }));
        const first = await refund('r1', 3_333n);
        assert.ok(first.ok);
        assert.equal(first.value.feeRefundFen, 19n); // floor(60 × 3333 / 10001)
        const replay = await refund('r1', 3_333n);
        assert.ok(replay.ok && replay.value.id === first.value.id);
        const conflict = await refund('r1', 1n);
        assert.equal(conflict.ok ? '' : conflict.error.code, 'out_request_no_conflict');
        const tooMuch = await refund('r2', 6_669n);
        assert.equal(tooMuch.ok ? '' : tooMuch.error.code, 'refund_exceeds_paid');
        const rest = await refund('r3', 6_668n);
        assert.ok(rest.ok);
        assert.equal(first.value.feeRefundFen + rest.value.feeRefundFen, 60n, 'a full refund returns the whole fee');
        const order = (await h.modules.orders.get(created.value.id))!;
        assert.deepEqual([order.status, order.refundedFen], ['REFUND', 10_001n]);
        assert.equal(await h.balanceOf(payer), 50_000n);
        assert.equal(await balance(h, merchant.pendingAccountId), 0n);
        const nothingLeft = await refund('r4', 1n);
        assert.equal(nothingLeft.ok ? '' : nothingLeft.error.code, 'refund_exceeds_paid');
        const unpaid = await h.modules.acquiring.createOrder(merchant, {
          outTradeNo: 'U',
          amountFen: 5n,
          subject: 'x',
        });
        assert.ok(unpaid.ok);
        const notPaid = await h.modules.refunds.refund(merchant, unpaid.value, { outRequestNo: 'u1', amountFen: 5n });
        assert.equal(notPaid.ok ? '' : notPaid.error.code, 'order_not_paid');
      }),
    );

    test(
      'payment codes: paid at once below the password-free limit; above it the order waits for the PIN or closes after 45 s; a code pays once',
      withHarness(async (h) => {
        const merchant = await openMerchant(h);
        const payer = await h.funded(500_000n);
        const user = await userOf(h, payer);
        const deviceId = (await h.modules.identity.authenticate(payer.token))!.session.deviceId;
        const issue = () => h.modules.paymentCodes.issue(user, deviceId);
        const small = await issue();
        assert.match(small.code, /^28[0-9]{16}$/);
        const paid = await h.modules.acquiring.payByCode(merchant, {
          outTradeNo: 'pc-1',
          amountFen: 100_000n,
          subject: 'x',
          authCode: small.code,
        });
        assert.ok(paid.ok && paid.value.status === 'SUCCESS', paid.ok ? paid.value.status : paid.error.message);
        const reused = await h.modules.acquiring.payByCode(merchant, {
          outTradeNo: 'pc-2',
          amountFen: 1n,
          subject: 'x',
          authCode: small.code,
        });
        assert.equal(reused.ok ? '' : reused.error.code, 'payment_code_used');

        const big = await issue();
        const waiting = await h.modules.acquiring.payByCode(merchant, {
          outTradeNo: 'pc-3',
          amountFen: 100_001n,
          subject: 'x',
          authCode: big.code,
        });
        assert.ok(waiting.ok && waiting.value.status === 'USERPAYING');
        assert.equal((await h.modules.acquiring.awaitingConfirmation(user)).length, 1);
        const noPin = await h.modules.acquiring.confirm(user, waiting.value.id, false);
        assert.equal(noPin.ok ? '' : noPin.error.code, 'pin_required');
        const confirmed = await h.modules.acquiring.confirm(user, waiting.value.id, true);
        assert.ok(confirmed.ok && confirmed.value.status === 'SUCCESS');

        const abandoned = await h.modules.acquiring.payByCode(merchant, {
          outTradeNo: 'pc-4',
          amountFen: 200_000n,
          subject: 'x',
          authCode: (await issue()).code,
        });
        assert.ok(abandoned.ok && abandoned.value.status === 'USERPAYING');
        h.clock.advanceMs(45_000);
        await h.modules.acquiring.sweep(100);
        const closed = (await h.modules.orders.get(abandoned.value.id))!;
        assert.deepEqual([closed.status, closed.closeReason], ['CLOSED', 'payer_did_not_confirm']);
        const expired = await issue();
        h.clock.advanceMs(60_000);
        const late = await h.modules.acquiring.payByCode(merchant, {
          outTradeNo: 'pc-5',
          amountFen: 1n,
          subject: 'x',
          authCode: expired.code,
        });
        assert.equal(late.ok ? '' : late.error.code, 'payment_code_expired');
        assert.equal(await h.balanceOf(payer), 500_000n - 100_000n - 100_001n);
      }),
    );

    test(
      'a static collection code: the payer types the amount; a retried confirmation pays once; large amounts need the PIN',
      withHarness(async (h) => {
        const merchant = await openMerchant(h, '5411');
        assert.equal(merchant.feeRateBps, 38);
        const stall = await h.modules.merchants.addStore(merchant.id, { name: '东门菜场 12 号', city: '杭州' });
        assert.ok(stall.ok);
        const code = await h.modules.acquiring.createStaticCode(merchant, stall.value);
        const described = await h.modules.acquiring.describeCode(code);
        assert.deepEqual(
          [described?.kind, described?.merchant?.name, described?.store?.name],
          ['static', '小王面馆', '东门菜场 12 号'],
        );
        const payer = await h.funded(300_000n);
        const user = await userOf(h, payer);
        const pay = (amountFen: bigint | undefined, key: string, pinConfirmed = false) =>
          h.modules.acquiring.payCode(user, code, { amountFen, idempotencyKey: key, pinConfirmed });
        assert.equal(
          ((await pay(undefined, 'a')) as { ok: false; error: { code: string } }).error.code,
          'amount_required',
        );
        const first = await pay(2_500n, 'veg-1');
        const retry = await pay(2_500n, 'veg-1');
        assert.ok(first.ok && retry.ok && first.value.id === retry.value.id);
        const big = await pay(150_000n, 'big');
        assert.equal(big.ok ? '' : big.error.code, 'pin_required');
        assert.ok((await pay(150_000n, 'big', true)).ok);
        assert.equal(await h.balanceOf(payer), 300_000n - 2_500n - 150_000n);
      }),
    );

    test(
      'a payment cut short after its order was claimed is finished by the sweep, charging once',
      withHarness(async (h) => {
        const merchant = await openMerchant(h);
        const payer = await h.funded(10_000n);
        const created = await h.modules.acquiring.createOrder(merchant, {
          outTradeNo: 'crash',
          amountFen: 700n,
          subject: 'x',
        });
        assert.ok(created.ok);
        // As the claim leaves it when the process dies before the ledger is asked.
        await h.modules.store.db
          .updateTable('orders')
          .set({ status: 'PAYING', payer_user_id: payer.userId, fee_fen: 4n })
          .where('id', '=', created.value.id)
          .execute();
        assert.equal(await h.balanceOf(payer), 10_000n);
        h.clock.advanceMs(11_000);
        assert.equal(await h.modules.acquiring.sweep(100), 1);
        const order = (await h.modules.orders.get(created.value.id))!;
        assert.equal(order.status, 'SUCCESS');
        await h.modules.acquiring.sweep(100);
        assert.equal(await h.balanceOf(payer), 9_300n);
      }),
    );
  });
}
