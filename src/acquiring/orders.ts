// Orders: what a merchant asks to be paid. `WAIT_BUYER_PAY` until a payer pays (`SUCCESS`, then
// `REFUND` once anything is refunded) or it closes (`CLOSED`: expiry, the merchant's close or
// cancel). A scanned payment code above the password-free limit waits in `USERPAYING` for the
// payer's PIN; `PAYING` is the moment between claiming the order and the ledger's answer.
import type { CompiledQuery, Selectable } from 'kysely';
import type { MerchantTables } from '../merchant/tables.js';
import type { Clock } from '../shared/clock.js';
import { timeOrderedId } from '../shared/ids.js';
import { createRecentCache } from '../shared/recent-cache.js';
import { ok, problem, type Problem, type Result } from '../shared/result.js';
import { runAtomically, type AtomicStep } from '../store/atomic.js';
import type { Store } from '../store/store.js';
import { paramsOf, queryTemplate, type Param, type QueryTemplate } from '../store/templates.js';
import type { Merchant } from '../merchant/service.js';

export type OrderStatus = 'WAIT_BUYER_PAY' | 'USERPAYING' | 'PAYING' | 'SUCCESS' | 'REFUND' | 'CLOSED';
export type OrderChannel = 'qr' | 'static' | 'payment_code' | 'personal';
/** The API the order was made through; its notifications go out in the same protocol. */
export type OrderProtocol = 'saoma' | 'alipay' | 'wechatpay';
/** A protocol's own fields to echo back (WeChat Pay's attach, trade type …): short strings. */
export type ProtocolData = Readonly<Record<string, string>>;

export interface Order {
  id: string;
  merchantId: string;
  storeId: string | null;
  outTradeNo: string;
  channel: OrderChannel;
  protocol: OrderProtocol;
  protocolData: ProtocolData | null;
  amountFen: bigint;
  subject: string;
  status: OrderStatus;
  payerUserId: string | null;
  code: string | null;
  notifyUrl: string | null;
  feeFen: bigint;
  refundedFen: bigint;
  closeReason: string | null;
  createdAtMs: bigint;
  expiresAtMs: bigint;
  paidAtMs: bigint | null;
}

export type OrderError =
  | 'order_not_found'
  | 'out_trade_no_conflict'
  | 'order_closed'
  | 'order_paid'
  | 'order_being_paid'
  | 'order_expired'
  | 'invalid_order';

/** An event for the merchant, written in the same transaction as the change it announces. */
export interface MerchantEvent {
  merchantId: string;
  type: 'trade.success' | 'trade.closed' | 'refund.success';
  payload: Record<string, unknown>;
  /** The order's notify_url; without one the merchant's app webhook URL is used (native orders only). */
  notifyUrl: string | null;
  /** The order's protocol: the notification's format and retry schedule. */
  protocol: OrderProtocol;
}

/**
 * Turns an event into the outbox's INSERT (the notify module), so that it joins the transaction
 * of the change it announces. None when the merchant has nowhere to be told.
 */
export type EventWriter = (event: MerchantEvent) => Promise<CompiledQuery[]>;

export const ORDER_TIMEOUT_SECONDS_MAX = 7 * 24 * 3600;
export const OUT_TRADE_NO_PATTERN = /^[A-Za-z0-9_\-.:|*]{1,64}$/;

export interface NewOrder {
  outTradeNo: string;
  amountFen: bigint;
  subject: string;
  channel: OrderChannel;
  /** Default `saoma`. */
  protocol?: OrderProtocol;
  protocolData?: ProtocolData;
  timeoutSeconds: number;
  storeId?: string;
  terminalId?: string;
  notifyUrl?: string;
  /** A payer the order is already bound to (a scanned payment code, a static code). */
  payerUserId?: string;
  status?: 'WAIT_BUYER_PAY' | 'USERPAYING';
  /**
   * The signed request's nonce (merchant/auth.ts), recorded in the order's own unit: one write
   * for both. When it was used before, no order is made and the answer is `replayed`.
   */
  nonce?: { step: AtomicStep; replayed: Problem<'nonce_replayed'> };
}

