// Refunds: full or partial, several per order, idempotent per the merchant's out_request_no, and
// never more in total than was paid — the order's refunded amount is reserved in one guarded
// statement before any money moves. The fee goes back pro rata (cumulatively rounded, so a full
// refund returns the whole fee). The money comes from the merchant's pending takings, or from
// the available ones once settled.
import type { Kysely, Selectable } from 'kysely';
import type { IdentityService } from '../identity/service.js';
import type { LedgerService } from '../ledger/service.js';
import { TransferFlags, type TransferRequest } from '../ledger/types.js';
import type { Merchant, MerchantService } from '../merchant/service.js';
import type { MerchantTables } from '../merchant/tables.js';
import { CNY_LEDGER_ID, TransferCodes } from '../network/chart.js';
import { providerAccount, type NetworkService } from '../network/service.js';
import type { Clock } from '../shared/clock.js';
import { divFloor, formatYuanSymbol } from '../shared/money.js';
import { newToken } from '../shared/passwords.js';
import { ok, problem, type Result } from '../shared/result.js';
import { runAtomically } from '../store/atomic.js';
import type { Schema } from '../store/schema.js';
import type { Store } from '../store/store.js';
import type { EventWriter, Order, OrderBook } from './orders.js';

export interface Refund {
  id: string;
  orderId: string;
  merchantId: string;
  outRequestNo: string;
  amountFen: bigint;
  feeRefundFen: bigint;
  reason: string | null;
  status: 'PROCESSING' | 'SUCCESS' | 'FAILED';
  failureCode: string | null;
  createdAtMs: bigint;
  completedAtMs: bigint | null;
}

export type RefundError =
  | 'order_not_paid'
  | 'refund_exceeds_paid'
  | 'out_request_no_conflict'
  | 'merchant_insufficient_funds'
  | 'invalid_refund';

export interface RefundService {
  refund(
    merchant: Merchant,
    order: Order,
    input: { outRequestNo: string; amountFen: bigint; reason?: string },
  ): Promise<Result<Refund, RefundError>>;
  find(merchantId: string, outRequestNo: string): Promise<Refund | null>;
  listForOrder(orderId: string): Promise<Refund[]>;
  /** Finishes refunds cut short between their reservation and the ledger's answer (a crash). */
  resumeStuck(limit: number): Promise<number>;
}

/** A refund still processing after this long was cut short: the sweep finishes it. */
const STUCK_AFTER_MS = 10_000n;

/**
 * Refunds still processing that were created before the time given, through the partial index
 * refunds_in_flight, not every refund ever made (src/store/migrations.test.ts checks the plan).
 */
export const refundsInFlight = (db: Kysely<Schema>, createdBeforeMs: bigint, limit: number) =>
  db
    .selectFrom('refunds')
    .selectAll()
    .where('status', '=', 'PROCESSING')
    .where('created_at_ms', '<', createdBeforeMs)
    .limit(limit);

