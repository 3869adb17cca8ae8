// Paying an order from a wallet: claim the order for this payer in one guarded statement (so of
// two payers racing, one wins and the other is never charged), move the money as one linked
// chain — payer → merchant's pending account net of the fee, payer → the provider's fee income,
// the payer's tier allowance — then mark it paid and queue the merchant's notification together.
import type { IdentityService, User } from '../identity/service.js';
import type { LedgerService } from '../ledger/service.js';
import { TransferFlags, type TransferRequest } from '../ledger/types.js';
import type { Merchant, MerchantService } from '../merchant/service.js';
import { CNY_LEDGER_ID, TransferCodes } from '../network/chart.js';
import { providerAccount, type NetworkService } from '../network/service.js';
import type { Clock } from '../shared/clock.js';
import { divRoundHalfUp, formatYuanSymbol } from '../shared/money.js';
import { ok, problem, type Problem, type Result } from '../shared/result.js';
import { runAtomically } from '../store/atomic.js';
import type { Store } from '../store/store.js';
import { queryTemplate, type Param } from '../store/templates.js';
import type { Limits } from '../wallet/limits.js';
import type { WalletError, WalletService } from '../wallet/service.js';
import {
  refusalFor,
  type MerchantEvent,
  type Order,
  type OrderBook,
  type OrderError,
  type OrderStatus,
} from './orders.js';

export type PaymentError = OrderError | WalletError | 'pin_required' | 'merchant_unavailable';

export interface PaymentService {
  /** Pays the order from the payer's wallet; `pinConfirmed` when the payer typed the PIN for it. */
  pay(payer: User, order: Order, options: { pinConfirmed: boolean }): Promise<Result<Order, PaymentError>>;
  /** Finishes payments cut short between claiming the order and recording the ledger's answer. */
  resumeStuck(limit: number): Promise<number>;
}

/** A claimed order older than this with no answer was cut short (a crash): the sweep finishes it. */
const STUCK_AFTER_MS = 10_000n;

/** The merchant's fee on a payment: the rate in basis points, rounded half up to whole fen. */
export const paymentFee = (amountFen: bigint, feeRateBps: number): bigint =>
  divRoundHalfUp(amountFen * BigInt(feeRateBps), 10_000n);

export interface PaymentDeps {
  store: Store;
  clock: Clock;
  ledger: LedgerService;
  network: NetworkService;
  identity: IdentityService;
  wallet: WalletService;
  limits: Limits;
  merchants: MerchantService;
  orders: OrderBook;
}

