// Serving the built web apps: /app/… from the build directory, only the apps' own files, and a
// sentence saying to run `npm run build` when there is no build.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import Fastify from 'fastify';
import { installErrorHandlers } from './errors.js';
import { webRoutes } from './web.js';

async function appServing(directory: string) {
  const app = Fastify({ logger: false });
  installErrorHandlers(app);
  await app.register(webRoutes, { directory });
  await app.ready();
  return app;
}

test('without a build, /app/… answers 404 saying to run npm run build', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'saoma-web-'));
  try {
    const app = await appServing(join(directory, 'missing'));
    const answer = await app.inject({ method: 'GET', url: '/app/wallet/' });
    assert.equal(answer.statusCode, 404);
    assert.equal(answer.json().error.code, 'not_found');
    assert.match(answer.json().error.message, /run `npm run build`/);
    await app.close();
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});

test('with a build, the apps and their assets are served, and nothing else in the directory', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'saoma-web-'));
  try {
    for (const app of ['wallet', 'merchant', 'console', 'assets']) mkdirSync(join(directory, app));
    for (const app of ['wallet', 'merchant', 'console']) {
      writeFileSync(join(directory, app, 'index.html'), `<!doctype html><title>${app}</title>`);
    }
    writeFileSync(join(directory, 'assets', 'wallet-abc123.js'), 'console.log(1)');
    writeFileSync(join(directory, 'wallet.browser.test.js'), '// compiled by tsc');
    const app = await appServing(directory);

    const wallet = await app.inject({ method: 'GET', url: '/app/wallet/' });
    assert.equal(wallet.statusCode, 200);
    assert.match(wallet.body, /<title>wallet<\/title>/);
    assert.equal(wallet.headers['cache-control'], 'no-cache');
    const asset = await app.inject({ method: 'GET', url: '/app/assets/wallet-abc123.js' });
    assert.equal(asset.statusCode, 200);
    assert.match(String(asset.headers['cache-control']), /immutable/);
    const redirected = await app.inject({ method: 'GET', url: '/app/console' });
    assert.equal(redirected.statusCode, 301);
    assert.equal(redirected.headers.location, '/app/console/');

    const hidden = await app.inject({ method: 'GET', url: '/app/wallet.browser.test.js' });
    assert.equal(hidden.statusCode, 404);
    const climbing = await app.inject({ method: 'GET', url: '/app/wallet/../wallet.browser.test.js' });
    assert.equal(climbing.statusCode, 404);
    await app.close();
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});
