// EMV MPM: the CRC check value, published sample codes, every refusal rule on a crafted string,
// build → parse round trips (Chinese names in template 64 included), and mutations that never throw.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  buildMpm,
  crc16CcittFalse,
  crcHex,
  parseEmvTlv,
  parseMpm,
  parseTemplate,
  type MerchantPresentedCode,
} from './emv-qr.js';

// Sample codes with valid CRCs, copied from the project's protocol notes (shared/protocols/emv-qr.md),
// which collect them from PromptPay and EMVCo-sample documentation.
const PROMPTPAY_STATIC = '00020101021129370016A000000677010111011300668012345675802TH530376463046197';
const PROMPTPAY_DYNAMIC = '00020101021229370016A000000677010111011300660000000005802TH530376454044.226304E469';
const PROMPTPAY_TAX_ID = '00020101021129370016A000000677010111021311111111111115802TH530376463047B5A';
const JCB_MASTERCARD =
  '0002010102121313JCB12345678900416MASTER12345678905204531153033925407999.1235802JP5906DONGRI6005TOKYO' +
  '62240104hoge0504fuga0704piyo6304C343';

/** Appends a correct CRC field, so a crafted payload is refused only for the rule it breaks. */
const sign = (body: string): string => `${body}6304${crcHex(`${body}6304`)}`;

function assertRefused(result: { ok: boolean; error?: unknown }, rule: string, positionCharacters?: number): void {
  assert.equal(result.ok, false, `expected refusal for ${rule}`);
  const error = result.error as { code: string; message: string; details: Record<string, unknown> };
  assert.equal(error.code, 'invalid_emv_qr');
  assert.equal(error.details.rule, rule, error.message);
  assert.match(error.message, new RegExp(`\\(${rule}\\)`));
  if (positionCharacters !== undefined) {
    assert.equal(error.details.positionCharacters, positionCharacters, error.message);
    assert.match(error.message, new RegExp(`at character ${positionCharacters}\\b`));
  }
}

function unwrap<Value>(result: { ok: true; value: Value } | { ok: false; error: { message: string } }): Value {
  if (!result.ok) assert.fail(result.error.message);
  return result.value;
}

test('CRC-16/CCITT-FALSE has check value 0x29B1 for "123456789", from a string or bytes', () => {
  assert.equal(crc16CcittFalse('123456789'), 0x29b1);
  assert.equal(crc16CcittFalse(new TextEncoder().encode('123456789')), 0x29b1);
  assert.equal(crcHex('123456789'), '29B1');
  assert.equal(crc16CcittFalse(''), 0xffff);
  assert.match(crcHex('A'), /^[0-9A-F]{4}$/);
});

test('the CRC of a string is the CRC of its UTF-8 bytes', () => {
  assert.equal(crc16CcittFalse('老王面馆'), crc16CcittFalse(Buffer.from('老王面馆', 'utf8')));
  assert.notEqual(crc16CcittFalse('老王面馆'), crc16CcittFalse(Buffer.from('老王面馆', 'utf16le')));
});

test('parseEmvTlv reads the top-level fields of the sample codes in order', () => {
  assert.deepEqual(unwrap(parseEmvTlv(PROMPTPAY_STATIC)), [
    { id: '00', value: '01' },
    { id: '01', value: '11' },
    { id: '29', value: '0016A00000067701011101130066801234567' },
    { id: '58', value: 'TH' },
    { id: '53', value: '764' },
    { id: '63', value: '6197' },
  ]);
  for (const sample of [PROMPTPAY_DYNAMIC, PROMPTPAY_TAX_ID, JCB_MASTERCARD]) {
    const fields = unwrap(parseEmvTlv(sample));
    assert.equal(fields[0]?.id, '00');
    assert.equal(fields.at(-1)?.id, '63');
  }
});

