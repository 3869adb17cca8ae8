// EMVCo merchant-presented QR (MPM): a strict TLV parser checked by CRC-16/CCITT-FALSE, and a typed
// model with a generator for the codes Saoma prints and a reader that also accepts codes made by others.
import assert from 'node:assert/strict';
import { ok, problemWith, type Problem, type Result } from '../shared/result.js';

export type EmvQrError = 'invalid_emv_qr';

export interface EmvField {
  id: string;
  value: string;
}

export interface MerchantAccountTemplate {
  /** '26'..'51'. */
  templateId: string;
  /** Sub-field 00: an AID or a reverse domain name such as 'com.saoma'. */
  globallyUniqueId: string;
  /** The scheme's own sub-fields '01'..'99' (collection code, provider id …). */
  fields: Record<string, string>;
}

export interface AdditionalData {
  billNumber?: string;
  storeLabel?: string;
  referenceLabel?: string;
  terminalLabel?: string;
}

export interface AlternateLanguage {
  /** ISO 639-1, lower case: 'zh'. */
  language: string;
  name: string;
  city?: string;
}

export interface MerchantPresentedCode {
  initiation: 'static' | 'dynamic';
  merchantAccount: MerchantAccountTemplate;
  mcc: string;
  /** ISO 4217 numeric: '156' CNY. */
  currencyNumeric: string;
  /** Decimal yuan such as '12.50'; dynamic codes only. */
  amount?: string;
  countryCode: string;
  merchantName: string;
  merchantCity: string;
  additional?: AdditionalData;
  alternateLanguage?: AlternateLanguage;
}

/**
 * A code read from a scan. Codes made by others leave out fields EMVCo calls mandatory (PromptPay
 * has no merchant category, name or city; the JCB sample has no 26–51 template), so those are
 * optional here — absent, never an empty string that could be mistaken for a real name.
 */
export interface ParsedMerchantPresentedCode extends Omit<
  MerchantPresentedCode,
  'merchantAccount' | 'mcc' | 'merchantName' | 'merchantCity'
> {
  /** The first 26–51 template, the one Saoma's own codes carry. */
  merchantAccount?: MerchantAccountTemplate;
  /** Every 26–51 template, in the order they appear. */
  merchantAccounts: MerchantAccountTemplate[];
  /** Card-scheme fields 02–25 (UnionPay 15, JCB 13, Mastercard 04 …) by ID. */
  cardSchemeAccounts: Record<string, string>;
  mcc?: string;
  merchantName?: string;
  merchantCity?: string;
  /** Every top-level field in order, including those this model does not name (tips, postal code …). */
  raw: EmvField[];
}

/** EMVCo caps the whole payload at 512 characters; it also bounds every loop below. */
export const PAYLOAD_LENGTH_MAX_CHARACTERS = 512;
const FIELD_LENGTH_MAX_CHARACTERS = 99;
const HEADER_LENGTH_CHARACTERS = 4;
const CRC_FIELD_HEADER = '6304';

type Refusal = { ok: false; error: Problem<EmvQrError> };

function refuse(rule: string, message: string, positionCharacters?: number): Refusal {
  const where = positionCharacters === undefined ? '' : ` at character ${positionCharacters}`;
  return problemWith('invalid_emv_qr', `EMV QR refused (${rule})${where}: ${message}`, {
    rule,
    ...(positionCharacters === undefined ? {} : { positionCharacters }),
  });
}

// ---------------------------------------------------------------------------------------------
// CRC

/** CRC-16/CCITT-FALSE: poly 0x1021, init 0xFFFF, no reflection, no xor-out; a string is hashed as UTF-8. */
export function crc16CcittFalse(bytes: Uint8Array | string): number {
  const data = typeof bytes === 'string' ? utf8.encode(bytes) : bytes;
  let crc = 0xffff;
  for (let index = 0; index < data.length; index++) {
    crc = ((crc << 8) & 0xffff) ^ CRC_TABLE[((crc >>> 8) ^ data[index]!) & 0xff]!;
  }
  return crc;
}

const utf8 = new TextEncoder();

/** The CRC of each byte value alone, bit by bit (polynomial 0x1021): a byte at a time after that. */
const CRC_TABLE = Uint16Array.from({ length: 256 }, (_, byte) => {
  let crc = byte << 8;
  for (let bit = 0; bit < 8; bit += 1) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  return crc;
});

