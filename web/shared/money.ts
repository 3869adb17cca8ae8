// Money on screen: the API carries whole fen as strings ("1250"); amounts stay integers (bigint)
// and become yuan with two decimals only when shown. Typed amounts are read digit by digit, never
// through a float.

/** "¥1,234.50"; `signed` adds + or − (for statement lines). */
export function formatFen(amountFen: string | bigint, options: { signed?: 'in' | 'out' } = {}): string {
  const fen = typeof amountFen === 'bigint' ? amountFen : BigInt(amountFen);
  const negative = fen < 0n;
  const absoluteFen = negative ? -fen : fen;
  const yuan = (absoluteFen / 100n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const cents = (absoluteFen % 100n).toString().padStart(2, '0');
  const sign = options.signed === 'in' ? '+' : options.signed === 'out' || negative ? '−' : '';
  return `${sign}¥${yuan}.${cents}`;
}

/** Yuan without the symbol or grouping, for input fields: "1234.50". */
export function fenToYuanText(amountFen: string | bigint): string {
  const fen = typeof amountFen === 'bigint' ? amountFen : BigInt(amountFen);
  return `${fen / 100n}.${(fen % 100n).toString().padStart(2, '0')}`;
}

/** The largest amount the API takes: 16 digits of fen. */
const YUAN_DIGITS_MAX = 14;
const YUAN_PATTERN = new RegExp(`^(0|[1-9][0-9]{0,${YUAN_DIGITS_MAX - 1}})(\\.[0-9]{1,2})?$`);

/** "12.5" → "1250"; null for anything that is not a positive amount with at most two decimals. */
export function parseYuanToFen(text: string): string | null {
  const match = YUAN_PATTERN.exec(text.trim());
  if (!match) return null;
  const fen = BigInt(match[1]!) * 100n + BigInt((match[2] ?? '.').slice(1).padEnd(2, '0'));
  return fen > 0n ? fen.toString() : null;
}
