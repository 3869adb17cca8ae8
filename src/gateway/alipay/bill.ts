// The trade bill: alipay.data.dataservice.bill.downloadurl.query answers with a link to the
// merchant's trade bill of a finished business day, which this gateway serves itself. The link
// carries its own proof — merchant, day and expiry, with an HMAC keyed from the platform's Alipay
// key — so no table is needed; like Alipay's, it works for 30 seconds. The file is Saoma's trade
// bill (src/reports/trade-bill.ts), whose totals the ledger confirms.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { businessDateOf, dayBoundsMs } from '../../acquiring/settlement.js';
import type { Modules } from '../../modules.js';
import { tradeBill } from '../../reports/trade-bill.js';
import { gatewayKey } from '../platform-keys.js';
import { answer, requiredText, type MethodHandler } from './context.js';
import { fail } from './errors.js';

export const BILL_LINK_TTL_MS = 30_000;
export const BILL_DOWNLOAD_PATH = '/alipay/bills/download';
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{1,400}\.[A-Za-z0-9_-]{43}$/;

interface BillClaim {
  merchantId: string;
  businessDate: string;
  expiresAtMs: number;
}

/** A key for bill links only, derived from the platform key, so it is shared by every process. */
async function linkKey(modules: Modules): Promise<Buffer> {
  const key = await gatewayKey(modules.store, 'alipay', modules.clock);
  const der = key.privateKey.export({ type: 'pkcs8', format: 'der' });
  return createHash('sha256').update('saoma alipay bill links\n').update(der).digest();
}

export async function billLink(modules: Modules, baseUrl: string, merchantId: string, businessDate: string) {
  const claim: BillClaim = { merchantId, businessDate, expiresAtMs: modules.clock.nowMs() + BILL_LINK_TTL_MS };
  const payload = Buffer.from(JSON.stringify(claim)).toString('base64url');
  const mac = createHmac('sha256', await linkKey(modules))
    .update(payload)
    .digest('base64url');
  return `${baseUrl}${BILL_DOWNLOAD_PATH}?token=${payload}.${mac}`;
}

async function readLink(modules: Modules, token: unknown): Promise<BillClaim | 'invalid' | 'expired'> {
  if (typeof token !== 'string' || !TOKEN_PATTERN.test(token)) return 'invalid';
  const [payload, mac] = token.split('.') as [string, string];
  const expected = createHmac('sha256', await linkKey(modules))
    .update(payload)
    .digest();
  const given = Buffer.from(mac, 'base64url');
  // A lenient decoder ignores the last character's spare bits: only the one spelling is the link.
  if (given.toString('base64url') !== mac) return 'invalid';
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'invalid';
  const claim = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as BillClaim;
  return claim.expiresAtMs < modules.clock.nowMs() ? 'expired' : claim;
}

function isBusinessDate(text: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  const parsed = Date.parse(`${text}T00:00:00Z`);
  return !Number.isNaN(parsed) && new Date(parsed).toISOString().slice(0, 10) === text;
}

const downloadUrlQuery: MethodHandler = async (context) => {
  const billType = requiredText(context.biz, 'bill_type', 'trade', 32);
  if (!billType.ok) return billType;
  if (billType.value !== 'trade') {
    return fail('40004', 'isv.invalid-bill-type', '账单类型不支持：仅支持 trade（商户交易账单）');
  }
  const billDate = requiredText(context.biz, 'bill_date', 'trade', 10);
  if (!billDate.ok) return billDate;
  if (!isBusinessDate(billDate.value)) {
    return fail('40004', 'isv.invalid-bill-date', '账单日期格式不正确：仅支持日账单 yyyy-MM-dd');
  }
  if (billDate.value >= businessDateOf(context.modules.clock.nowMs())) {
    return fail('40004', 'isp.bill_not_exist', '账单不存在：日账单在当天结束后（北京时间）才能下载');
  }
  return answer({ bill_download_url: await context.billDownloadUrl(billDate.value) });
};

export const billMethods: Readonly<Record<string, MethodHandler>> = {
  'alipay.data.dataservice.bill.downloadurl.query': downloadUrlQuery,
};

/** GET /alipay/bills/download?token=…: the bill as CSV, while the link is valid. */
export function registerBillDownload(app: FastifyInstance, modules: Modules): void {
  app.get<{ Querystring: { token?: unknown } }>(
    BILL_DOWNLOAD_PATH,
    { schema: { hide: true } },
    async (request, reply) => {
      const claim = await readLink(modules, request.query.token);
      if (claim === 'invalid' || claim === 'expired') {
        return reply
          .code(claim === 'invalid' ? 404 : 410)
          .type('text/plain; charset=utf-8')
          .send(claim === 'invalid' ? 'no such bill link\n' : 'this bill link has expired; ask for a new one\n');
      }
      dayBoundsMs(claim.businessDate);
      const bill = await tradeBill(modules.store.db, claim.merchantId, claim.businessDate);
      const fileName = `${claim.merchantId}_${claim.businessDate.replaceAll('-', '')}_trade.csv`;
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="${fileName}"`)
        .send(bill.csv);
    },
  );
}
