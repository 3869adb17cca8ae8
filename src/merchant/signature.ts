// Request signatures for the merchant native API: merchants sign each call with their private key
// (RSA-2048+ or Ed25519); Saoma verifies it against the public key the app registered.
//
// The scheme (version 1), for the README:
//
//   Headers (names are case-insensitive, as in all HTTP):
//     Saoma-App-Id     the app's id, as registered (1–128 of A–Z a–z 0–9 _ . : -)
//     Saoma-Timestamp  when the client signed, in Unix MILLISECONDS, plain decimal (e.g. 1767225600000)
//     Saoma-Nonce      16–64 of A–Z a–z 0–9 _ -, fresh for every request (e.g. 24 random bytes as base64url)
//     Saoma-Signature  the signature of the signed string below, standard base64 with padding
//
//   Signed string: six lines, each ending in "\n" (LF, including the last), UTF-8:
//     METHOD            upper case: GET, POST …
//     PATH_WITH_QUERY   the request target exactly as sent: path and query, no scheme or host, not
//                       re-encoded or re-ordered (`/v1/orders?out_trade_no=A%2F1`)
//     APP_ID            the Saoma-App-Id value (binds the signature to one app, so a request signed
//                       for one app cannot be replayed to another that shares the key)
//     TIMESTAMP         the Saoma-Timestamp value
//     NONCE             the Saoma-Nonce value
//     BODY_SHA256       lower-case hex SHA-256 of the exact body bytes sent; a request without a body
//                       (any GET) hashes the empty string: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
//
//   Algorithms: RSA with SHA-256 and PKCS#1 v1.5 padding (RSASSA-PKCS1-v1_5, "SHA256withRSA"), key
//   2048–8192 bits; or Ed25519 (pure, over the signed string itself). Keys are registered as SPKI PEM
//   ("-----BEGIN PUBLIC KEY-----"); the algorithm follows from the key.
//
//   Saoma refuses (401): a missing or malformed header; an unknown app; a timestamp more than five
//   minutes from the server's clock, either way; a signature that does not verify (wrong key, a
//   changed method, path, query or body); a nonce the app already used (Saoma remembers nonces for
//   at least ten minutes, twice the allowed skew, so a captured request cannot be replayed while its
//   timestamp is still acceptable). Nonces should simply never repeat.
import {
  constants,
  createHash,
  createPrivateKey,
  createPublicKey,
  randomBytes,
  sign,
  verify,
  type KeyObject,
} from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { ok, problem, type Result } from '../shared/result.js';

export const KEY_ALGORITHMS = ['rsa', 'ed25519'] as const;
export type KeyAlgorithm = (typeof KEY_ALGORITHMS)[number];

/** The headers as clients send them; Node hands them to the server in lower case. */
export const SIGNATURE_HEADERS = {
  appId: 'Saoma-App-Id',
  timestamp: 'Saoma-Timestamp',
  nonce: 'Saoma-Nonce',
  signature: 'Saoma-Signature',
} as const;

/** How far a request's timestamp may be from the server's clock, either way. */
export const CLOCK_SKEW_MAX_MS = 5 * 60_000;
/**
 * How long a nonce must be remembered: a request signed at T is accepted until T + skew, and T can
 * be up to skew ahead of the moment its nonce was first seen.
 */
export const NONCE_RETENTION_MS = 2 * CLOCK_SKEW_MAX_MS;
export const RSA_MODULUS_BITS_MIN = 2048;
/** Larger keys only cost verification time; nobody needs them for request signatures. */
export const RSA_MODULUS_BITS_MAX = 8192;

const APP_ID_PATTERN = /^[A-Za-z0-9_.:-]{1,128}$/;
const NONCE_PATTERN = /^[A-Za-z0-9_-]{16,64}$/;
/** Canonical decimal, no sign or leading zeros, so the header text and the number agree. */
const TIMESTAMP_PATTERN = /^(0|[1-9][0-9]{0,14})$/;
const BASE64_PATTERN = /^[A-Za-z0-9+/]+={0,2}$/;
/** An RSA-8192 signature is 1,024 bytes: 1,368 characters of base64. */
const SIGNATURE_CHARS_MAX = 1400;
/** An RSA-8192 SPKI PEM is about 1,400 characters; anything far larger is not a key. */
const PUBLIC_KEY_PEM_CHARS_MAX = 8192;
const SPKI_PEM_PATTERN = /^-----BEGIN PUBLIC KEY-----\r?\n[A-Za-z0-9+/=\r\n]+-----END PUBLIC KEY-----$/;
const NONCE_RANDOM_BYTES = 24;