test('parseMpm reads static PromptPay: template 29, no category, name or city', () => {
  const code = unwrap(parseMpm(PROMPTPAY_STATIC));
  assert.equal(code.initiation, 'static');
  assert.deepEqual(code.merchantAccount, {
    templateId: '29',
    globallyUniqueId: 'A000000677010111',
    fields: { '01': '0066801234567' },
  });
  assert.equal(code.currencyNumeric, '764');
  assert.equal(code.countryCode, 'TH');
  assert.equal(code.amount, undefined);
  assert.equal(code.mcc, undefined);
  assert.equal(code.merchantName, undefined);
  assert.equal(code.merchantCity, undefined);
  assert.equal('merchantName' in code, false, 'absent, not an empty string');
});

test('parseMpm reads dynamic PromptPay with amount 4.22', () => {
  const code = unwrap(parseMpm(PROMPTPAY_DYNAMIC));
  assert.equal(code.initiation, 'dynamic');
  assert.equal(code.amount, '4.22');
  assert.deepEqual(code.merchantAccount?.fields, { '01': '0066000000000' });
});

test('parseMpm reads PromptPay by tax ID (sub-field 02)', () => {
  const code = unwrap(parseMpm(PROMPTPAY_TAX_ID));
  assert.deepEqual(code.merchantAccount?.fields, { '02': '1111111111111' });
  assert.equal(code.merchantAccounts.length, 1);
});

test('parseMpm reads the JCB/Mastercard sample: card-scheme fields, amount, names, template 62', () => {
  const code = unwrap(parseMpm(JCB_MASTERCARD));
  assert.equal(code.initiation, 'dynamic');
  assert.deepEqual(code.cardSchemeAccounts, { '13': 'JCB1234567890', '04': 'MASTER1234567890' });
  assert.equal(code.merchantAccount, undefined);
  assert.deepEqual(code.merchantAccounts, []);
  assert.equal(code.mcc, '5311');
  assert.equal(code.currencyNumeric, '392');
  assert.equal(code.amount, '999.123');
  assert.equal(code.countryCode, 'JP');
  assert.equal(code.merchantName, 'DONGRI');
  assert.equal(code.merchantCity, 'TOKYO');
  assert.deepEqual(code.additional, { billNumber: 'hoge', referenceLabel: 'fuga', terminalLabel: 'piyo' });
  assert.deepEqual(unwrap(parseTemplate('0104hoge0504fuga0704piyo')), [
    { id: '01', value: 'hoge' },
    { id: '05', value: 'fuga' },
    { id: '07', value: 'piyo' },
  ]);
  assert.equal(code.raw.length, 12);
});

test('a wrong CRC is refused, and so is the right one in lower case', () => {
  assertRefused(parseEmvTlv(PROMPTPAY_STATIC.replace(/6197$/, '6198')), 'crc_mismatch', 70);
  assertRefused(parseEmvTlv(PROMPTPAY_DYNAMIC.replace(/E469$/, 'e469')), 'crc_format');
  assertRefused(parseEmvTlv(sign('000201').replace(/.{4}$/, '1G2H')), 'crc_format', 10);
  // A changed character anywhere before the CRC is caught even though the structure stays valid.
  assertRefused(parseEmvTlv(PROMPTPAY_STATIC.replace('0066801234567', '0066801234568')), 'crc_mismatch');
});

test('a length that runs past the end is refused', () => {
  // Field 58 claims 99 characters and swallows the rest of the payload.
  assertRefused(parseEmvTlv(sign('0002015802CN5303156').replace('5802CN', '5899CN')), 'length_past_end', 8);
  // The last field is cut short: 63 promises four digits, three remain.
  assertRefused(parseEmvTlv(PROMPTPAY_STATIC.slice(0, -1)), 'length_past_end', 68);
  // Too few characters left for an ID and a length.
  assertRefused(parseEmvTlv(`${PROMPTPAY_STATIC}630`), 'truncated_header', 74);
});

test('a non-digit ID or length is refused', () => {
  assertRefused(parseEmvTlv(sign('000201A102CN5303156')), 'non_digit_id', 6);
  assertRefused(parseEmvTlv(sign('000201580ACN5303156')), 'non_digit_length', 8);
  assertRefused(parseEmvTlv(sign('000201 802CN5303156')), 'non_digit_id', 6);
  assertRefused(parseEmvTlv(sign('00020158 2CN5303156')), 'non_digit_length', 8);
  // Full-width digits are digits to Unicode, not to EMVCo.
  assertRefused(parseEmvTlv(sign('000201５８02CN5303156')), 'non_digit_id', 6);
});

