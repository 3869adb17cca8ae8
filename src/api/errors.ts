// The error shape every API answers with, `{"error":{"code":"…","message":"…"}}`, and the one
// table that gives each code its HTTP status. Adding a code anywhere without a row here fails
// the build, so no refusal can reach a client with a guessed status.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AccountError, SetupError } from '../ledger/service.js';
import type { TransferResultCode } from '../ledger/types.js';
import { WriterClosedError, WriterOverloadedError } from '../ledger/writer.js';
import type { AcquiringError } from '../acquiring/service.js';
import type { RefundError } from '../acquiring/refunds.js';
import type { BankingError } from '../banking/service.js';
import type { MerchantError } from '../merchant/service.js';
import type { IdentityError } from '../identity/service.js';
import type { NetworkError } from '../network/service.js';
import type { PortalUserError } from '../portal/users.js';
import type { Problem } from '../shared/result.js';
import type { RedPacketError } from '../wallet/red-packets.js';
import type { WalletError } from '../wallet/service.js';

export interface ApiErrorBody {
  error: {
    code: ApiErrorCode;
    message: string;
    /** For `invalid_request`: the field that failed, as `body.transfers[0].amount`. */
    field?: string;
    /** Particulars of a refusal: which limit, how much is left, how to raise it … */
    details?: Record<string, unknown>;
  };
}

/** Codes of the API itself: the edge, the writer's back-pressure and the unexpected. */
type EdgeErrorCode =
  | 'invalid_request'
  | 'unauthorized'
  | 'not_found'
  | 'account_not_found'
  | 'transfer_not_found'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'ledger_overloaded'
  | 'ledger_closed'
  | 'store_unavailable'
  | 'forbidden'
  | 'idempotency_key_required'
  | 'internal_error'
  // Signed merchant requests (src/merchant/auth.ts) and registering an app's key.
  | 'signature_invalid'
  | 'signature_expired'
  | 'nonce_replayed'
  | 'unknown_app'
  | 'invalid_public_key';

/** Refusals of the payer side's modules. */
type DomainErrorCode =
  | IdentityError
  | BankingError
  | WalletError
  | RedPacketError
  | NetworkError
  | MerchantError
  | AcquiringError
  | RefundError
  | PortalUserError
  | 'invalid_webhook_url';

export type ApiErrorCode =
  Exclude<TransferResultCode, 'ok'> | AccountError | SetupError | EdgeErrorCode | DomainErrorCode;

const BAD_REQUEST = 400;
const NOT_FOUND = 404;
const CONFLICT = 409;
/** The request is well formed but the books refuse it. */
const REFUSED = 422;
const UNAVAILABLE = 503;