export interface RequestToSign {
  method: string;
  pathWithQuery: string;
  appId: string;
  timestampMs: number;
  nonce: string;
  /** The exact bytes sent; a string counts as its UTF-8 bytes; none for a request without a body. */
  body?: Uint8Array | string;
}

export function bodySha256Hex(body: Uint8Array | string | undefined): string {
  return createHash('sha256')
    .update(body ?? '')
    .digest('hex');
}

export function canonicalRequest(request: RequestToSign): string {
  const lines = [
    request.method.toUpperCase(),
    request.pathWithQuery,
    request.appId,
    String(request.timestampMs),
    request.nonce,
    bodySha256Hex(request.body),
  ];
  return lines.map((line) => `${line}\n`).join('');
}

export interface SignatureHeaders {
  appId: string;
  timestampMs: number;
  nonce: string;
  signature: Buffer;
}

/** The four headers, each present once and well formed; the refusal names the header and its rule. */
export function readSignatureHeaders(headers: IncomingHttpHeaders): Result<SignatureHeaders, 'signature_invalid'> {
  const appId = headerValue(headers, SIGNATURE_HEADERS.appId, APP_ID_PATTERN, '1–128 of A–Z a–z 0–9 _ . : -');
  if (!appId.ok) return appId;
  const timestamp = headerValue(
    headers,
    SIGNATURE_HEADERS.timestamp,
    TIMESTAMP_PATTERN,
    'Unix time in milliseconds, plain decimal digits',
  );
  if (!timestamp.ok) return timestamp;
  const nonce = headerValue(headers, SIGNATURE_HEADERS.nonce, NONCE_PATTERN, '16–64 of A–Z a–z 0–9 _ -');
  if (!nonce.ok) return nonce;
  const signatureText = headerValue(headers, SIGNATURE_HEADERS.signature, BASE64_PATTERN, 'standard base64');
  if (!signatureText.ok) return signatureText;
  const signature = decodeSignature(signatureText.value);
  if (!signature.ok) return signature;
  return ok({
    appId: appId.value,
    timestampMs: Number(timestamp.value),
    nonce: nonce.value,
    signature: signature.value,
  });
}

function headerValue(
  headers: IncomingHttpHeaders,
  name: string,
  pattern: RegExp,
  rule: string,
): Result<string, 'signature_invalid'> {
  const value = headers[name.toLowerCase()];
  if (value === undefined || value === '') {
    return problem('signature_invalid', `the ${name} header is missing; signed requests carry ${signedHeaderList()}`);
  }
  if (typeof value !== 'string') return problem('signature_invalid', `the ${name} header must be sent once`);
  if (!pattern.test(value)) return problem('signature_invalid', `the ${name} header must be ${rule}`);
  return ok(value);
}

const signedHeaderList = (): string => Object.values(SIGNATURE_HEADERS).join(', ');

/** Strict base64 (with padding) only: a lenient decoder would accept text that is not what was signed. */
export function decodeSignature(base64: string): Result<Buffer, 'signature_invalid'> {
  const why = `the ${SIGNATURE_HEADERS.signature} header must be standard base64 with padding`;
  if (base64.length > SIGNATURE_CHARS_MAX || base64.length % 4 !== 0 || !BASE64_PATTERN.test(base64)) {
    return problem('signature_invalid', why);
  }
  const bytes = Buffer.from(base64, 'base64');
  // Non-canonical trailing bits (`QQ==` versus `QR==`) decode to the same bytes; refuse them.
  if (bytes.toString('base64') !== base64) return problem('signature_invalid', why);
  return ok(bytes);
}