test('an empty field is refused (EMVCo lengths run 01 to 99)', () => {
  assertRefused(parseEmvTlv(sign('00020159005802CN5303156')), 'zero_length', 8);
});

test('a missing 00, or 00 not first, or 00 not "01", is refused', () => {
  assertRefused(parseEmvTlv(sign('0102115802CN5303156')), 'missing_payload_format', 0);
  assertRefused(parseEmvTlv(sign('0102110002015802CN5303156')), 'payload_format_not_first', 6);
  assertRefused(parseEmvTlv(sign('0002025802CN5303156')), 'payload_format_value', 4);
});

test('a missing 63, or 63 not last, is refused', () => {
  assertRefused(parseEmvTlv('0002015802CN5303156'), 'missing_crc', 19);
  const signedHead = sign('0002015802CN');
  assertRefused(parseEmvTlv(`${signedHead}5303156`), 'crc_not_last', 12);
  // Only 6304 is a CRC field: a 63 of another length is refused for its format.
  assertRefused(parseEmvTlv('000201630201'), 'crc_format', 10);
});

test('a duplicate ID is refused, at the top level and inside a template', () => {
  assertRefused(parseEmvTlv(sign('0002015802CN5802TH5303156')), 'duplicate_id', 12);
  const duplicateInside = sign('00020162160104hoge0104fuga53031565802CN');
  assert.equal(parseEmvTlv(duplicateInside).ok, true, 'the top level alone is well formed');
  assertRefused(parseMpm(duplicateInside), 'duplicate_id', 18);
  assertRefused(parseTemplate('0104hoge0104fuga'), 'duplicate_id', 8);
});

test('templates are held to the same rules, with positions counted from the start of the payload', () => {
  // Sub-field 00 of template 26 says 10 characters, 9 follow.
  assertRefused(parseMpm(sign('00020126130010com.saoma53031565802CN')), 'length_past_end', 12);
  assertRefused(parseMpm(sign('000201260801041234' + '53031565802CN')), 'template_missing_guid', 6);
  assertRefused(parseMpm(sign('00020126050104x53031565802CN')), 'length_past_end', 12);
  assertRefused(parseMpm(sign('00020126070101x9953031565802CN')), 'truncated_header', 15);
  assertRefused(parseMpm(sign('0002016406010201' + '53031565802CN')), 'alternate_language_incomplete', 6);
  assertRefused(parseTemplate('01'), 'truncated_header', 0);
  assertRefused(parseTemplate(''), 'empty');
});

test('parseMpm refuses bad simple fields and missing currency or country', () => {
  assertRefused(parseMpm(sign('0002010102135303156')), 'initiation_value', 6);
  assertRefused(parseMpm(sign('00020152035315303156')), 'mcc_format');
  assertRefused(parseMpm(sign('0002015802CN')), 'missing_currency');
  assertRefused(parseMpm(sign('0002015303156')), 'missing_country');
  assertRefused(parseMpm(sign('0002015303156540412,55802CN')), 'amount_format', 13);
  assertRefused(parseMpm(sign('0002015303156' + '5802cn')), 'country_format');
});

test('a payload over 512 characters is refused before it is read', () => {
  assertRefused(parseEmvTlv('0'.repeat(513)), 'too_long');
  assertRefused(parseEmvTlv('中'.repeat(513)), 'too_long');
  assertRefused(parseEmvTlv(''), 'empty');
});

const SAOMA_STATIC: MerchantPresentedCode = {
  initiation: 'static',
  merchantAccount: {
    templateId: '26',
    globallyUniqueId: 'com.saoma',
    fields: { '01': 'C8KQ2M7XPZ', '02': 'saoma-pay' },
  },
  mcc: '5812',
  currencyNumeric: '156',
  countryCode: 'CN',
  merchantName: 'Lao Wang Noodles',
  merchantCity: 'Shanghai',
  additional: { storeLabel: 'Xuhui 1', terminalLabel: 'T01' },
  alternateLanguage: { language: 'zh', name: '老王面馆', city: '上海' },
};

