// The portal's stores and their static collection codes: the list (each code with its QR image
// URLs, served by the existing /c/<code>/qr.png|svg routes), adding a store and a code (through the
// merchant and acquiring services), and a code's printable stand as SVG.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { codeUrl, emvFor } from '../acquiring/code-text.js';
import { baseUrlOf } from '../acquiring/json.js';
import { sendError, sendProblem } from '../api/errors.js';
import type { Modules } from '../modules.js';
import { activeMerchantOf, portalOf } from './auth.js';
import { staticCodes } from './queries.js';
import { standColourOf, standSvg } from './stand.js';

const tags = ['portal'];
/** Codes listed per merchant, at most (a merchant prints a handful per store). */
const CODES_LISTED_MAX = 500;

const codeJson = (baseUrl: string, code: { code: string; storeId: string | null; createdAtMs: bigint }) => {
  const url = codeUrl(baseUrl, code.code);
  return {
    code: code.code,
    store_id: code.storeId,
    code_url: url,
    qr_png: `${url}/qr.png`,
    qr_svg: `${url}/qr.svg`,
    stand_svg: `/v1/portal/codes/${code.code}/stand.svg`,
    created_at: new Date(Number(code.createdAtMs)).toISOString(),
  };
};

export async function storeRoutes(
  app: FastifyInstance,
  options: { modules: Modules; preHandler: (request: FastifyRequest, reply: FastifyReply) => Promise<unknown> },
): Promise<void> {
  const { merchants, acquiring, network, store } = options.modules;
  const preHandler = options.preHandler;

  app.get(
    '/stores',
    { schema: { tags, summary: 'Stores with their static collection codes' }, preHandler },
    async (request) => {
      const merchant = portalOf(request).merchant;
      const base = baseUrlOf(request);
      const [stores, codes] = await Promise.all([
        merchants.listStores(merchant.id),
        staticCodes(store.db, merchant.id, CODES_LISTED_MAX),
      ]);
      return {
        stores: stores.map((entry) => ({
          store_id: entry.id,
          name: entry.name,
          city: entry.city,
          codes: codes.filter((code) => code.storeId === entry.id).map((code) => codeJson(base, code)),
        })),
        codes_without_store: codes.filter((code) => code.storeId === null).map((code) => codeJson(base, code)),
      };
    },
  );

  app.post<{ Body: { name: string; city: string } }>(
    '/stores',
    {
      schema: {
        tags,
        summary: 'Add a store',
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['name', 'city'],
          properties: {
            name: { type: 'string', minLength: 1, maxLength: 60 },
            city: { type: 'string', minLength: 1, maxLength: 30 },
          },
        },
      },
      preHandler,
    },
    async (request, reply) => {
      const merchant = activeMerchantOf(request, reply);
      if (!merchant) return reply;
      const name = request.body.name.trim();
      const city = request.body.city.trim();
      if (name === '') return sendError(reply, 'invalid_request', 'the store needs a name', 'body.name');
      if (city === '') return sendError(reply, 'invalid_request', 'the store needs a city', 'body.city');
      const added = await merchants.addStore(merchant.id, { name, city });
      if (!added.ok) return sendProblem(reply, added.error);
      return reply
        .code(201)
        .send({ store_id: added.value.id, name: added.value.name, city: added.value.city, codes: [] });
    },
  );

  app.post<{ Params: { store_id: string } }>(
    '/stores/:store_id/collection-codes',
    {
      schema: { tags, summary: "A new static collection code for one of the merchant's stores" },
      preHandler,
    },
    async (request, reply) => {
      const merchant = activeMerchantOf(request, reply);
      if (!merchant) return reply;
      const merchantStore = await merchants.getStore(request.params.store_id);
      if (!merchantStore || merchantStore.merchantId !== merchant.id) {
        return sendError(reply, 'store_not_found', `you have no store ${request.params.store_id}`);
      }
      const code = await acquiring.createStaticCode(merchant, merchantStore);
      return reply.code(201).send({
        ...codeJson(baseUrlOf(request), {
          code,
          storeId: merchantStore.id,
          createdAtMs: BigInt(options.modules.clock.nowMs()),
        }),
        emv_qr: emvFor(merchant, code, undefined, merchantStore.name),
      });
    },
  );

  app.get<{ Params: { code: string } }>(
    '/codes/:code/stand.svg',
    {
      schema: {
        tags,
        summary: "A static code's printable stand (SVG): the merchant's and store's names around the QR",
        params: {
          type: 'object',
          additionalProperties: false,
          required: ['code'],
          properties: { code: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' } },
        },
      },
      preHandler,
    },
    async (request, reply) => {
      const merchant = portalOf(request).merchant;
      const described = await acquiring.describeCode(request.params.code);
      if (!described || described.kind !== 'static' || described.merchant?.id !== merchant.id) {
        return sendError(reply, 'code_not_found', `you have no collection code ${request.params.code}`);
      }
      const provider = await network.getProvider(merchant.providerId);
      const svg = await standSvg({
        merchantName: merchant.name,
        storeName: described.store?.name ?? null,
        codeUrl: codeUrl(baseUrlOf(request), described.code),
        code: described.code,
        providerName: provider?.name ?? merchant.providerId,
        providerNameZh: provider?.nameZh ?? merchant.providerId,
        colour: standColourOf(merchant.providerId),
      });
      return reply
        .header('content-type', 'image/svg+xml; charset=utf-8')
        .header('content-disposition', `inline; filename="stand-${described.code}.svg"`)
        .send(svg);
    },
  );
}