/** `satisfies Record<…>` makes this exhaustive: a missing or unknown code does not compile. */
export const ERROR_STATUS = {
  // Malformed transfers: the ledger refused them before they reached the writer.
  invalid_id: BAD_REQUEST,
  reserved_id: BAD_REQUEST,
  amount_must_not_be_zero: BAD_REQUEST,
  amount_must_not_be_negative: BAD_REQUEST,
  amount_exceeds_maximum: BAD_REQUEST,
  accounts_must_be_different: BAD_REQUEST,
  account_id_out_of_range: BAD_REQUEST,
  invalid_flags: BAD_REQUEST,
  invalid_code: BAD_REQUEST,
  invalid_ledger: BAD_REQUEST,
  invalid_timeout: BAD_REQUEST,
  timeout_reserved_for_pending_transfer: BAD_REQUEST,
  user_data_too_long: BAD_REQUEST,
  debit_account_id_required: BAD_REQUEST,
  credit_account_id_required: BAD_REQUEST,
  pending_id_required: BAD_REQUEST,
  pending_id_must_be_different: BAD_REQUEST,
  linked_event_chain_open: BAD_REQUEST,
  duplicate_id_in_call: BAD_REQUEST,
  // The same idempotency key with another body.
  exists_with_different_fields: CONFLICT,
  // What the transfer names does not exist.
  debit_account_not_found: NOT_FOUND,
  credit_account_not_found: NOT_FOUND,
  pending_transfer_not_found: NOT_FOUND,
  // Business refusals.
  ledger_mismatch: REFUSED,
  debit_account_closed: REFUSED,
  credit_account_closed: REFUSED,
  insufficient_funds: REFUSED,
  credit_limit_exceeded: REFUSED,
  balance_overflow: REFUSED,
  pending_transfer_not_pending: REFUSED,
  pending_transfer_already_posted: REFUSED,
  pending_transfer_already_voided: REFUSED,
  pending_transfer_expired: REFUSED,
  pending_transfer_has_different_amount: REFUSED,
  exceeds_pending_transfer_amount: REFUSED,
  linked_event_failed: REFUSED,
  // Setting up institutions, ledgers and accounts.
  invalid_institution: BAD_REQUEST,
  invalid_account: BAD_REQUEST,
  institution_not_found: NOT_FOUND,
  ledger_not_found: NOT_FOUND,
  conflict: CONFLICT,
  account_key_conflict: CONFLICT,
  // The edge.
  invalid_request: BAD_REQUEST,
  unauthorized: 401,
  not_found: NOT_FOUND,
  account_not_found: NOT_FOUND,
  transfer_not_found: NOT_FOUND,
  payload_too_large: 413,
  unsupported_media_type: 415,
  ledger_overloaded: UNAVAILABLE,
  ledger_closed: UNAVAILABLE,
  store_unavailable: UNAVAILABLE,
  internal_error: 500,
  forbidden: 403,
  idempotency_key_required: BAD_REQUEST,
  signature_invalid: 401,
  signature_expired: 401,
  nonce_replayed: 401,
  unknown_app: 401,
  invalid_public_key: REFUSED,
  // Identity.
  unknown_provider: REFUSED,
  phone_taken: CONFLICT,
  invalid_credentials: 401,
  provider_required: BAD_REQUEST,
  user_not_found: NOT_FOUND,
  device_not_found: NOT_FOUND,
  pin_not_set: REFUSED,
  wrong_pin: REFUSED,
  pin_locked: REFUSED,
  invalid_id_number: REFUSED,
  real_name_already_verified: CONFLICT,
  // Banks and cards.
  unknown_bank: REFUSED,
  invalid_card_number: REFUSED,
  card_not_found: REFUSED,
  card_details_mismatch: REFUSED,
  real_name_required: REFUSED,
  card_holder_mismatch: REFUSED,
  card_number_taken: CONFLICT,
  invalid_bank_account: REFUSED,
  // The wallet.
  account_frozen: 403,
  card_not_linked: NOT_FOUND,
  credit_card_not_allowed: REFUSED,
  insufficient_balance: REFUSED,
  card_declined: REFUSED,
  tier_limit_exceeded: REFUSED,
  quota_changed: CONFLICT,
  fee_changed: CONFLICT,
  payee_not_found: NOT_FOUND,
  payee_unavailable: REFUSED,
  invalid_payee: REFUSED,
  cross_provider_not_supported: REFUSED,
  idempotency_conflict: CONFLICT,
  personal_receive_limit: REFUSED,
  // Red packets.
  red_packet_not_found: NOT_FOUND,
  red_packet_not_for_you: 403,
  red_packet_empty: REFUSED,
  red_packet_expired: REFUSED,
  invalid_red_packet: REFUSED,
  // Merchants.
  merchant_not_found: NOT_FOUND,
  invalid_merchant: BAD_REQUEST,
  store_not_found: NOT_FOUND,
  bank_account_not_found: REFUSED,
  // Orders, payments and payment codes.
  order_not_found: NOT_FOUND,
  out_trade_no_conflict: CONFLICT,
  order_closed: REFUSED,
  order_paid: REFUSED,
  order_being_paid: CONFLICT,
  order_expired: REFUSED,
  invalid_order: BAD_REQUEST,
  pin_required: REFUSED,
  merchant_unavailable: REFUSED,
  payment_code_invalid: REFUSED,
  payment_code_expired: REFUSED,
  payment_code_used: REFUSED,
  code_not_found: NOT_FOUND,
  amount_required: BAD_REQUEST,
  // Refunds.
  order_not_paid: REFUSED,
  refund_exceeds_paid: REFUSED,
  out_request_no_conflict: CONFLICT,
  merchant_insufficient_funds: REFUSED,
  invalid_refund: BAD_REQUEST,
  invalid_webhook_url: BAD_REQUEST,
  // Merchant portal log-ins.
  invalid_portal_user: BAD_REQUEST,
  portal_login_taken: CONFLICT,
} as const satisfies Record<ApiErrorCode, number>;