const SAOMA_DYNAMIC: MerchantPresentedCode = {
  ...SAOMA_STATIC,
  initiation: 'dynamic',
  amount: '12.50',
  additional: { billNumber: 'ORD20250101000001', referenceLabel: 'table 7' },
  // 𠮷 lies outside the Basic Multilingual Plane: one code point, two UTF-16 units.
  alternateLanguage: { language: 'zh', name: '𠮷野家' },
};

function modelOf(code: MerchantPresentedCode & Record<string, unknown>): MerchantPresentedCode {
  const { initiation, merchantAccount, mcc, currencyNumeric, amount, countryCode, merchantName, merchantCity } = code;
  const { additional, alternateLanguage } = code;
  return JSON.parse(
    JSON.stringify({
      initiation,
      merchantAccount,
      mcc,
      currencyNumeric,
      amount,
      countryCode,
      merchantName,
      merchantCity,
      additional,
      alternateLanguage,
    }),
  ) as MerchantPresentedCode;
}

test('build → parse round trip for a static code with a Chinese name in template 64', () => {
  const text = unwrap(buildMpm(SAOMA_STATIC));
  assert.match(text, /^000201010211/, 'static codes say 11');
  assert.ok(!text.includes('54'.concat('0')), 'no amount field');
  const parsed = unwrap(parseMpm(text));
  assert.deepEqual(modelOf(parsed as never), SAOMA_STATIC);
  // 64 holds 00 02 zh, 01 04 老王面馆, 02 02 上海: 20 characters, however many bytes they take.
  assert.deepEqual(
    parsed.raw.find((field) => field.id === '64'),
    { id: '64', value: '0002zh0104老王面馆0202上海' },
  );
  assert.ok(text.includes('64200002zh0104老王面馆0202上海6304'));
  // The CRC covers the UTF-8 bytes, computed here independently of the parser.
  const crcInput = Buffer.from(text.slice(0, -4), 'utf8');
  assert.equal(text.slice(-4), crcHex(crcInput));
});

test('build → parse round trip for a dynamic code with an amount and a name beyond the BMP', () => {
  const text = unwrap(buildMpm(SAOMA_DYNAMIC));
  assert.match(text, /^000201010212/, 'dynamic codes say 12');
  assert.ok(text.includes('540512.50'));
  assert.ok(text.includes('64130002zh0103𠮷野家6304'), 'the name counts three characters, not four');
  const parsed = unwrap(parseMpm(text));
  assert.deepEqual(modelOf(parsed as never), SAOMA_DYNAMIC);
  assert.equal(parsed.initiation, 'dynamic');
  assert.equal(parsed.amount, '12.50');
});

