// The browser apps, served by `saoma serve` itself: the Vite build in dist/web (made by
// `npm run build`) under /app/ — the wallet at /app/wallet/, the merchant portal at /app/merchant/,
// the operator console at /app/console/. Without a build the server still starts, and /app/…
// answers 404 saying how to make one.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { sendError } from './errors.js';

export const WEB_PREFIX = '/app/';
export const WEB_APPS = [
  { id: 'wallet', path: '/app/wallet/', title: 'Wallet 钱包' },
  { id: 'merchant', path: '/app/merchant/', title: 'Merchant portal 商户平台' },
  { id: 'console', path: '/app/console/', title: 'Operator console 运营控制台' },
] as const;

/** This file is dist/api/web.js once compiled; Vite builds the apps into dist/web beside it. */
export const WEB_BUILD_DIRECTORY = fileURLToPath(new URL('../web', import.meta.url));

/**
 * tsc also compiles src/web (the browser tests) into dist/web: only the apps' own directories and
 * Vite's shared assets are served, never those.
 */
const SERVED_PATH = /^\/(wallet|merchant|console|assets)(\/|$)/;
/** Vite names built assets by their content hash: a browser may keep them for good. */
const HASHED_ASSET = /^\/?assets\//;

export async function webRoutes(app: FastifyInstance, options: { directory?: string } = {}): Promise<void> {
  const directory = options.directory ?? WEB_BUILD_DIRECTORY;
  // /app itself has no page: the root lists the three apps.
  app.get('/app', { schema: { hide: true } }, async (_request, reply) => reply.redirect('/', 302));
  app.get('/app/', { schema: { hide: true } }, async (_request, reply) => reply.redirect('/', 302));
  if (!WEB_APPS.every((web) => existsSync(join(directory, web.id, 'index.html')))) {
    app.get('/app/*', { schema: { hide: true } }, async (_request, reply) =>
      sendError(
        reply,
        'not_found',
        `the web apps are not built (no ${directory}): run \`npm run build\`, then start the server again`,
      ),
    );
    return;
  }
  await app.register(fastifyStatic, {
    root: directory,
    prefix: WEB_PREFIX,
    index: 'index.html',
    redirect: true,
    decorateReply: false,
    schemaHide: true,
    allowedPath: (pathName) => SERVED_PATH.test(pathName),
    cacheControl: false,
    setHeaders: (response, path) => {
      const relative = path.slice(directory.length).replaceAll('\\', '/');
      // Pages and the service worker are read afresh each time, so a new build reaches phones at once.
      response.setHeader(
        'cache-control',
        HASHED_ASSET.test(relative) ? 'public, max-age=31536000, immutable' : 'no-cache',
      );
    },
  });
}

/** The root page for browsers: where the apps and the API documentation are. */
export function webIndexHtml(): string {
  const links = WEB_APPS.map((web) => `<li><a href="${web.path}">${web.title}</a></li>`).join('');
  return (
    '<!doctype html><html lang="zh-CN"><meta charset="utf-8">' +
    '<meta name="viewport" content="width=device-width, initial-scale=1"><title>Saoma 扫码</title>' +
    '<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;line-height:1.6}</style>' +
    `<h1>Saoma 扫码</h1><ul>${links}</ul>` +
    '<p>API: <a href="/docs">/docs</a> · <a href="/openapi.json">/openapi.json</a> · <a href="/health">/health</a></p></html>'
  );
}