/** The CRC as field 63 writes it: four upper-case hex digits. */
export function crcHex(bytes: Uint8Array | string): string {
  return crc16CcittFalse(bytes).toString(16).toUpperCase().padStart(4, '0');
}

// ---------------------------------------------------------------------------------------------
// TLV

interface LocatedField extends EmvField {
  /** Where the field's ID starts, in code points from the start of the payload. */
  positionCharacters: number;
}

const TWO_DIGITS = /^[0-9]{2}$/;

/** Reads ID-LEN-VALUE fields; lengths count code points, so a Chinese name counts one per character. */
function readFields(
  characters: readonly string[],
  baseOffset: number,
  where: string,
): Result<LocatedField[], EmvQrError> {
  const fields: LocatedField[] = [];
  const seen = new Set<string>();
  let cursor = 0;
  // Every pass consumes at least five characters (a header and a non-empty value), so this ends.
  while (cursor < characters.length) {
    const at = baseOffset + cursor;
    const remaining = characters.length - cursor;
    if (remaining < HEADER_LENGTH_CHARACTERS) {
      return refuse(
        'truncated_header',
        `${where} ends with ${remaining} character(s), too few for an ID and a length`,
        at,
      );
    }
    const id = characters.slice(cursor, cursor + 2).join('');
    if (!TWO_DIGITS.test(id)) return refuse('non_digit_id', `${where} has field ID ${JSON.stringify(id)}`, at);
    const lengthText = characters.slice(cursor + 2, cursor + 4).join('');
    if (!TWO_DIGITS.test(lengthText)) {
      return refuse('non_digit_length', `${where} field ${id} has length ${JSON.stringify(lengthText)}`, at + 2);
    }
    const length = Number(lengthText);
    if (length === 0) return refuse('zero_length', `${where} field ${id} is empty (lengths run 01–99)`, at + 2);
    if (length > remaining - HEADER_LENGTH_CHARACTERS) {
      const left = remaining - HEADER_LENGTH_CHARACTERS;
      return refuse('length_past_end', `${where} field ${id} declares ${length} characters but ${left} remain`, at + 2);
    }
    if (seen.has(id)) return refuse('duplicate_id', `${where} has field ${id} twice`, at);
    seen.add(id);
    const value = characters.slice(cursor + HEADER_LENGTH_CHARACTERS, cursor + HEADER_LENGTH_CHARACTERS + length);
    fields.push({ id, value: value.join(''), positionCharacters: at });
    cursor += HEADER_LENGTH_CHARACTERS + length;
  }
  return ok(fields);
}

/** 00 first with value 01, 63 last with four upper-case hex digits matching the CRC of what precedes them. */
function checkEnvelope(characters: readonly string[], fields: readonly LocatedField[]): Refusal | undefined {
  const payloadFormat = fields.find((field) => field.id === '00');
  if (payloadFormat === undefined) return refuse('missing_payload_format', 'there is no field 00', 0);
  if (fields[0] !== payloadFormat) {
    return refuse('payload_format_not_first', 'field 00 must come first', payloadFormat.positionCharacters);
  }
  if (payloadFormat.value !== '01') {
    const valueAt = payloadFormat.positionCharacters + HEADER_LENGTH_CHARACTERS;
    return refuse('payload_format_value', `field 00 is ${JSON.stringify(payloadFormat.value)}, not "01"`, valueAt);
  }
  const crcField = fields.find((field) => field.id === '63');
  if (crcField === undefined) return refuse('missing_crc', 'there is no field 63', characters.length);
  if (fields[fields.length - 1] !== crcField) {
    return refuse('crc_not_last', 'field 63 must come last', crcField.positionCharacters);
  }
  const valueAt = crcField.positionCharacters + HEADER_LENGTH_CHARACTERS;
  if (!/^[0-9A-F]{4}$/.test(crcField.value)) {
    return refuse(
      'crc_format',
      `field 63 is ${JSON.stringify(crcField.value)}, not four upper-case hex digits`,
      valueAt,
    );
  }
  const expected = crcHex(characters.slice(0, valueAt).join(''));
  if (crcField.value !== expected) {
    return refuse('crc_mismatch', `field 63 says ${crcField.value} but the payload's CRC is ${expected}`, valueAt);
  }
  return undefined;
}

