// WeChat Pay v3's signatures: the merchant's `Authorization: WECHATPAY2-SHA256-RSA2048 …` header
// over its request, the platform's `Wechatpay-*` headers over a response or a notification, the
// AES-256-GCM resource of a notification (sealed under the merchant's APIv3 key). All RSA
// signatures are SHA256withRSA (PKCS#1 v1.5), base64.
import { createCipheriv, createDecipheriv, createSign, createVerify, randomInt, type KeyObject } from 'node:crypto';
import { ok, problem, type Result } from '../../shared/result.js';

export const AUTHORIZATION_SCHEME = 'WECHATPAY2-SHA256-RSA2048';
/** Requests and responses more than this far from the clock are refused. */
export const CLOCK_SKEW_MAX_SECONDS = 300;
export const API_V3_KEY_BYTES = 32;
const GCM_NONCE_CHARS = 12;
const GCM_TAG_BYTES = 16;
const NONCE_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
/** An RSA-8192 signature is 1,368 characters of base64; nothing longer is a signature. */
const SIGNATURE_CHARS_MAX = 1400;
const AUTHORIZATION_CHARS_MAX = 4096;
const TOKEN_PATTERN = /^[\x21-\x7e]{1,64}$/;
const TIMESTAMP_PATTERN = /^(0|[1-9][0-9]{0,11})$/;
const BASE64_PATTERN = /^[A-Za-z0-9+/]+={0,2}$/;

export interface AuthorizationFields {
  mchid: string;
  serialNo: string;
  timestampSeconds: number;
  nonce: string;
  signature: string;
}

/**
 * Reads `WECHATPAY2-SHA256-RSA2048 mchid="…",serial_no="…",…`: the pairs may come in any order
 * (clients differ), separated by commas with optional spaces; each of the five once.
 */
export function parseAuthorization(header: string | undefined): Result<AuthorizationFields, 'SIGN_ERROR'> {
  if (header === undefined || header.length === 0) {
    return problem('SIGN_ERROR', `the Authorization header is missing: sign the request (${AUTHORIZATION_SCHEME})`);
  }
  if (header.length > AUTHORIZATION_CHARS_MAX) return problem('SIGN_ERROR', 'the Authorization header is too long');
  const schemeEnd = header.indexOf(' ');
  if (schemeEnd < 0 || header.slice(0, schemeEnd) !== AUTHORIZATION_SCHEME) {
    return problem('SIGN_ERROR', `the Authorization scheme must be ${AUTHORIZATION_SCHEME}`);
  }
  const pairs = new Map<string, string>();
  const pairPattern = /\s*([a-z_]+)="([^"]*)"\s*(?:,|$)/gy;
  const rest = header.slice(schemeEnd + 1);
  let matched: RegExpExecArray | null;
  let consumed = 0;
  while ((matched = pairPattern.exec(rest)) !== null && matched[0].length > 0) {
    if (pairs.has(matched[1]!)) return problem('SIGN_ERROR', `the Authorization header names ${matched[1]} twice`);
    pairs.set(matched[1]!, matched[2]!);
    consumed = pairPattern.lastIndex;
  }
  if (consumed !== rest.length) return problem('SIGN_ERROR', 'the Authorization header is not a list of k="v" pairs');
  const [mchid, serialNo, timestamp, nonce, signature] = [
    'mchid',
    'serial_no',
    'timestamp',
    'nonce_str',
    'signature',
  ].map((name) => pairs.get(name));
  for (const [name, value] of Object.entries({ mchid, serial_no: serialNo, timestamp, nonce_str: nonce, signature })) {
    if (value === undefined || value === '') return problem('SIGN_ERROR', `the Authorization header lacks ${name}`);
  }
  if (!TOKEN_PATTERN.test(mchid!) || !TOKEN_PATTERN.test(serialNo!) || !TOKEN_PATTERN.test(nonce!)) {
    return problem('SIGN_ERROR', 'mchid, serial_no and nonce_str must be 1–64 printable characters');
  }
  if (!TIMESTAMP_PATTERN.test(timestamp!)) {
    return problem('SIGN_ERROR', 'the timestamp must be Unix time in seconds');
  }
  if (signature!.length > SIGNATURE_CHARS_MAX || !BASE64_PATTERN.test(signature!)) {
    return problem('SIGN_ERROR', 'the signature must be standard base64');
  }
  return ok({
    mchid: mchid!,
    serialNo: serialNo!,
    timestampSeconds: Number(timestamp),
    nonce: nonce!,
    signature: signature!,
  });
}

