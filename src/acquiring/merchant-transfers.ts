// Merchant-to-user transfers (Alipay's fund.trans.uni.transfer: cash back, prizes, refunds made
// outside an order): the merchant's available balance → a user's wallet at the same provider, as
// one ledger chain whose id derives from the merchant and its out_biz_no, so a retried request
// never pays twice. The row is written first; a retry (or a crash between the two steps) sends
// the same chain again and the ledger answers with the first result. Also how a merchant funds
// its available balance from its own bank account (a top-up), since settlement pays everything
// else out to the bank.
import type { Selectable } from 'kysely';
import type { MerchantTransfersTable } from '../gateway/alipay/tables.js';
import type { IdentityService } from '../identity/service.js';
import { availableBalance, type LedgerService } from '../ledger/service.js';
import { TransferFlags, type TransferRequest } from '../ledger/types.js';
import type { Merchant } from '../merchant/service.js';
import { CNY_LEDGER_ID, TransferCodes } from '../network/chart.js';
import { bankSettlementAccount, providerAccount, type NetworkService } from '../network/service.js';
import type { Clock } from '../shared/clock.js';
import { formatYuanSymbol } from '../shared/money.js';
import { newToken } from '../shared/passwords.js';
import { ok, problem, type Result } from '../shared/result.js';
import type { Store } from '../store/store.js';

export interface MerchantTransfer {
  id: string;
  merchantId: string;
  outBizNo: string;
  amountFen: bigint;
  payeeUserId: string;
  title: string | null;
  status: 'PROCESSING' | 'SUCCESS' | 'FAILED';
  failureCode: string | null;
  createdAtMs: bigint;
  completedAtMs: bigint | null;
}

export type MerchantTransferError =
  | 'invalid_transfer'
  | 'payee_not_found'
  | 'cross_provider_not_supported'
  | 'out_biz_no_conflict'
  | 'merchant_insufficient_funds'
  | 'bank_insufficient_funds';

export interface MerchantTransferService {
  transfer(
    merchant: Merchant,
    input: { outBizNo: string; amountFen: bigint; payeeUserId: string; title?: string },
  ): Promise<Result<MerchantTransfer, MerchantTransferError>>;
  find(merchantId: string, outBizNo: string): Promise<MerchantTransfer | null>;
  /** The merchant's available balance (what transfers are paid from). */
  availableFen(merchant: Merchant): Promise<bigint>;
  /**
   * Tops up the available balance from the merchant's settlement bank account: customer account →
   * the provider's settlement account at that bank; reserve → merchant available. Idempotent per key.
   */
  fundFromBank(
    merchant: Merchant,
    input: { amountFen: bigint; idempotencyKey: string },
  ): Promise<Result<{ amountFen: bigint; replayed: boolean }, MerchantTransferError>>;
}

export const OUT_BIZ_NO_PATTERN = /^[A-Za-z0-9_\-.:|*]{1,64}$/;
const TITLE_LENGTH_MAX = 128;
const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{1,64}$/;