export interface OrderBook {
  create(merchant: Merchant, input: NewOrder): Promise<Result<Order, OrderError | 'nonce_replayed'>>;
  get(orderId: string): Promise<Order | null>;
  find(merchantId: string, ref: { outTradeNo?: string; orderId?: string }): Promise<Order | null>;
  /**
   * A QR order this process created lately, found by its code without a read, as it was created:
   * its status may have moved on since. For a payment, whose claim checks in one guarded
   * statement that the order is still payable (and reads it afresh when it is not).
   */
  createdWithCode(code: string): Order | undefined;
  /** The merchant closes (or cancels) an order nobody has paid. */
  close(order: Order, reason: string): Promise<Result<Order, OrderError>>;
  /** Closes orders past their expiry (QR orders and payment codes the payer never confirmed). */
  expireDue(limit: number): Promise<number>;
  /** Guarded status change; false when the order was not in `from` any more. */
  transition(
    orderId: string,
    from: readonly OrderStatus[],
    change: Partial<Selectable<MerchantTables['orders']>>,
    events?: MerchantEvent[],
  ): Promise<boolean>;
}

/** QR orders remembered by code per process (createdWithCode); past it, it starts again. */
const CREATED_WITH_CODE_MAX = 65_536;

export function createOrderBook(deps: { store: Store; clock: Clock; writeEvent: EventWriter }): OrderBook {
  const { store, clock, writeEvent } = deps;
  const db = store.db;
  const now = () => BigInt(clock.nowMs());
  const createdWithCode = createRecentCache<string, Order>(Number.POSITIVE_INFINITY, CREATED_WITH_CODE_MAX);

  const transition: OrderBook['transition'] = async (orderId, from, change, events = []) =>
    runAtomically(store, [
      { query: compileTransition(store, orderId, from, change), mustChangeRow: true },
      ...(await Promise.all(events.map(writeEvent))).flat().map((query) => ({ query })),
    ]);

  const book: OrderBook = {
    async create(merchant, input) {
      const refused = checkNewOrder(input);
      if (refused) {
        // Refused, but the request was authentic: its nonce is used up all the same.
        if (input.nonce) await runAtomically(store, [input.nonce.step]);
        return refused;
      }
      // Insert first: a repeated out_trade_no (rare) finds the existing order when the insert
      // changes nothing, instead of every new order paying for a lookup.
      const at = now();
      const id = timeOrderedId('ord_', at);
      const code = input.channel === 'qr' ? timeOrderedId('o', at) : null;
      const row: Selectable<MerchantTables['orders']> = {
        id,
        merchant_id: merchant.id,
        store_id: input.storeId ?? null,
        terminal_id: input.terminalId ?? null,
        out_trade_no: input.outTradeNo,
        channel: input.channel,
        protocol: input.protocol ?? 'saoma',
        protocol_data: input.protocolData ? JSON.stringify(input.protocolData) : null,
        amount_fen: input.amountFen,
        subject: input.subject,
        status: input.status ?? 'WAIT_BUYER_PAY',
        payer_user_id: input.payerUserId ?? null,
        code,
        notify_url: input.notifyUrl ?? null,
        fee_fen: 0n,
        refunded_fen: 0n,
        close_reason: null,
        created_at_ms: at,
        expires_at_ms: at + BigInt(input.timeoutSeconds) * 1000n,
        paid_at_ms: null,
        settlement_id: null,
      };
      // The order and its code in one unit: a code never names a missing order.
      const inserted = await runAtomically(store, [
        ...(input.nonce ? [input.nonce.step] : []),
        { query: insertOrder.compile(store, row), mustChangeRow: true },
        ...(code === null
          ? []
          : [
              {
                query: insertOrderCode.compile(store, {
                  code,
                  merchant_id: merchant.id,
                  store_id: row.store_id,
                  order_id: id,
                  created_at_ms: at,
                }),
              },
            ]),
      ]);
      if (!inserted) {
        // The nonce alone tells whether it was used before, or this is a repeat (or another
        // request with this out_trade_no won the race).
        if (input.nonce && !(await runAtomically(store, [input.nonce.step]))) {
          return { ok: false, error: input.nonce.replayed };
        }
        return sameOrder((await book.find(merchant.id, { outTradeNo: input.outTradeNo }))!, input);
      }
      // Frozen: the same object is handed to a later payment (createdWithCode).
      const order = Object.freeze(toOrder(row));
      if (code !== null) createdWithCode.set(code, order);
      return ok(order);
    },

    createdWithCode: (code) => createdWithCode.get(code),

    async get(orderId) {
      const row = await orderById.first(store, { id: orderId });
      return row ? toOrder(row) : null;
    },

    async find(merchantId, ref) {
      let query = db.selectFrom('orders').selectAll().where('merchant_id', '=', merchantId);
      if (ref.orderId !== undefined) query = query.where('id', '=', ref.orderId);
      else if (ref.outTradeNo !== undefined) query = query.where('out_trade_no', '=', ref.outTradeNo);
      else return null;
      const row = await query.executeTakeFirst();
      return row ? toOrder(row) : null;
    },

    async close(order, reason) {
      const closed = await transition(
        order.id,
        ['WAIT_BUYER_PAY', 'USERPAYING'],
        { status: 'CLOSED', close_reason: reason },
        [closedEvent(order, reason)],
      );
      const current = (await book.get(order.id))!;
      if (closed || current.status === 'CLOSED') return ok(current);
      return refusalFor(current, now());
    },

    async expireDue(limit) {
      const due = await db
        .selectFrom('orders')
        .selectAll()
        .where('status', 'in', ['WAIT_BUYER_PAY', 'USERPAYING'])
        .where('expires_at_ms', '<=', now())
        .orderBy('expires_at_ms')
        .limit(limit)
        .execute();
      let closed = 0;
      for (const row of due) {
        const order = toOrder(row);
        const reason = order.status === 'USERPAYING' ? 'payer_did_not_confirm' : 'expired';
        if (
          await transition(order.id, [order.status], { status: 'CLOSED', close_reason: reason }, [
            closedEvent(order, reason),
          ])
        ) {
          closed += 1;
        }
      }
      return closed;
    },

    transition,
  };
  return book;
}

