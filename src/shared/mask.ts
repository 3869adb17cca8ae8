// Masking personal data for display and logs: enough left visible for a person to recognise
// their own phone, name, ID or card, not enough to be useful to anyone else.

/** Keeps `visibleStart` and `visibleEnd` code points; a value too short to hide anything is masked entirely. */
function maskMiddle(text: string, visibleStart: number, visibleEnd: number): string {
  const codePoints = Array.from(text);
  if (codePoints.length <= visibleStart + visibleEnd) return '*'.repeat(codePoints.length);
  const hiddenCount = codePoints.length - visibleStart - visibleEnd;
  return (
    codePoints.slice(0, visibleStart).join('') +
    '*'.repeat(hiddenCount) +
    codePoints.slice(codePoints.length - visibleEnd).join('')
  );
}

/** '13812345678' → '138****5678': the carrier prefix and the last four, as Chinese apps show them. */
export function maskPhone(phone: string): string {
  return maskMiddle(phone, 3, 4);
}

/**
 * '张三' → '*三', '欧阳娜娜' → '***娜': one `*` per hidden character, only the last one shown.
 * A one-character name is shown as is, since there is nothing to hide it among.
 */
export function maskName(name: string): string {
  const codePoints = Array.from(name);
  if (codePoints.length === 0) return '';
  return '*'.repeat(codePoints.length - 1) + codePoints[codePoints.length - 1];
}

/** '110101199003074578' → '1****************8'. */
export function maskIdNumber(idNumber: string): string {
  return maskMiddle(idNumber, 1, 1);
}

/** '6222021234567890123' → '**** 0123': only the last four, as on bank statements. */
export function maskCardNumber(cardNumber: string): string {
  // Card numbers are often written in groups; the grouping must not count as digits.
  const compact = cardNumber.replace(/[\s-]/g, '');
  if (compact.length <= 4) return '*'.repeat(compact.length);
  return `**** ${compact.slice(-4)}`;
}