function readPayload(text: string): Result<LocatedField[], EmvQrError> {
  if (typeof text !== 'string') return refuse('not_text', 'the payload is not a string');
  // A code point takes at most two UTF-16 units: refuse huge input before splitting it.
  if (text.length > PAYLOAD_LENGTH_MAX_CHARACTERS * 2) {
    return refuse('too_long', `the payload exceeds ${PAYLOAD_LENGTH_MAX_CHARACTERS} characters`);
  }
  const characters = Array.from(text);
  if (characters.length > PAYLOAD_LENGTH_MAX_CHARACTERS) {
    return refuse('too_long', `the payload has ${characters.length} characters, over ${PAYLOAD_LENGTH_MAX_CHARACTERS}`);
  }
  if (characters.length === 0) return refuse('empty', 'the payload is empty', 0);
  const read = readFields(characters, 0, 'payload');
  if (!read.ok) return read;
  return checkEnvelope(characters, read.value) ?? read;
}

const withoutPosition = ({ id, value }: LocatedField): EmvField => ({ id, value });

/** The top-level fields of a payload, in order, after every structural and CRC check. */
export function parseEmvTlv(text: string): Result<EmvField[], EmvQrError> {
  const read = readPayload(text);
  return read.ok ? ok(read.value.map(withoutPosition)) : read;
}

/**
 * The sub-fields of a template value (26–51, 62, 64), as strictly as the top level. `context`, when
 * given, names the template and makes positions count from the start of the whole payload.
 */
export function parseTemplate(
  value: string,
  context?: { fieldId: string; positionCharacters: number },
): Result<EmvField[], EmvQrError> {
  const where = context === undefined ? 'template' : `template ${context.fieldId}`;
  const valueAt = context === undefined ? 0 : context.positionCharacters + HEADER_LENGTH_CHARACTERS;
  if (typeof value !== 'string') return refuse('not_text', `${where} is not a string`);
  if (value.length > FIELD_LENGTH_MAX_CHARACTERS * 2 || Array.from(value).length > FIELD_LENGTH_MAX_CHARACTERS) {
    return refuse('too_long', `${where} exceeds ${FIELD_LENGTH_MAX_CHARACTERS} characters`, valueAt);
  }
  if (value.length === 0) return refuse('empty', `${where} is empty`, valueAt);
  const read = readFields(Array.from(value), valueAt, where);
  return read.ok ? ok(read.value.map(withoutPosition)) : read;
}

// ---------------------------------------------------------------------------------------------
// Reading a code

const isMerchantAccountTemplateId = (id: string): boolean => TWO_DIGITS.test(id) && id >= '26' && id <= '51';
const isCardSchemeId = (id: string): boolean => TWO_DIGITS.test(id) && id >= '02' && id <= '25';

function templateOf(field: LocatedField): Result<Map<string, string>, EmvQrError> {
  const parsed = parseTemplate(field.value, { fieldId: field.id, positionCharacters: field.positionCharacters });
  return parsed.ok ? ok(new Map(parsed.value.map((sub) => [sub.id, sub.value]))) : parsed;
}

function readMerchantAccount(field: LocatedField): Result<MerchantAccountTemplate, EmvQrError> {
  const template = templateOf(field);
  if (!template.ok) return template;
  const globallyUniqueId = template.value.get('00');
  if (globallyUniqueId === undefined) {
    return refuse('template_missing_guid', `template ${field.id} has no sub-field 00`, field.positionCharacters);
  }
  const fields = Object.fromEntries([...template.value].filter(([id]) => id !== '00'));
  return ok({ templateId: field.id, globallyUniqueId, fields });
}

function readInitiation(field: LocatedField | undefined, hasAmount: boolean): Result<'static' | 'dynamic', EmvQrError> {
  // Field 01 is optional in EMVCo; without it, an amount is what makes a code single-use.
  if (field === undefined) return ok(hasAmount ? 'dynamic' : 'static');
  if (field.value === '11') return ok('static');
  if (field.value === '12') return ok('dynamic');
  return refuse(
    'initiation_value',
    `field 01 is ${JSON.stringify(field.value)}, not 11 or 12`,
    field.positionCharacters,
  );
}

interface SimpleRule {
  id: string;
  name: string;
  pattern: RegExp;
  describes: string;
}