export type OrderRow = Selectable<MerchantTables['orders']>;

const ORDER_COLUMNS = [
  'id',
  'merchant_id',
  'store_id',
  'terminal_id',
  'out_trade_no',
  'channel',
  'protocol',
  'protocol_data',
  'amount_fen',
  'subject',
  'status',
  'payer_user_id',
  'code',
  'notify_url',
  'fee_fen',
  'refunded_fen',
  'close_reason',
  'created_at_ms',
  'expires_at_ms',
  'paid_at_ms',
  'settlement_id',
] as const satisfies readonly (keyof OrderRow)[];

// The statements every order and payment runs, built once (src/store/templates.ts).
const insertOrder = queryTemplate((db, p: Param<OrderRow>) =>
  db
    .insertInto('orders')
    .values(paramsOf(p, ORDER_COLUMNS))
    .onConflict((conflict) => conflict.columns(['merchant_id', 'out_trade_no']).doNothing()),
);

type OrderCode = {
  code: string;
  merchant_id: string;
  store_id: string | null;
  order_id: string;
  created_at_ms: bigint;
};
const insertOrderCode = queryTemplate((db, p: Param<OrderCode>) =>
  db.insertInto('collection_codes').values({
    ...paramsOf(p, ['code', 'merchant_id', 'store_id', 'order_id', 'created_at_ms']),
    kind: 'order',
    user_id: null,
  }),
);

const orderById = queryTemplate((db, p: Param<{ id: string }>) =>
  db.selectFrom('orders').selectAll().where('id', '=', p('id')),
);

type OrderChange = Partial<OrderRow>;
type TransitionValues = Record<string, unknown>;

/** A guarded status change's UPDATE: one template per set of columns changed and number of states left from. */
const transitionTemplates = new Map<string, QueryTemplate<TransitionValues, unknown>>();

