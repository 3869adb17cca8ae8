// Settlement: a merchant's takings up to the end of a business day (Asia/Shanghai), net of fees
// and refunds, move from pending to available and are paid out to the merchant's bank account —
// T+1 by default (per merchant), by `saoma settle` or the built-in scheduler. A run claims the
// payments and refunds no settlement has taken yet (each carries the settlement's id from then
// on, so each is settled exactly once, however often runs repeat) together with the settlement's
// row, then pays out as one linked chain whose ids derive from the row: a run cut short is
// finished by the next one, and money never moves twice.
import type { ExpressionBuilder, Selectable } from 'kysely';
import type { LedgerService } from '../ledger/service.js';
import { TransferFlags, type TransferRequest } from '../ledger/types.js';
import type { Merchant, MerchantService } from '../merchant/service.js';
import type { MerchantTables } from '../merchant/tables.js';
import { CNY_LEDGER_ID, TransferCodes } from '../network/chart.js';
import { bankSettlementAccount, providerAccount, type NetworkService } from '../network/service.js';
import type { Clock } from '../shared/clock.js';
import { newToken } from '../shared/passwords.js';
import { ok, problem, type Result } from '../shared/result.js';
import { runAtomically } from '../store/atomic.js';
import type { Schema } from '../store/schema.js';
import type { Store } from '../store/store.js';

/**
 * A merchant's payments no settlement has taken yet, up to `endMs`: what a run claims, found
 * through the partial index orders_unsettled (src/store/migrations.test.ts checks the plan).
 */
export const unsettledPayment = (merchantId: string, endMs: bigint) => (eb: ExpressionBuilder<Schema, 'orders'>) =>
  eb.and([eb('merchant_id', '=', merchantId), eb('settlement_id', 'is', null), eb('paid_at_ms', '<', endMs)]);

/** A merchant's refunds no settlement has taken yet, up to `endMs` (through refunds_unsettled). */
export const unsettledRefund = (merchantId: string, endMs: bigint) => (eb: ExpressionBuilder<Schema, 'refunds'>) =>
  eb.and([
    eb('merchant_id', '=', merchantId),
    eb('settlement_id', 'is', null),
    eb('status', '=', 'SUCCESS'),
    eb('completed_at_ms', '<', endMs),
  ]);

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
  status: 'claiming' | 'processing' | 'paid_out' | 'nothing_to_pay';
  createdAtMs: bigint;
  paidOutAtMs: bigint | null;
}

export interface SettlementService {
  /**
   * Settles what the merchant has not had settled up to the end of the business day (a day that
   * is over); null when there was nothing. Repeating it pays nothing twice.
   */
  settle(merchant: Merchant, businessDate: string): Promise<Result<Settlement | null, SettlementError>>;
  /** Finishes the merchant's settlements that a crash cut short; returns how many it found. */
  finishCutShort(merchantId: string): Promise<number>;
  /** Settles every merchant up to the last business day that is due (today − the merchant's delay). */
  settleDue(limit: number): Promise<number>;
  list(merchantId: string, limit: number): Promise<Settlement[]>;
}

const SHANGHAI_OFFSET_MS = 8 * 3600 * 1000;
const DAY_MS = 86_400_000;