const MCC_RULE: SimpleRule = { id: '52', name: 'mcc', pattern: /^[0-9]{4}$/, describes: 'a four-digit category code' };
const CURRENCY_RULE: SimpleRule = { id: '53', name: 'currency', pattern: /^[0-9]{3}$/, describes: 'ISO 4217 numeric' };
// EMVCo allows any number of decimals (JPY has none, the JCB sample has three), so this is looser than buildMpm.
const AMOUNT_RULE: SimpleRule = { id: '54', name: 'amount', pattern: /^[0-9]+(\.[0-9]*)?$/, describes: 'a decimal' };
const COUNTRY_RULE: SimpleRule = { id: '58', name: 'country', pattern: /^[A-Z]{2}$/, describes: 'ISO 3166 alpha-2' };

function readOptional(
  byId: ReadonlyMap<string, LocatedField>,
  rule: SimpleRule,
): Result<string | undefined, EmvQrError> {
  const field = byId.get(rule.id);
  if (field === undefined) return ok(undefined);
  if (!rule.pattern.test(field.value)) {
    const message = `field ${rule.id} is ${JSON.stringify(field.value)}, not ${rule.describes}`;
    return refuse(`${rule.name}_format`, message, field.positionCharacters);
  }
  return ok(field.value);
}

function readRequired(byId: ReadonlyMap<string, LocatedField>, rule: SimpleRule): Result<string, EmvQrError> {
  const read = readOptional(byId, rule);
  if (!read.ok) return read;
  if (read.value === undefined)
    return refuse(`missing_${rule.name}`, `there is no field ${rule.id} (${rule.describes})`);
  return ok(read.value);
}

function readAdditional(field: LocatedField | undefined): Result<AdditionalData | undefined, EmvQrError> {
  if (field === undefined) return ok(undefined);
  const template = templateOf(field);
  if (!template.ok) return template;
  const sub = template.value;
  return ok({
    ...optional('billNumber', sub.get('01')),
    ...optional('storeLabel', sub.get('03')),
    ...optional('referenceLabel', sub.get('05')),
    ...optional('terminalLabel', sub.get('07')),
  });
}

function readAlternateLanguage(field: LocatedField | undefined): Result<AlternateLanguage | undefined, EmvQrError> {
  if (field === undefined) return ok(undefined);
  const template = templateOf(field);
  if (!template.ok) return template;
  const language = template.value.get('00');
  const name = template.value.get('01');
  if (language === undefined || name === undefined) {
    return refuse('alternate_language_incomplete', 'template 64 needs sub-fields 00 and 01', field.positionCharacters);
  }
  return ok({ language, name, ...optional('city', template.value.get('02')) });
}

/** Leaves a key out rather than setting it to undefined, so parsed codes compare equal to built ones. */
function optional<Key extends string, Value>(key: Key, value: Value | undefined): Partial<Record<Key, Value>> {
  return value === undefined ? {} : ({ [key]: value } as Record<Key, Value>);
}

function readAccounts(fields: readonly LocatedField[]): Result<MerchantAccountTemplate[], EmvQrError> {
  const accounts: MerchantAccountTemplate[] = [];
  for (const field of fields.filter((candidate) => isMerchantAccountTemplateId(candidate.id))) {
    const account = readMerchantAccount(field);
    if (!account.ok) return account;
    accounts.push(account.value);
  }
  return ok(accounts);
}

