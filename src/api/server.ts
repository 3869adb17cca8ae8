// The HTTP server: builds the Fastify app (no listening, so tests call `app.inject`), with the
// error shape everywhere, /health, and the operator ledger API when an admin token is set.
import cookie from '@fastify/cookie';
import Fastify, { type FastifyInstance } from 'fastify';
import { merchantRoutes } from '../acquiring/merchant-routes.js';
import { walletPaymentRoutes } from '../acquiring/wallet-routes.js';
import { bankingRoutes } from '../banking/routes.js';
import { identityRoutes } from '../identity/routes.js';
import type { Modules } from '../modules.js';
import { redPacketRoutes } from '../wallet/red-packet-routes.js';
import { walletRoutes } from '../wallet/routes.js';
import type { LedgerService } from '../ledger/service.js';
import type { LogLevel } from '../shared/config.js';
import { pingStore } from '../shared/store-ping.js';
import { schemaVersion } from '../store/migrations.js';
import type { Store } from '../store/store.js';
import { auditNetwork } from '../network/audit.js';
import { adminLedgerRoutes } from './admin-ledger.js';
import { adminNetworkRoutes } from './admin-network.js';
import { installErrorHandlers, sendError } from './errors.js';
import { stringifyWithBigints } from './ledger-json.js';
import { gatewayRoutes } from '../gateway/routes.js';
import { networkRoutes } from '../network/routes.js';
import { registerOpenApi } from './openapi.js';
import { consoleRoutes } from '../console/routes.js';
import { portalAdminRoutes } from '../portal/admin-routes.js';
import { portalRoutes } from '../portal/routes.js';
import { WEB_APPS, webIndexHtml, webRoutes } from './web.js';

export interface ServerDeps {
  ledger: LedgerService;
  store: Store;
  config: { adminToken: string | null };
  /** The payer side (identity, cards, wallet, red packets); without it only the ledger API is served. */
  modules?: Modules;
  /** Fastify's pino logger: JSON lines on stdout (or `stream`); `false` keeps tests quiet. */
  logger: false | { level: LogLevel; stream?: { write(line: string): void } };
}

/** A health check that hangs is worse than one that fails: the database gets this long to answer. */
export const HEALTH_PING_TIMEOUT_MS = 2_000;
/** Bodies past this are refused (413) unless a route allows more (a batch of transfers does). */
const BODY_BYTES_MAX = 1024 * 1024;

export function buildServer(deps: ServerDeps): FastifyInstance {
  const app = Fastify({
    logger: deps.logger,
    bodyLimit: BODY_BYTES_MAX,
    // Our own 503 below answers in the error shape; Fastify's would not.
    return503OnClosing: false,
    ajv: {
      customOptions: {
        // No coercion: a JSON number 9007199254740993 would arrive as "9007199254740992" and pass
        // as an amount. Amounts and ids are strings on the wire, and a number where a string
        // belongs is refused. Unknown fields are refused too, not silently dropped, so a typo in
        // `timeout_seconds` cannot turn into a reservation that never expires.
        coerceTypes: false,
        removeAdditional: false,
      },
    },
  });
  app.setReplySerializer((payload) => stringifyWithBigints(payload));
  installErrorHandlers(app);
  refuseRequestsWhileClosing(app);
  // The root says where things are: a page of links for browsers, JSON for everyone else.
  app.get('/', { schema: { hide: true } }, async (request, reply) => {
    if ((request.headers.accept ?? '').includes('text/html')) {
      return reply.header('content-type', 'text/html; charset=utf-8').send(webIndexHtml());
    }
    return {
      name: 'Saoma',
      apps: Object.fromEntries(WEB_APPS.map((web) => [web.id, web.path])),
      docs: '/docs',
      openapi: '/openapi.json',
      health: '/health',
    };
  });
  // Does nothing: the floor a load generator measures HTTP itself against (the payment benchmark).
  app.get('/ping', { schema: { hide: true } }, async () => ({ pong: true }));
  app.get('/health', async (request, reply) => {
    const answered = await pingStore(deps.store, HEALTH_PING_TIMEOUT_MS);
    if (!answered.ok) {
      request.log.error({ err: answered.error }, 'health check: the database does not answer');
      return sendError(
        reply,
        'store_unavailable',
        `the ${deps.store.kind} database does not answer: ${answered.error.message}`,
      );
    }
    return {
      status: 'ok',
      store: deps.store.kind,
      schemaVersion: await schemaVersion(deps.store),
      writer: deps.ledger.writerStats(),
    };
  });
  app.register(webRoutes);
  if (deps.modules) registerNativeApi(app, deps.modules);
  if (deps.config.adminToken !== null) {
    // Without a token the routes do not exist at all: they answer 404 like any unknown path.
    const modules = deps.modules;
    app.register(adminLedgerRoutes, {
      prefix: '/v1/admin',
      ledger: deps.ledger,
      adminToken: deps.config.adminToken,
      networkAudit: modules ? () => auditNetwork(modules) : undefined,
    });
    if (modules) {
      app.register(adminNetworkRoutes, { prefix: '/v1/admin', modules, adminToken: deps.config.adminToken });
      app.register(portalAdminRoutes, { prefix: '/v1/admin', modules, adminToken: deps.config.adminToken });
      app.register(consoleRoutes, { prefix: '/v1/admin', modules, adminToken: deps.config.adminToken });
    }
  }
  return app;
}

function registerNativeApi(app: FastifyInstance, modules: Modules): void {
  app.register(cookie);
  registerOpenApi(app);
  app.register(
    async (api) => {
      await api.register(networkRoutes, { modules });
      await api.register(identityRoutes, { modules });
      await api.register(bankingRoutes, { modules });
      await api.register(walletRoutes, { modules });
      await api.register(redPacketRoutes, { modules });
    },
    { prefix: '/v1' },
  );
  app.register(walletPaymentRoutes, { modules });
  app.register(merchantRoutes, { prefix: '/v1/merchant', modules });
  app.register(gatewayRoutes, { modules });
  app.register(portalRoutes, { prefix: '/v1/portal', modules });
}

function refuseRequestsWhileClosing(app: FastifyInstance): void {
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onRequest', async (_request, reply) => {
    if (!closing) return;
    return sendError(
      reply.header('connection', 'close'),
      'ledger_closed',
      'the server is shutting down; try again shortly',
    );
  });
}
