// The book every benchmark run starts from, opened through the ledger itself: one institution,
// ledger 1 (CNY, scale 2), an unflagged source account, N wallets and one merchant account,
// each wallet funded from the source with what the plan will have it pay out. Not timed.
import { systemClock } from '../shared/clock.js';
import type { Result } from '../shared/result.js';
import { createLedgerService, type LedgerService } from '../ledger/service.js';
import { AccountFlags, type TransferRequest } from '../ledger/types.js';
import { CALL_TRANSFERS_MAX } from '../ledger/validate.js';
import type { Store } from '../store/store.js';
import type { LoadCounter } from './load.js';
import type { TransferPlan } from './transfer-plan.js';

export const BENCH_INSTITUTION = { id: 'bench-bank', name: 'Benchmark Bank', kind: 'bank' } as const;
export const BENCH_LEDGER = { id: 1, currency: 'CNY', scale: 2, name: 'Renminbi' } as const;
export const AccountCode = { source: 1, wallet: 2, merchant: 3 } as const;
export const TRANSFER_CODE_PAYMENT = 1;

/** Accounts opened at once: enough to keep a PostgreSQL pool busy. */
const ACCOUNTS_IN_FLIGHT_MAX = 64;

export interface BenchBook {
  sourceId: bigint;
  /** Account ids by plan position: wallets first, the merchant last. */
  accountIds: bigint[];
}

/** Opens and funds the book; `counter` advances by one per account opened. */
export async function setUpBook(store: Store, plan: TransferPlan, counter: LoadCounter): Promise<BenchBook> {
  const ledger = createLedgerService({ store, clock: systemClock });
  try {
    mustBeOk(await ledger.createInstitution({ ...BENCH_INSTITUTION }), 'institution');
    mustBeOk(await ledger.createLedger({ ...BENCH_LEDGER }), 'ledger');
    const open = (count: number, code: number, flags: number) => openAccounts(ledger, count, code, flags, counter);
    const [sourceId] = await open(1, AccountCode.source, AccountFlags.none);
    const walletIds = await open(plan.wallets, AccountCode.wallet, AccountFlags.debitsMustNotExceedCredits);
    const [merchantId] = await open(1, AccountCode.merchant, AccountFlags.debitsMustNotExceedCredits);
    await fundWallets(ledger, sourceId!, walletIds, plan);
    return { sourceId: sourceId!, accountIds: [...walletIds, merchantId!] };
  } finally {
    await ledger.close();
  }
}

async function openAccounts(
  ledger: LedgerService,
  count: number,
  code: number,
  flags: number,
  counter: LoadCounter,
): Promise<bigint[]> {
  const ids: bigint[] = [];
  for (let start = 0; start < count; start += ACCOUNTS_IN_FLIGHT_MAX) {
    const size = Math.min(ACCOUNTS_IN_FLIGHT_MAX, count - start);
    const created = await Promise.all(
      Array.from({ length: size }, () =>
        ledger.createAccount({ institutionId: BENCH_INSTITUTION.id, ledgerId: BENCH_LEDGER.id, code, flags }),
      ),
    );
    for (const result of created) ids.push(mustBeOk(result, 'account').id);
    counter.done += size;
  }
  return ids;
}

/** One transfer per wallet that pays anything out, in calls as large as the ledger takes. */
async function fundWallets(ledger: LedgerService, sourceId: bigint, walletIds: bigint[], plan: TransferPlan) {
  const requests: TransferRequest[] = [];
  walletIds.forEach((walletId, position) => {
    const amountFen = plan.walletFundingFen[position]!;
    if (amountFen === 0) return;
    requests.push({
      id: `fund-${position}`,
      debitAccountId: sourceId,
      creditAccountId: walletId,
      amount: BigInt(amountFen),
      ledgerId: BENCH_LEDGER.id,
      code: TRANSFER_CODE_PAYMENT,
    });
  });
  for (let start = 0; start < requests.length; start += CALL_TRANSFERS_MAX) {
    const results = await ledger.transfer(requests.slice(start, start + CALL_TRANSFERS_MAX));
    const refused = results.find((result) => result.code !== 'ok');
    if (refused) throw new Error(`benchmark setup: funding ${refused.id} failed with ${refused.code}`);
  }
}

function mustBeOk<T>(result: Result<T>, what: string): T {
  if (!result.ok) throw new Error(`benchmark setup: could not create the ${what}: ${result.error.message}`);
  return result.value;
}
