// Test support for the ledger: a small book with an institution, a CNY ledger and helpers to
// open accounts and fund them, used by the conformance suite and by other modules' tests.
import assert from 'node:assert/strict';
import { createManualClock, type ManualClock } from '../shared/clock.js';
import type { Store } from '../store/store.js';
import { createLedgerService, type LedgerService } from './service.js';
import { AccountFlags, type Account, type TransferRequest } from './types.js';

export const CNY = 1;
export const USD = 2;
export const CODE_TEST = 1;

export interface TestBook {
  ledger: LedgerService;
  clock: ManualClock;
  /** An unflagged account: it can go as far into debit as needed (the source of funds). */
  source: Account;
  openAccount(flags?: number, ledgerId?: number): Promise<Account>;
  /** Opens a wallet (cannot go below zero) holding `amount`. */
  openWallet(amount: bigint): Promise<Account>;
  balanceOf(account: Account): Promise<bigint>;
  transferRequest(
    id: string,
    from: Account,
    to: Account,
    amount: bigint,
    extra?: Partial<TransferRequest>,
  ): TransferRequest;
  /** Asserts that the audit passes, then drains and closes the ledger. */
  closeAudited(): Promise<void>;
}

let fundingCounter = 0;

export async function createTestBook(store: Store, writer?: { batchMax?: number }): Promise<TestBook> {
  const clock = createManualClock();
  const ledger = createLedgerService({ store, clock, writer });
  assert.equal((await ledger.createInstitution({ id: 'test-bank', name: 'Test Bank', kind: 'bank' })).ok, true);
  assert.equal((await ledger.createLedger({ id: CNY, currency: 'CNY', scale: 2, name: 'Renminbi' })).ok, true);
  assert.equal((await ledger.createLedger({ id: USD, currency: 'USD', scale: 2, name: 'US dollar' })).ok, true);
  const openAccount = async (flags = 0, ledgerId = CNY): Promise<Account> => {
    const created = await ledger.createAccount({ institutionId: 'test-bank', ledgerId, code: 1, flags });
    assert.ok(created.ok, 'account opened');
    return created.value;
  };
  const source = await openAccount();
  const transferRequest: TestBook['transferRequest'] = (id, from, to, amount, extra = {}) => ({
    id,
    debitAccountId: from.id,
    creditAccountId: to.id,
    amount,
    ledgerId: from.ledgerId,
    code: CODE_TEST,
    ...extra,
  });
  return {
    ledger,
    clock,
    source,
    openAccount,
    async openWallet(amount) {
      const wallet = await openAccount(AccountFlags.debitsMustNotExceedCredits);
      if (amount > 0n) {
        const funded = await ledger.transferOne(
          transferRequest(`fund-${++fundingCounter}-${wallet.id}`, source, wallet, amount),
        );
        assert.equal(funded.code, 'ok');
      }
      return wallet;
    },
    async balanceOf(account) {
      const current = await ledger.getAccount(account.id);
      assert.ok(current);
      return current.creditsPosted - current.debitsPosted;
    },
    transferRequest,
    async closeAudited() {
      await ledger.drain();
      const report = await ledger.audit();
      assert.deepEqual(report.problems, [], 'the audit finds no problem');
      assert.equal(report.ok, true);
      await ledger.close();
    },
  };
}
