// Checks a call's transfers before they reach the writer, and turns each into the normalized
// form that both store engines take. What fails here is malformed and is not recorded.
import {
  AMOUNT_MAX,
  SYSTEM_ID_PREFIX,
  TRANSFER_FLAGS_ALL,
  TransferFlags,
  type TransferRequest,
  type TransferResultCode,
} from './types.js';

/** A transfer as the engines take it: every field present, 0 / null meaning "not given". */
export interface BatchItem {
  id: string;
  pendingId: string | null;
  debitAccountId: bigint;
  creditAccountId: bigint;
  /** 0n for a post or void that did not name an amount (post all / void all). */
  amount: bigint;
  ledgerId: number;
  /** 0 for a post or void that keeps the pending transfer's code. */
  code: number;
  flags: number;
  timeoutSeconds: number;
  userData: string | null;
}

export const ID_LENGTH_MAX = 128;
export const USER_DATA_LENGTH_MAX = 256;
export const CODE_MAX = 65_535;
export const TIMEOUT_SECONDS_MAX = 2_147_483_647;
/** The most transfers one call may carry; a call is never split across database transactions. */
export const CALL_TRANSFERS_MAX = 8_190;

const ID_PATTERN = /^[\x21-\x7e]{1,128}$/;

const isUint = (value: unknown, max: number): value is number =>
  typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= max;

type Checked = { ok: true; item: BatchItem } | { ok: false; code: TransferResultCode };

const fail = (code: TransferResultCode): Checked => ({ ok: false, code });

/** Validates one transfer; `allowSystemId` is for the ledger's own expiry voids. */
export function validateTransfer(request: TransferRequest, allowSystemId = false): Checked {
  if (typeof request.id !== 'string' || !ID_PATTERN.test(request.id)) {
    if (!(allowSystemId && typeof request.id === 'string' && request.id.startsWith(SYSTEM_ID_PREFIX))) {
      return fail('invalid_id');
    }
  }
  if (!allowSystemId && request.id.startsWith(SYSTEM_ID_PREFIX)) return fail('reserved_id');
  const flags = request.flags ?? 0;
  if (!isUint(flags, TRANSFER_FLAGS_ALL)) return fail('invalid_flags');
  const phases = [TransferFlags.pending, TransferFlags.postPending, TransferFlags.voidPending].filter(
    (flag) => (flags & flag) !== 0,
  );
  if (phases.length > 1) return fail('invalid_flags');
  const resolves = (flags & (TransferFlags.postPending | TransferFlags.voidPending)) !== 0;
  const userData = request.userData ?? null;
  if (userData !== null && (typeof userData !== 'string' || userData.length > USER_DATA_LENGTH_MAX)) {
    return fail('user_data_too_long');
  }
  const timeoutSeconds = request.timeoutSeconds ?? 0;
  if (!isUint(timeoutSeconds, TIMEOUT_SECONDS_MAX)) return fail('invalid_timeout');
  if (timeoutSeconds !== 0 && (flags & TransferFlags.pending) === 0) {
    return fail('timeout_reserved_for_pending_transfer');
  }
  const amountCode = checkAmount(request.amount, resolves);
  if (amountCode) return fail(amountCode);
  if (request.code !== undefined && !(isUint(request.code, CODE_MAX) && request.code > 0)) return fail('invalid_code');
  return resolves
    ? validateResolution(request, flags, userData)
    : validateMovement(request, flags, timeoutSeconds, userData);
}

function checkAmount(amount: bigint | undefined, resolves: boolean): TransferResultCode | null {
  if (amount === undefined) return resolves ? null : 'amount_must_not_be_zero';
  if (typeof amount !== 'bigint') return 'amount_must_not_be_zero';
  if (amount === 0n) return 'amount_must_not_be_zero';
  if (amount < 0n) return 'amount_must_not_be_negative';
  if (amount > AMOUNT_MAX) return 'amount_exceeds_maximum';
  return null;
}

