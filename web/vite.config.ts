// The one Vite build of the browser apps: the wallet, the merchant portal and the operator
// console, each an HTML page of its own, built into dist/web and served by `saoma serve` at /app/.
import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

const webRoot = fileURLToPath(new URL('.', import.meta.url));
const outDir = resolve(webRoot, '../dist/web');
const APPS = ['wallet', 'merchant', 'console'] as const;

/**
 * dist/web also holds what tsc compiles from src/web (the browser tests), so Vite must not empty
 * it; this removes only what the last build of the apps left, so old hashed files do not pile up.
 */
function removeLastBuild(): Plugin {
  return {
    name: 'saoma-remove-last-build',
    apply: 'build',
    buildStart() {
      for (const directory of [...APPS, 'assets']) rmSync(resolve(outDir, directory), { recursive: true, force: true });
    },
  };
}

export default defineConfig({
  root: webRoot,
  base: '/app/',
  plugins: [react(), removeLastBuild()],
  build: {
    outDir,
    emptyOutDir: false,
    // antd-mobile and React make one shared chunk of about 600 kB (about 180 kB gzipped).
    chunkSizeWarningLimit: 1_000,
    rolldownOptions: {
      input: Object.fromEntries(APPS.map((app) => [app, resolve(webRoot, app, 'index.html')])),
    },
  },
  // `npx vite --config web/vite.config.ts` next to `npm start`: the API comes from the real server.
  server: {
    proxy: Object.fromEntries(
      ['/v1', '/c/', '/health'].map((path) => [path, { target: 'http://127.0.0.1:3000', changeOrigin: false }]),
    ),
  },
});