export type SettlementError = 'day_not_over';

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

  const byId = async (id: string) => {
    const row = await db.selectFrom('settlements').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toSettlement(row) : null;
  };

  /**
   * Claims, in one transaction, the row and every payment and refund of the merchant up to the end
   * of the day that no settlement has taken yet; null when there is nothing to claim.
   */
  const claim = async (merchant: Merchant, businessDate: string): Promise<Settlement | null> => {
    const [, endMs] = dayBoundsMs(businessDate);
    const payment = await db
      .selectFrom('orders')
      .select('id')
      .where(unsettledPayment(merchant.id, endMs))
      .limit(1)
      .executeTakeFirst();
    const refund = await db
      .selectFrom('refunds')
      .select('id')
      .where(unsettledRefund(merchant.id, endMs))
      .limit(1)
      .executeTakeFirst();
    if (!payment && !refund) return null;
    const id = `se_${newToken(12)}`;
    await runAtomically(store, [
      {
        query: db
          .insertInto('settlements')
          .values({
            id,
            merchant_id: merchant.id,
            business_date: businessDate,
            gross_fen: 0n,
            fee_fen: 0n,
            refund_fen: 0n,
            net_fen: 0n,
            payment_count: 0,
            refund_count: 0,
            status: 'claiming',
            created_at_ms: BigInt(clock.nowMs()),
          })
          .compile(),
      },
      {
        query: db
          .updateTable('orders')
          .set({ settlement_id: id })
          .where(unsettledPayment(merchant.id, endMs))
          .compile(),
      },
      {
        query: db
          .updateTable('refunds')
          .set({ settlement_id: id })
          .where(unsettledRefund(merchant.id, endMs))
          .compile(),
      },
    ]);
    return totalUp(id);
  };

  /** Sums what the settlement claimed into its row; the row is then `processing` (or nothing to pay). */
  const totalUp = async (id: string): Promise<Settlement> => {
    const paid = await db
      .selectFrom('orders')
      .select((eb) => [
        eb.fn.sum<bigint>('amount_fen').as('gross'),
        eb.fn.sum<bigint>('fee_fen').as('fee'),
        eb.fn.countAll<bigint>().as('n'),
      ])
      .where('settlement_id', '=', id)
      .executeTakeFirstOrThrow();
    const refunded = await db
      .selectFrom('refunds')
      .select((eb) => [
        eb.fn.sum<bigint>('amount_fen').as('amount'),
        eb.fn.sum<bigint>('fee_refund_fen').as('fee'),
        eb.fn.countAll<bigint>().as('n'),
      ])
      .where('settlement_id', '=', id)
      .executeTakeFirstOrThrow();
    const grossFen = BigInt(paid.gross ?? 0);
    const feeFen = BigInt(paid.fee ?? 0);
    const refundFen = BigInt(refunded.amount ?? 0) - BigInt(refunded.fee ?? 0);
    const netFen = grossFen - feeFen - refundFen;
    await db
      .updateTable('settlements')
      .set({
        gross_fen: grossFen,
        fee_fen: feeFen,
        refund_fen: refundFen,
        net_fen: netFen,
        payment_count: Number(paid.n),
        refund_count: Number(refunded.n),
        status: netFen > 0n ? 'processing' : 'nothing_to_pay',
      })
      .where('id', '=', id)
      .where('status', '=', 'claiming')
      .execute();
    return (await byId(id))!;
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
      const [, endMs] = dayBoundsMs(businessDate);
      if (BigInt(clock.nowMs()) < endMs) {
        return problem('day_not_over', `${businessDate} is not over yet in Asia/Shanghai; settle it from tomorrow`);
      }
      await service.finishCutShort(merchant.id);
      const claimed = await claim(merchant, businessDate);
      if (claimed === null) return ok(null);
      if (claimed.status === 'processing') await payOut(merchant, claimed);
      return ok((await byId(claimed.id))!);
    },

    async finishCutShort(merchantId) {
      const rows = await db
        .selectFrom('settlements')
        .selectAll()
        .where('merchant_id', '=', merchantId)
        .where('status', 'in', ['claiming', 'processing'])
        .limit(100)
        .execute();
      const merchant = (await merchants.get(merchantId))!;
      for (const row of rows) {
        const settlement = row.status === 'claiming' ? await totalUp(row.id) : toSettlement(row);
        if (settlement.status === 'processing') await payOut(merchant, settlement);
      }
      return rows.length;
    },

    async settleDue(limit) {
      const nowMs = clock.nowMs();
      let settled = 0;
      for (const merchant of await merchants.list({ limit: 10_000 })) {
        if (settled >= limit) break;
        // The latest business day that is due for this merchant; earlier unsettled days come with it.
        const date = businessDateOf(nowMs - Math.max(merchant.settlementDelayDays, 1) * DAY_MS);
        const done = await service.settle(merchant, date);
        if (done.ok && done.value !== null) settled += 1;
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
