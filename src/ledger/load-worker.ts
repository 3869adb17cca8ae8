// A writer process for the crash and multi-process tests: it applies linked pairs of transfers
// with many concurrent callers and prints one line per acknowledged pair ("ack N replayed"),
// so that the parent knows exactly what was acknowledged before it kills or joins the process.
import { systemClock } from '../shared/clock.js';
import { openStore } from '../store/store.js';
import { createLedgerService } from './service.js';
import { TransferFlags } from './types.js';

export interface LoadWorkerPlan {
  url: string;
  /** [debit, credit] account ids, as decimal strings; operation n uses pairs[n % length]. */
  pairs: [string, string][];
  prefix: string;
  start: number;
  count: number;
  concurrency: number;
  ledgerId: number;
}

async function main(plan: LoadWorkerPlan): Promise<void> {
  const store = await openStore(plan.url, { poolSize: 2 });
  const ledger = createLedgerService({ store, clock: systemClock });
  let next = plan.start;
  const end = plan.start + plan.count;
  const caller = async () => {
    while (next < end) {
      const n = next++;
      const [debit, credit] = plan.pairs[n % plan.pairs.length]!;
      const results = await ledger.transfer([
        {
          id: `${plan.prefix}-${n}-a`,
          debitAccountId: BigInt(debit),
          creditAccountId: BigInt(credit),
          amount: BigInt(1 + (n % 97)),
          ledgerId: plan.ledgerId,
          code: 1,
          flags: TransferFlags.linked,
        },
        {
          id: `${plan.prefix}-${n}-b`,
          debitAccountId: BigInt(credit),
          creditAccountId: BigInt(debit),
          amount: 1n,
          ledgerId: plan.ledgerId,
          code: 1,
        },
      ]);
      if (results.some((result) => result.code !== 'ok')) {
        throw new Error(`operation ${n} failed: ${results.map((result) => result.code).join(', ')}`);
      }
      process.stdout.write(`ack ${n} ${results[0]!.replayed}\n`);
    }
  };
  await Promise.all(Array.from({ length: plan.concurrency }, caller));
  await ledger.close();
  await store.close();
  process.stdout.write('done\n');
}

main(JSON.parse(process.argv[2] ?? '{}') as LoadWorkerPlan).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
