// The payer's side of collection: scan a code (a `/c/` URL, a bare code or an EMV string) and see
// whom and what it pays, pay it (the PIN above the password-free limit), show a payment code for
// the cashier, and confirm a scanned payment code that waits for the PIN. Also the public
// landing of a code and its QR images.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { requireUserWith, userOf } from '../api/auth.js';
import { sendError, sendProblem } from '../api/errors.js';
import { idempotencyHeaderSchema } from '../api/idempotency.js';
import { PIN_PATTERN, type User } from '../identity/service.js';
import type { Modules } from '../modules.js';
import { parseAmountFen } from '../shared/money.js';
import { code128Svg, qrPng, qrSvg } from './code-images.js';
import { codeFromScan, codeUrl } from './code-text.js';
import { baseUrlOf, orderJson } from './json.js';
import type { CodeDescription } from './service.js';
import { moneyPreflight, operationJson } from '../wallet/routes.js';

const tags = ['payments'];
const pin = { type: 'string', pattern: PIN_PATTERN } as const;

export async function walletPaymentRoutes(app: FastifyInstance, options: { modules: Modules }): Promise<void> {
  const modules = options.modules;
  const { identity, acquiring, paymentCodes, network } = modules;
  const requireUser = requireUserWith(identity);

  const describeJson = (described: CodeDescription, request: FastifyRequest) => ({
    code: described.code,
    kind: described.kind,
    merchant: described.merchant
      ? { id: described.merchant.id, name: described.merchant.name, provider: described.merchant.providerId }
      : null,
    payee: described.payee
      ? { user_id: described.payee.userId, name: described.payee.name, provider: described.payee.providerId }
      : null,
    store: described.store,
    order: described.order ? orderJson(described.order, baseUrlOf(request)) : null,
  });

  app.post<{ Body: { text: string } }>(
    '/v1/codes/scan',
    {
      schema: {
        tags,
        summary: 'What a scanned code is: the merchant, the store, and for an order its amount and state',
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['text'],
          properties: { text: { type: 'string', minLength: 1, maxLength: 512 } },
        },
      },
      preHandler: requireUser,
    },
    async (request, reply) => {
      const code = codeFromScan(request.body.text);
      const described = code === null ? null : await acquiring.describeCode(code);
      if (!described) return sendError(reply, 'code_not_found', 'this is not a payment code of this network');
      return describeJson(described, request);
    },
  );

  app.get<{ Params: { code: string } }>(
    '/v1/codes/:code',
    { schema: { tags, summary: 'What a collection code is' }, preHandler: requireUser },
    async (request, reply) => {
      const described = await acquiring.describeCode(request.params.code);
      if (!described) return sendError(reply, 'code_not_found', 'this is not a payment code of this network');
      return describeJson(described, request);
    },
  );

  app.post<{ Params: { code: string }; Body: { amount?: string; pin?: string; note?: string } }>(
    '/v1/codes/:code/pay',
    {
      schema: {
        tags,
        summary:
          "Pay a scanned code: an order's amount, or the amount typed for a static code; the PIN above the password-free limit",
        headers: idempotencyHeaderSchema,
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            amount: { type: 'string', pattern: '^[1-9][0-9]{0,15}$' },
            pin,
            note: { type: 'string', maxLength: 100 },
          },
        },
      },
      preHandler: requireUser,
    },
    async (request, reply) => {
      const body = request.body ?? {};
      let amountFen: bigint | undefined;
      if (body.amount !== undefined) {
        const parsed = parseAmountFen(body.amount);
        if (!parsed.ok) return sendError(reply, 'invalid_request', parsed.error.message, 'body.amount');
        amountFen = parsed.value;
      }
      const checked = await moneyPreflight(modules, request, reply, body.pin);
      if (!checked) return reply;
      const described = await acquiring.describeCodeToPay(request.params.code);
      if (described?.kind === 'personal')
        return payPerson(reply, checked, described.payee!.userId, amountFen, body.note);
      const paid = await acquiring.payCode(checked.user, request.params.code, {
        amountFen,
        idempotencyKey: checked.key,
        pinConfirmed: checked.pinConfirmed,
        note: body.note,
        described,
      });
      if (!paid.ok) return sendProblem(reply, paid.error);
      return reply.code(201).send(orderJson(paid.value, baseUrlOf(request)));
    },
  );

  /** A personal receive code pays a person: a transfer, with the PIN, counted against the code's monthly caps. */
  const payPerson = async (
    reply: FastifyReply,
    checked: { user: User; key: string; pinConfirmed: boolean },
    payeeUserId: string,
    amountFen: bigint | undefined,
    note: string | undefined,
  ) => {
    if (amountFen === undefined) return sendError(reply, 'amount_required', 'type the amount to pay this person');
    if (!checked.pinConfirmed) return sendError(reply, 'pin_required', 'paying a person needs your payment PIN');
    const sent = await modules.wallet.transfer(checked.user, {
      idempotencyKey: checked.key,
      to: { userId: payeeUserId },
      amountFen,
      note,
      viaPersonalCode: true,
    });
    if (!sent.ok) return sendProblem(reply, sent.error);
    return reply.code(201).send(operationJson(sent.value));
  };

  app.post(
    '/v1/me/receive-code',
    {
      schema: {
        tags,
        summary:
          'Your personal receive code: others scan it to pay you (capped each month; merchants register instead)',
      },
      preHandler: requireUser,
    },
    async (request, reply) => {
      const code = await acquiring.personalCode(userOf(request));
      const url = codeUrl(baseUrlOf(request), code);
      return reply.code(201).send({ code, code_url: url, qr_png: `${url}/qr.png`, qr_svg: `${url}/qr.svg` });
    },
  );

  app.post(
    '/v1/wallet/payment-codes',
    {
      schema: {
        tags,
        summary: 'A one-time payment code for the cashier to scan, bound to this device, valid for a minute',
      },
      preHandler: requireUser,
    },
    async (request, reply) => {
      const auth = request.auth!;
      const issued = await paymentCodes.issue(auth.user, auth.session.deviceId);
      const policy = (await network.getProvider(auth.user.providerId))!.policy.payments;
      const base = `${baseUrlOf(request)}/v1/wallet/payment-codes/${issued.code}`;
      return reply.code(201).send({
        code: issued.code,
        expires_at: new Date(Number(issued.expiresAtMs)).toISOString(),
        refresh_after_seconds: policy.paymentCodeTtlSeconds,
        password_free_limit: policy.passwordFreeLimitFen.toString(),
        qr_svg: `${base}/qr.svg`,
        barcode_svg: `${base}/barcode.svg`,
      });
    },
  );

  app.get<{ Params: { code: string; image: string } }>(
    '/v1/wallet/payment-codes/:code/:image',
    {
      schema: {
        tags,
        summary: 'A payment code as a QR (qr.svg) or a Code 128 barcode (barcode.svg), for its owner only',
      },
      preHandler: requireUser,
    },
    async (request, reply) => {
      const resolved = await paymentCodes.resolve(request.params.code);
      if (!resolved.ok || resolved.value.userId !== userOf(request).id) {
        return sendError(reply, 'not_found', 'no live payment code of yours with this number');
      }
      reply.header('content-type', 'image/svg+xml').header('cache-control', 'no-store');
      if (request.params.image === 'qr.svg') return reply.send(await qrSvg(resolved.value.code));
      if (request.params.image === 'barcode.svg') return reply.send(code128Svg(resolved.value.code));
      return sendError(reply, 'not_found', 'images are qr.svg and barcode.svg');
    },
  );

  app.get(
    '/v1/wallet/payments/awaiting',
    { schema: { tags, summary: 'Scanned payment codes waiting for your PIN' }, preHandler: requireUser },
    async (request) => {
      const waiting = await acquiring.awaitingConfirmation(userOf(request));
      // Whom the payer is about to pay: the merchant's name beside each order.
      const orders = await Promise.all(
        waiting.map(async (order) => {
          const merchant = await modules.merchants.get(order.merchantId);
          return {
            ...orderJson(order, baseUrlOf(request)),
            merchant: merchant ? { id: merchant.id, name: merchant.name } : null,
          };
        }),
      );
      return { orders };
    },
  );

  app.post<{ Params: { order_id: string }; Body: { pin: string } }>(
    '/v1/wallet/payments/:order_id/confirm',
    {
      schema: {
        tags,
        summary: 'Confirm with the PIN a scanned payment code above the password-free limit',
        headers: idempotencyHeaderSchema,
        body: { type: 'object', additionalProperties: false, required: ['pin'], properties: { pin } },
      },
      preHandler: requireUser,
    },
    async (request, reply) => {
      const checked = await moneyPreflight(modules, request, reply, request.body.pin);
      if (!checked) return reply;
      const confirmed = await acquiring.confirm(checked.user as User, request.params.order_id, true);
      if (!confirmed.ok) return sendProblem(reply, confirmed.error);
      return reply.code(201).send(orderJson(confirmed.value, baseUrlOf(request)));
    },
  );

  app.get<{ Params: { code: string } }>(
    '/c/:code',
    { schema: { tags, summary: 'The landing of a scanned code (JSON for apps, a page for browsers)' } },
    async (request, reply) => {
      const described = await acquiring.describeCode(request.params.code);
      if (!described) return sendError(reply, 'code_not_found', 'this is not a payment code of this network');
      if ((request.headers.accept ?? '').includes('text/html')) {
        const name = described.merchant?.name ?? described.payee?.name ?? '';
        const amount = described.order ? ` · ¥${(Number(described.order.amountFen) / 100).toFixed(2)}` : '';
        return reply
          .header('content-type', 'text/html; charset=utf-8')
          .send(
            `<!doctype html><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${escapeHtml(name)}</title>` +
              `<h1>${escapeHtml(name)}${escapeHtml(amount)}</h1><p>Open this code in a Saoma wallet to pay. 请用 Saoma 钱包扫码付款。</p>`,
          );
      }
      return { ...describeJson(described, request), code_url: codeUrl(baseUrlOf(request), described.code) };
    },
  );

  app.get<{ Params: { code: string; image: string } }>(
    '/c/:code/:image',
    { schema: { tags, summary: 'A collection code as a QR image: qr.png or qr.svg' } },
    async (request, reply) => {
      const described = await acquiring.describeCode(request.params.code);
      if (!described) return sendError(reply, 'code_not_found', 'this is not a payment code of this network');
      const url = codeUrl(baseUrlOf(request), described.code);
      if (request.params.image === 'qr.png') return reply.header('content-type', 'image/png').send(await qrPng(url));
      if (request.params.image === 'qr.svg')
        return reply.header('content-type', 'image/svg+xml').send(await qrSvg(url));
      return sendError(reply, 'not_found', 'images are qr.png and qr.svg');
    },
  );
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}
