// Acquiring, the merchant side's flows put together: dynamic orders and their QR codes, static
// collection codes that the payer pays an amount of their choosing, scanned payment codes (paid
// at once below the password-free limit, else waiting for the payer's PIN), and the sweep.
import { createHash } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { displayName, type IdentityService, type User } from '../identity/service.js';
import type { Merchant, MerchantService, MerchantStore } from '../merchant/service.js';
import type { NetworkService } from '../network/service.js';
import type { Clock } from '../shared/clock.js';
import { newToken } from '../shared/passwords.js';
import { ok, problem, type Result } from '../shared/result.js';
import { runUnit } from '../store/atomic.js';
import type { Schema } from '../store/schema.js';
import type { Store } from '../store/store.js';
import { queryTemplate, type Param } from '../store/templates.js';
import {
  toOrder,
  type NewOrder,
  type Order,
  type OrderBook,
  type OrderError,
  type OrderProtocol,
  type OrderRow,
  type ProtocolData,
} from './orders.js';
import type { PaymentCodeError, PaymentCodeService } from './payment-codes.js';
import type { PaymentError, PaymentService } from './payments.js';
import type { RefundService } from './refunds.js';

export type AcquiringError =
  OrderError | PaymentError | PaymentCodeError | 'code_not_found' | 'amount_required' | 'nonce_replayed';

export interface CodeDescription {
  code: string;
  kind: 'static' | 'order' | 'personal';
  /** Null for a personal receive code, which pays a person (`payee`). */
  merchant: { id: string; name: string; providerId: string } | null;
  payee: { userId: string; name: string; providerId: string } | null;
  store: { id: string; name: string; city: string } | null;
  /** For an order's code: what it asks for and where it stands. */
  order: Order | null;
}

const codeWithOrder = queryTemplate((db, p: Param<{ code: string }>) =>
  db
    .selectFrom('collection_codes')
    .leftJoin('orders', 'orders.id', 'collection_codes.order_id')
    .selectAll('orders')
    .select([
      'collection_codes.kind as code_kind',
      'collection_codes.merchant_id as code_merchant_id',
      'collection_codes.store_id as code_store_id',
      'collection_codes.order_id as code_order_id',
      'collection_codes.user_id as code_user_id',
    ])
    .where('collection_codes.code', '=', p('code')),
);

/** A user's personal receive code (one, made on first asking; see personalCode). */
export const personalCodeOf = (db: Kysely<Schema>, userId: string) =>
  db.selectFrom('collection_codes').select('code').where('kind', '=', 'personal').where('user_id', '=', userId);

/** The user's personal code, unless they have one: checked and written in one statement. */
export function insertPersonalCode(db: Kysely<Schema>, userId: string, code: string, nowMs: bigint) {
  return db
    .insertInto('collection_codes')
    .columns(['code', 'kind', 'user_id', 'created_at_ms'])
    .expression(
      db
        .selectNoFrom([
          sql<string>`${code}`.as('code'),
          sql<string>`${'personal'}`.as('kind'),
          sql<string>`${userId}`.as('user_id'),
          // PostgreSQL reads a parameter in a select list as text; the column wants a bigint.
          sql<bigint>`CAST(${nowMs} AS bigint)`.as('created_at_ms'),
        ])
        .where(({ not, exists }) => not(exists(personalCodeOf(db, userId)))),
    )
    .compile();
}

/** PostgreSQL: held until the transaction ends; taken by every first request for this user's code. */
const lockPersonalCode = (userId: string) => sql`SELECT pg_advisory_xact_lock(hashtext(${`personal-code:${userId}`}))`;

/** A static code's orders live this long: a payer who scanned and walked away leaves nothing open. */
const STATIC_ORDER_TIMEOUT_SECONDS = 300;

