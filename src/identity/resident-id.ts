// Validation of PRC resident identity numbers (GB 11643-1999) for real-name verification: shape,
// province, birth date and the MOD 11-2 check character, each refused with its own reason.
import { ok, problem, type Result } from '../shared/result.js';

export interface ResidentId {
  /** The 18 characters, with a lower-case check `x` normalised to `X`. */
  number: string;
  /** YYYY-MM-DD. */
  birthDate: string;
  sex: 'male' | 'female';
  /** The first two digits: the province, autonomous region or municipality of registration. */
  provinceCode: string;
}

const CHECK_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2] as const;
const CHECK_CHARS = '10X98765432';

// GB/T 2260 top-level divisions, plus 71 (Taiwan), 81 (Hong Kong) and 82 (Macao) as printed on
// residence permits.
const PROVINCE_CODES: ReadonlySet<string> = new Set([
  ...['11', '12', '13', '14', '15'],
  ...['21', '22', '23'],
  ...['31', '32', '33', '34', '35', '36', '37'],
  ...['41', '42', '43', '44', '45', '46'],
  ...['50', '51', '52', '53', '54'],
  ...['61', '62', '63', '64', '65'],
  ...['71', '81', '82'],
]);

const EARLIEST_BIRTH_DATE = '1900-01-01';
const ISO_DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

/** The check character for the first 17 digits: Σ(digit × weight) mod 11, mapped through 1 0 X 9 8 7 6 5 4 3 2. */
export function residentIdCheckChar(first17: string): string {
  if (!/^\d{17}$/.test(first17)) throw new RangeError(`expected 17 digits, got ${JSON.stringify(first17)}`);
  let sum = 0;
  for (let index = 0; index < 17; index += 1) sum += Number(first17[index]) * (CHECK_WEIGHTS[index] ?? 0);
  return CHECK_CHARS[sum % 11] ?? '';
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** 'YYYYMMDD' → 'YYYY-MM-DD' when it names a real calendar date, else null. */
function calendarDate(yyyymmdd: string): string | null {
  const year = Number(yyyymmdd.slice(0, 4));
  const month = Number(yyyymmdd.slice(4, 6));
  const day = Number(yyyymmdd.slice(6, 8));
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  return `${yyyymmdd.slice(0, 4)}-${yyyymmdd.slice(4, 6)}-${yyyymmdd.slice(6, 8)}`;
}

/**
 * Validates a resident identity number. `todayIso` (YYYY-MM-DD, from the caller's clock) bounds
 * the birth date, so this stays pure and tests do not depend on the day they run.
 */
export function validateResidentId(text: string, todayIso: string): Result<ResidentId, 'invalid_id_number'> {
  const today = ISO_DATE_PATTERN.exec(todayIso);
  if (today === null || calendarDate(`${today[1]}${today[2]}${today[3]}`) === null) {
    throw new RangeError(`todayIso must be a real date as YYYY-MM-DD, got ${JSON.stringify(todayIso)}`);
  }
  if (text.length !== 18) {
    return problem('invalid_id_number', `ID number must be 18 characters, got ${text.length}`);
  }
  if (!/^\d{17}[\dXx]$/.test(text)) {
    return problem('invalid_id_number', 'ID number must be 17 digits followed by a digit or X');
  }
  const number = text.toUpperCase();
  const provinceCode = number.slice(0, 2);
  if (!PROVINCE_CODES.has(provinceCode)) {
    return problem('invalid_id_number', `ID number starts with ${provinceCode}, which is not a province code`);
  }
  const birthDate = calendarDate(number.slice(6, 14));
  if (birthDate === null) {
    return problem('invalid_id_number', 'ID number has a birth date (characters 7–14) that is not a real date');
  }
  // ISO dates of equal length compare correctly as strings.
  if (birthDate < EARLIEST_BIRTH_DATE || birthDate > todayIso) {
    return problem(
      'invalid_id_number',
      `ID number has a birth date of ${birthDate}, outside ${EARLIEST_BIRTH_DATE} to ${todayIso}`,
    );
  }
  if (residentIdCheckChar(number.slice(0, 17)) !== number[17]) {
    return problem('invalid_id_number', 'ID number check digit does not match: it may have been mistyped');
  }
  // The 17th character is the sequence number within the day: odd for men, even for women.
  const sex = Number(number[16]) % 2 === 1 ? 'male' : 'female';
  return ok({ number, birthDate, sex, provinceCode });
}
