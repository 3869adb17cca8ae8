// Settlement: a merchant's takings of one business day (Asia/Shanghai), net of fees and of that
// day's refunds, move from pending to available and are paid out to the merchant's bank account
// — T+1 by default (per merchant), by `saoma settle` or the built-in scheduler. One linked chain
// per merchant and day, recorded first in `settlements` (one row per merchant and day), so that
// a run cut short is finished by the next one and money never moves twice.
import type { Selectable } from 'kysely';
import type { LedgerService } from '../ledger/service.js';
import { TransferFlags, type TransferRequest } from '../ledger/types.js';
import type { Merchant, MerchantService } from '../merchant/service.js';
import type { MerchantTables } from '../merchant/tables.js';
import { CNY_LEDGER_ID, TransferCodes } from '../network/chart.js';
import { bankSettlementAccount, providerAccount, type NetworkService } from '../network/service.js';
import type { Clock } from '../shared/clock.js';
import { newToken } from '../shared/passwords.js';
import type { Store } from '../store/store.js';

export interface Settlement {
  id: string;
  merchantId: string;
  businessDate: string;
  grossFen: bigint;
  feeFen: bigint;
  refundFen: bigint;
  netFen: bigint;
  paymentCount: number;
  refundCount: number;
  status: 'processing' | 'paid_out' | 'nothing_to_pay';
  createdAtMs: bigint;
  paidOutAtMs: bigint | null;
}

export interface DayTotals {
  grossFen: bigint;
  feeFen: bigint;
  /** Refunded to payers that day, net of the fee that came back with them. */
  refundFen: bigint;
  paymentCount: number;
  refundCount: number;
}

export interface SettlementService {
  /** Settles one merchant's business day (idempotent). */
  settle(merchant: Merchant, businessDate: string): Promise<Settlement>;
  /** Settles every merchant whose business days are due (today − delay, and up to a week back). */
  settleDue(limit: number): Promise<number>;
  list(merchantId: string, limit: number): Promise<Settlement[]>;
  dayTotals(merchantId: string, businessDate: string): Promise<DayTotals>;
}

const SHANGHAI_OFFSET_MS = 8 * 3600 * 1000;
const DAY_MS = 86_400_000;
/** A missed day is caught up for this long; older ones need `saoma settle --date`. */
const CATCH_UP_DAYS = 7;

/** `2026-06-01` for a moment, in the network's time zone. */
export const businessDateOf = (atMs: number | bigint): string =>
  new Date(Number(atMs) + SHANGHAI_OFFSET_MS).toISOString().slice(0, 10);

/** The day's bounds in UTC milliseconds: [start, end). */
export function dayBoundsMs(businessDate: string): [bigint, bigint] {
  const startMs = Date.parse(`${businessDate}T00:00:00Z`) - SHANGHAI_OFFSET_MS;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(businessDate) || Number.isNaN(startMs)) {
    throw new RangeError(`not a business date: ${businessDate}`);
  }
  return [BigInt(startMs), BigInt(startMs + DAY_MS)];
}