export interface AcquiringService {
  createOrder(
    merchant: Merchant,
    input: {
      outTradeNo: string;
      amountFen: bigint;
      subject: string;
      timeoutSeconds?: number;
      notifyUrl?: string;
      storeId?: string;
      /** The gateway it came through (default `saoma`) and that protocol's fields to echo back. */
      protocol?: OrderProtocol;
      protocolData?: ProtocolData;
      /** Only this user may pay it (Alipay's buyer_id, WeChat Pay's payer openid). */
      payerUserId?: string;
      /** The signed request's nonce, recorded with the order (NewOrder.nonce). */
      nonce?: NewOrder['nonce'];
    },
  ): Promise<Result<Order, AcquiringError>>;
  /** The cashier scanned the payer's code. */
  payByCode(
    merchant: Merchant,
    input: {
      outTradeNo: string;
      amountFen: bigint;
      subject: string;
      authCode: string;
      storeId?: string;
      terminalId?: string;
      notifyUrl?: string;
      protocol?: OrderProtocol;
      protocolData?: ProtocolData;
    },
  ): Promise<Result<Order, AcquiringError>>;
  createStaticCode(merchant: Merchant, store: MerchantStore | null): Promise<string>;
  /** The user's personal receive code (made on first use, then always the same). */
  personalCode(user: User): Promise<string>;
  describeCode(code: string): Promise<CodeDescription | null>;
  /**
   * The same, for paying it: an order's code this process made lately is described from memory,
   * with the order as it was created (OrderBook.createdWithCode); the payment's claim checks that
   * it is still payable. Anything else is read as describeCode does.
   */
  describeCodeToPay(code: string): Promise<CodeDescription | null>;
  /** The payer scanned a code and confirms (with the amount for a static code). */
  payCode(
    payer: User,
    code: string,
    input: {
      amountFen?: bigint;
      idempotencyKey: string;
      pinConfirmed: boolean;
      note?: string;
      /** The code as the caller already described it (saves reading it again). */
      described?: CodeDescription | null;
    },
  ): Promise<Result<Order, AcquiringError>>;
  /** The payer confirms a scanned payment code waiting in USERPAYING. */
  confirm(payer: User, orderId: string, pinConfirmed: boolean): Promise<Result<Order, AcquiringError>>;
  awaitingConfirmation(payer: User): Promise<Order[]>;
  sweep(limit: number): Promise<number>;
}

