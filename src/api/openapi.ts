// The OpenAPI 3 document of the native API, made from the routes' own schemas, served at
// /openapi.json, with a browsable page at /docs.
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';

/** On the root instance (before the routes), so that the document sees every route. */
export function registerOpenApi(app: FastifyInstance): void {
  app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Saoma native API',
        version: '0.1.0',
        description:
          'Wallets, cards, transfers and red packets. Amounts are strings of whole fen ("1250" is ¥12.50). ' +
          'Errors are {"error":{"code","message","field?","details?"}}. Requests that move money need an ' +
          'Idempotency-Key header and the payment PIN.',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'The token from POST /v1/sessions' },
          cookie: { type: 'apiKey', in: 'cookie', name: 'saoma_session' },
        },
      },
      security: [{ bearer: [] }, { cookie: [] }],
    },
  });
  app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
