// Merchant-to-user transfers on every store: a top-up of the available balance from the bank
// (idempotent per key), a transfer paid once however often it is repeated, and the refusals —
// a short balance (nothing recorded, so the same out_biz_no works after a top-up), another
// provider's user, an unknown user, a reused out_biz_no with another amount. The audits close it.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { testStores } from '../testing/stores.js';
import { withWalletHarness } from '../testing/wallet-app.js';
import { createMerchantTransferService } from './merchant-transfers.js';

for (const storeKind of testStores) {
  describe(`merchant transfers on ${storeKind.name}`, { skip: storeKind.skip }, () => {
    test(
      'top-up, transfer once, refusals',
      withWalletHarness(storeKind, async (h) => {
        const bank = await h.modules.banking.openAccount({
          bankId: 'east-bank',
          kind: 'debit',
          holderName: '小李商店',
          phone: '13711110000',
          amountFen: 5_000n,
        });
        assert.ok(bank.ok);
        const created = await h.modules.merchants.create({
          providerId: 'bluepay',
          kind: 'individual',
          name: '小李商店',
          mcc: '5812',
          settlementBankAccountId: bank.value.id,
        });
        assert.ok(created.ok);
        const merchant = created.value;
        const transfers = createMerchantTransferService(h.modules);
        const payee = await h.funded(0n);

        const short = await transfers.transfer(merchant, {
          outBizNo: 'B-1',
          amountFen: 1_000n,
          payeeUserId: payee.userId,
        });
        assert.equal(short.ok ? null : short.error.code, 'merchant_insufficient_funds');
        const tooBig = await transfers.fundFromBank(merchant, { amountFen: 5_001n, idempotencyKey: 'k0' });
        assert.equal(tooBig.ok ? null : tooBig.error.code, 'bank_insufficient_funds');
        const funded = await transfers.fundFromBank(merchant, { amountFen: 3_000n, idempotencyKey: 'k1' });
        assert.deepEqual(funded, { ok: true, value: { amountFen: 3_000n, replayed: false } });
        const replay = await transfers.fundFromBank(merchant, { amountFen: 3_000n, idempotencyKey: 'k1' });
        assert.deepEqual(replay, { ok: true, value: { amountFen: 3_000n, replayed: true } });
        assert.equal(await transfers.availableFen(merchant), 3_000n);

        const paid = await transfers.transfer(merchant, {
          outBizNo: 'B-1',
          amountFen: 1_000n,
          payeeUserId: payee.userId,
        });
        assert.ok(paid.ok);
        assert.equal(paid.value.status, 'SUCCESS');
        const again = await transfers.transfer(merchant, {
          outBizNo: 'B-1',
          amountFen: 1_000n,
          payeeUserId: payee.userId,
        });
        assert.deepEqual(again.ok && again.value.id, paid.value.id);
        assert.equal(await h.balanceOf(payee), 1_000n);
        assert.equal(await transfers.availableFen(merchant), 2_000n);
        const transfer = await h.modules.ledger.getTransfer(`mtr:${merchant.id}:B-1`);
        assert.equal(transfer?.amount, 1_000n, 'the ledger id is the merchant and out_biz_no');

        const conflict = await transfers.transfer(merchant, {
          outBizNo: 'B-1',
          amountFen: 999n,
          payeeUserId: payee.userId,
        });
        assert.equal(conflict.ok ? null : conflict.error.code, 'out_biz_no_conflict');
        const elsewhere = await h.funded(0n, 'greenpay');
        const cross = await transfers.transfer(merchant, {
          outBizNo: 'B-2',
          amountFen: 1n,
          payeeUserId: elsewhere.userId,
        });
        assert.equal(cross.ok ? null : cross.error.code, 'cross_provider_not_supported');
        const nobody = await transfers.transfer(merchant, { outBizNo: 'B-3', amountFen: 1n, payeeUserId: 'u_nobody' });
        assert.equal(nobody.ok ? null : nobody.error.code, 'payee_not_found');
        const badNo = await transfers.transfer(merchant, { outBizNo: 'B 4', amountFen: 1n, payeeUserId: payee.userId });
        assert.equal(badNo.ok ? null : badNo.error.code, 'invalid_transfer');
      }),
    );
  });
}
