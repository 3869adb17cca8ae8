// Reading WeChat Pay v3 request bodies by hand, so that every refusal is WeChat Pay's own
// PARAM_ERROR with the failing field as a JSON pointer (`/amount/total`). Amounts are JSON
// integers in fen: 0, negatives, fractions and strings are refused, as the real service does.
import { AMOUNT_FEN_MAX } from '../../shared/money.js';
import { paramError, type Answer } from './errors.js';

export type JsonObject = Record<string, unknown>;

const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export function bodyObject(body: unknown): Answer<JsonObject> {
  if (!isObject(body)) return paramError('/', 'the body must be a JSON object', null);
  return { ok: true, value: body };
}

export function objectAt(
  parent: JsonObject,
  name: string,
  pointer: string,
  required: boolean,
): Answer<JsonObject | null> {
  const value = parent[name];
  if (value === undefined || value === null) {
    return required ? paramError(pointer, 'is required', null) : { ok: true, value: null };
  }
  if (!isObject(value)) return paramError(pointer, 'must be an object', value);
  return { ok: true, value };
}

export function stringAt(
  parent: JsonObject,
  name: string,
  pointer: string,
  rule: { required: boolean; maxLength: number; minLength?: number; pattern?: RegExp; patternHint?: string },
): Answer<string | null> {
  const value = parent[name];
  if (value === undefined || value === null) {
    return rule.required ? paramError(pointer, 'is required', null) : { ok: true, value: null };
  }
  if (typeof value !== 'string') return paramError(pointer, 'must be a string', value);
  const length = Array.from(value).length;
  if (length < (rule.minLength ?? 1) || length > rule.maxLength) {
    return paramError(pointer, `must be ${rule.minLength ?? 1}–${rule.maxLength} characters`, value);
  }
  if (rule.pattern && !rule.pattern.test(value))
    return paramError(pointer, rule.patternHint ?? 'has a bad format', value);
  return { ok: true, value };
}

/** An amount: a JSON integer of fen, at least 1, at most Saoma's maximum. */
export function amountAt(parent: JsonObject, name: string, pointer: string): Answer<bigint> {
  const value = parent[name];
  if (value === undefined || value === null) return paramError(pointer, 'is required', null);
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    return paramError(pointer, 'must be an integer number of fen (分)', value);
  }
  if (!Number.isSafeInteger(value) || value < 1 || BigInt(value) > AMOUNT_FEN_MAX) {
    return paramError(pointer, `must be from 1 to ${AMOUNT_FEN_MAX} fen`, value);
  }
  return { ok: true, value: BigInt(value) };
}

/** `currency` is CNY when given (the only currency Saoma's network settles). */
export function currencyAt(parent: JsonObject, pointer: string, required: boolean): Answer<'CNY'> {
  const value = parent.currency;
  if (value === undefined || value === null) {
    return required ? paramError(pointer, 'is required', null) : { ok: true, value: 'CNY' };
  }
  if (value !== 'CNY') return paramError(pointer, 'must be CNY', value);
  return { ok: true, value: 'CNY' };
}

/** RFC 3339 with an offset, as WeChat Pay's time_expire: `2018-06-08T10:34:56+08:00`. */
export function timeAt(parent: JsonObject, name: string, pointer: string): Answer<number | null> {
  const text = stringAt(parent, name, pointer, { required: false, maxLength: 64 });
  if (!text.ok || text.value === null) return text as Answer<null>;
  const pattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?(Z|[+-]\d{2}:\d{2})$/;
  const atMs = Date.parse(text.value);
  if (!pattern.test(text.value) || Number.isNaN(atMs)) {
    return paramError(pointer, 'must be RFC 3339 time, e.g. 2018-06-08T10:34:56+08:00', text.value);
  }
  return { ok: true, value: atMs };
}

type ValueOf<A> = A extends { ok: true; value: infer V } ? V : never;

/** Every reader's value by name, or the first refusal in the order given. */
export function readAll<Readers extends Record<string, Answer<unknown>>>(
  readers: Readers,
): Answer<{ [Name in keyof Readers]: ValueOf<Readers[Name]> }> {
  const values: Record<string, unknown> = {};
  for (const [name, answer] of Object.entries(readers)) {
    if (!answer.ok) return answer;
    values[name] = answer.value;
  }
  return { ok: true, value: values as { [Name in keyof Readers]: ValueOf<Readers[Name]> } };
}