/** A sentence for each transfer refusal: "explain every refusal", even in a batch's summary. */
export const TRANSFER_REFUSAL_MESSAGES = {
  invalid_id: 'the transfer id must be 1–128 printable ASCII characters without spaces',
  reserved_id: 'transfer ids starting with "saoma:" are reserved for the ledger itself',
  amount_must_not_be_zero: 'the amount must be greater than zero',
  amount_must_not_be_negative: 'the amount must not be negative',
  amount_exceeds_maximum: 'the amount exceeds the largest amount the ledger stores (2^63 − 1)',
  accounts_must_be_different: 'the debit and credit accounts must be different',
  account_id_out_of_range: 'account ids are at most 2^63 − 1',
  invalid_flags:
    'the flags are unknown or do not go together (or name fields a post or void takes from its pending transfer)',
  invalid_code: 'the transfer code must be a whole number from 1 to 65535',
  invalid_ledger: 'the ledger id must be a positive whole number',
  invalid_timeout: 'the timeout must be a whole number of seconds from 0 to 2147483647',
  timeout_reserved_for_pending_transfer: 'only a pending transfer can have a timeout',
  user_data_too_long: 'user_data must be at most 256 characters',
  debit_account_id_required: 'the debit account id is required',
  credit_account_id_required: 'the credit account id is required',
  pending_id_required: 'a post or void must name the pending transfer (pending_id)',
  pending_id_must_be_different: "a post or void must have an id of its own, not the pending transfer's",
  linked_event_chain_open: 'the last transfer of the call is flagged linked, so its chain never closes',
  duplicate_id_in_call: 'the same transfer id appears twice in one call',
  exists_with_different_fields: 'a transfer with this id already exists with other fields',
  debit_account_not_found: 'the debit account does not exist',
  credit_account_not_found: 'the credit account does not exist',
  pending_transfer_not_found: 'the pending transfer does not exist',
  ledger_mismatch: 'the accounts (or the transfer) belong to different ledgers',
  debit_account_closed: 'the debit account is closed',
  credit_account_closed: 'the credit account is closed',
  insufficient_funds: "the debit account's balance does not cover the amount",
  credit_limit_exceeded: 'the credit account would hold more than it owes',
  balance_overflow: 'an account balance would exceed the largest amount the ledger stores',
  pending_transfer_not_pending: 'the transfer named by pending_id is not a pending transfer',
  pending_transfer_already_posted: 'the pending transfer has already been posted',
  pending_transfer_already_voided: 'the pending transfer has already been voided',
  pending_transfer_expired: 'the pending transfer has expired',
  pending_transfer_has_different_amount: "the amount differs from the pending transfer's",
  exceeds_pending_transfer_amount: 'the amount exceeds what the pending transfer reserved',
  linked_event_failed: 'another transfer of its linked chain failed, so none of the chain was applied',
} as const satisfies Record<Exclude<TransferResultCode, 'ok'>, string>;

