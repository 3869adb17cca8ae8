// Simulated banks: customers' current accounts and credit cards kept on the banks' own ledger
// accounts, and the cards users link to their wallets. Linking checks the number (Luhn), finds
// the bank by its BIN, and requires the name and phone to match the bank's record; a card whose
// holder is the user's verified identity raises the user to class III.
import { randomInt } from 'node:crypto';
import type { Selectable } from 'kysely';
import type { IdentityService, User } from '../identity/service.js';
import type { LedgerService } from '../ledger/service.js';
import { AccountFlags } from '../ledger/types.js';
import { AccountCodes, AccountKeys, CNY_LEDGER_ID, OwnerRefs, TransferCodes } from '../network/chart.js';
import type { NetworkService } from '../network/service.js';
import type { Clock } from '../shared/clock.js';
import type { FieldCipher } from '../shared/field-cipher.js';
import { maskCardNumber, maskName } from '../shared/mask.js';
import { newToken } from '../shared/passwords.js';
import { ok, problem, type Result } from '../shared/result.js';
import type { BankAccountsTable } from '../store/schema.js';
import type { Store } from '../store/store.js';
import { luhnCheckDigit, luhnValid } from './luhn.js';

export type BankAccountKind = 'debit' | 'credit';

export interface BankAccount {
  id: string;
  bankId: string;
  kind: BankAccountKind;
  numberMasked: string;
  holderName: string;
  phone: string;
  ledgerAccountId: bigint;
}

export interface LinkedCard {
  id: string;
  bankId: string;
  bankName: string;
  kind: BankAccountKind;
  numberMasked: string;
  holderNameMasked: string;
  linkedAtMs: bigint;
}

export type BankingError =
  | 'unknown_bank'
  | 'invalid_card_number'
  | 'card_not_found'
  | 'card_details_mismatch'
  | 'real_name_required'
  | 'card_holder_mismatch'
  | 'card_number_taken'
  | 'invalid_bank_account';

export interface OpenBankAccountInput {
  bankId: string;
  kind: BankAccountKind;
  holderName: string;
  /** The holder's resident ID number, when the bank knows it (needed for class III). */
  holderIdNumber?: string;
  phone: string;
  /** Chosen by the bank (its BIN, random digits, a Luhn check digit) when omitted. */
  number?: string;
  /** A current account's opening deposit, or a credit card's limit. */
  amountFen: bigint;
}

export interface BankingService {
  /** Opens a customer's account at a bank; the full number is returned this once. */
  openAccount(input: OpenBankAccountInput): Promise<Result<BankAccount & { number: string }, BankingError>>;
  linkCard(
    user: User,
    input: { number: string; name: string; phone: string },
  ): Promise<Result<{ card: LinkedCard; raisedToClassThree: boolean }, BankingError>>;
  unlinkCard(user: User, cardId: string): Promise<boolean>;
  listCards(user: User): Promise<LinkedCard[]>;
  /** A card the user has linked (and not unlinked), with the bank account behind it. */
  linkedCard(user: User, cardId: string): Promise<{ card: LinkedCard; account: BankAccount } | null>;
}

const LINKED_CARDS_MAX = 20;

export interface BankingDeps {
  store: Store;
  ledger: LedgerService;
  network: NetworkService;
  identity: IdentityService;
  clock: Clock;
  cipher: FieldCipher;
}