/** Reads any well-formed MPM, Saoma's or another scheme's; see ParsedMerchantPresentedCode for what may be absent. */
export function parseMpm(text: string): Result<ParsedMerchantPresentedCode, EmvQrError> {
  const payload = readPayload(text);
  if (!payload.ok) return payload;
  const fields = payload.value;
  const byId = new Map(fields.map((field) => [field.id, field]));
  const accounts = readAccounts(fields);
  if (!accounts.ok) return accounts;
  const initiation = readInitiation(byId.get('01'), byId.has('54'));
  if (!initiation.ok) return initiation;
  const mcc = readOptional(byId, MCC_RULE);
  if (!mcc.ok) return mcc;
  const currency = readRequired(byId, CURRENCY_RULE);
  if (!currency.ok) return currency;
  const amount = readOptional(byId, AMOUNT_RULE);
  if (!amount.ok) return amount;
  const country = readRequired(byId, COUNTRY_RULE);
  if (!country.ok) return country;
  const additional = readAdditional(byId.get('62'));
  if (!additional.ok) return additional;
  const alternateLanguage = readAlternateLanguage(byId.get('64'));
  if (!alternateLanguage.ok) return alternateLanguage;
  const cardSchemeFields = fields.filter((field) => isCardSchemeId(field.id));
  return ok({
    initiation: initiation.value,
    ...optional('merchantAccount', accounts.value[0]),
    merchantAccounts: accounts.value,
    cardSchemeAccounts: Object.fromEntries(cardSchemeFields.map((field) => [field.id, field.value])),
    ...optional('mcc', mcc.value),
    currencyNumeric: currency.value,
    ...optional('amount', amount.value),
    countryCode: country.value,
    ...optional('merchantName', byId.get('59')?.value),
    ...optional('merchantCity', byId.get('60')?.value),
    ...optional('additional', additional.value),
    ...optional('alternateLanguage', alternateLanguage.value),
    raw: fields.map(withoutPosition),
  });
}

// ---------------------------------------------------------------------------------------------
// Building a code

interface TextRule {
  lengthMaxCharacters: number;
  pattern: RegExp;
  describes: string;
}

// EMVCo's common character set for everything a wallet may show outside template 64.
const asciiText = (lengthMaxCharacters: number): TextRule => ({
  lengthMaxCharacters,
  pattern: /^[\x20-\x7e]+$/,
  describes: `1 to ${lengthMaxCharacters} printable ASCII characters`,
});
const anyText = (lengthMaxCharacters: number): TextRule => ({
  lengthMaxCharacters,
  pattern: /^[^\p{Cc}]+$/u,
  describes: `1 to ${lengthMaxCharacters} characters without control characters`,
});
const matching = (regex: RegExp, describes: string): TextRule => ({
  lengthMaxCharacters: FIELD_LENGTH_MAX_CHARACTERS,
  pattern: regex,
  describes,
});

function encodeField(id: string, value: string): string {
  const lengthCharacters = Array.from(value).length;
  assert.ok(lengthCharacters >= 1 && lengthCharacters <= FIELD_LENGTH_MAX_CHARACTERS, `field ${id} length`);
  return `${id}${String(lengthCharacters).padStart(2, '0')}${value}`;
}

/** Validates `value` against `rule` and encodes it; `label` names the model property in the refusal. */
function checkedField(id: string, label: string, value: unknown, rule: TextRule): Result<string, EmvQrError> {
  const text = typeof value === 'string' ? value : '';
  const lengthCharacters = Array.from(text).length;
  if (lengthCharacters === 0 || lengthCharacters > rule.lengthMaxCharacters || !rule.pattern.test(text)) {
    return refuse(`build_${label}`, `${label} (field ${id}) must be ${rule.describes}, not ${JSON.stringify(value)}`);
  }
  return ok(encodeField(id, text));
}

function optionalField(
  id: string,
  label: string,
  value: string | undefined,
  rule: TextRule,
): Result<string, EmvQrError> {
  return value === undefined ? ok('') : checkedField(id, label, value, rule);
}

/** Joins encoded parts, or returns the first refusal. */
function joinParts(parts: readonly Result<string, EmvQrError>[]): Result<string, EmvQrError> {
  let joined = '';
  for (const part of parts) {
    if (!part.ok) return part;
    joined += part.value;
  }
  return ok(joined);
}

/** Wraps encoded sub-fields as a template, refusing one that outgrows a field. */
function template(id: string, label: string, parts: readonly Result<string, EmvQrError>[]): Result<string, EmvQrError> {
  const joined = joinParts(parts);
  if (!joined.ok || joined.value === '') return joined;
  const lengthCharacters = Array.from(joined.value).length;
  if (lengthCharacters > FIELD_LENGTH_MAX_CHARACTERS) {
    return refuse(`build_${label}`, `${label} (template ${id}) encodes to ${lengthCharacters} characters, over 99`);
  }
  return ok(encodeField(id, joined.value));
}