export function createPaymentService(deps: PaymentDeps): PaymentService {
  const { store, clock, ledger, network, identity, wallet, limits, merchants, orders } = deps;
  const db = store.db;
  const now = () => BigInt(clock.nowMs());

  const precheck = async (
    payer: User,
    order: Order,
    pinConfirmed: boolean,
  ): Promise<Result<Merchant, PaymentError>> => {
    if (payer.status === 'frozen')
      return problem('account_frozen', 'your account is frozen; contact customer service to appeal');
    const merchant = await merchants.get(order.merchantId);
    if (!merchant || merchant.status !== 'active') {
      return problem('merchant_unavailable', 'this merchant cannot take payments at the moment');
    }
    if (merchant.providerId !== payer.providerId) {
      const provider = await network.getProvider(merchant.providerId);
      return problem(
        'cross_provider_not_supported',
        `${merchant.name} collects through ${provider?.name ?? merchant.providerId}; paying across providers is not yet supported`,
      );
    }
    const policy = (await network.getProvider(payer.providerId))!.policy;
    if (order.amountFen > policy.payments.passwordFreeLimitFen && !pinConfirmed) {
      return problem(
        'pin_required',
        `payments above ${formatYuanSymbol(policy.payments.passwordFreeLimitFen)} need your payment PIN`,
      );
    }
    return ok(merchant);
  };

  /** PAYING for this payer, if the order is still payable by them. */
  const claim = async (payer: User, order: Order, merchant: Merchant): Promise<boolean> => {
    const query = claimOrder.compile(store, {
      id: order.id,
      from: order.status === 'USERPAYING' ? 'USERPAYING' : 'WAIT_BUYER_PAY',
      payer_user_id: payer.id,
      fee_fen: paymentFee(order.amountFen, merchant.feeRateBps),
      now_ms: now(),
    });
    return runAtomically(store, [{ query, mustChangeRow: true }]);
  };

  /** The chain for a claimed order (ids from the order, so a retry is the same chain). */
  const chainFor = async (payer: User, order: Order, merchant: Merchant) => {
    const policy = (await network.getProvider(payer.providerId))!.policy;
    const allowance = await limits.tierAllowanceUse(payer, policy);
    const feeIncome = await providerAccount(network, merchant.providerId, 'feeIncome');
    const userData = `ord:${order.id}`;
    const money = (debitAccountId: bigint, creditAccountId: bigint, amount: bigint, code: number) => ({
      debitAccountId,
      creditAccountId,
      amount,
      ledgerId: CNY_LEDGER_ID,
      code,
      userData,
    });
    // The payer pays the whole amount to the merchant, and the merchant's fee (its discount rate)
    // is taken from what it receives, as acquirers do: one line on the payer's statement, the
    // gross and the fee on the merchant's.
    const steps: Omit<TransferRequest, 'id'>[] = [
      money(payer.walletAccountId, merchant.pendingAccountId, order.amountFen, TransferCodes.payment),
      ...(order.feeFen > 0n
        ? [money(merchant.pendingAccountId, feeIncome, order.feeFen, TransferCodes.paymentFee)]
        : []),
    ];
    const limitStep = wallet.tierLimitStep(payer, policy, allowance, order.amountFen, userData);
    const chain: TransferRequest[] = [...steps, limitStep.transfer].map((transfer, index, all) => ({
      ...transfer,
      id: `${order.id}:pay:${index + 1}`,
      flags: index < all.length - 1 ? TransferFlags.linked : TransferFlags.none,
    }));
    return { before: allowance.grant ? [allowance.grant] : [], chain, limitStep };
  };

  /** Moves the money of a claimed order and records the answer. */
  const settlePayment = async (
    payer: User,
    claimed: Order,
    merchant: Merchant,
  ): Promise<Result<Order, PaymentError>> => {
    const { before, chain, limitStep } = await chainFor(payer, claimed, merchant);
    const results = await ledger.transfer([...before, ...chain]);
    const chainResults = results.slice(before.length);
    const failedAt = chainResults.findIndex((result) => result.code !== 'ok' && result.code !== 'linked_event_failed');
    if (failedAt < 0) {
      const paidAtMs = now();
      await orders.transition(claimed.id, ['PAYING'], { status: 'SUCCESS', paid_at_ms: paidAtMs }, [
        successEvent(claimed, payer),
      ]);
      return ok({ ...claimed, status: 'SUCCESS', paidAtMs });
    }
    const code = chainResults[failedAt]!.code;
    const refusal: Problem =
      failedAt === chain.length - 1
        ? ((await limitStep.explain?.(code)) ?? { code, message: code })
        : code === 'insufficient_funds' && failedAt === 0
          ? await insufficientBalance(payer, claimed.amountFen)
          : { code, message: `the ledger refused the payment: ${code}` };
    await release(claimed, refusal);
    return { ok: false, error: refusal as Problem<PaymentError> };
  };

  const insufficientBalance = async (payer: User, neededFen: bigint): Promise<Problem> => {
    const { availableFen } = await wallet.balance(payer);
    return {
      code: 'insufficient_balance',
      message: `your balance ${formatYuanSymbol(availableFen)} does not cover ${formatYuanSymbol(neededFen)}`,
      details: { available: availableFen.toString(), needed: neededFen.toString() },
    };
  };

  /** A refused payment frees a QR order for another try; a scanned payment code's order closes. */
  const release = async (order: Order, refusal: Problem) => {
    if (order.channel === 'payment_code') {
      await orders.transition(order.id, ['PAYING'], { status: 'CLOSED', close_reason: refusal.code }, []);
    } else {
      await orders.transition(order.id, ['PAYING'], { status: 'WAIT_BUYER_PAY', payer_user_id: null, fee_fen: 0n }, []);
    }
  };

  return {
    async pay(payer, order, options) {
      const checked = await precheck(payer, order, options.pinConfirmed);
      if (!checked.ok) return checked;
      if (!(await claim(payer, order, checked.value))) {
        const current = (await orders.get(order.id))!;
        if ((current.status === 'SUCCESS' || current.status === 'REFUND') && current.payerUserId === payer.id) {
          return ok(current);
        }
        return refusalFor(current, now());
      }
      // What the claim wrote, without reading it back.
      const claimed: Order = {
        ...order,
        status: 'PAYING',
        payerUserId: payer.id,
        feeFen: paymentFee(order.amountFen, checked.value.feeRateBps),
      };
      return settlePayment(payer, claimed, checked.value);
    },

    async resumeStuck(limit) {
      const stuck = await db
        .selectFrom('orders')
        .select('id')
        .where('status', '=', 'PAYING')
        .where('created_at_ms', '<', now() - STUCK_AFTER_MS)
        .limit(limit)
        .execute();
      let resumed = 0;
      for (const { id } of stuck) {
        const order = (await orders.get(id))!;
        const payer = order.payerUserId ? await identity.getUser(order.payerUserId) : null;
        const merchant = await merchants.get(order.merchantId);
        if (!payer || !merchant) continue;
        await settlePayment(payer, order, merchant);
        resumed += 1;
      }
      return resumed;
    },
  };
}

type ClaimValues = { id: string; from: OrderStatus; payer_user_id: string; fee_fen: bigint; now_ms: bigint };
/** PAYING for this payer: still in `from`, unexpired, and free or already bound to them. */
const claimOrder = queryTemplate((db, p: Param<ClaimValues>) =>
  db
    .updateTable('orders')
    .set({ status: 'PAYING', payer_user_id: p('payer_user_id'), fee_fen: p('fee_fen') })
    .where('id', '=', p('id'))
    .where('status', '=', p('from'))
    .where('expires_at_ms', '>', p('now_ms'))
    .where((eb) => eb.or([eb('payer_user_id', 'is', null), eb('payer_user_id', '=', p('payer_user_id'))])),
);

export function successEvent(order: Order, payer: User): MerchantEvent {
  return {
    merchantId: order.merchantId,
    type: 'trade.success',
    payload: {
      order_id: order.id,
      out_trade_no: order.outTradeNo,
      status: 'SUCCESS',
      amount: order.amountFen.toString(),
      fee: order.feeFen.toString(),
      payer_provider: payer.providerId,
    },
    notifyUrl: order.notifyUrl,
    protocol: order.protocol,
  };
}