export function createMerchantTransferService(deps: {
  store: Store;
  clock: Clock;
  ledger: LedgerService;
  network: NetworkService;
  identity: IdentityService;
}): MerchantTransferService {
  const { store, clock, ledger, network, identity } = deps;
  const db = store.db;
  const now = () => BigInt(clock.nowMs());

  const find = async (merchantId: string, outBizNo: string) => {
    const row = await db
      .selectFrom('merchant_transfers')
      .selectAll()
      .where('merchant_id', '=', merchantId)
      .where('out_biz_no', '=', outBizNo)
      .executeTakeFirst();
    return row ? toTransfer(row) : null;
  };

  const availableFen = async (merchant: Merchant) => {
    const account = await ledger.getAccount(merchant.availableAccountId);
    if (!account) throw new Error(`merchant ${merchant.id} has no available account ${merchant.availableAccountId}`);
    return availableBalance(account);
  };

  /** The chain of one transfer; its id is the idempotency key: the merchant and its out_biz_no. */
  const chainFor = async (merchant: Merchant, transfer: MerchantTransfer): Promise<TransferRequest[]> => {
    const payee = (await identity.getUser(transfer.payeeUserId))!;
    return [
      {
        id: `mtr:${merchant.id}:${transfer.outBizNo}`,
        debitAccountId: merchant.availableAccountId,
        creditAccountId: payee.walletAccountId,
        amount: transfer.amountFen,
        ledgerId: CNY_LEDGER_ID,
        code: TransferCodes.merchantTransfer,
        flags: TransferFlags.none,
        userData: `mtr:${transfer.id}`,
      },
    ];
  };

  /** Moves the money of a recorded transfer and records the ledger's answer. */
  const complete = async (merchant: Merchant, transfer: MerchantTransfer): Promise<MerchantTransfer> => {
    const results = await ledger.transfer(await chainFor(merchant, transfer));
    const failed = results.find((result) => result.code !== 'ok');
    const status = failed ? 'FAILED' : 'SUCCESS';
    const failureCode = failed
      ? failed.code === 'insufficient_funds'
        ? 'merchant_insufficient_funds'
        : failed.code
      : null;
    await db
      .updateTable('merchant_transfers')
      .set({ status, failure_code: failureCode, completed_at_ms: now() })
      .where('id', '=', transfer.id)
      .where('status', '=', 'PROCESSING')
      .execute();
    return (await find(merchant.id, transfer.outBizNo))!;
  };

  const answer = (transfer: MerchantTransfer): Result<MerchantTransfer, MerchantTransferError> =>
    transfer.status === 'FAILED'
      ? problem(
          'merchant_insufficient_funds',
          `transfer ${transfer.outBizNo} failed (${transfer.failureCode ?? 'refused'}); nothing was paid — use a new out_biz_no`,
        )
      : ok(transfer);

  const repeat = async (
    merchant: Merchant,
    existing: MerchantTransfer,
    input: { amountFen: bigint; payeeUserId: string },
  ): Promise<Result<MerchantTransfer, MerchantTransferError>> => {
    if (existing.amountFen !== input.amountFen || existing.payeeUserId !== input.payeeUserId) {
      return problem(
        'out_biz_no_conflict',
        `out_biz_no ${existing.outBizNo} already names a transfer of ${formatYuanSymbol(existing.amountFen)} to another payee or amount`,
      );
    }
    return answer(existing.status === 'PROCESSING' ? await complete(merchant, existing) : existing);
  };

  const checkPayee = async (merchant: Merchant, payeeUserId: string) => {
    const payee = await identity.getUser(payeeUserId);
    if (!payee) return problem('payee_not_found', `there is no user ${payeeUserId}`);
    if (payee.providerId !== merchant.providerId) {
      return problem(
        'cross_provider_not_supported',
        'the payee uses another wallet provider; transfers between providers are not yet supported',
      );
    }
    return ok(payee);
  };

  return {
    async transfer(merchant, input) {
      const existing = await find(merchant.id, input.outBizNo);
      if (existing) return repeat(merchant, existing, input);
      const refused = checkInput(input);
      if (refused) return refused;
      const payee = await checkPayee(merchant, input.payeeUserId);
      if (!payee.ok) return payee;
      // Refused before anything is recorded, so the merchant may top up and retry the same out_biz_no.
      const balanceFen = await availableFen(merchant);
      if (balanceFen < input.amountFen) {
        return problem(
          'merchant_insufficient_funds',
          `the available balance ${formatYuanSymbol(balanceFen)} does not cover ${formatYuanSymbol(input.amountFen)}`,
        );
      }
      const id = `mtr_${newToken(12)}`;
      const inserted = await db
        .insertInto('merchant_transfers')
        .values({
          id,
          merchant_id: merchant.id,
          out_biz_no: input.outBizNo,
          amount_fen: input.amountFen,
          payee_user_id: input.payeeUserId,
          title: input.title?.trim() || null,
          status: 'PROCESSING',
          failure_code: null,
          created_at_ms: now(),
          completed_at_ms: null,
        })
        .onConflict((conflict) => conflict.columns(['merchant_id', 'out_biz_no']).doNothing())
        .executeTakeFirst();
      const recorded = (await find(merchant.id, input.outBizNo))!;
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) !== 1) return repeat(merchant, recorded, input);
      return answer(await complete(merchant, recorded));
    },

    find,
    availableFen,

    async fundFromBank(merchant, input) {
      if (input.amountFen <= 0n) return problem('invalid_transfer', 'a top-up is at least 1 fen');
      if (!IDEMPOTENCY_KEY_PATTERN.test(input.idempotencyKey)) {
        return problem('invalid_transfer', 'the idempotency key is 1–64 printable ASCII characters');
      }
      const bankAccount = await db
        .selectFrom('bank_accounts')
        .select(['bank_id', 'ledger_account_id'])
        .where('id', '=', merchant.settlementBankAccountId)
        .executeTakeFirstOrThrow();
      const settlement = await bankSettlementAccount(network, bankAccount.bank_id, merchant.providerId);
      const reserve = await providerAccount(network, merchant.providerId, 'reserve');
      const move = (debitAccountId: bigint, creditAccountId: bigint, index: number): TransferRequest => ({
        id: `mfund:${merchant.id}:${input.idempotencyKey}:${index}`,
        debitAccountId,
        creditAccountId,
        amount: input.amountFen,
        ledgerId: CNY_LEDGER_ID,
        code: TransferCodes.topUp,
        flags: index === 1 ? TransferFlags.linked : TransferFlags.none,
        userData: `merchant-top-up:${merchant.id}`,
      });
      const results = await ledger.transfer([
        move(BigInt(bankAccount.ledger_account_id), settlement, 1),
        move(reserve, merchant.availableAccountId, 2),
      ]);
      const failed = results.find((result) => result.code !== 'ok' && result.code !== 'linked_event_failed');
      if (failed) {
        return problem(
          failed.code === 'insufficient_funds' ? 'bank_insufficient_funds' : 'invalid_transfer',
          `the bank refused the top-up of ${formatYuanSymbol(input.amountFen)}: ${failed.code}`,
        );
      }
      return ok({ amountFen: input.amountFen, replayed: results.every((result) => result.replayed === true) });
    },
  };
}

function checkInput(input: { outBizNo: string; amountFen: bigint; title?: string }) {
  if (!OUT_BIZ_NO_PATTERN.test(input.outBizNo)) {
    return problem('invalid_transfer', 'out_biz_no must be 1–64 characters: letters, digits and _-.:|*');
  }
  if (input.amountFen <= 0n) return problem('invalid_transfer', 'a transfer is at least 1 fen');
  if (input.title !== undefined && input.title.length > TITLE_LENGTH_MAX) {
    return problem('invalid_transfer', `the title is at most ${TITLE_LENGTH_MAX} characters`);
  }
  return null;
}

function toTransfer(row: Selectable<MerchantTransfersTable>): MerchantTransfer {
  return {
    id: row.id,
    merchantId: row.merchant_id,
    outBizNo: row.out_biz_no,
    amountFen: BigInt(row.amount_fen),
    payeeUserId: row.payee_user_id,
    title: row.title,
    status: row.status,
    failureCode: row.failure_code,
    createdAtMs: BigInt(row.created_at_ms),
    completedAtMs: row.completed_at_ms === null ? null : BigInt(row.completed_at_ms),
  };
}
