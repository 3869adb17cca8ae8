// Webhook signatures: the platform signs every notification with its own Ed25519 key, mirroring
// how merchants sign their requests to us (src/merchant/signature.ts), so one verifier fits both.
//
// The scheme, for merchants (the README):
//
//   Headers:
//     Saoma-Event-Id   the event's id (`evt_…`), the same on every attempt: dedupe on it
//     Saoma-Timestamp  when this attempt was signed, Unix MILLISECONDS, plain decimal
//     Saoma-Nonce      fresh for every attempt, 16–64 of A–Z a–z 0–9 _ -
//     Saoma-Signature  Ed25519 over the signed string below, standard base64 with padding
//
//   Signed string: five lines, each ending in "\n", UTF-8:
//     POST
//     the webhook URL's path and query, as registered (`/hooks/saoma?shop=1`)
//     the Saoma-Timestamp value
//     the Saoma-Nonce value
//     lower-case hex SHA-256 of the exact body bytes
//
//   The body is JSON: {"id":"evt_…","type":"trade.success","created_at":"…","merchant_id":"…","data":{…}}.
//   Verify with the platform's public key (GET /v1/notifications/public-key), refuse a timestamp
//   more than five minutes off, and answer 2xx only once the event is safely recorded.
import { createHash, createPublicKey, randomBytes, sign, verify, type KeyObject } from 'node:crypto';
import { ok, problem, type Result } from '../shared/result.js';

export const WEBHOOK_HEADERS = {
  eventId: 'Saoma-Event-Id',
  timestamp: 'Saoma-Timestamp',
  nonce: 'Saoma-Nonce',
  signature: 'Saoma-Signature',
} as const;

/** How far a webhook's timestamp may be from the receiver's clock, either way (as for requests to us). */
export const WEBHOOK_CLOCK_SKEW_MAX_MS = 5 * 60_000;

const NONCE_RANDOM_BYTES = 24;
const NONCE_PATTERN = /^[A-Za-z0-9_-]{16,64}$/;
const TIMESTAMP_PATTERN = /^(0|[1-9][0-9]{0,14})$/;
const EVENT_ID_PATTERN = /^evt_[A-Za-z0-9_-]{1,64}$/;
/** An Ed25519 signature is 64 bytes: 88 characters of base64 with padding. */
const SIGNATURE_PATTERN = /^[A-Za-z0-9+/]{86}==$/;

export interface WebhookToSign {
  pathWithQuery: string;
  timestampMs: number;
  nonce: string;
  body: string | Uint8Array;
}

export function webhookCanonical(toSign: WebhookToSign): string {
  const bodyHex = createHash('sha256').update(toSign.body).digest('hex');
  return ['POST', toSign.pathWithQuery, String(toSign.timestampMs), toSign.nonce, bodyHex]
    .map((line) => `${line}\n`)
    .join('');
}

/** The path and query that the signature covers, as fetch will send them. */
export const pathWithQueryOf = (url: URL): string => `${url.pathname}${url.search}`;

export interface SignWebhookInput {
  privateKey: KeyObject;
  eventId: string;
  url: URL;
  body: string;
  timestampMs: number;
  /** A fresh random one when left out. */
  nonce?: string;
}

/** The four headers of one delivery attempt. */
export function signWebhook(input: SignWebhookInput): Record<string, string> {
  const nonce = input.nonce ?? randomBytes(NONCE_RANDOM_BYTES).toString('base64url');
  const canonical = webhookCanonical({
    pathWithQuery: pathWithQueryOf(input.url),
    timestampMs: input.timestampMs,
    nonce,
    body: input.body,
  });
  const signature = sign(null, Buffer.from(canonical, 'utf8'), input.privateKey);
  return {
    [WEBHOOK_HEADERS.eventId]: input.eventId,
    [WEBHOOK_HEADERS.timestamp]: String(input.timestampMs),
    [WEBHOOK_HEADERS.nonce]: nonce,
    [WEBHOOK_HEADERS.signature]: signature.toString('base64'),
  };
}

export type WebhookRefusal = 'webhook_signature_invalid' | 'webhook_signature_expired';