/** Fresh means within CLOCK_SKEW_MAX_MS of the server's clock, behind or ahead. */
export function checkTimestamp(timestampMs: number, nowMs: number): Result<void, 'signature_expired'> {
  const offsetMs = timestampMs - nowMs;
  if (Math.abs(offsetMs) <= CLOCK_SKEW_MAX_MS) return ok(undefined);
  const skewSeconds = CLOCK_SKEW_MAX_MS / 1000;
  const direction = offsetMs < 0 ? 'behind' : 'ahead of';
  const inSeconds = Math.abs(timestampMs * 1000 - nowMs) <= CLOCK_SKEW_MAX_MS;
  const hint = inSeconds
    ? `; it looks like seconds: send milliseconds`
    : '; check the client clock (and that the timestamp is in milliseconds)';
  return problem(
    'signature_expired',
    `${SIGNATURE_HEADERS.timestamp} ${timestampMs} is ${Math.round(Math.abs(offsetMs) / 1000)} s ${direction} ` +
      `the server clock (${nowMs}); requests are accepted within ${skewSeconds} s either way${hint}`,
  );
}

/** Parsing a PEM costs more than an Ed25519 verification; keys are cached by their text. */
const KEY_CACHE_ENTRIES_MAX = 1024;
const publicKeyCache = new Map<string, KeyObject>();

function cachedPublicKey(pem: string): KeyObject {
  const cached = publicKeyCache.get(pem);
  if (cached) return cached;
  if (publicKeyCache.size >= KEY_CACHE_ENTRIES_MAX) publicKeyCache.clear();
  const key = createPublicKey({ key: pem, format: 'pem', type: 'spki' });
  publicKeyCache.set(pem, key);
  return key;
}

export interface SignatureToVerify {
  algorithm: KeyAlgorithm;
  /** A key accepted by parsePublicKey; anything else is a broken invariant and throws. */
  publicKeyPem: string;
  canonical: string;
  signature: Uint8Array;
}

export function verifySignature(toVerify: SignatureToVerify): boolean {
  const key = keyToVerifyWith(toVerify);
  const data = Buffer.from(toVerify.canonical, 'utf8');
  if (toVerify.algorithm === 'ed25519') return verify(null, data, key, toVerify.signature);
  return verify('sha256', data, { key, padding: constants.RSA_PKCS1_PADDING }, toVerify.signature);
}

/**
 * The same check for a request being served. An Ed25519 verification (~0.1 ms here) goes to
 * libuv's thread pool, where another core can take it; an RSA one is checked at once: it costs
 * a fifth of that, less than the hand-over to a pool thread and back, which on a busy 2-core
 * machine also wakes that thread onto the event loop's own core (measured: ~60 µs of the event
 * loop's time per RSA request through the pool, ~20 µs in place).
 */
export async function verifyRequestSignature(toVerify: SignatureToVerify): Promise<boolean> {
  if (toVerify.algorithm === 'rsa') return verifySignature(toVerify);
  const key = keyToVerifyWith(toVerify);
  const data = Buffer.from(toVerify.canonical, 'utf8');
  return new Promise((resolve, reject) =>
    verify(null, data, key, toVerify.signature, (error, valid) => (error ? reject(error) : resolve(valid))),
  );
}

/** The app's parsed key; a key of another kind than its row says is a broken invariant and throws. */
function keyToVerifyWith(toVerify: SignatureToVerify): KeyObject {
  const key = cachedPublicKey(toVerify.publicKeyPem);
  if (key.asymmetricKeyType !== toVerify.algorithm) {
    throw new Error(`an app's key is ${key.asymmetricKeyType} but its row says ${toVerify.algorithm}`);
  }
  return key;
}

export interface ParsedPublicKey {
  algorithm: KeyAlgorithm;
  /** Re-exported SPKI PEM: one spelling per key, whatever line endings it arrived with. */
  pem: string;
}

