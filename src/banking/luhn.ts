// The Luhn (mod 10) check used by bank card numbers: catches every single-digit typo and most
// adjacent swaps before a card number is sent to a bank.

function luhnSum(digits: string, doubleFromRightmost: boolean): number {
  let sum = 0;
  let double = doubleFromRightmost;
  for (let index = digits.length - 1; index >= 0; index -= 1) {
    const digit = Number(digits[index]);
    const contribution = double ? digit * 2 : digit;
    sum += contribution > 9 ? contribution - 9 : contribution;
    double = !double;
  }
  return sum;
}

/** True for 12–19 ASCII digits whose Luhn sum is a multiple of 10 (UnionPay cards run 16–19). */
export function luhnValid(digits: string): boolean {
  if (!/^[0-9]{12,19}$/.test(digits)) return false;
  return luhnSum(digits, false) % 10 === 0;
}

/** The digit to append to `partial` to make it Luhn-valid. */
export function luhnCheckDigit(partial: string): string {
  if (!/^[0-9]+$/.test(partial)) throw new RangeError(`expected digits only, got ${JSON.stringify(partial)}`);
  // The check digit will sit rightmost, so the current rightmost digit is the first one doubled.
  return String((10 - (luhnSum(partial, true) % 10)) % 10);
}
