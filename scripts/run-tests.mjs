// Runs every compiled test file (dist/**/*.test.js) with Node's test runner. The PostgreSQL
// suite runs when SAOMA_TEST_POSTGRES is set; otherwise it is skipped, and this says why.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

function findTests(directory) {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return findTests(path);
    return entry.name.endsWith('.test.js') ? [path] : [];
  });
}

const files = findTests('dist').sort();
if (files.length === 0) {
  console.error('no compiled tests found under dist/: did the build run?');
  process.exit(1);
}
if (process.env.SAOMA_TEST_POSTGRES) {
  console.log(`PostgreSQL suite: on (${process.env.SAOMA_TEST_POSTGRES.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@')})`);
} else {
  console.log(
    'PostgreSQL suite: skipped — set SAOMA_TEST_POSTGRES=postgres://user@host:port/db to run it (.ci/run does).',
  );
}
const timeoutMs = process.env.SAOMA_TEST_TIMEOUT_MS ?? '600000';
const result = spawnSync(
  process.execPath,
  ['--test', '--test-reporter=spec', `--test-timeout=${timeoutMs}`, ...process.argv.slice(2), ...files],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