/** For registering an app: an SPKI PEM public key, RSA of 2048–8192 bits or Ed25519. */
export function parsePublicKey(pem: string): Result<ParsedPublicKey, 'invalid_public_key'> {
  const text = pem.trim();
  if (text.length > PUBLIC_KEY_PEM_CHARS_MAX) {
    return problem('invalid_public_key', `the public key is longer than ${PUBLIC_KEY_PEM_CHARS_MAX} characters`);
  }
  if (text.includes('PRIVATE KEY')) {
    return problem(
      'invalid_public_key',
      'this is a private key: keep it secret and register only its public key (-----BEGIN PUBLIC KEY-----)',
    );
  }
  if (!SPKI_PEM_PATTERN.test(text)) {
    return problem(
      'invalid_public_key',
      'send the public key as SPKI PEM (-----BEGIN PUBLIC KEY-----); convert a PKCS#1 RSA key with ' +
        '`openssl rsa -RSAPublicKey_in -in key.pem -pubout`',
    );
  }
  let key: KeyObject;
  try {
    key = createPublicKey({ key: text, format: 'pem', type: 'spki' });
  } catch {
    return problem('invalid_public_key', 'the PEM text does not decode to a public key');
  }
  return checkKeyType(key);
}

function checkKeyType(key: KeyObject): Result<ParsedPublicKey, 'invalid_public_key'> {
  const pem = key.export({ format: 'pem', type: 'spki' }).toString();
  if (key.asymmetricKeyType === 'ed25519') return ok({ algorithm: 'ed25519', pem });
  if (key.asymmetricKeyType !== 'rsa') {
    return problem(
      'invalid_public_key',
      `${key.asymmetricKeyType ?? 'this'} keys are not accepted: use RSA (2048 bits or more, signing with ` +
        'SHA-256 and PKCS#1 v1.5 padding) or Ed25519',
    );
  }
  const modulusBits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (modulusBits < RSA_MODULUS_BITS_MIN || modulusBits > RSA_MODULUS_BITS_MAX) {
    return problem(
      'invalid_public_key',
      `the RSA key has ${modulusBits} bits; use ${RSA_MODULUS_BITS_MIN}–${RSA_MODULUS_BITS_MAX} bits (or Ed25519)`,
    );
  }
  return ok({ algorithm: 'rsa', pem });
}

export interface SignRequestInput {
  appId: string;
  /** PKCS#8 (or PKCS#1 RSA) PEM; a KeyObject saves parsing it again in a loop (the benchmark). */
  privateKeyPem: string | KeyObject;
  method: string;
  pathWithQuery: string;
  /** The exact bytes that will be sent; a string is sent as UTF-8. */
  body?: Uint8Array | string;
  timestampMs: number;
  /** A fresh random one when left out. */
  nonce?: string;
}

/** For clients (tests, the benchmark, the CLI): the four headers that sign this request. */
export function signRequest(input: SignRequestInput): Record<string, string> {
  const nonce = input.nonce ?? randomBytes(NONCE_RANDOM_BYTES).toString('base64url');
  // The caller's mistakes, not the server's refusals: the server would refuse these anyway.
  if (!APP_ID_PATTERN.test(input.appId)) throw new Error(`not an app id: ${JSON.stringify(input.appId)}`);
  if (!NONCE_PATTERN.test(nonce)) throw new Error('a nonce is 16–64 of A–Z a–z 0–9 _ -');
  if (!Number.isSafeInteger(input.timestampMs) || input.timestampMs < 0) throw new Error('timestampMs: Unix ms');
  if (!input.pathWithQuery.startsWith('/')) throw new Error('pathWithQuery starts with "/"');
  const key = typeof input.privateKeyPem === 'string' ? createPrivateKey(input.privateKeyPem) : input.privateKeyPem;
  const data = Buffer.from(canonicalRequest({ ...input, nonce }), 'utf8');
  let signature: Buffer;
  if (key.asymmetricKeyType === 'ed25519') signature = sign(null, data, key);
  else if (key.asymmetricKeyType === 'rsa')
    signature = sign('sha256', data, { key, padding: constants.RSA_PKCS1_PADDING });
  else throw new Error(`cannot sign with a ${key.asymmetricKeyType} key: use RSA or Ed25519`);
  return {
    [SIGNATURE_HEADERS.appId]: input.appId,
    [SIGNATURE_HEADERS.timestamp]: String(input.timestampMs),
    [SIGNATURE_HEADERS.nonce]: nonce,
    [SIGNATURE_HEADERS.signature]: signature.toString('base64'),
  };
}