export interface ReceivedWebhook {
  /** The platform's SPKI PEM (platformPublicKeyPem) or the key parsed from it. */
  publicKey: string | KeyObject;
  /** What the receiver saw: a webhook is always a POST. */
  method: string;
  /** The request target as received (Node's `request.url`). */
  pathWithQuery: string;
  /** Header names in any case (Node's `request.headers`, or `Object.fromEntries(fetchHeaders)`). */
  headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The exact body bytes received. */
  body: string | Uint8Array;
  /** The receiver's clock. */
  nowMs: number;
}

export interface VerifiedWebhook {
  eventId: string;
  type: string;
  timestampMs: number;
  /** Remember it for twice the skew to refuse a replayed attempt (deduping on eventId does as well). */
  nonce: string;
  /** The parsed body: id, type, created_at, merchant_id, data. */
  event: { id: string; type: string; created_at: string; merchant_id: string; data: Record<string, unknown> };
}

/** For merchants' code and tests: checks a received webhook and returns its event. */
export function verifyWebhook(received: ReceivedWebhook): Result<VerifiedWebhook, WebhookRefusal> {
  if (received.method.toUpperCase() !== 'POST') return invalid('a webhook is always a POST');
  const headers = readHeaders(received.headers);
  if (!headers.ok) return headers;
  const { eventId, timestampMs, nonce, signature } = headers.value;
  if (Math.abs(timestampMs - received.nowMs) > WEBHOOK_CLOCK_SKEW_MAX_MS) {
    return problem(
      'webhook_signature_expired',
      `${WEBHOOK_HEADERS.timestamp} ${timestampMs} is more than ${WEBHOOK_CLOCK_SKEW_MAX_MS / 1000} s from ` +
        `this clock (${received.nowMs})`,
    );
  }
  const canonical = webhookCanonical({
    pathWithQuery: received.pathWithQuery,
    timestampMs,
    nonce,
    body: received.body,
  });
  const key = typeof received.publicKey === 'string' ? createPublicKey(received.publicKey) : received.publicKey;
  if (!verify(null, Buffer.from(canonical, 'utf8'), key, signature)) {
    return invalid('the signature does not verify: another key, or a changed path, timestamp, nonce or body');
  }
  const event = parseEvent(received.body);
  if (event === null || event.id !== eventId) {
    return invalid(`the body is not an event whose id is the ${WEBHOOK_HEADERS.eventId} header`);
  }
  return ok({ eventId, type: event.type, timestampMs, nonce, event });
}

const invalid = (message: string) => problem('webhook_signature_invalid', message);

interface WebhookHeaders {
  eventId: string;
  timestampMs: number;
  nonce: string;
  signature: Buffer;
}

function readHeaders(
  headers: Readonly<Record<string, string | string[] | undefined>>,
): Result<WebhookHeaders, 'webhook_signature_invalid'> {
  const lowerCased = new Map(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
  const read = (name: string, pattern: RegExp): string | null => {
    const value = lowerCased.get(name.toLowerCase());
    return typeof value === 'string' && pattern.test(value) ? value : null;
  };
  const eventId = read(WEBHOOK_HEADERS.eventId, EVENT_ID_PATTERN);
  const timestamp = read(WEBHOOK_HEADERS.timestamp, TIMESTAMP_PATTERN);
  const nonce = read(WEBHOOK_HEADERS.nonce, NONCE_PATTERN);
  const signature = read(WEBHOOK_HEADERS.signature, SIGNATURE_PATTERN);
  if (eventId === null || timestamp === null || nonce === null || signature === null) {
    return invalid(`each of ${Object.values(WEBHOOK_HEADERS).join(', ')} must be present once and well formed`);
  }
  const signatureBytes = Buffer.from(signature, 'base64');
  // Non-canonical trailing bits decode to the same bytes; only one spelling is accepted.
  if (signatureBytes.toString('base64') !== signature)
    return invalid(`${WEBHOOK_HEADERS.signature} is not canonical base64`);
  return ok({ eventId, timestampMs: Number(timestamp), nonce, signature: signatureBytes });
}

function parseEvent(body: string | Uint8Array): VerifiedWebhook['event'] | null {
  try {
    const parsed: unknown = JSON.parse(typeof body === 'string' ? body : Buffer.from(body).toString('utf8'));
    if (typeof parsed !== 'object' || parsed === null) return null;
    const event = parsed as VerifiedWebhook['event'];
    return typeof event.id === 'string' && typeof event.type === 'string' ? event : null;
  } catch {
    return null;
  }
}