export const errorStatus = (code: ApiErrorCode): number => ERROR_STATUS[code];

export function errorBody(code: ApiErrorCode, message: string, field?: string): ApiErrorBody {
  return { error: field === undefined ? { code, message } : { code, message, field } };
}

export function sendError(reply: FastifyReply, code: ApiErrorCode, message: string, field?: string): FastifyReply {
  return reply.code(errorStatus(code)).send(errorBody(code, message, field));
}

/** A module's refusal (a value), with its details, in the error shape. */
export function sendProblem(reply: FastifyReply, refusal: Problem<ApiErrorCode>): FastifyReply {
  const body = errorBody(refusal.code, refusal.message);
  if (refusal.details !== undefined) body.error.details = refusal.details;
  return reply.code(errorStatus(refusal.code)).send(body);
}

/** Every error Fastify or a handler raises leaves as the error shape; a 500 never shows the stack. */
export function installErrorHandlers(app: FastifyInstance): void {
  app.setNotFoundHandler((request, reply) => {
    sendError(reply, 'not_found', `no route ${request.method} ${request.url.split('?')[0]}`);
  });
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error.validation && error.validation.length > 0) return sendValidationError(error, reply);
    // Back-pressure and shutdown are not faults: the client should simply try again (here or elsewhere).
    if (error instanceof WriterOverloadedError || error instanceof WriterClosedError) {
      request.log.warn({ code: error.code }, error.message);
      return sendError(reply.header('retry-after', '1'), error.code, error.message);
    }
    const clientCode = fastifyClientErrorCode(error);
    if (clientCode) return sendError(reply, clientCode, clientErrorMessage(error));
    return sendInternalError(error, request, reply);
  });
}

export function sendInternalError(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  request.log.error({ err: error }, 'request failed');
  return sendError(reply, 'internal_error', `an internal error occurred (request ${request.id}); it has been logged`);
}

/** Only Fastify's own FST_* errors are trusted with a 4xx; a driver's error with a status is still a 500. */
function fastifyClientErrorCode(error: FastifyError): ApiErrorCode | null {
  const status = error.statusCode ?? 500;
  if (typeof error.code !== 'string' || !error.code.startsWith('FST_') || status < 400 || status >= 500) return null;
  if (status === 413) return 'payload_too_large';
  if (status === 415) return 'unsupported_media_type';
  return 'invalid_request';
}

function clientErrorMessage(error: FastifyError): string {
  if (error.code === 'FST_ERR_CTP_INVALID_JSON_BODY') return 'the request body is not valid JSON';
  if (error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') return 'the request body is empty but its content type says JSON';
  if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return 'send the request body as application/json';
  if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return 'the request body is larger than this route accepts';
  return error.message;
}

interface ValidationItem {
  keyword?: string;
  instancePath?: string;
  message?: string;
  params?: Record<string, unknown>;
}

function sendValidationError(error: FastifyError, reply: FastifyReply): FastifyReply {
  const first = error.validation![0] as ValidationItem;
  const field = fieldName(error.validationContext ?? 'body', first);
  const sentence =
    first.keyword === 'required'
      ? 'is required'
      : first.keyword === 'additionalProperties'
        ? 'is not a field this request takes'
        : (first.message ?? 'is invalid');
  return sendError(reply, 'invalid_request', `${field} ${sentence}`, field);
}

/** `/transfers/0/amount` in the body becomes `body.transfers[0].amount`; a missing property is named too. */
function fieldName(context: string, item: ValidationItem): string {
  const segments = (item.instancePath ?? '').split('/').slice(1);
  const named = item.params?.missingProperty ?? item.params?.additionalProperty;
  if (typeof named === 'string') segments.push(named);
  return segments.reduce(
    (path, segment) =>
      /^[0-9]+$/.test(segment) ? `${path}[${segment}]` : `${path}.${segment.replace(/~1/g, '/').replace(/~0/g, '~')}`,
    context,
  );
}
