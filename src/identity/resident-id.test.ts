// Resident identity numbers: the check character, the parsed fields, and one refusal per check,
// each with a message naming it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { residentIdCheckChar, validateResidentId } from './resident-id.js';

const TODAY = '2026-03-15';

/** Appends the right check character, so tests can build valid numbers with any fields. */
const withCheckChar = (first17: string): string => first17 + residentIdCheckChar(first17);

function refusalMessage(text: string, todayIso = TODAY): string {
  const result = validateResidentId(text, todayIso);
  assert.ok(!result.ok, `should refuse ${text}`);
  assert.equal(result.error.code, 'invalid_id_number');
  return result.error.message;
}

test('residentIdCheckChar follows MOD 11-2', () => {
  // 1 1 0 1 0 5 1 9 4 9 1 2 3 1 0 0 2 × 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2
  // = 7+9+0+5+0+20+2+9+24+27+7+18+30+5+0+0+4 = 167; 167 mod 11 = 2; position 2 of "10X98765432" is X.
  assert.equal(residentIdCheckChar('11010519491231002'), 'X');
  // Σ = 218 for 11010119900307457; 218 mod 11 = 9 → '3', so 110101199003074578 is not a valid number.
  assert.equal(residentIdCheckChar('11010119900307457'), '3');
  assert.throws(() => residentIdCheckChar('1101011990030745'), RangeError);
  assert.throws(() => residentIdCheckChar('1101011990030745X'), RangeError);
});

test('a valid number yields its fields', () => {
  assert.deepEqual(validateResidentId('11010519491231002X', TODAY), {
    ok: true,
    value: { number: '11010519491231002X', birthDate: '1949-12-31', sex: 'female', provinceCode: '11' },
  });
  assert.deepEqual(validateResidentId('110101199003074573', TODAY), {
    ok: true,
    value: { number: '110101199003074573', birthDate: '1990-03-07', sex: 'male', provinceCode: '11' },
  });
});

test('a lower-case x check character is accepted and normalised', () => {
  const result = validateResidentId('11010519491231002x', TODAY);
  assert.ok(result.ok);
  assert.equal(result.value.number, '11010519491231002X');
});

test('every province code in the list is accepted, and its neighbours are not', () => {
  const accepted = ['11', '15', '21', '23', '31', '37', '41', '46', '50', '54', '61', '65', '71', '81', '82'];
  for (const code of accepted) assert.ok(validateResidentId(withCheckChar(`${code}010119900307457`), TODAY).ok, code);
  for (const code of [
    '00',
    '10',
    '16',
    '20',
    '24',
    '30',
    '38',
    '40',
    '47',
    '55',
    '60',
    '66',
    '70',
    '72',
    '80',
    '83',
    '91',
  ]) {
    assert.match(refusalMessage(withCheckChar(`${code}010119900307457`)), new RegExp(`starts with ${code}.*province`));
  }
});

test('the length is checked first', () => {
  for (const text of ['', '11010519491231002', '11010519491231002X0', ' 11010519491231002X']) {
    assert.match(refusalMessage(text), /must be 18 characters/);
  }
});

test('only digits, with a final digit or X, are accepted', () => {
  for (const text of [
    '1101051949123100XX',
    'A1010519491231002X',
    '11010519491231002Y',
    '１10105194912310023',
    '11010519491231002Ｘ',
  ]) {
    assert.match(refusalMessage(text), /17 digits followed by a digit or X/);
  }
});

test('the birth date must be a real calendar date', () => {
  for (const date of ['19900230', '19900431', '19901301', '19900001', '19900100', '19000229', '20230229']) {
    assert.match(refusalMessage(withCheckChar(`110101${date}457`)), /birth date .*not a real date/);
  }
  for (const leapDay of ['20000229', '20240229', '19040229']) {
    assert.ok(validateResidentId(withCheckChar(`110101${leapDay}457`), TODAY).ok, leapDay);
  }
});

test('the birth date must fall between 1900-01-01 and today', () => {
  assert.ok(validateResidentId(withCheckChar('11010119000101457'), TODAY).ok);
  assert.ok(validateResidentId(withCheckChar('11010120260315457'), TODAY).ok);
  assert.match(refusalMessage(withCheckChar('11010118991231457')), /1899-12-31, outside 1900-01-01 to 2026-03-15/);
  assert.match(refusalMessage(withCheckChar('11010120260316457')), /2026-03-16, outside/);
  assert.ok(validateResidentId(withCheckChar('11010120260316457'), '2026-03-16').ok);
});

test('the check character must match', () => {
  assert.match(refusalMessage('110101199003074578'), /check digit does not match/);
  assert.match(refusalMessage('110105194912310021'), /check digit does not match/);
  // Swapping two adjacent digits is the classic typo the check catches.
  assert.match(refusalMessage('110101199003075473'), /check digit does not match/);
});

test('sex comes from the parity of the 17th digit', () => {
  for (const digit of '0123456789') {
    const result = validateResidentId(withCheckChar(`1101011990030745${digit}`), TODAY);
    assert.ok(result.ok);
    assert.equal(result.value.sex, Number(digit) % 2 === 1 ? 'male' : 'female');
  }
});

test('a malformed todayIso is a programming error', () => {
  for (const todayIso of ['2026-3-15', '20260315', '2026-02-30', '']) {
    assert.throws(() => validateResidentId('11010519491231002X', todayIso), RangeError);
  }
});