function encodeMerchantAccount(account: MerchantAccountTemplate): Result<string, EmvQrError> {
  const templateId = account.templateId;
  if (!isMerchantAccountTemplateId(templateId)) {
    return refuse('build_merchantAccount', `templateId must be '26' to '51', not ${JSON.stringify(templateId)}`);
  }
  const subIds = Object.keys(account.fields).sort();
  const badId = subIds.find((id) => !TWO_DIGITS.test(id) || id === '00');
  if (badId !== undefined) {
    return refuse('build_merchantAccount', `sub-field IDs run '01' to '99' ('00' is the unique id), not ${badId}`);
  }
  return template(templateId, 'merchantAccount', [
    checkedField('00', 'merchantAccount.globallyUniqueId', account.globallyUniqueId, asciiText(32)),
    ...subIds.map((id) => checkedField(id, `merchantAccount.fields.${id}`, account.fields[id], asciiText(99))),
  ]);
}

function encodeInitiation(initiation: MerchantPresentedCode['initiation']): Result<string, EmvQrError> {
  if (initiation === 'static') return ok(encodeField('01', '11'));
  if (initiation === 'dynamic') return ok(encodeField('01', '12'));
  return refuse('build_initiation', `initiation must be 'static' or 'dynamic', not ${JSON.stringify(initiation)}`);
}

// Yuan with at most two decimals and no leading zeros: at most 13 characters, as EMVCo allows.
const AMOUNT_YUAN = matching(/^(0|[1-9][0-9]{0,9})(\.[0-9]{1,2})?$/, 'yuan with at most two decimals, like 12.50');

function encodeAmount(code: MerchantPresentedCode): Result<string, EmvQrError> {
  // A static code is reprinted and reused, so the payer types the amount; a dynamic one is one order.
  if (code.initiation === 'static') {
    return code.amount === undefined ? ok('') : refuse('build_amount', 'a static code carries no amount');
  }
  const amount = checkedField('54', 'amount', code.amount, AMOUNT_YUAN);
  if (amount.ok && !/[1-9]/.test(code.amount ?? '')) {
    return refuse('build_amount', `a dynamic code needs an amount above zero, not ${JSON.stringify(code.amount)}`);
  }
  return amount;
}

/** The string a wallet scans. Refuses what EMVCo would: over-long fields, non-digits where digits belong, bad amounts. */
export function buildMpm(code: MerchantPresentedCode): Result<string, EmvQrError> {
  const additional = code.additional ?? {};
  const alternate = code.alternateLanguage;
  const body = joinParts([
    ok(encodeField('00', '01')),
    encodeInitiation(code.initiation),
    encodeMerchantAccount(code.merchantAccount),
    checkedField('52', 'mcc', code.mcc, matching(/^[0-9]{4}$/, 'four digits')),
    checkedField('53', 'currencyNumeric', code.currencyNumeric, matching(/^[0-9]{3}$/, 'three digits')),
    encodeAmount(code),
    checkedField('58', 'countryCode', code.countryCode, matching(/^[A-Z]{2}$/, 'two upper-case letters')),
    checkedField('59', 'merchantName', code.merchantName, asciiText(25)),
    checkedField('60', 'merchantCity', code.merchantCity, asciiText(15)),
    template('62', 'additional', [
      optionalField('01', 'additional.billNumber', additional.billNumber, asciiText(25)),
      optionalField('03', 'additional.storeLabel', additional.storeLabel, asciiText(25)),
      optionalField('05', 'additional.referenceLabel', additional.referenceLabel, asciiText(25)),
      optionalField('07', 'additional.terminalLabel', additional.terminalLabel, asciiText(25)),
    ]),
    alternate === undefined
      ? ok('')
      : template('64', 'alternateLanguage', [
          checkedField('00', 'alternateLanguage.language', alternate.language, matching(/^[a-z]{2}$/, 'ISO 639-1')),
          checkedField('01', 'alternateLanguage.name', alternate.name, anyText(25)),
          optionalField('02', 'alternateLanguage.city', alternate.city, anyText(15)),
        ]),
  ]);
  if (!body.ok) return body;
  const signed = `${body.value}${CRC_FIELD_HEADER}`;
  const payload = `${signed}${crcHex(signed)}`;
  const lengthCharacters = Array.from(payload).length;
  if (lengthCharacters > PAYLOAD_LENGTH_MAX_CHARACTERS) {
    return refuse('build_too_long', `the code encodes to ${lengthCharacters} characters, over 512`);
  }
  // The generator and the parser agree (emv-qr.test.ts parses back every code it builds); not
  // checked here, where every order's code is built.
  return ok(payload);
}
