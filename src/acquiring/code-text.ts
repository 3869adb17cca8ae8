// What a collection code looks like from outside: its URL (`/c/<code>`, what the QR holds) and
// the same code as an EMVCo merchant-presented string (Saoma's template 26, `com.saoma`, with the
// code and the provider), and reading either back when a wallet scans one.
import type { Merchant } from '../merchant/service.js';
import { formatYuan } from '../shared/money.js';
import { buildMpm, parseMpm } from './emv-qr.js';

export const SAOMA_GUID = 'com.saoma';
const CODE_PATTERN = /^[A-Za-z0-9_-]{4,40}$/;

export const codeUrl = (baseUrl: string, code: string): string => `${baseUrl}/c/${code}`;

/** The EMV string for a static code, or an order's dynamic code with its amount. */
export function emvFor(merchant: Merchant, code: string, amountFen?: bigint, storeName?: string): string {
  const asciiName = /^[\x20-\x7e]{1,25}$/.test(merchant.name) ? merchant.name : merchant.id.slice(0, 25);
  const built = buildMpm({
    initiation: amountFen === undefined ? 'static' : 'dynamic',
    merchantAccount: {
      templateId: '26',
      globallyUniqueId: SAOMA_GUID,
      fields: { '01': code, '02': merchant.providerId },
    },
    mcc: merchant.mcc,
    currencyNumeric: '156',
    ...(amountFen === undefined ? {} : { amount: formatYuan(amountFen) }),
    countryCode: 'CN',
    merchantName: asciiName,
    merchantCity: 'CN',
    alternateLanguage: {
      language: 'zh',
      name: Array.from(merchant.name).slice(0, 25).join(''),
      ...(storeName ? { city: Array.from(storeName).slice(0, 15).join('') } : {}),
    },
  });
  // Our own fields are within EMVCo's limits by construction; a refusal is a programmer's error.
  if (!built.ok) throw new Error(`cannot build the EMV code for ${code}: ${built.error.message}`);
  return built.value;
}

/** The collection code inside whatever was scanned: a `/c/<code>` URL, a bare code, or an EMV string. */
export function codeFromScan(text: string): string | null {
  const trimmed = text.trim();
  const url = /\/c\/([A-Za-z0-9_-]{4,40})(?:[/?#].*)?$/.exec(trimmed);
  if (url) return url[1]!;
  if (CODE_PATTERN.test(trimmed)) return trimmed;
  if (!trimmed.startsWith('000201')) return null;
  const parsed = parseMpm(trimmed);
  if (!parsed.ok) return null;
  const account = parsed.value.merchantAccounts?.find((template) => template.globallyUniqueId === SAOMA_GUID);
  return account?.fields['01'] ?? null;
}