test('buildMpm refuses what EMVCo would, naming the property', () => {
  const refusals: [Partial<MerchantPresentedCode>, string][] = [
    [{ mcc: '58a2' }, 'build_mcc'],
    [{ currencyNumeric: '15' }, 'build_currencyNumeric'],
    [{ countryCode: 'cn' }, 'build_countryCode'],
    [{ amount: '12.50' }, 'build_amount'], // on a static code
    [{ initiation: 'dynamic' }, 'build_amount'], // without an amount
    [{ initiation: 'dynamic', amount: '12.505' }, 'build_amount'],
    [{ initiation: 'dynamic', amount: '012.50' }, 'build_amount'],
    [{ initiation: 'dynamic', amount: '12.' }, 'build_amount'],
    [{ initiation: 'dynamic', amount: '-1' }, 'build_amount'],
    [{ initiation: 'dynamic', amount: '0.00' }, 'build_amount'],
    [{ initiation: 'dynamic', amount: '12345678901.00' }, 'build_amount'],
    [{ merchantName: 'A'.repeat(26) }, 'build_merchantName'],
    [{ merchantName: '老王面馆' }, 'build_merchantName'],
    [{ merchantName: '' }, 'build_merchantName'],
    [{ merchantCity: 'Shanghai Pudong New' }, 'build_merchantCity'],
    [{ additional: { billNumber: 'x'.repeat(26) } }, 'build_additional.billNumber'],
    [{ alternateLanguage: { language: 'ZH', name: '老王面馆' } }, 'build_alternateLanguage.language'],
    [{ alternateLanguage: { language: 'zh', name: '老王\n面馆' } }, 'build_alternateLanguage.name'],
    [{ merchantAccount: { templateId: '52', globallyUniqueId: 'com.saoma', fields: {} } }, 'build_merchantAccount'],
    [
      { merchantAccount: { templateId: '26', globallyUniqueId: 'com.saoma', fields: { '00': 'x' } } },
      'build_merchantAccount',
    ],
    [
      { merchantAccount: { templateId: '26', globallyUniqueId: 'com.saoma', fields: { '1': 'x' } } },
      'build_merchantAccount',
    ],
    [
      { merchantAccount: { templateId: '26', globallyUniqueId: 'c'.repeat(33), fields: {} } },
      'build_merchantAccount.globallyUniqueId',
    ],
    [
      { merchantAccount: { templateId: '26', globallyUniqueId: 'com.saoma', fields: { '01': 'x'.repeat(90) } } },
      'build_merchantAccount',
    ],
  ];
  for (const [change, rule] of refusals) {
    assertRefused(buildMpm({ ...SAOMA_STATIC, ...change }), rule);
  }
});

/** Deterministic, so a failing mutation can be replayed (mulberry32). */
function randomSource(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = Math.imul(state ^ (state >>> 15), 1 | state);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), 61 | mixed);
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296;
  };
}

const MUTATION_ALPHABET = Array.from('0123456789ABCDEFabcxyz.- 中文𠮷\u0000\uD800');

function mutate(text: string, random: () => number): string {
  const characters = Array.from(text);
  const pick = (length: number): number => Math.floor(random() * length);
  const character = (): string => MUTATION_ALPHABET[pick(MUTATION_ALPHABET.length)] ?? '0';
  const at = pick(characters.length + 1);
  switch (pick(5)) {
    case 0:
      characters[Math.min(at, characters.length - 1)] = character();
      break;
    case 1:
      characters.splice(at, 1);
      break;
    case 2:
      characters.splice(at, 0, character());
      break;
    case 3:
      return characters.slice(0, at).join('');
    default:
      characters.splice(at, 0, ...characters.slice(pick(characters.length), pick(characters.length)));
  }
  return characters.join('');
}

test('random mutations of valid codes never throw: every answer is a Result', () => {
  const random = randomSource(20250101);
  const seeds = [PROMPTPAY_STATIC, PROMPTPAY_DYNAMIC, JCB_MASTERCARD, unwrap(buildMpm(SAOMA_DYNAMIC))];
  let refusedCount = 0;
  for (let round = 0; round < 4000; round += 1) {
    let text = seeds[round % seeds.length] ?? '';
    for (let step = 1 + Math.floor(random() * 3); step > 0; step -= 1) text = mutate(text, random);
    for (const result of [parseEmvTlv(text), parseMpm(text), parseTemplate(text.slice(0, 99))]) {
      assert.equal(typeof result.ok, 'boolean');
      if (!result.ok) {
        assert.equal(result.error.code, 'invalid_emv_qr');
        assert.equal(typeof result.error.message, 'string');
      }
    }
    if (!parseMpm(text).ok) refusedCount += 1;
  }
  assert.ok(refusedCount > 3500, `mutations are almost always refused (${refusedCount} of 4000)`);
});

test('any single ASCII character changed in a valid code is refused', () => {
  const random = randomSource(7);
  const valid = unwrap(buildMpm(SAOMA_STATIC));
  const characters = Array.from(valid);
  for (let index = 0; index < characters.length; index += 1) {
    const original = characters[index];
    let replacement = original;
    while (replacement === original) replacement = String.fromCharCode(0x20 + Math.floor(random() * 95));
    const changed = [...characters.slice(0, index), replacement, ...characters.slice(index + 1)].join('');
    assert.equal(parseMpm(changed).ok, false, `position ${index}: ${JSON.stringify(changed)}`);
  }
});
