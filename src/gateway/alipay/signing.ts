// Alipay's signatures: the classic gateway's sorted `key=value` text (requests and notifications),
// the signed response envelope, and the v3 API's Authorization header and response headers.
// RSA2 is SHA256withRSA (PKCS#1 v1.5), RSA is SHA1withRSA; signatures are standard base64.
import { createSign, createVerify, randomUUID, type KeyObject } from 'node:crypto';
import { ok, problem, type Result } from '../../shared/result.js';

export type AlipaySignType = 'RSA2' | 'RSA';
const DIGEST: Record<AlipaySignType, string> = { RSA2: 'RSA-SHA256', RSA: 'RSA-SHA1' };

export const isSignType = (value: unknown): value is AlipaySignType => value === 'RSA2' || value === 'RSA';

export function signText(text: string, privateKey: KeyObject, signType: AlipaySignType = 'RSA2'): string {
  return createSign(DIGEST[signType]).update(text, 'utf8').sign(privateKey, 'base64');
}

/** False for a wrong signature, and for one that is not even base64 of the right size. */
export function verifyText(
  text: string,
  signatureBase64: string,
  publicKey: KeyObject | string,
  signType: AlipaySignType = 'RSA2',
): boolean {
  try {
    return createVerify(DIGEST[signType]).update(text, 'utf8').verify(publicKey, signatureBase64, 'base64');
  } catch {
    return false;
  }
}

/** All fields but `omit`, sorted by key (ASCII), joined as `key=value` with `&`, values raw. */
export function contentToSign(
  fields: Readonly<Record<string, string>>,
  omit: readonly string[],
  options: { dropEmpty?: boolean } = {},
): string {
  return Object.keys(fields)
    .filter((key) => !omit.includes(key) && !(options.dropEmpty && fields[key] === ''))
    .sort()
    .map((key) => `${key}=${fields[key]}`)
    .join('&');
}

/**
 * A classic request's signature covers every parameter except `sign`. The Node SDK keeps empty
 * values in the text and the Java SDK drops them, so a request with empty values is checked both
 * ways. Answers with the text checked first, to show the caller when it does not match.
 */
export function verifyClassicRequest(
  params: Readonly<Record<string, string>>,
  publicKey: KeyObject | string,
  signType: AlipaySignType,
): Result<void, 'invalid_signature'> {
  const text = contentToSign(params, ['sign']);
  const signature = params.sign ?? '';
  if (verifyText(text, signature, publicKey, signType)) return ok(undefined);
  const withoutEmpty = contentToSign(params, ['sign'], { dropEmpty: true });
  if (withoutEmpty !== text && verifyText(withoutEmpty, signature, publicKey, signType)) return ok(undefined);
  return problem('invalid_signature', text);
}

/**
 * The classic response: `{"<key>":<inner>,"sign":"…"}` with the signature over the exact bytes of
 * the inner object, after it, because the SDK slices the signed text out of the raw body.
 */
export function classicEnvelope(
  responseKey: string,
  inner: Readonly<Record<string, unknown>>,
  privateKey: KeyObject,
  signType: AlipaySignType,
): string {
  const innerJson = JSON.stringify(inner);
  return `{${JSON.stringify(responseKey)}:${innerJson},"sign":${JSON.stringify(signText(innerJson, privateKey, signType))}}`;
}

export const responseKeyOf = (method: string): string => `${method.replaceAll('.', '_')}_response`;

/** A notification's signature covers every field except `sign` and `sign_type`. */
export const notificationContent = (fields: Readonly<Record<string, string>>): string =>
  contentToSign(fields, ['sign', 'sign_type']);

export const V3_AUTH_SCHEME = 'ALIPAY-SHA256withRSA';

export interface V3Authorization {
  /** Everything between the scheme and `,sign=`: the first line of the signed text. */
  authString: string;
  appId: string;
  nonce: string;
  timestampMs: number;
  signature: string;
}

const NONCE_PATTERN = /^[A-Za-z0-9_-]{8,64}$/;
const TIMESTAMP_MS_PATTERN = /^[1-9][0-9]{9,15}$/;

/** `ALIPAY-SHA256withRSA app_id=…,nonce=…,timestamp=…,sign=…`, split at the last `,sign=`. */
export function parseV3Authorization(header: string | undefined): Result<V3Authorization, 'missing' | 'malformed'> {
  if (header === undefined || header === '') return problem('missing', 'the Authorization header is missing');
  if (!header.startsWith(`${V3_AUTH_SCHEME} `)) {
    return problem('malformed', `the Authorization header must start with "${V3_AUTH_SCHEME} "`);
  }
  const rest = header.slice(V3_AUTH_SCHEME.length + 1);
  const at = rest.lastIndexOf(',sign=');
  if (at < 0) return problem('malformed', 'the Authorization header has no ",sign=" item');
  const authString = rest.slice(0, at);
  const items = new Map<string, string>();
  for (const item of authString.split(',')) {
    const equals = item.indexOf('=');
    if (equals > 0) items.set(item.slice(0, equals), item.slice(equals + 1));
  }
  const appId = items.get('app_id') ?? '';
  const nonce = items.get('nonce') ?? '';
  const timestamp = items.get('timestamp') ?? '';
  if (appId === '') return problem('malformed', 'the Authorization header has no app_id');
  if (!NONCE_PATTERN.test(nonce)) return problem('malformed', 'the nonce must be 8–64 of A–Z a–z 0–9 _ -');
  if (!TIMESTAMP_MS_PATTERN.test(timestamp)) return problem('malformed', 'the timestamp must be Unix milliseconds');
  return ok({ authString, appId, nonce, timestampMs: Number(timestamp), signature: rest.slice(at + ',sign='.length) });
}

/** `<auth string>\n<METHOD>\n<path and query>\n<body>\n`, plus `<app auth token>\n` when one was sent. */
export function v3SignedText(input: {
  authString: string;
  method: string;
  pathWithQuery: string;
  body: string;
  appAuthToken?: string;
}): string {
  const text = `${input.authString}\n${input.method.toUpperCase()}\n${input.pathWithQuery}\n${input.body}\n`;
  return input.appAuthToken === undefined ? text : `${text}${input.appAuthToken}\n`;
}

/** The headers that sign a v3 answer: RSA2 over `<timestamp>\n<nonce>\n<body>\n`. */
export function v3ResponseHeaders(body: string, privateKey: KeyObject, nowMs: number): Record<string, string> {
  const timestamp = String(nowMs);
  const nonce = randomUUID().replaceAll('-', '');
  return {
    'alipay-timestamp': timestamp,
    'alipay-nonce': nonce,
    'alipay-signature': signText(`${timestamp}\n${nonce}\n${body}\n`, privateKey, 'RSA2'),
  };
}
