// The Alipay gateway as one encapsulated Fastify plugin: the classic gateway, the v3 API and the
// bill download link, with body parsing of their own (form bodies and JSON kept as raw text, since
// both protocols sign the exact bytes).
import type { FastifyInstance } from 'fastify';
import { createMerchantTransferService } from '../../acquiring/merchant-transfers.js';
import type { Modules } from '../../modules.js';
import { registerBillDownload } from './bill.js';
import { registerClassicGateway } from './classic-routes.js';
import { registerV3Api } from './v3-routes.js';

export async function alipayRoutes(app: FastifyInstance, options: { modules: Modules }): Promise<void> {
  const { modules } = options;
  const transfers = createMerchantTransferService({
    store: modules.store,
    clock: modules.clock,
    ledger: modules.ledger,
    network: modules.network,
    identity: modules.identity,
  });
  app.removeAllContentTypeParsers();
  // Every body as its text: the classic gateway reads it as a form, the v3 API as JSON after the
  // signature over its exact bytes has been checked.
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));
  registerClassicGateway(app, { modules, transfers });
  registerV3Api(app, { modules, transfers });
  registerBillDownload(app, modules);
}