export function createBankingService(deps: BankingDeps): BankingService {
  const { store, ledger, network, identity, clock, cipher } = deps;
  const db = store.db;
  const now = () => BigInt(clock.nowMs());

  const toAccount = (row: Selectable<BankAccountsTable>): BankAccount => ({
    id: row.id,
    bankId: row.bank_id,
    kind: row.kind,
    numberMasked: maskCardNumber(cipher.decrypt(row.number_sealed)),
    holderName: row.holder_name,
    phone: row.phone,
    ledgerAccountId: BigInt(row.ledger_account_id),
  });

  const bankNames = async () => new Map((await network.listBanks()).map((bank) => [bank.id, bank.name]));

  const cardsQuery = (userId: string) =>
    db
      .selectFrom('cards')
      .innerJoin('bank_accounts', 'bank_accounts.id', 'cards.bank_account_id')
      .selectAll('bank_accounts')
      .select(['cards.id as card_id', 'cards.created_at_ms as linked_at_ms'])
      .where('cards.user_id', '=', userId)
      .where('cards.unlinked_at_ms', 'is', null);

  const toCard = (
    row: Selectable<BankAccountsTable> & { card_id: string; linked_at_ms: bigint },
    names: Map<string, string>,
  ): LinkedCard => ({
    id: row.card_id,
    bankId: row.bank_id,
    bankName: names.get(row.bank_id) ?? row.bank_id,
    kind: row.kind,
    numberMasked: maskCardNumber(cipher.decrypt(row.number_sealed)),
    holderNameMasked: maskName(row.holder_name),
    linkedAtMs: BigInt(row.linked_at_ms),
  });

  const service: BankingService = {
    async openAccount(input) {
      const bank = await network.getBank(input.bankId);
      if (!bank) return problem('unknown_bank', `there is no bank "${input.bankId}"`);
      // A bank's first BIN is for current accounts, its second (when it has one) for credit cards.
      const bin = bank.binPrefixes[input.kind === 'credit' ? bank.binPrefixes.length - 1 : 0]!;
      const number = input.number ?? newCardNumber(bin);
      if (!luhnValid(number)) return problem('invalid_card_number', 'the card number fails its check digit (Luhn)');
      if (!bank.binPrefixes.some((prefix) => number.startsWith(prefix))) {
        return problem(
          'invalid_bank_account',
          `card numbers of ${bank.name} start with ${bank.binPrefixes.join(' or ')}`,
        );
      }
      if (input.amountFen < 0n) return problem('invalid_bank_account', 'the opening amount must not be negative');
      const id = `ba_${newToken(12)}`;
      const account = await ledger.createAccount({
        key: AccountKeys.bankAccount(id),
        institutionId: bank.id,
        ledgerId: CNY_LEDGER_ID,
        code: input.kind === 'debit' ? AccountCodes.bankDeposit : AccountCodes.creditCard,
        ownerRef: OwnerRefs.bankAccount(id),
        flags: AccountFlags.debitsMustNotExceedCredits,
      });
      if (!account.ok) throw new Error(`cannot open a bank account: ${account.error.message}`);
      const inserted = await db
        .insertInto('bank_accounts')
        .values({
          id,
          bank_id: bank.id,
          kind: input.kind,
          number_sealed: cipher.encrypt(number),
          number_index: cipher.blindIndex(number),
          last4: number.slice(-4),
          holder_name: input.holderName,
          holder_id_index:
            input.holderIdNumber === undefined ? null : cipher.blindIndex(input.holderIdNumber.toUpperCase()),
          phone: input.phone,
          ledger_account_id: account.value.id,
          created_at_ms: now(),
        })
        .onConflict((conflict) => conflict.column('number_index').doNothing())
        .executeTakeFirst();
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) !== 1) {
        return problem('card_number_taken', 'the bank already has an account with this number');
      }
      if (input.amountFen > 0n) {
        const source = AccountKeys[input.kind === 'debit' ? 'bankVault' : 'bankCreditLines'](bank.id);
        const sourceAccount = await ledger.getAccountByKey(source);
        const funded = await ledger.transferOne({
          id: `open:${id}`,
          debitAccountId: sourceAccount!.id,
          creditAccountId: account.value.id,
          amount: input.amountFen,
          ledgerId: CNY_LEDGER_ID,
          code: input.kind === 'debit' ? TransferCodes.bankCounterDeposit : TransferCodes.creditLineGrant,
          userData: `bank-account:${id}`,
        });
        if (funded.code !== 'ok') throw new Error(`cannot fund bank account ${id}: ${funded.code}`);
      }
      const row = await db.selectFrom('bank_accounts').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
      return ok({ ...toAccount(row), number });
    },

    async linkCard(user, input) {
      const number = input.number.replace(/[\s-]/g, '');
      if (!/^[0-9]{12,19}$/.test(number) || !luhnValid(number)) {
        return problem('invalid_card_number', 'the card number is not valid (12–19 digits with a correct check digit)');
      }
      if (user.tier < 2 || user.realName === null) {
        return problem('real_name_required', 'verify your real name and resident ID number before linking a card');
      }
      const bank = await network.bankForCardNumber(number);
      if (!bank) return problem('unknown_bank', 'no bank in this network issues card numbers starting like this one');
      const row = await db
        .selectFrom('bank_accounts')
        .selectAll()
        .where('number_index', '=', cipher.blindIndex(number))
        .executeTakeFirst();
      if (!row) return problem('card_not_found', `${bank.name} has no card with this number`);
      if (row.holder_name !== input.name.trim() || row.phone !== input.phone) {
        return problem(
          'card_details_mismatch',
          `the name or the phone number does not match ${bank.name}'s record for this card`,
        );
      }
      if (row.holder_name !== user.realName) {
        return problem('card_holder_mismatch', 'you can only link cards in your own verified name');
      }
      const existing = await cardsQuery(user.id).where('bank_accounts.id', '=', row.id).executeTakeFirst();
      const names = await bankNames();
      if (existing) return ok({ card: toCard(existing, names), raisedToClassThree: false });
      const count = await db
        .selectFrom('cards')
        .select(db.fn.countAll<bigint>().as('n'))
        .where('user_id', '=', user.id)
        .where('unlinked_at_ms', 'is', null)
        .executeTakeFirst();
      if (Number(count?.n ?? 0) >= LINKED_CARDS_MAX) {
        return problem('invalid_bank_account', `at most ${LINKED_CARDS_MAX} cards can be linked; unlink one first`);
      }
      await db
        .insertInto('cards')
        .values({ id: `card_${newToken(12)}`, user_id: user.id, bank_account_id: row.id, created_at_ms: now() })
        .onConflict((conflict) => conflict.doNothing())
        .execute();
      // Class III: the bank vouches that this card's holder is the person the user verified as.
      let raisedToClassThree = false;
      if (user.tier === 2 && row.holder_id_index !== null && row.holder_id_index === user.idNumberIndex) {
        raisedToClassThree = (await identity.raiseToClassThree(user.id)).tier === 3;
      }
      const linked = await cardsQuery(user.id).where('bank_accounts.id', '=', row.id).executeTakeFirstOrThrow();
      return ok({ card: toCard(linked, names), raisedToClassThree });
    },

    async unlinkCard(user, cardId) {
      const result = await db
        .updateTable('cards')
        .set({ unlinked_at_ms: now() })
        .where('id', '=', cardId)
        .where('user_id', '=', user.id)
        .where('unlinked_at_ms', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    async listCards(user) {
      const names = await bankNames();
      const rows = await cardsQuery(user.id).orderBy('cards.created_at_ms').limit(LINKED_CARDS_MAX).execute();
      return rows.map((row) => toCard(row, names));
    },

    async linkedCard(user, cardId) {
      const row = await cardsQuery(user.id).where('cards.id', '=', cardId).executeTakeFirst();
      if (!row) return null;
      return { card: toCard(row, await bankNames()), account: toAccount(row) };
    },
  };
  return service;
}

/** A new card number: the bank's BIN, random digits, and the Luhn check digit (19 digits). */
export function newCardNumber(bin: string): string {
  let partial = bin;
  while (partial.length < 18) partial += String(randomInt(10));
  return partial + luhnCheckDigit(partial);
}