export function createRefundService(deps: {
  store: Store;
  clock: Clock;
  ledger: LedgerService;
  network: NetworkService;
  identity: IdentityService;
  orders: OrderBook;
  merchants: MerchantService;
  writeEvent: EventWriter;
}): RefundService {
  const { store, clock, ledger, network, identity, orders, merchants, writeEvent } = deps;
  const db = store.db;
  const now = () => BigInt(clock.nowMs());

  const find = async (merchantId: string, outRequestNo: string) => {
    const row = await db
      .selectFrom('refunds')
      .selectAll()
      .where('merchant_id', '=', merchantId)
      .where('out_request_no', '=', outRequestNo)
      .executeTakeFirst();
    return row ? toRefund(row) : null;
  };

  /** Reserves the amount on the order and records the refund, together; false when it does not fit. */
  const reserve = (order: Order, refund: Refund) =>
    runAtomically(store, [
      {
        query: db
          .updateTable('orders')
          .set((eb) => ({ refunded_fen: eb('refunded_fen', '+', refund.amountFen), status: 'REFUND' }))
          .where('id', '=', order.id)
          .where('status', 'in', ['SUCCESS', 'REFUND'])
          .where((eb) => eb(eb('refunded_fen', '+', refund.amountFen), '<=', eb.ref('amount_fen')))
          .compile(),
        mustChangeRow: true,
      },
      {
        query: db
          .insertInto('refunds')
          .values({
            id: refund.id,
            order_id: order.id,
            merchant_id: order.merchantId,
            out_request_no: refund.outRequestNo,
            amount_fen: refund.amountFen,
            fee_refund_fen: refund.feeRefundFen,
            reason: refund.reason,
            status: 'PROCESSING',
            created_at_ms: refund.createdAtMs,
          })
          .onConflict((conflict) => conflict.columns(['merchant_id', 'out_request_no']).doNothing())
          .compile(),
        mustChangeRow: true,
      },
    ]);

  const chain = async (refund: Refund, order: Order, merchant: Merchant, from: 'pending' | 'available') => {
    const payer = (await identity.getUser(order.payerUserId!))!;
    const feeIncome = await providerAccount(network, merchant.providerId, 'feeIncome');
    const source = from === 'pending' ? merchant.pendingAccountId : merchant.availableAccountId;
    const userData = `ord:${order.id}`;
    // The fee comes back to the merchant's account pro rata, then the payer gets the whole
    // amount from it: the mirror of a payment (one line on the payer's statement).
    const transfers: Omit<TransferRequest, 'id' | 'flags'>[] = [
      {
        debitAccountId: feeIncome,
        creditAccountId: source,
        amount: refund.feeRefundFen,
        ledgerId: CNY_LEDGER_ID,
        code: TransferCodes.refundFee,
        userData,
      },
      {
        debitAccountId: source,
        creditAccountId: payer.walletAccountId,
        amount: refund.amountFen,
        ledgerId: CNY_LEDGER_ID,
        code: TransferCodes.refund,
        userData,
      },
    ];
    return transfers
      .filter((transfer) => (transfer.amount ?? 0n) > 0n)
      .map((transfer, index, all): TransferRequest => ({
        ...transfer,
        id: `${refund.id}:${from}:${index + 1}`,
        flags: index < all.length - 1 ? TransferFlags.linked : TransferFlags.none,
      }));
  };

  /** Moves the money (pending first, then available) and records the outcome with its event. */
  const complete = async (refund: Refund, order: Order, merchant: Merchant): Promise<Refund> => {
    for (const from of ['pending', 'available'] as const) {
      const results = await ledger.transfer(await chain(refund, order, merchant, from));
      if (results.every((result) => result.code === 'ok')) {
        await runAtomically(store, [
          {
            query: db
              .updateTable('refunds')
              .set({ status: 'SUCCESS', completed_at_ms: now() })
              .where('id', '=', refund.id)
              .where('status', '=', 'PROCESSING')
              .compile(),
            mustChangeRow: true,
          },
          ...(await writeEvent(refundEvent(order, refund))).map((query) => ({ query })),
        ]);
        return (await find(refund.merchantId, refund.outRequestNo))!;
      }
    }
    // Neither account covers it: give the reservation back so the order's refundable amount is right.
    await runAtomically(store, [
      {
        query: db
          .updateTable('refunds')
          .set({ status: 'FAILED', failure_code: 'merchant_insufficient_funds', completed_at_ms: now() })
          .where('id', '=', refund.id)
          .where('status', '=', 'PROCESSING')
          .compile(),
        mustChangeRow: true,
      },
      {
        query: db
          .updateTable('orders')
          .set((eb) => ({
            refunded_fen: eb('refunded_fen', '-', refund.amountFen),
            status: eb.case().when('refunded_fen', '=', refund.amountFen).then('SUCCESS').else('REFUND').end(),
          }))
          .where('id', '=', order.id)
          .compile(),
      },
    ]);
    return (await find(refund.merchantId, refund.outRequestNo))!;
  };

  const answer = (refund: Refund): Result<Refund, RefundError> =>
    refund.status === 'FAILED'
      ? problem('merchant_insufficient_funds', "the merchant's takings do not cover this refund; nothing was refunded")
      : ok(refund);

  return {
    async refund(merchant, order, input) {
      const existing = await find(merchant.id, input.outRequestNo);
      if (existing) return repeat(existing, order, input, () => complete(existing, order, merchant).then(answer));
      if (!/^[A-Za-z0-9_\-.:|*]{1,64}$/.test(input.outRequestNo)) {
        return problem('invalid_refund', 'out_request_no must be 1–64 characters: letters, digits and _-.:|*');
      }
      if (input.amountFen <= 0n) return problem('invalid_refund', 'a refund is of 0.01 or more');
      if (order.status !== 'SUCCESS' && order.status !== 'REFUND') {
        return problem(
          'order_not_paid',
          `order ${order.outTradeNo} has not been paid (${order.status}), so it cannot be refunded`,
        );
      }
      const refund: Refund = {
        id: `rf_${newToken(12)}`,
        orderId: order.id,
        merchantId: merchant.id,
        outRequestNo: input.outRequestNo,
        amountFen: input.amountFen,
        feeRefundFen: feeRefund(order, input.amountFen),
        reason: input.reason ?? null,
        status: 'PROCESSING',
        failureCode: null,
        createdAtMs: now(),
        completedAtMs: null,
      };
      if (!(await reserve(order, refund))) {
        const raced = await find(merchant.id, input.outRequestNo);
        if (raced) return repeat(raced, order, input, () => complete(raced, order, merchant).then(answer));
        const current = (await orders.get(order.id))!;
        const leftFen = current.amountFen - current.refundedFen;
        return problem(
          'refund_exceeds_paid',
          `${formatYuanSymbol(input.amountFen)} is more than is left to refund on order ${order.outTradeNo} (${formatYuanSymbol(leftFen)})`,
        );
      }
      return answer(await complete(refund, order, merchant));
    },
    find,
    async resumeStuck(limit) {
      const stuck = await refundsInFlight(db, now() - STUCK_AFTER_MS, limit).execute();
      for (const row of stuck) {
        const refund = toRefund(row);
        const order = (await orders.get(refund.orderId))!;
        const merchant = await merchants.get(refund.merchantId);
        if (merchant) await complete(refund, order, merchant);
      }
      return stuck.length;
    },
    async listForOrder(orderId) {
      const rows = await db
        .selectFrom('refunds')
        .selectAll()
        .where('order_id', '=', orderId)
        .orderBy('created_at_ms')
        .limit(500)
        .execute();
      return rows.map(toRefund);
    },
  };

  function feeRefund(order: Order, amountFen: bigint): bigint {
    // Cumulative: the fee refunded so far plus this one is the fee's share of everything refunded.
    const before = divFloor(order.feeFen * order.refundedFen, order.amountFen);
    const after = divFloor(order.feeFen * (order.refundedFen + amountFen), order.amountFen);
    return after - before;
  }
}