function compileTransition(store: Store, orderId: string, from: readonly OrderStatus[], change: OrderChange) {
  // As Kysely's set() does, a column given as undefined is left as it is.
  const columns = Object.keys(change)
    .filter((column) => change[column as keyof OrderChange] !== undefined)
    .sort();
  const shape = `${columns.join(',')}|${from.length}`;
  let template = transitionTemplates.get(shape);
  if (!template) {
    template = queryTemplate((db, p: Param<TransitionValues>) =>
      db
        .updateTable('orders')
        .set(Object.fromEntries(columns.map((column) => [column, p(column)])))
        .where('id', '=', p('id') as string)
        .where(
          'status',
          'in',
          from.map((_, index) => p(`from${index}`) as string),
        ),
    );
    transitionTemplates.set(shape, template);
  }
  const values: TransitionValues = { ...change, id: orderId };
  from.forEach((status, index) => (values[`from${index}`] = status));
  return template.compile(store, values);
}

function checkNewOrder(input: NewOrder): { ok: false; error: { code: OrderError; message: string } } | null {
  if (!OUT_TRADE_NO_PATTERN.test(input.outTradeNo)) {
    return problem('invalid_order', 'out_trade_no must be 1–64 characters: letters, digits and _-.:|*');
  }
  const subject = input.subject.trim();
  if (subject.length === 0 || subject.length > 128)
    return problem('invalid_order', 'the subject must be 1–128 characters');
  if (
    !Number.isInteger(input.timeoutSeconds) ||
    input.timeoutSeconds < 1 ||
    input.timeoutSeconds > ORDER_TIMEOUT_SECONDS_MAX
  ) {
    return problem('invalid_order', `the timeout must be 1 second to ${ORDER_TIMEOUT_SECONDS_MAX / 86_400} days`);
  }
  return null;
}

/** The same out_trade_no again: the same order if the request matches, else a conflict. */
function sameOrder(existing: Order, input: NewOrder): Result<Order, OrderError> {
  if (
    existing.amountFen === input.amountFen &&
    existing.subject === input.subject.trim() &&
    existing.channel === input.channel &&
    existing.protocol === (input.protocol ?? 'saoma')
  ) {
    return ok(existing);
  }
  return problem(
    'out_trade_no_conflict',
    `out_trade_no ${existing.outTradeNo} already names an order for ${existing.amountFen} fen ("${existing.subject}"); use a new out_trade_no`,
  );
}

/** Why an order cannot be paid or closed now. */
export function refusalFor(order: Order, nowMs: bigint): { ok: false; error: { code: OrderError; message: string } } {
  switch (order.status) {
    case 'SUCCESS':
    case 'REFUND':
      return problem('order_paid', `order ${order.outTradeNo} has already been paid`);
    case 'CLOSED':
      return problem('order_closed', `order ${order.outTradeNo} is closed (${order.closeReason ?? 'closed'})`);
    case 'PAYING':
    case 'USERPAYING':
      return problem('order_being_paid', `order ${order.outTradeNo} is being paid by someone else`);
    default:
      return order.expiresAtMs <= nowMs
        ? problem('order_expired', `order ${order.outTradeNo} has expired`)
        : problem('order_being_paid', `order ${order.outTradeNo} changed while it was being paid; try again`);
  }
}

export function closedEvent(order: Order, reason: string): MerchantEvent {
  return {
    merchantId: order.merchantId,
    type: 'trade.closed',
    payload: { order_id: order.id, out_trade_no: order.outTradeNo, status: 'CLOSED', reason },
    notifyUrl: order.notifyUrl,
    protocol: order.protocol,
  };
}

export function toOrder(row: Selectable<MerchantTables['orders']>): Order {
  return {
    id: row.id,
    merchantId: row.merchant_id,
    storeId: row.store_id,
    outTradeNo: row.out_trade_no,
    channel: row.channel as OrderChannel,
    protocol: row.protocol as OrderProtocol,
    protocolData: row.protocol_data === null ? null : (JSON.parse(row.protocol_data) as ProtocolData),
    amountFen: BigInt(row.amount_fen),
    subject: row.subject,
    status: row.status as OrderStatus,
    payerUserId: row.payer_user_id,
    code: row.code,
    notifyUrl: row.notify_url,
    feeFen: BigInt(row.fee_fen),
    refundedFen: BigInt(row.refunded_fen),
    closeReason: row.close_reason,
    createdAtMs: BigInt(row.created_at_ms),
    expiresAtMs: BigInt(row.expires_at_ms),
    paidAtMs: row.paid_at_ms === null ? null : BigInt(row.paid_at_ms),
  };
}
