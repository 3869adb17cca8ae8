// A process that dies between recording an operation and moving its money leaves the operation
// pending; the client's retry with the same Idempotency-Key finishes it, moving the money once.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TransferCodes } from '../network/chart.js';
import { testStores } from '../testing/stores.js';
import { createWalletHarness } from '../testing/wallet-app.js';

for (const storeKind of testStores) {
  describe(`wallet operations on ${storeKind.name}`, { skip: storeKind.skip }, () => {
    test('a transfer cut short after it was recorded is finished by the retry, once', async () => {
      const database = await storeKind.create();
      const h = await createWalletHarness(database);
      try {
        const alice = await h.funded(5_000n);
        const bob = await h.funded(0n);
        const key = 'interrupted-transfer';
        // As the route would record it, then "crash" before any money moves.
        const crashed = await h.modules.operations
          .run(
            {
              userId: alice.userId,
              kind: 'transfer',
              idempotencyKey: key,
              request: { to: bob.userId, amount: '700', note: null },
              amountFen: 700n,
              counterpartyUserId: bob.userId,
            },
            async () => {
              throw new Error('killed');
            },
          )
          .catch((error: Error) => error.message);
        assert.equal(crashed, 'killed');
        const pending = await h.modules.store.db
          .selectFrom('wallet_operations')
          .select(['id', 'status'])
          .where('idempotency_key', '=', key)
          .executeTakeFirstOrThrow();
        assert.equal(pending.status, 'pending');
        assert.equal(await h.balanceOf(bob), 0n);

        const retried = await h.call('POST', '/v1/wallet/transfers', {
          token: alice.token,
          key,
          body: { to_user_id: bob.userId, amount: '700', pin: alice.pin },
        });
        assert.equal(retried.status, 201, JSON.stringify(retried.body));
        assert.deepEqual([retried.body.id, retried.body.status], [pending.id, 'succeeded']);
        const again = await h.call('POST', '/v1/wallet/transfers', {
          token: alice.token,
          key,
          body: { to_user_id: bob.userId, amount: '700', pin: alice.pin },
        });
        assert.equal(again.body.id, pending.id);
        assert.equal(await h.balanceOf(bob), 700n);
        assert.equal(await h.balanceOf(alice), 4_300n);
        const moved = await h.modules.ledger.getTransfer(`${pending.id}:1`);
        assert.equal(moved?.code, TransferCodes.walletTransfer);
      } finally {
        await h.close();
        await database.cleanup();
      }
    });
  });
}
