// The native API's JSON form of ledger values, both ways: snake_case fields, and every bigint
// (amounts, balances, account ids, journal positions) as a string of an integer, because a
// JSON number loses precision past 2^53 and money must not.
import type { AuditReport } from '../ledger/audit.js';
import type { HistoryPage } from '../ledger/service.js';
import { AMOUNT_MAX, type Account, type Transfer, type TransferRequest, type TransferResult } from '../ledger/types.js';

/** An integer column's largest value; ids past it cannot exist and would make the driver throw. */
const ID_MAX = AMOUNT_MAX;

export interface TransferBody {
  id?: string;
  debit_account_id?: string;
  credit_account_id?: string;
  amount?: string;
  ledger_id?: number;
  code?: number;
  flags?: number;
  pending_id?: string | null;
  timeout_seconds?: number;
  user_data?: string | null;
}

/** A positive id as the database holds it, or null when the digits are out of range. */
export function parseId(digits: string): bigint | null {
  const id = BigInt(digits);
  return id <= ID_MAX ? id : null;
}

/**
 * Turns a schema-checked body into a ledger request. Only what the ledger cannot take safely is
 * refused here (an account id past int8); every rule of the books is left to the ledger, so that
 * each transfer of a call gets its own result code.
 */
export function transferRequestFromJson(
  body: TransferBody,
  path: string,
): { ok: true; value: TransferRequest } | { ok: false; field: string; message: string } {
  const request: TransferRequest = { id: body.id as string };
  for (const side of ['debit_account_id', 'credit_account_id'] as const) {
    const digits = body[side];
    if (digits === undefined) continue;
    const id = parseId(digits);
    if (id === null) {
      const field = `${path}.${side}`;
      return { ok: false, field, message: `${field} is past the largest account id (${ID_MAX})` };
    }
    if (side === 'debit_account_id') request.debitAccountId = id;
    else request.creditAccountId = id;
  }
  if (body.amount !== undefined) request.amount = BigInt(body.amount);
  if (body.ledger_id !== undefined) request.ledgerId = body.ledger_id;
  if (body.code !== undefined) request.code = body.code;
  if (body.flags !== undefined) request.flags = body.flags;
  if (body.pending_id !== undefined && body.pending_id !== null) request.pendingId = body.pending_id;
  if (body.timeout_seconds !== undefined) request.timeoutSeconds = body.timeout_seconds;
  if (body.user_data !== undefined && body.user_data !== null) request.userData = body.user_data;
  return { ok: true, value: request };
}

const optionalString = (value: bigint | undefined): string | null => (value === undefined ? null : value.toString());

export function transferResultJson(result: TransferResult) {
  return {
    id: result.id,
    code: result.code,
    replayed: result.replayed,
    seq: optionalString(result.seq),
    amount: optionalString(result.amount),
  };
}

export function accountJson(account: Account) {
  return {
    id: account.id.toString(),
    key: account.key,
    institution_id: account.institutionId,
    ledger_id: account.ledgerId,
    code: account.code,
    owner_ref: account.ownerRef,
    flags: account.flags,
    debits_posted: account.debitsPosted.toString(),
    credits_posted: account.creditsPosted.toString(),
    debits_pending: account.debitsPending.toString(),
    credits_pending: account.creditsPending.toString(),
    created_at_ms: account.createdAtMs.toString(),
  };
}

export function transferJson(transfer: Transfer) {
  return {
    seq: transfer.seq.toString(),
    id: transfer.id,
    debit_account_id: transfer.debitAccountId.toString(),
    credit_account_id: transfer.creditAccountId.toString(),
    amount: transfer.amount.toString(),
    pending_id: transfer.pendingId,
    ledger_id: transfer.ledgerId,
    code: transfer.code,
    flags: transfer.flags,
    timeout_seconds: transfer.timeoutSeconds,
    user_data: transfer.userData,
    created_at_ms: transfer.createdAtMs.toString(),
    pending_status: transfer.pendingStatus,
    expires_at_ms: optionalString(transfer.expiresAtMs ?? undefined),
    hash: transfer.hash,
  };
}

export function historyJson(page: HistoryPage) {
  return {
    transfers: page.transfers.map(transferJson),
    next_before_seq: optionalString(page.nextBeforeSeq ?? undefined),
  };
}

export function auditJson(report: AuditReport) {
  return {
    ok: report.ok,
    accounts: report.accounts,
    transfers: report.transfers,
    ledgers: report.ledgers.map((ledger) => ({
      ledger_id: ledger.ledgerId,
      accounts: ledger.accounts,
      debits_posted: ledger.debitsPosted.toString(),
      credits_posted: ledger.creditsPosted.toString(),
      debits_pending: ledger.debitsPending.toString(),
      credits_pending: ledger.creditsPending.toString(),
    })),
    problems: report.problems.map((entry) => ({ code: entry.code, message: entry.message })),
    problems_not_listed: report.problemsNotListed,
  };
}

/**
 * A last guard for the reply serializer: a bigint that slipped through still leaves as a string.
 * Replies are built with amounts as strings already, so the plain (several times faster) stringify
 * is tried first; only a reply holding a bigint, which makes it throw, pays for the replacer.
 */
export const stringifyWithBigints = (value: unknown): string => {
  try {
    return JSON.stringify(value);
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
    return JSON.stringify(value, (_key, item: unknown) => (typeof item === 'bigint' ? item.toString() : item));
  }
};
