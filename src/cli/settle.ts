// `saoma settle`: settles merchants' business days in this process, on the database itself (as
// the scheduler would): one day for one merchant or for all, or every day that is due. Prints a
// table a merchant, or the settlements as the merchant API shows them (`--json`).
import { businessDateOf, type Settlement } from '../acquiring/settlement.js';
import { settlementJson } from '../acquiring/json.js';
import { createLedgerService } from '../ledger/service.js';
import type { Merchant } from '../merchant/service.js';
import { createModules, type Modules } from '../modules.js';
import { systemClock } from '../shared/clock.js';
import type { SaomaConfig } from '../shared/config.js';
import { createFieldCipher } from '../shared/field-cipher.js';
import { resolveFieldKey } from '../shared/field-key.js';
import { formatYuanSymbol } from '../shared/money.js';
import { ok, problem, type Result } from '../shared/result.js';
import { migrate } from '../store/migrations.js';
import type { Store } from '../store/store.js';

/** Merchants settled by one run, at most (the settlement service's own sweep stops at the same number). */
const MERCHANTS_MAX = 10_000;
/** Without --date: business days settled by one run, at most, unless --limit says otherwise. */
export const SETTLE_DUE_LIMIT_DEFAULT = 1_000;
const SETTLE_DUE_LIMIT_MAX = 100_000;
/** Rows read back a merchant after settling what is due: the service catches up a week, at most. */
const RECENT_ROWS_MAX = 31;

export interface SettleFlags {
  date?: string;
  merchant?: string;
  limit?: string;
  json?: boolean;
}

export interface SettleOptions {
  /** A business day (Asia/Shanghai); null: every day that is due. */
  date: string | null;
  merchantId: string | null;
  limit: number;
  json: boolean;
}

/** Checked before the database is opened, so that a typo costs nothing. */
export function parseSettleFlags(flags: SettleFlags, nowMs: number): Result<SettleOptions, 'usage'> {
  const today = businessDateOf(nowMs);
  if (flags.date !== undefined) {
    if (!isCalendarDate(flags.date)) {
      return problem('usage', `--date must be a day as YYYY-MM-DD, like ${today}, not "${flags.date}"`);
    }
    // A day is settled once it is over: what it takes later would otherwise wait for the next day's run.
    if (flags.date >= today) {
      return problem('usage', `--date ${flags.date} is not over yet (today is ${today} in Asia/Shanghai)`);
    }
  } else if (flags.merchant !== undefined) {
    return problem('usage', "--merchant goes with --date: without a date, every merchant's due days are settled");
  }
  const limitText = flags.limit ?? String(SETTLE_DUE_LIMIT_DEFAULT);
  const limit = /^[0-9]{1,6}$/.test(limitText) ? Number(limitText) : Number.NaN;
  if (!(limit >= 1 && limit <= SETTLE_DUE_LIMIT_MAX)) {
    return problem('usage', `--limit must be a whole number from 1 to ${SETTLE_DUE_LIMIT_MAX}, not "${limitText}"`);
  }
  return ok({ date: flags.date ?? null, merchantId: flags.merchant ?? null, limit, json: flags.json === true });
}

/** `2026-02-30` is well formed but no day: it must read back as itself. */
function isCalendarDate(text: string): boolean {
  if (!/^[0-9]{4}-[0-9]{2}-[0-9]{2}$/.test(text)) return false;
  const ms = Date.parse(`${text}T00:00:00Z`);
  return !Number.isNaN(ms) && new Date(ms).toISOString().slice(0, 10) === text;
}

interface SettledRow {
  merchant: Merchant;
  settlement: Settlement;
}