/** The same out_request_no again: the same refund (finished now if it was cut short), or a conflict. */
async function repeat(
  existing: Refund,
  order: Order,
  input: { amountFen: bigint },
  finish: () => Promise<Result<Refund, RefundError>>,
): Promise<Result<Refund, RefundError>> {
  if (existing.orderId !== order.id || existing.amountFen !== input.amountFen) {
    return problem('out_request_no_conflict', `out_request_no ${existing.outRequestNo} already names another refund`);
  }
  if (existing.status === 'PROCESSING') return finish();
  if (existing.status === 'FAILED') {
    return problem(
      'merchant_insufficient_funds',
      "the merchant's takings did not cover this refund; nothing was refunded",
    );
  }
  return ok(existing);
}

function refundEvent(order: Order, refund: Refund) {
  return {
    merchantId: order.merchantId,
    type: 'refund.success' as const,
    payload: {
      order_id: order.id,
      out_trade_no: order.outTradeNo,
      refund_id: refund.id,
      out_request_no: refund.outRequestNo,
      amount: refund.amountFen.toString(),
      fee_refund: refund.feeRefundFen.toString(),
      status: 'SUCCESS',
    },
    notifyUrl: order.notifyUrl,
    protocol: order.protocol,
  };
}

export function toRefund(row: Selectable<MerchantTables['refunds']>): Refund {
  return {
    id: row.id,
    orderId: row.order_id,
    merchantId: row.merchant_id,
    outRequestNo: row.out_request_no,
    amountFen: BigInt(row.amount_fen),
    feeRefundFen: BigInt(row.fee_refund_fen),
    reason: row.reason,
    status: row.status as Refund['status'],
    failureCode: row.failure_code,
    createdAtMs: BigInt(row.created_at_ms),
    completedAtMs: row.completed_at_ms === null ? null : BigInt(row.completed_at_ms),
  };
}
