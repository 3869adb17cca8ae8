// The composition root: the expiry sweep (on a manual clock and mocked timers, never real
// waiting) and startSaoma's shutdown, which must finish every queued transfer before the store closes.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { createTestBook } from './ledger/testing.js';
import { AccountFlags, TransferFlags } from './ledger/types.js';
import { createLedgerService, type LedgerService } from './ledger/service.js';
import { startExpirySweep, startSaoma, type SweepLog } from './main.js';
import { systemClock } from './shared/clock.js';
import { openStore } from './store/store.js';
import { testStores } from './testing/stores.js';

function recordingLog(): SweepLog & { errors: string[]; infos: object[] } {
  const errors: string[] = [];
  const infos: object[] = [];
  return {
    errors,
    infos,
    info: (details) => infos.push(details),
    error: (details) => errors.push(String((details as { err?: Error }).err?.message)),
  };
}

describe('expiry sweep', () => {
  test('voids a pending transfer once its timeout has passed, not before', async () => {
    const database = await testStores.find((kind) => kind.name === 'sqlite-memory')!.create();
    const book = await createTestBook(database.store);
    try {
      const alice = await book.openWallet(100n);
      const bob = await book.openWallet(0n);
      const hold = book.transferRequest('hold-1', alice, bob, 40n, {
        flags: TransferFlags.pending,
        timeoutSeconds: 30,
      });
      assert.equal((await book.ledger.transferOne(hold)).code, 'ok');
      const log = recordingLog();
      const sweep = startExpirySweep(book.ledger, log, 3_600_000);
      assert.equal(await sweep.runOnce(), 0);
      book.clock.advanceMs(30_001);
      assert.equal(await sweep.runOnce(), 1);
      await sweep.stop();
      assert.equal((await book.ledger.getTransfer('hold-1'))?.pendingStatus, 'expired');
      assert.equal((await book.ledger.getAccount(alice.id))?.debitsPending, 0n);
      assert.deepEqual(log.infos, [{ voided: 1 }]);
      assert.deepEqual(log.errors, []);
      await book.closeAudited();
    } finally {
      await database.cleanup();
    }
  });

  test('runs on its timer, logs a failure and keeps going, and stops when told', async (context) => {
    context.mock.timers.enable({ apis: ['setTimeout'] });
    let calls = 0;
    const ledger = {
      expireDue: async () => {
        calls++;
        if (calls === 1) throw new Error('database went away');
        return 0;
      },
    } as Pick<LedgerService, 'expireDue'> as LedgerService;
    const log = recordingLog();
    const sweep = startExpirySweep(ledger, log, 1_000);
    context.mock.timers.tick(999);
    assert.equal(calls, 0);
    context.mock.timers.tick(1);
    await settled();
    assert.equal(calls, 1);
    assert.deepEqual(log.errors, ['database went away']);
    context.mock.timers.tick(1_000);
    await settled();
    assert.equal(calls, 2, 'the sweep after a failure still runs');
    await sweep.stop();
    context.mock.timers.tick(10_000);
    await settled();
    assert.equal(calls, 2, 'no sweep after stop');
  });
});

/** Lets promise callbacks queued by a fired (mocked) timer run. */
const settled = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('startSaoma', () => {
  test('listens, serves, and on close finishes every queued transfer before closing the store', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'saoma-main-'));
    const databaseUrl = `sqlite:${join(directory, 'saoma.db')}`;
    const token = 'main-test-admin-token-0123456789';
    try {
      const running = await startSaoma({ databaseUrl, host: '127.0.0.1', port: 0, adminToken: token, logLevel: false });
      assert.match(running.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.equal((await fetch(`${running.url}/health`)).status, 200);
      const { source, wallet } = await setUpOverHttp(running.url, token);
      const payments = Array.from({ length: 300 }, (_, index) =>
        running.ledger.transferOne({
          id: `pay-${index}`,
          debitAccountId: source,
          creditAccountId: wallet,
          amount: 1n,
          ledgerId: 1,
          code: 1,
        }),
      );
      const closing = running.close();
      assert.equal(running.close(), closing, 'close is idempotent');
      const results = await Promise.all(payments);
      await closing;
      assert.deepEqual(new Set(results.map((result) => result.code)), new Set(['ok']));
      await assert.rejects(fetch(`${running.url}/health`));

      const store = await openStore(databaseUrl);
      try {
        const ledger = createLedgerService({ store, clock: systemClock });
        assert.equal((await ledger.getAccount(wallet))?.creditsPosted, 300n);
        const report = await ledger.audit();
        assert.equal(report.ok, true);
        assert.equal(report.transfers, 300);
        await ledger.close();
      } finally {
        await store.close();
      }
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  test('a port in use fails startSaoma with the listen error', async () => {
    const first = await startSaoma({ databaseUrl: 'sqlite::memory:', host: '127.0.0.1', port: 0, logLevel: false });
    try {
      const port = Number(new URL(first.url).port);
      await assert.rejects(
        startSaoma({ databaseUrl: 'sqlite::memory:', host: '127.0.0.1', port, logLevel: false }),
        /EADDRINUSE/,
      );
    } finally {
      await first.close();
    }
  });
});

async function setUpOverHttp(url: string, token: string): Promise<{ source: bigint; wallet: bigint }> {
  const post = async (path: string, body: object) => {
    const response = await fetch(`${url}/v1/admin/ledger${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    assert.equal(response.status, 200, await response.clone().text());
    return (await response.json()) as { id: string };
  };
  await post('/institutions', { id: 'bank', name: 'Bank', kind: 'bank' });
  await post('/ledgers', { id: 1, currency: 'CNY', scale: 2, name: 'Renminbi' });
  const source = await post('/accounts', { institution_id: 'bank', ledger_id: 1, code: 1 });
  const wallet = await post('/accounts', {
    institution_id: 'bank',
    ledger_id: 1,
    code: 1,
    flags: AccountFlags.debitsMustNotExceedCredits,
  });
  return { source: BigInt(source.id), wallet: BigInt(wallet.id) };
}