/** Migrates, builds the modules as the server does, settles, prints. The caller opened the store and closes it. */
export async function runSettlement(store: Store, config: SaomaConfig, options: SettleOptions): Promise<void> {
  const migrated = await migrate(store, BigInt(systemClock.nowMs()));
  // On stderr: stdout is the settlements (JSON with --json).
  for (const step of migrated.applied) console.error(`saoma: applied migration ${step.version} (${step.name})`);
  const ledger = createLedgerService({ store, clock: systemClock, writer: { batchMax: config.batchMax } });
  // Closed even when settling throws: the ledger's SQLite write thread would keep the process alive.
  try {
    const cipher = createFieldCipher(resolveFieldKey(config.databaseUrl, config.fieldKey));
    const modules = await createModules({ store, ledger, clock: systemClock, cipher });
    const rows =
      options.date === null
        ? await settleDue(modules, options.limit)
        : await settleDay(modules, options.date, options.merchantId);
    if (options.json) {
      console.log(JSON.stringify({ business_date: options.date, settlements: rows.map(rowJson) }, null, 2));
    } else {
      console.log(settlementsText(rows, options.date, store.description));
    }
  } finally {
    await ledger.close();
  }
}

async function merchantsToSettle(modules: Modules, merchantId: string | null): Promise<Merchant[]> {
  if (merchantId !== null) {
    const merchant = await modules.merchants.get(merchantId);
    if (!merchant) throw new Error(`no merchant ${merchantId}`);
    return [merchant];
  }
  const merchants = await modules.merchants.list({ limit: MERCHANTS_MAX + 1 });
  if (merchants.length > MERCHANTS_MAX) {
    throw new Error(`more than ${MERCHANTS_MAX} merchants: settle them one at a time with --merchant ID`);
  }
  return merchants;
}

async function settleDay(modules: Modules, date: string, merchantId: string | null): Promise<SettledRow[]> {
  const rows: SettledRow[] = [];
  // One after another: each is a chain of ledger transfers, and the writer batches them anyway.
  for (const merchant of await merchantsToSettle(modules, merchantId)) {
    const settled = await modules.settlements.settle(merchant, date);
    if (!settled.ok) throw new Error(settled.error.message);
    if (settled.value !== null) rows.push({ merchant, settlement: settled.value });
  }
  return rows;
}

/** What this run settled: the due days' rows created or paid out since it began. */
async function settleDue(modules: Modules, limit: number): Promise<SettledRow[]> {
  const startedMs = BigInt(systemClock.nowMs());
  const settled = await modules.settlements.settleDue(limit);
  if (settled === 0) return [];
  const rows: SettledRow[] = [];
  for (const merchant of await merchantsToSettle(modules, null)) {
    for (const settlement of await modules.settlements.list(merchant.id, RECENT_ROWS_MAX)) {
      if (settlement.createdAtMs >= startedMs || (settlement.paidOutAtMs ?? -1n) >= startedMs) {
        rows.push({ merchant, settlement });
      }
    }
  }
  return rows;
}

const rowJson = ({ merchant, settlement }: SettledRow) => ({
  merchant: { id: merchant.id, name: merchant.name, provider: merchant.providerId },
  ...settlementJson(settlement),
});

const MONEY_WIDTH = 14;
const money = (fen: bigint) => formatYuanSymbol(fen).padStart(MONEY_WIDTH);

/** A table a merchant, its name last on its line (Chinese characters are two columns wide). */
export function settlementsText(rows: readonly SettledRow[], date: string | null, where: string): string {
  const what = date === null ? 'the business days that were due' : `business day ${date} (Asia/Shanghai)`;
  if (rows.length === 0) {
    return date === null ? `Nothing was due for settlement in ${where}.` : `No merchants to settle in ${where}.`;
  }
  const header =
    `  ${'date'.padEnd(10)}  ${'payments'.padStart(8)}  ${'refunds'.padStart(7)}` +
    ['gross', 'fees', 'refunded', 'net'].map((title) => `  ${title.padStart(MONEY_WIDTH)}`).join('') +
    '  status';
  const lines = [`Settled ${what} in ${where}:`];
  let current: string | null = null;
  for (const { merchant, settlement: s } of rows) {
    if (merchant.id !== current) {
      current = merchant.id;
      lines.push('', `${merchant.id} (${merchant.providerId}) ${merchant.name}`, header);
    }
    lines.push(
      `  ${s.businessDate}  ${String(s.paymentCount).padStart(8)}  ${String(s.refundCount).padStart(7)}` +
        `  ${money(s.grossFen)}  ${money(s.feeFen)}  ${money(s.refundFen)}  ${money(s.netFen)}  ${s.status}`,
    );
  }
  return lines.join('\n');
}