export function createAcquiringService(deps: {
  store: Store;
  clock: Clock;
  network: NetworkService;
  identity: IdentityService;
  merchants: MerchantService;
  orders: OrderBook;
  payments: PaymentService;
  paymentCodes: PaymentCodeService;
  refunds: RefundService;
}): AcquiringService {
  const { store, clock, network, identity, merchants, orders, payments, paymentCodes, refunds } = deps;
  const db = store.db;
  const now = () => BigInt(clock.nowMs());
  const policyOf = async (merchant: Merchant) => (await network.getProvider(merchant.providerId))!.policy.payments;

  const merchantCode = async (
    code: string,
    kind: 'order' | 'static',
    merchantId: string,
    storeId: string | null,
    order: Order | null,
  ): Promise<CodeDescription> => {
    const merchant = (await merchants.get(merchantId))!;
    const merchantStore = storeId ? await merchants.getStore(storeId) : null;
    return {
      code,
      kind,
      merchant: { id: merchant.id, name: merchant.name, providerId: merchant.providerId },
      payee: null,
      store: merchantStore ? { id: merchantStore.id, name: merchantStore.name, city: merchantStore.city } : null,
      order,
    };
  };

  const service: AcquiringService = {
    async createOrder(merchant, input) {
      const policy = await policyOf(merchant);
      return orders.create(merchant, {
        outTradeNo: input.outTradeNo,
        amountFen: input.amountFen,
        subject: input.subject,
        channel: 'qr',
        timeoutSeconds: input.timeoutSeconds ?? policy.orderTimeoutSeconds,
        notifyUrl: input.notifyUrl,
        storeId: input.storeId,
        protocol: input.protocol,
        protocolData: input.protocolData,
        payerUserId: input.payerUserId,
        nonce: input.nonce,
      });
    },

    async payByCode(merchant, input) {
      const resolved = await paymentCodes.resolve(input.authCode);
      if (!resolved.ok) return resolved;
      const payer = (await identity.getUser(resolved.value.userId))!;
      if (payer.providerId !== merchant.providerId) {
        return problem(
          'cross_provider_not_supported',
          'this payment code belongs to another wallet provider; paying across providers is not yet supported',
        );
      }
      const policy = await policyOf(merchant);
      const waits =
        input.amountFen > (await network.getProvider(payer.providerId))!.policy.payments.passwordFreeLimitFen;
      const created = await orders.create(merchant, {
        outTradeNo: input.outTradeNo,
        amountFen: input.amountFen,
        subject: input.subject,
        channel: 'payment_code',
        timeoutSeconds: waits ? policy.payerConfirmSeconds : policy.orderTimeoutSeconds,
        storeId: input.storeId,
        terminalId: input.terminalId,
        payerUserId: payer.id,
        status: waits ? 'USERPAYING' : 'WAIT_BUYER_PAY',
        notifyUrl: input.notifyUrl,
        protocol: input.protocol,
        protocolData: input.protocolData,
      });
      if (!created.ok) return created;
      const order = created.value;
      if (order.payerUserId !== payer.id)
        return problem('order_being_paid', `order ${order.outTradeNo} belongs to another payer`);
      if (order.status !== 'WAIT_BUYER_PAY' && order.status !== 'USERPAYING') return ok(order);
      if (!(await paymentCodes.spend(input.authCode, order.id))) {
        await orders.close(order, 'payment_code_used');
        return problem('payment_code_used', 'this payment code has just been used; ask the payer to refresh it');
      }
      if (waits) return ok(order);
      return payments.pay(payer, order, { pinConfirmed: false });
    },

    async createStaticCode(merchant, merchantStore) {
      const code = `s${newToken(12)}`;
      await db
        .insertInto('collection_codes')
        .values({
          code,
          kind: 'static',
          merchant_id: merchant.id,
          store_id: merchantStore?.id ?? null,
          order_id: null,
          user_id: null,
          created_at_ms: now(),
        })
        .execute();
      return code;
    },

    async personalCode(user) {
      const existing = await personalCodeOf(db, user.id).executeTakeFirst();
      if (existing) return existing.code;
      // Two first requests at once must make one code, not two. There is no unique index to
      // lean on (a database from before may already hold two), so the insert checks and writes
      // in one statement: SQLite runs one writer at a time; PostgreSQL's statements each see the
      // data as it was when they began, so there a lock on this user's code, held to the commit,
      // makes a second request's statement begin after the first's is committed.
      const insert = insertPersonalCode(db, user.id, `p${newToken(12)}`, now());
      if (store.kind === 'postgres') {
        await db.transaction().execute(async (trx) => {
          await lockPersonalCode(user.id).execute(trx);
          await trx.executeQuery(insert);
        });
      } else {
        await runUnit(store, [{ query: insert }]);
      }
      return (await personalCodeOf(db, user.id).executeTakeFirstOrThrow()).code;
    },

    async describeCode(code) {
      // The code and, for an order's code, its order: one statement for every scan and payment.
      const row = await codeWithOrder.first(store, { code });
      if (!row) return null;
      if (row.code_kind === 'personal') {
        const payee = row.code_user_id ? await identity.getUser(row.code_user_id) : null;
        if (!payee) return null;
        return {
          code,
          kind: 'personal',
          merchant: null,
          payee: { userId: payee.id, name: displayName(payee), providerId: payee.providerId },
          store: null,
          order: null,
        };
      }
      if (row.code_merchant_id === null) return null;
      const order = row.code_order_id !== null && row.id !== null ? toOrder(row as OrderRow) : null;
      return merchantCode(
        code,
        row.code_kind === 'order' ? 'order' : 'static',
        row.code_merchant_id,
        row.code_store_id,
        order,
      );
    },

    async describeCodeToPay(code) {
      const order = orders.createdWithCode(code);
      if (!order) return service.describeCode(code);
      return merchantCode(code, 'order', order.merchantId, order.storeId, order);
    },

    async payCode(payer, code, input) {
      const described = input.described !== undefined ? input.described : await service.describeCode(code);
      if (!described || described.merchant === null) {
        return problem('code_not_found', 'this is not a merchant collection code of this network');
      }
      if (described.order) return payments.pay(payer, described.order, { pinConfirmed: input.pinConfirmed });
      if (input.amountFen === undefined) return problem('amount_required', 'type the amount to pay this merchant');
      const merchant = (await merchants.get(described.merchant.id))!;
      // The payer's key names the order, so a retried confirmation is the same order, paid once.
      const outTradeNo = `static-${createHash('sha256').update(`${payer.id}\n${input.idempotencyKey}`).digest('hex').slice(0, 40)}`;
      const created = await orders.create(merchant, {
        outTradeNo,
        amountFen: input.amountFen,
        subject: input.note?.trim() || `${merchant.name}${described.store ? ` · ${described.store.name}` : ''}`,
        channel: 'static',
        timeoutSeconds: STATIC_ORDER_TIMEOUT_SECONDS,
        storeId: described.store?.id,
        payerUserId: payer.id,
      });
      if (!created.ok) return created;
      return payments.pay(payer, created.value, { pinConfirmed: input.pinConfirmed });
    },

    async confirm(payer, orderId, pinConfirmed) {
      const order = await orders.get(orderId);
      if (!order || order.payerUserId !== payer.id)
        return problem('order_not_found', `you have no order ${orderId} to confirm`);
      return payments.pay(payer, order, { pinConfirmed });
    },

    async awaitingConfirmation(payer) {
      const rows = await db
        .selectFrom('orders')
        .select('id')
        .where('payer_user_id', '=', payer.id)
        .where('status', '=', 'USERPAYING')
        .where('expires_at_ms', '>', now())
        .limit(20)
        .execute();
      const found = await Promise.all(rows.map((row) => orders.get(row.id)));
      return found.filter((order): order is Order => order !== null);
    },

    async sweep(limit) {
      return (await orders.expireDue(limit)) + (await payments.resumeStuck(limit)) + (await refunds.resumeStuck(limit));
    },
  };
  return service;
}