function validateMovement(
  request: TransferRequest,
  flags: number,
  timeoutSeconds: number,
  userData: string | null,
): Checked {
  if (request.pendingId !== undefined) return fail('invalid_flags');
  if (typeof request.debitAccountId !== 'bigint' || request.debitAccountId <= 0n)
    return fail('debit_account_id_required');
  if (typeof request.creditAccountId !== 'bigint' || request.creditAccountId <= 0n) {
    return fail('credit_account_id_required');
  }
  if (request.debitAccountId > AMOUNT_MAX || request.creditAccountId > AMOUNT_MAX)
    return fail('account_id_out_of_range');
  if (request.debitAccountId === request.creditAccountId) return fail('accounts_must_be_different');
  if (!isUint(request.ledgerId, 2_147_483_647) || request.ledgerId === 0) return fail('invalid_ledger');
  if (request.code === undefined) return fail('invalid_code');
  return {
    ok: true,
    item: {
      id: request.id,
      pendingId: null,
      debitAccountId: request.debitAccountId,
      creditAccountId: request.creditAccountId,
      amount: request.amount as bigint,
      ledgerId: request.ledgerId,
      code: request.code,
      flags,
      timeoutSeconds,
      userData,
    },
  };
}

/** Post and void take their accounts and ledger from the pending transfer; naming them is refused. */
function validateResolution(request: TransferRequest, flags: number, userData: string | null): Checked {
  if (typeof request.pendingId !== 'string' || !ID_PATTERN.test(request.pendingId)) return fail('pending_id_required');
  if (request.pendingId === request.id) return fail('pending_id_must_be_different');
  if (request.debitAccountId !== undefined || request.creditAccountId !== undefined || request.ledgerId !== undefined) {
    return fail('invalid_flags');
  }
  return {
    ok: true,
    item: {
      id: request.id,
      pendingId: request.pendingId,
      debitAccountId: 0n,
      creditAccountId: 0n,
      amount: request.amount ?? 0n,
      ledgerId: 0,
      code: request.code ?? 0,
      flags,
      timeoutSeconds: 0,
      userData,
    },
  };
}

/**
 * Validates a whole call. Each malformed transfer gets its own code; the rest of its linked
 * chain gets `linked_event_failed`; a chain left open at the end is `linked_event_chain_open`.
 * Returns the items to send (in order) and the codes of those refused here.
 */
export function validateCall(
  requests: readonly TransferRequest[],
  allowSystemIds = false,
): { items: (BatchItem | null)[]; refusals: (TransferResultCode | null)[] } {
  const items: (BatchItem | null)[] = [];
  const refusals: (TransferResultCode | null)[] = [];
  const seen = new Set<string>();
  for (const request of requests) {
    const checked = validateTransfer(request, allowSystemIds);
    if (checked.ok && seen.has(checked.item.id)) {
      items.push(null);
      refusals.push('duplicate_id_in_call');
      continue;
    }
    if (checked.ok) seen.add(checked.item.id);
    items.push(checked.ok ? checked.item : null);
    refusals.push(checked.ok ? null : checked.code);
  }
  const last = requests.length - 1;
  if (last >= 0 && ((requests[last]?.flags ?? 0) & TransferFlags.linked) !== 0 && refusals[last] === null) {
    refusals[last] = 'linked_event_chain_open';
    items[last] = null;
  }
  failWholeChains(requests, items, refusals);
  return { items, refusals };
}

/** A chain with a refused member is refused whole: the others get `linked_event_failed`. */
function failWholeChains(
  requests: readonly TransferRequest[],
  items: (BatchItem | null)[],
  refusals: (TransferResultCode | null)[],
): void {
  let start = 0;
  for (let index = 0; index < requests.length; index++) {
    const linked = ((requests[index]?.flags ?? 0) & TransferFlags.linked) !== 0;
    if (linked && index < requests.length - 1) continue;
    const chainRefused = refusals.slice(start, index + 1).some((code) => code !== null);
    if (chainRefused) {
      for (let member = start; member <= index; member++) {
        if (refusals[member] === null) refusals[member] = 'linked_event_failed';
        items[member] = null;
      }
    }
    start = index + 1;
  }
}