/** `<METHOD>\n<path and query as received>\n<timestamp>\n<nonce>\n<body>\n`, the body as its exact bytes. */
export function requestMessage(input: {
  method: string;
  pathWithQuery: string;
  timestampSeconds: number;
  nonce: string;
  body: Buffer | null;
}): Buffer {
  return Buffer.concat([
    Buffer.from(`${input.method.toUpperCase()}\n${input.pathWithQuery}\n${input.timestampSeconds}\n${input.nonce}\n`),
    input.body ?? Buffer.alloc(0),
    Buffer.from('\n'),
  ]);
}

/** `<timestamp>\n<nonce>\n<body>\n`: what Wechatpay-Signature covers on responses and notifications. */
export function responseMessage(timestampSeconds: number, nonce: string, body: Buffer | string): Buffer {
  return Buffer.concat([Buffer.from(`${timestampSeconds}\n${nonce}\n`), Buffer.from(body), Buffer.from('\n')]);
}

export const signRsa = (message: Buffer | string, privateKey: KeyObject): string =>
  createSign('sha256WithRSAEncryption').update(message).sign(privateKey, 'base64');

export function verifyRsa(message: Buffer | string, signature: string, publicKeyPem: string): boolean {
  try {
    return createVerify('sha256WithRSAEncryption').update(message).verify(publicKeyPem, signature, 'base64');
  } catch {
    // A malformed signature is a wrong one.
    return false;
  }
}

/** A fresh nonce of letters and digits (32 for headers, 12 for an AES-GCM nonce). */
export function newNonce(length = 32): string {
  let nonce = '';
  for (let index = 0; index < length; index += 1) nonce += NONCE_ALPHABET[randomInt(NONCE_ALPHABET.length)];
  return nonce;
}

/** The four headers that the platform puts on every response and notification. */
export function platformHeaders(input: {
  body: Buffer | string;
  nowMs: number;
  keyId: string;
  privateKey: KeyObject;
}): Record<string, string> {
  const timestampSeconds = Math.floor(input.nowMs / 1000);
  const nonce = newNonce();
  return {
    'Wechatpay-Timestamp': String(timestampSeconds),
    'Wechatpay-Nonce': nonce,
    'Wechatpay-Serial': input.keyId,
    'Wechatpay-Signature': signRsa(responseMessage(timestampSeconds, nonce, input.body), input.privateKey),
    'Wechatpay-Signature-Type': AUTHORIZATION_SCHEME,
  };
}

export interface EncryptedResource {
  algorithm: 'AEAD_AES_256_GCM';
  ciphertext: string;
  associated_data: string;
  nonce: string;
}

/** AES-256-GCM under the APIv3 key (its 32 ASCII bytes); ciphertext = base64(encrypted ‖ 16-byte tag). */
export function encryptResource(plaintext: string, apiV3Key: string, associatedData: string): EncryptedResource {
  const key = apiV3KeyBytes(apiV3Key);
  const nonce = newNonce(GCM_NONCE_CHARS);
  const cipher = createCipheriv('aes-256-gcm', key, Buffer.from(nonce), { authTagLength: GCM_TAG_BYTES });
  cipher.setAAD(Buffer.from(associatedData));
  const sealed = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return {
    algorithm: 'AEAD_AES_256_GCM',
    ciphertext: sealed.toString('base64'),
    associated_data: associatedData,
    nonce,
  };
}

/** The inverse, as a merchant does on a notification; an error value when the tag does not hold. */
export function decryptResource(
  resource: { ciphertext: string; associated_data?: string; nonce: string },
  apiV3Key: string,
): Result<string, 'decrypt_failed'> {
  const sealed = Buffer.from(resource.ciphertext, 'base64');
  if (sealed.length < GCM_TAG_BYTES) return problem('decrypt_failed', 'the ciphertext is shorter than its tag');
  try {
    const decipher = createDecipheriv('aes-256-gcm', apiV3KeyBytes(apiV3Key), Buffer.from(resource.nonce), {
      authTagLength: GCM_TAG_BYTES,
    });
    decipher.setAAD(Buffer.from(resource.associated_data ?? ''));
    decipher.setAuthTag(sealed.subarray(sealed.length - GCM_TAG_BYTES));
    const plain = Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - GCM_TAG_BYTES)), decipher.final()]);
    return ok(plain.toString('utf8'));
  } catch {
    return problem('decrypt_failed', 'the resource does not decrypt under this APIv3 key (wrong key, nonce or data)');
  }
}

function apiV3KeyBytes(apiV3Key: string): Buffer {
  const key = Buffer.from(apiV3Key, 'utf8');
  if (key.length !== API_V3_KEY_BYTES)
    throw new RangeError(`an APIv3 key is ${API_V3_KEY_BYTES} bytes, got ${key.length}`);
  return key;
}