export function createSettlementService(deps: {
  store: Store;
  clock: Clock;
  ledger: LedgerService;
  network: NetworkService;
  merchants: MerchantService;
}): SettlementService {
  const { store, clock, ledger, network, merchants } = deps;
  const db = store.db;

  const dayTotals = async (merchantId: string, businessDate: string): Promise<DayTotals> => {
    const [startMs, endMs] = dayBoundsMs(businessDate);
    const paid = await db
      .selectFrom('orders')
      .select((eb) => [
        eb.fn.sum<bigint>('amount_fen').as('gross'),
        eb.fn.sum<bigint>('fee_fen').as('fee'),
        eb.fn.countAll<bigint>().as('n'),
      ])
      .where('merchant_id', '=', merchantId)
      .where('paid_at_ms', '>=', startMs)
      .where('paid_at_ms', '<', endMs)
      .executeTakeFirstOrThrow();
    const refunded = await db
      .selectFrom('refunds')
      .select((eb) => [
        eb.fn.sum<bigint>('amount_fen').as('amount'),
        eb.fn.sum<bigint>('fee_refund_fen').as('fee'),
        eb.fn.countAll<bigint>().as('n'),
      ])
      .where('merchant_id', '=', merchantId)
      .where('status', '=', 'SUCCESS')
      .where('completed_at_ms', '>=', startMs)
      .where('completed_at_ms', '<', endMs)
      .executeTakeFirstOrThrow();
    return {
      grossFen: BigInt(paid.gross ?? 0),
      feeFen: BigInt(paid.fee ?? 0),
      refundFen: BigInt(refunded.amount ?? 0) - BigInt(refunded.fee ?? 0),
      paymentCount: Number(paid.n),
      refundCount: Number(refunded.n),
    };
  };

  const find = async (merchantId: string, businessDate: string) => {
    const row = await db
      .selectFrom('settlements')
      .selectAll()
      .where('merchant_id', '=', merchantId)
      .where('business_date', '=', businessDate)
      .executeTakeFirst();
    return row ? toSettlement(row) : null;
  };

  const record = async (merchant: Merchant, businessDate: string) => {
    const totals = await dayTotals(merchant.id, businessDate);
    const netFen = totals.grossFen - totals.feeFen - totals.refundFen;
    await db
      .insertInto('settlements')
      .values({
        id: `se_${newToken(12)}`,
        merchant_id: merchant.id,
        business_date: businessDate,
        gross_fen: totals.grossFen,
        fee_fen: totals.feeFen,
        refund_fen: totals.refundFen,
        net_fen: netFen,
        payment_count: totals.paymentCount,
        refund_count: totals.refundCount,
        status: netFen > 0n ? 'processing' : 'nothing_to_pay',
        created_at_ms: BigInt(clock.nowMs()),
      })
      .onConflict((conflict) => conflict.columns(['merchant_id', 'business_date']).doNothing())
      .execute();
    return (await find(merchant.id, businessDate))!;
  };

  /** Pending → available → out of the reserve → the merchant's bank account, as one chain. */
  const payOut = async (merchant: Merchant, settlement: Settlement) => {
    const bankAccount = await db
      .selectFrom('bank_accounts')
      .select(['bank_id', 'ledger_account_id'])
      .where('id', '=', merchant.settlementBankAccountId)
      .executeTakeFirstOrThrow();
    const reserve = await providerAccount(network, merchant.providerId, 'reserve');
    const bankSide = await bankSettlementAccount(network, bankAccount.bank_id, merchant.providerId);
    const userData = `settlement:${settlement.id}`;
    const move = (debitAccountId: bigint, creditAccountId: bigint, code: number) => ({
      debitAccountId,
      creditAccountId,
      amount: settlement.netFen,
      ledgerId: CNY_LEDGER_ID,
      code,
      userData,
    });
    const chain: TransferRequest[] = [
      move(merchant.pendingAccountId, merchant.availableAccountId, TransferCodes.settlement),
      move(merchant.availableAccountId, reserve, TransferCodes.payout),
      move(bankSide, BigInt(bankAccount.ledger_account_id), TransferCodes.payout),
    ].map((transfer, index, all) => ({
      ...transfer,
      id: `${settlement.id}:${index + 1}`,
      flags: index < all.length - 1 ? TransferFlags.linked : TransferFlags.none,
    }));
    const results = await ledger.transfer(chain);
    const failed = results.find((result) => result.code !== 'ok' && result.code !== 'linked_event_failed');
    // The day's net was credited to pending by its payments; only a bug could make it short.
    if (failed) throw new Error(`settlement ${settlement.id} refused by the ledger: ${failed.code}`);
    await db
      .updateTable('settlements')
      .set({ status: 'paid_out', paid_out_at_ms: BigInt(clock.nowMs()) })
      .where('id', '=', settlement.id)
      .where('status', '=', 'processing')
      .execute();
  };

  const service: SettlementService = {
    async settle(merchant, businessDate) {
      dayBoundsMs(businessDate);
      const settlement = await record(merchant, businessDate);
      if (settlement.status === 'processing') await payOut(merchant, settlement);
      return (await find(merchant.id, businessDate))!;
    },

    async settleDue(limit) {
      const nowMs = clock.nowMs();
      let settled = 0;
      for (const merchant of await merchants.list({ limit: 10_000 })) {
        for (let back = CATCH_UP_DAYS - 1; back >= 0 && settled < limit; back -= 1) {
          const date = businessDateOf(nowMs - (merchant.settlementDelayDays + back) * DAY_MS);
          const existing = await find(merchant.id, date);
          if (existing && existing.status !== 'processing') continue;
          await service.settle(merchant, date);
          settled += 1;
        }
      }
      return settled;
    },

    async list(merchantId, limit) {
      const rows = await db
        .selectFrom('settlements')
        .selectAll()
        .where('merchant_id', '=', merchantId)
        .orderBy('business_date', 'desc')
        .limit(limit)
        .execute();
      return rows.map(toSettlement);
    },

    dayTotals,
  };
  return service;
}

function toSettlement(row: Selectable<MerchantTables['settlements']>): Settlement {
  return {
    id: row.id,
    merchantId: row.merchant_id,
    businessDate: row.business_date,
    grossFen: BigInt(row.gross_fen),
    feeFen: BigInt(row.fee_fen),
    refundFen: BigInt(row.refund_fen),
    netFen: BigInt(row.net_fen),
    paymentCount: Number(row.payment_count),
    refundCount: Number(row.refund_count),
    status: row.status as Settlement['status'],
    createdAtMs: BigInt(row.created_at_ms),
    paidOutAtMs: row.paid_out_at_ms === null ? null : BigInt(row.paid_out_at_ms),
  };
}
