// The ledger's conformance suite: every behaviour, run against SQLite and PostgreSQL alike.
// After each test the audit must pass: a test that leaves the books unbalanced fails.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { testStores, type TestDatabase } from '../testing/stores.js';
import { CNY, USD, createTestBook, type TestBook } from './testing.js';
import { AMOUNT_MAX, AccountFlags, TransferFlags, type TransferResultCode } from './types.js';

for (const storeKind of testStores) {
  describe(`ledger on ${storeKind.name}`, { skip: storeKind.skip }, () => {
    let database: TestDatabase;
    let book: TestBook;
    beforeEach(async () => {
      database = await storeKind.create();
      book = await createTestBook(database.store);
    });
    afterEach(async () => {
      await book.closeAudited();
      await database.cleanup();
    });

    test('a transfer moves money between two accounts and shows in both histories', async () => {
      const alice = await book.openWallet(10_000n);
      const bob = await book.openWallet(0n);
      const result = await book.ledger.transferOne(
        book.transferRequest('pay-1', alice, bob, 1_250n, { userData: 'order:42' }),
      );
      assert.equal(result.code, 'ok');
      assert.equal(result.replayed, false);
      assert.equal(result.amount, 1_250n);
      assert.equal(await book.balanceOf(alice), 8_750n);
      assert.equal(await book.balanceOf(bob), 1_250n);
      const stored = await book.ledger.getTransfer('pay-1');
      assert.equal(stored?.userData, 'order:42');
      assert.equal(stored?.seq, result.seq);
      const aliceHistory = await book.ledger.history(alice.id);
      assert.equal(aliceHistory.transfers.length, 2);
      assert.equal(aliceHistory.transfers[0]!.id, 'pay-1');
      const bobHistory = await book.ledger.history(bob.id);
      assert.deepEqual(
        bobHistory.transfers.map((transfer) => transfer.id),
        ['pay-1'],
      );
    });

    test('history pages newest first with a limit and a cursor', async () => {
      const alice = await book.openWallet(1_000n);
      const bob = await book.openWallet(0n);
      const carol = await book.openWallet(0n);
      // Bob's transfers interleave with others', so his history chain skips over their rows.
      const requests = Array.from({ length: 25 }, (_, index) =>
        book.transferRequest(`page-${index}`, alice, index % 3 === 0 ? carol : bob, 1n),
      );
      assert.ok((await book.ledger.transfer(requests)).every((result) => result.code === 'ok'));
      const expected = requests
        .filter((_, index) => index % 3 !== 0)
        .map((request) => request.id)
        .reverse();
      const seen: string[] = [];
      let beforeSeq: bigint | undefined;
      for (let page = 0; page < 10; page++) {
        const result = await book.ledger.history(bob.id, { beforeSeq, limit: 5 });
        seen.push(...result.transfers.map((transfer) => transfer.id));
        assert.ok(result.transfers.length <= 5);
        if (result.nextBeforeSeq === null) break;
        beforeSeq = result.nextBeforeSeq;
      }
      assert.deepEqual(seen, expected);
      // A position that is not one of Bob's rows still pages from the first row before it.
      const carolsRow = (await book.ledger.getTransfer('page-9'))!;
      const fromCarolsRow = await book.ledger.history(bob.id, { beforeSeq: carolsRow.seq, limit: 2 });
      assert.deepEqual(
        fromCarolsRow.transfers.map((transfer) => transfer.id),
        ['page-8', 'page-7'],
      );
      assert.deepEqual(await book.ledger.history(999_999n), { transfers: [], nextBeforeSeq: null });
    });

    describe('malformed transfers each get their own code and move nothing', () => {
      const cases: [string, (book: TestBook, from: bigint, to: bigint) => object, TransferResultCode][] = [
        ['an amount of 0', () => ({ amount: 0n }), 'amount_must_not_be_zero'],
        ['a negative amount', () => ({ amount: -5n }), 'amount_must_not_be_negative'],
        ['an amount above 2^63 − 1', () => ({ amount: AMOUNT_MAX + 1n }), 'amount_exceeds_maximum'],
        ['an account id above 2^63 − 1', () => ({ debitAccountId: AMOUNT_MAX + 1n }), 'account_id_out_of_range'],
        ['the same account on both sides', (_book, from) => ({ creditAccountId: from }), 'accounts_must_be_different'],
        ['an empty id', () => ({ id: '' }), 'invalid_id'],
        ['an id with a space', () => ({ id: 'has space' }), 'invalid_id'],
        ['an id over 128 characters', () => ({ id: 'x'.repeat(129) }), 'invalid_id'],
        ['an id in the ledger’s own namespace', () => ({ id: 'saoma:expire:x' }), 'reserved_id'],
        ['unknown flags', () => ({ flags: 64 }), 'invalid_flags'],
        [
          'pending and post at once',
          () => ({ flags: TransferFlags.pending | TransferFlags.postPending }),
          'invalid_flags',
        ],
        ['a code of 0', () => ({ code: 0 }), 'invalid_code'],
        ['a ledger of 0', () => ({ ledgerId: 0 }), 'invalid_ledger'],
        ['a timeout on an ordinary transfer', () => ({ timeoutSeconds: 5 }), 'timeout_reserved_for_pending_transfer'],
        ['user data over 256 characters', () => ({ userData: 'u'.repeat(257) }), 'user_data_too_long'],
        [
          'a post without a pending id',
          () => ({
            flags: TransferFlags.postPending,
            debitAccountId: undefined,
            creditAccountId: undefined,
            ledgerId: undefined,
          }),
          'pending_id_required',
        ],
        ['a chain left open', () => ({ flags: TransferFlags.linked }), 'linked_event_chain_open'],
      ];
      for (const [name, change, expected] of cases) {
        test(name, async () => {
          const alice = await book.openWallet(100n);
          const bob = await book.openWallet(0n);
          const request = { ...book.transferRequest('bad-1', alice, bob, 10n), ...change(book, alice.id, bob.id) };
          const result = await book.ledger.transferOne(request);
          assert.equal(result.code, expected);
          assert.equal(await book.balanceOf(alice), 100n);
          assert.equal(await book.ledger.getTransfer(request.id as string), null);
        });
      }

      test('the same id twice in one call', async () => {
        const alice = await book.openWallet(100n);
        const bob = await book.openWallet(0n);
        const results = await book.ledger.transfer([
          book.transferRequest('twice', alice, bob, 10n),
          book.transferRequest('twice', alice, bob, 10n),
        ]);
        assert.deepEqual(
          results.map((result) => result.code),
          ['ok', 'duplicate_id_in_call'],
        );
        assert.equal(await book.balanceOf(bob), 10n);
      });
    });

    test('unknown accounts and a ledger mismatch are refused', async () => {
      const alice = await book.openWallet(100n);
      const dollars = await book.openAccount(0, USD);
      const missing = { ...alice, id: 999_999n };
      const results = await book.ledger.transfer([
        book.transferRequest('to-nowhere', alice, missing, 1n),
        book.transferRequest('from-nowhere', missing, alice, 1n),
        book.transferRequest('cross-ledger', alice, dollars, 1n),
        book.transferRequest('wrong-ledger', alice, book.source, 1n, { ledgerId: USD }),
      ]);
      assert.deepEqual(
        results.map((result) => result.code),
        ['credit_account_not_found', 'debit_account_not_found', 'ledger_mismatch', 'ledger_mismatch'],
      );
      assert.equal(await book.balanceOf(alice), 100n);
    });

    test('a wallet cannot pay more than it holds; an unflagged account can', async () => {
      const alice = await book.openWallet(100n);
      const bob = await book.openWallet(0n);
      assert.equal(
        (await book.ledger.transferOne(book.transferRequest('too-much', alice, bob, 101n))).code,
        'insufficient_funds',
      );
      assert.equal((await book.ledger.transferOne(book.transferRequest('all-of-it', alice, bob, 100n))).code, 'ok');
      assert.equal(await book.balanceOf(alice), 0n);
      const result = await book.ledger.transferOne(book.transferRequest('overdraw-source', book.source, bob, 5n));
      assert.equal(result.code, 'ok');
    });

    test('an account that must not hold more than it owes refuses extra credit', async () => {
      const creditLine = await book.openAccount(AccountFlags.creditsMustNotExceedDebits);
      const shop = await book.openAccount();
      assert.equal((await book.ledger.transferOne(book.transferRequest('draw', creditLine, shop, 500n))).code, 'ok');
      assert.equal(
        (await book.ledger.transferOne(book.transferRequest('repay-too-much', shop, creditLine, 501n))).code,
        'credit_limit_exceeded',
      );
      assert.equal((await book.ledger.transferOne(book.transferRequest('repay', shop, creditLine, 500n))).code, 'ok');
    });

    test('a closed account takes no transfer', async () => {
      const closed = await book.openAccount(AccountFlags.closed);
      const bob = await book.openWallet(10n);
      assert.equal(
        (await book.ledger.transferOne(book.transferRequest('to-closed', bob, closed, 1n))).code,
        'credit_account_closed',
      );
      assert.equal(
        (await book.ledger.transferOne(book.transferRequest('from-closed', closed, bob, 1n))).code,
        'debit_account_closed',
      );
    });

    test('balances never pass 2^63 − 1', async () => {
      const big = await book.openAccount();
      const other = await book.openAccount();
      const third = await book.openAccount();
      assert.equal((await book.ledger.transferOne(book.transferRequest('max-1', third, big, AMOUNT_MAX))).code, 'ok');
      assert.equal(
        (await book.ledger.transferOne(book.transferRequest('max-2', other, big, 1n))).code,
        'balance_overflow',
      );
    });

    describe('idempotency', () => {
      test('the same id and body returns the first result; another body is refused', async () => {
        const alice = await book.openWallet(100n);
        const bob = await book.openWallet(0n);
        const first = await book.ledger.transferOne(book.transferRequest('idem', alice, bob, 30n));
        const again = await book.ledger.transferOne(book.transferRequest('idem', alice, bob, 30n));
        assert.equal(first.code, 'ok');
        assert.deepEqual(again, { ...first, replayed: true });
        const changed = await book.ledger.transferOne(book.transferRequest('idem', alice, bob, 31n));
        assert.equal(changed.code, 'exists_with_different_fields');
        const otherUserData = await book.ledger.transferOne(
          book.transferRequest('idem', alice, bob, 30n, { userData: 'x' }),
        );
        assert.equal(otherUserData.code, 'exists_with_different_fields');
        assert.equal(await book.balanceOf(bob), 30n);
      });

      test('a refused transfer keeps its first result, even once the money is there', async () => {
        const alice = await book.openWallet(10n);
        const bob = await book.openWallet(0n);
        const request = book.transferRequest('refused-once', alice, bob, 50n);
        assert.equal((await book.ledger.transferOne(request)).code, 'insufficient_funds');
        assert.equal(
          (await book.ledger.transferOne(book.transferRequest('top-up', book.source, alice, 100n))).code,
          'ok',
        );
        const replay = await book.ledger.transferOne(request);
        assert.deepEqual(replay, { id: 'refused-once', code: 'insufficient_funds', replayed: true });
        const different = await book.ledger.transferOne({ ...request, amount: 49n });
        assert.equal(different.code, 'exists_with_different_fields');
        assert.equal(await book.balanceOf(bob), 0n);
      });

      test('the same id sent twice at once makes one transfer', async () => {
        const alice = await book.openWallet(100n);
        const bob = await book.openWallet(0n);
        const request = book.transferRequest('racing', alice, bob, 40n);
        const results = await Promise.all(Array.from({ length: 20 }, () => book.ledger.transferOne(request)));
        assert.ok(results.every((result) => result.code === 'ok'));
        assert.equal(results.filter((result) => !result.replayed).length, 1);
        assert.equal(await book.balanceOf(bob), 40n);
      });
    });

    test('1,000 concurrent transfers out of an account that covers 100: exactly 100 succeed', async () => {
      const payer = await book.openWallet(100n * 37n);
      const payees = await Promise.all(Array.from({ length: 10 }, () => book.openWallet(0n)));
      const results = await Promise.all(
        Array.from({ length: 1_000 }, (_, index) =>
          book.ledger.transferOne(book.transferRequest(`burst-${index}`, payer, payees[index % 10]!, 37n)),
        ),
      );
      const codes = new Map<string, number>();
      for (const result of results) codes.set(result.code, (codes.get(result.code) ?? 0) + 1);
      assert.deepEqual(Object.fromEntries(codes), { ok: 100, insufficient_funds: 900 });
      const account = await book.ledger.getAccount(payer.id);
      assert.equal(account!.creditsPosted - account!.debitsPosted, 0n);
      assert.ok(account!.debitsPosted <= account!.creditsPosted);
      let received = 0n;
      for (const payee of payees) received += await book.balanceOf(payee);
      assert.equal(received, 3_700n);
      const stats = book.ledger.writerStats();
      assert.ok(
        stats.batches < stats.transfers,
        `group commit batched ${stats.transfers} transfers in ${stats.batches} batches`,
      );
    });

    describe('two-phase transfers', () => {
      test('a pending transfer reserves funds; posting it in full moves them', async () => {
        const alice = await book.openWallet(100n);
        const shop = await book.openWallet(0n);
        const hold = await book.ledger.transferOne(
          book.transferRequest('hold', alice, shop, 80n, { flags: TransferFlags.pending }),
        );
        assert.equal(hold.code, 'ok');
        const reserved = await book.ledger.getAccount(alice.id);
        assert.equal(reserved!.debitsPending, 80n);
        assert.equal(
          (await book.ledger.transferOne(book.transferRequest('spend-reserved', alice, shop, 30n))).code,
          'insufficient_funds',
        );
        const post = await book.ledger.transferOne({
          id: 'hold-post',
          pendingId: 'hold',
          flags: TransferFlags.postPending,
        });
        assert.deepEqual([post.code, post.amount], ['ok', 80n]);
        assert.equal(await book.balanceOf(shop), 80n);
        assert.equal((await book.ledger.getAccount(alice.id))!.debitsPending, 0n);
        assert.equal((await book.ledger.getTransfer('hold'))!.pendingStatus, 'posted');
        const again = await book.ledger.transferOne({
          id: 'hold-post-2',
          pendingId: 'hold',
          flags: TransferFlags.postPending,
        });
        assert.equal(again.code, 'pending_transfer_already_posted');
        const replay = await book.ledger.transferOne({
          id: 'hold-post',
          pendingId: 'hold',
          flags: TransferFlags.postPending,
        });
        assert.deepEqual(replay, { ...post, replayed: true });
      });

      test('a partial post releases the rest', async () => {
        const alice = await book.openWallet(100n);
        const shop = await book.openWallet(0n);
        await book.ledger.transferOne(book.transferRequest('auth', alice, shop, 60n, { flags: TransferFlags.pending }));
        const tooMuch = await book.ledger.transferOne({
          id: 'cap-big',
          pendingId: 'auth',
          flags: TransferFlags.postPending,
          amount: 61n,
        });
        assert.equal(tooMuch.code, 'exceeds_pending_transfer_amount');
        const capture = await book.ledger.transferOne({
          id: 'cap',
          pendingId: 'auth',
          flags: TransferFlags.postPending,
          amount: 45n,
        });
        assert.deepEqual([capture.code, capture.amount], ['ok', 45n]);
        assert.equal(await book.balanceOf(alice), 55n);
        assert.equal((await book.ledger.getAccount(alice.id))!.debitsPending, 0n);
      });

      test('a void releases everything; it cannot be posted afterwards', async () => {
        const alice = await book.openWallet(100n);
        const shop = await book.openWallet(0n);
        await book.ledger.transferOne(
          book.transferRequest('to-void', alice, shop, 70n, { flags: TransferFlags.pending }),
        );
        const wrongAmount = await book.ledger.transferOne({
          id: 'void-part',
          pendingId: 'to-void',
          flags: TransferFlags.voidPending,
          amount: 10n,
        });
        assert.equal(wrongAmount.code, 'pending_transfer_has_different_amount');
        assert.equal(
          (await book.ledger.transferOne({ id: 'void', pendingId: 'to-void', flags: TransferFlags.voidPending })).code,
          'ok',
        );
        assert.equal((await book.ledger.getAccount(alice.id))!.debitsPending, 0n);
        assert.equal(await book.balanceOf(alice), 100n);
        const late = await book.ledger.transferOne({
          id: 'post-voided',
          pendingId: 'to-void',
          flags: TransferFlags.postPending,
        });
        assert.equal(late.code, 'pending_transfer_already_voided');
        const unknown = await book.ledger.transferOne({
          id: 'post-unknown',
          pendingId: 'no-such',
          flags: TransferFlags.postPending,
        });
        assert.equal(unknown.code, 'pending_transfer_not_found');
        const notPending = await book.ledger.transferOne({
          id: 'post-ordinary',
          pendingId: 'void',
          flags: TransferFlags.postPending,
        });
        assert.equal(notPending.code, 'pending_transfer_not_found');
      });

      test('a pending transfer voids on its own after its timeout', async () => {
        const alice = await book.openWallet(100n);
        const shop = await book.openWallet(0n);
        await book.ledger.transferOne(
          book.transferRequest('expiring', alice, shop, 90n, { flags: TransferFlags.pending, timeoutSeconds: 45 }),
        );
        book.clock.advanceMs(44_999);
        assert.equal(await book.ledger.expireDue(), 0);
        book.clock.advanceMs(1);
        const lateCapture = await book.ledger.transferOne({
          id: 'late-cap',
          pendingId: 'expiring',
          flags: TransferFlags.postPending,
        });
        assert.equal(lateCapture.code, 'pending_transfer_expired');
        assert.equal(await book.ledger.expireDue(), 1);
        assert.equal(await book.ledger.expireDue(), 0);
        assert.equal((await book.ledger.getTransfer('expiring'))!.pendingStatus, 'expired');
        assert.equal((await book.ledger.getAccount(alice.id))!.debitsPending, 0n);
        assert.equal(await book.balanceOf(alice), 100n);
        const voidLate = await book.ledger.transferOne({
          id: 'void-late',
          pendingId: 'expiring',
          flags: TransferFlags.voidPending,
        });
        assert.equal(voidLate.code, 'pending_transfer_expired');
      });

      test('one batch can reserve and post in the same linked chain', async () => {
        const alice = await book.openWallet(100n);
        const shop = await book.openWallet(0n);
        const results = await book.ledger.transfer([
          book.transferRequest('chain-hold', alice, shop, 25n, { flags: TransferFlags.pending | TransferFlags.linked }),
          { id: 'chain-post', pendingId: 'chain-hold', flags: TransferFlags.postPending },
        ]);
        assert.deepEqual(
          results.map((result) => result.code),
          ['ok', 'ok'],
        );
        assert.equal(await book.balanceOf(shop), 25n);
      });
    });

    describe('linked chains', () => {
      test('a payment, its fee and a profit share commit together', async () => {
        const payer = await book.openWallet(1_000n);
        const merchant = await book.openWallet(0n);
        const income = await book.openAccount();
        const partner = await book.openAccount();
        const results = await book.ledger.transfer([
          book.transferRequest('pay', payer, merchant, 1_000n, { flags: TransferFlags.linked }),
          book.transferRequest('fee', merchant, income, 6n, { flags: TransferFlags.linked }),
          book.transferRequest('share', income, partner, 2n),
        ]);
        assert.deepEqual(
          results.map((result) => result.code),
          ['ok', 'ok', 'ok'],
        );
        assert.equal(await book.balanceOf(merchant), 994n);
      });

      test('one failure fails the whole chain and moves nothing', async () => {
        const payer = await book.openWallet(1_000n);
        const merchant = await book.openWallet(0n);
        const poor = await book.openWallet(1n);
        const results = await book.ledger.transfer([
          book.transferRequest('c-pay', payer, merchant, 500n, { flags: TransferFlags.linked }),
          book.transferRequest('c-fail', poor, merchant, 5n, { flags: TransferFlags.linked }),
          book.transferRequest('c-after', payer, merchant, 1n),
          book.transferRequest('independent', payer, merchant, 7n),
        ]);
        assert.deepEqual(
          results.map((result) => result.code),
          ['linked_event_failed', 'insufficient_funds', 'linked_event_failed', 'ok'],
        );
        assert.equal(await book.balanceOf(payer), 993n);
        assert.equal(await book.balanceOf(merchant), 7n);
        assert.equal(await book.ledger.getTransfer('c-pay'), null);
        const replay = await book.ledger.transferOne(
          book.transferRequest('c-pay', payer, merchant, 500n, { flags: TransferFlags.linked }),
        );
        assert.equal(replay.code, 'linked_event_chain_open');
      });

      test('a malformed member refuses the chain before it reaches the writer', async () => {
        const payer = await book.openWallet(100n);
        const merchant = await book.openWallet(0n);
        const results = await book.ledger.transfer([
          book.transferRequest('m-1', payer, merchant, 10n, { flags: TransferFlags.linked }),
          book.transferRequest('m-2', payer, merchant, 0n),
        ]);
        assert.deepEqual(
          results.map((result) => result.code),
          ['linked_event_failed', 'amount_must_not_be_zero'],
        );
        assert.equal(await book.balanceOf(payer), 100n);
      });

      test('a failed chain undoes the pending status it changed', async () => {
        const alice = await book.openWallet(100n);
        const shop = await book.openWallet(0n);
        await book.ledger.transferOne(
          book.transferRequest('undo-hold', alice, shop, 40n, { flags: TransferFlags.pending }),
        );
        const results = await book.ledger.transfer([
          { id: 'undo-post', pendingId: 'undo-hold', flags: TransferFlags.postPending | TransferFlags.linked },
          book.transferRequest('undo-fail', shop, alice, 1_000n),
        ]);
        assert.deepEqual(
          results.map((result) => result.code),
          ['linked_event_failed', 'insufficient_funds'],
        );
        assert.equal((await book.ledger.getTransfer('undo-hold'))!.pendingStatus, 'pending');
        assert.equal((await book.ledger.getAccount(alice.id))!.debitsPending, 40n);
        const post = await book.ledger.transferOne({
          id: 'undo-post-2',
          pendingId: 'undo-hold',
          flags: TransferFlags.postPending,
        });
        assert.equal(post.code, 'ok');
      });
    });

    test(
      'an audit while transfers flow sees one consistent snapshot',
      {
        skip:
          storeKind.name === 'sqlite-memory' && 'a :memory: database has no second connection to read a snapshot from',
      },
      async () => {
        const alice = await book.openWallet(1_000_000n);
        const bob = await book.openWallet(0n);
        let auditing = true;
        let sent = 0;
        const caller = async () => {
          while (auditing && sent < 200_000) {
            const result = await book.ledger.transferOne(book.transferRequest(`flow-${sent++}`, alice, bob, 1n));
            assert.equal(result.code, 'ok');
          }
        };
        const flowing = Promise.all(Array.from({ length: 64 }, caller));
        // Audit until three audits have seen different books (bounded), so some ran mid-stream.
        const reports = [];
        const seen = new Set<number>();
        for (let round = 0; round < 500 && seen.size < 3; round++) {
          const report = await book.ledger.audit();
          reports.push(report);
          seen.add(report.transfers);
          // A turn of the event loop between audits: commits are acknowledged, callers send more.
          await new Promise((resolve) => setImmediate(resolve));
        }
        auditing = false;
        await flowing;
        assert.ok(seen.size >= 3, 'transfers were applied while the audits ran');
        for (const report of reports) assert.deepEqual(report.problems, []);
      },
    );

    test('accounts: a key makes creation idempotent; bad input is refused', async () => {
      const first = await book.ledger.createAccount({
        key: 'wallet:user:1',
        institutionId: 'test-bank',
        ledgerId: CNY,
        code: 7,
      });
      const again = await book.ledger.createAccount({
        key: 'wallet:user:1',
        institutionId: 'test-bank',
        ledgerId: CNY,
        code: 7,
      });
      assert.ok(first.ok && again.ok);
      assert.equal(first.value.id, again.value.id);
      const conflict = await book.ledger.createAccount({
        key: 'wallet:user:1',
        institutionId: 'test-bank',
        ledgerId: CNY,
        code: 8,
      });
      assert.equal(!conflict.ok && conflict.error.code, 'account_key_conflict');
      const noLedger = await book.ledger.createAccount({ institutionId: 'test-bank', ledgerId: 77, code: 1 });
      assert.equal(!noLedger.ok && noLedger.error.code, 'ledger_not_found');
      const noInstitution = await book.ledger.createAccount({ institutionId: 'nope', ledgerId: CNY, code: 1 });
      assert.equal(!noInstitution.ok && noInstitution.error.code, 'institution_not_found');
      const bothLimits = await book.ledger.createAccount({
        institutionId: 'test-bank',
        ledgerId: CNY,
        code: 1,
        flags: 3,
      });
      assert.equal(!bothLimits.ok && bothLimits.error.code, 'invalid_account');
      assert.equal((await book.ledger.getAccountByKey('wallet:user:1'))!.id, first.value.id);
      const hugeCode = await book.ledger.createAccount({ institutionId: 'test-bank', ledgerId: CNY, code: 70_000 });
      assert.equal(!hugeCode.ok && hugeCode.error.code, 'invalid_account');
      const sameCurrency = await book.ledger.createLedger({ id: 9, currency: 'CNY', scale: 2, name: 'again' });
      assert.equal(!sameCurrency.ok && sameCurrency.error.code, 'conflict');
    });
  });

  describe(`audit on ${storeKind.name}`, { skip: storeKind.skip }, () => {
    let database: TestDatabase;
    let book: TestBook;
    beforeEach(async () => {
      database = await storeKind.create();
      book = await createTestBook(database.store);
      const alice = await book.openWallet(1_000n);
      const bob = await book.openWallet(0n);
      for (let index = 0; index < 5; index++) {
        await book.ledger.transferOne(book.transferRequest(`a-${index}`, alice, bob, 10n));
      }
      await book.ledger.transferOne(book.transferRequest('a-hold', alice, bob, 5n, { flags: TransferFlags.pending }));
    });
    afterEach(async () => {
      await book.ledger.close();
      await database.cleanup();
    });

    const tamper = async (statement: string) => {
      if (database.store.sqlite) database.store.sqlite.exec(statement);
      else await database.store.pool!.query(statement);
    };
    const problemCodes = async () => (await book.ledger.audit()).problems.map((problem) => problem.code);

    test('passes on untouched books', async () => {
      const report = await book.ledger.audit();
      assert.equal(report.ok, true);
      assert.equal(report.transfers, 7);
      assert.deepEqual(
        report.ledgers.map((ledger) => ledger.debitsPosted === ledger.creditsPosted),
        [true],
      );
    });

    test('detects an amount changed behind the ledger’s back', async () => {
      await tamper(`UPDATE transfers SET amount = amount + 1 WHERE id = 'a-2'`);
      const codes = await problemCodes();
      assert.ok(codes.includes('hash_chain_broken'), codes.join());
      assert.ok(codes.includes('balance_mismatch'), codes.join());
    });

    test('detects a balance changed behind the ledger’s back, and unbalanced books', async () => {
      await tamper(`UPDATE accounts SET credits_posted = credits_posted + 100 WHERE flags = 1`);
      const codes = await problemCodes();
      assert.ok(codes.includes('balance_mismatch'), codes.join());
      assert.ok(codes.includes('ledger_unbalanced'), codes.join());
    });

    test('detects a deleted journal row', async () => {
      await tamper(`DELETE FROM transfers WHERE id = 'a-1'`);
      assert.ok((await problemCodes()).includes('journal_gap'));
    });

    test('detects a removed last row through the journal head', async () => {
      await tamper(`DELETE FROM transfers WHERE seq = (SELECT max(seq) FROM transfers)`);
      assert.ok((await problemCodes()).includes('journal_head_mismatch'));
    });

    test('detects a history link changed behind the ledger’s back', async () => {
      await tamper(`UPDATE transfers SET credit_prev_seq = 0 WHERE id = 'a-3'`);
      assert.ok((await problemCodes()).includes('history_link_broken'));
    });

    test('detects a pending status changed behind the ledger’s back', async () => {
      await tamper(`UPDATE transfers SET pending_status = 'posted' WHERE id = 'a-hold'`);
      assert.ok((await problemCodes()).includes('pending_status_mismatch'));
    });

    test('detects a wallet past its limit, once the database’s own check is switched off', async () => {
      const overdraw = `UPDATE accounts SET flags = 1 WHERE id = ${book.source.id}`;
      await assert.rejects(tamper(overdraw), /CHECK constraint|check constraint/);
      if (database.store.sqlite) database.store.sqlite.pragma('ignore_check_constraints = ON');
      else await tamper('ALTER TABLE accounts DROP CONSTRAINT accounts_check');
      await tamper(overdraw);
      assert.ok((await problemCodes()).includes('limit_broken'));
    });
  });
}
