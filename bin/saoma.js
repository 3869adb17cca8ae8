#!/usr/bin/env node
// The `saoma` command: runs the compiled CLI (npm run build produces dist/).
import('../dist/cli/main.js').catch((error) => {
  if (error && error.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes('dist/cli/main.js')) {
    console.error('saoma: not built yet — run `npm run build` (npm start and npm test build first).');
    process.exit(1);
  }
  throw error;
});
