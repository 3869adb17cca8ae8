// Configuration: defaults, flags over environment, and a sentence naming the culprit for each bad value.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_DATABASE_URL } from '../store/store.js';
import { loadConfig, resolveDatabaseUrl } from './config.js';

const TOKEN = 'a-long-enough-admin-token';

test('defaults, with nothing set', () => {
  assert.deepEqual(loadConfig({}), {
    ok: true,
    value: {
      databaseUrl: DEFAULT_DATABASE_URL,
      host: '127.0.0.1',
      port: 3000,
      adminToken: null,
      batchMax: 8190,
      logLevel: 'info',
      expirySweepIntervalMs: 1000,
      fieldKey: null,
      webhookDestinations: 'any',
    },
  });
});

test('the environment sets every value, and flags win over it', () => {
  const env = {
    SAOMA_DB: 'sqlite:/tmp/env.db',
    SAOMA_HOST: '0.0.0.0',
    SAOMA_PORT: '8080',
    SAOMA_ADMIN_TOKEN: TOKEN,
    SAOMA_BATCH_MAX: '100',
    SAOMA_LOG_LEVEL: 'WARN',
    SAOMA_EXPIRY_SWEEP_INTERVAL_MS: '250',
    SAOMA_WEBHOOK_DESTINATIONS: 'public',
  };
  const fromEnv = loadConfig(env);
  assert.ok(fromEnv.ok);
  assert.deepEqual(fromEnv.value, {
    databaseUrl: 'sqlite:/tmp/env.db',
    host: '0.0.0.0',
    port: 8080,
    adminToken: TOKEN,
    batchMax: 100,
    logLevel: 'warn',
    expirySweepIntervalMs: 250,
    fieldKey: null,
    webhookDestinations: 'public',
  });
  const flagged = loadConfig(env, { databaseUrl: 'postgres://u@h/db', port: '0', host: '::1' });
  assert.ok(flagged.ok);
  assert.deepEqual(
    [flagged.value.databaseUrl, flagged.value.port, flagged.value.host],
    ['postgres://u@h/db', 0, '::1'],
  );
});

test('each bad value is refused with a sentence that names it', () => {
  const cases: [NodeJS.ProcessEnv, RegExp][] = [
    [{ SAOMA_PORT: '65536' }, /SAOMA_PORT.*0 to 65535, not "65536"/],
    [{ SAOMA_PORT: '0x50' }, /SAOMA_PORT/],
    [{ SAOMA_PORT: '80.5' }, /SAOMA_PORT/],
    [{ SAOMA_BATCH_MAX: '0' }, /SAOMA_BATCH_MAX.*from 1/],
    [{ SAOMA_BATCH_MAX: '1e3' }, /SAOMA_BATCH_MAX/],
    [{ SAOMA_EXPIRY_SWEEP_INTERVAL_MS: '1' }, /SAOMA_EXPIRY_SWEEP_INTERVAL_MS/],
    [{ SAOMA_LOG_LEVEL: 'loud' }, /SAOMA_LOG_LEVEL.*not "loud"/],
    [{ SAOMA_ADMIN_TOKEN: 'short' }, /SAOMA_ADMIN_TOKEN must be at least 16/],
    [{ SAOMA_ADMIN_TOKEN: 'has a space in the middle' }, /SAOMA_ADMIN_TOKEN/],
    [{ SAOMA_DB: 'mysql://localhost/x' }, /SAOMA_DB.*unsupported database URL/],
  ];
  for (const [env, message] of cases) {
    const config = loadConfig(env);
    assert.equal(config.ok, false, JSON.stringify(env));
    if (!config.ok) {
      assert.equal(config.error.code, 'invalid_config');
      assert.match(config.error.message, message);
    }
  }
});

test('the database URL alone ignores the rest of a broken environment', () => {
  assert.deepEqual(resolveDatabaseUrl({ SAOMA_PORT: 'nonsense', SAOMA_DB: 'sqlite:/tmp/x.db' }), {
    ok: true,
    value: 'sqlite:/tmp/x.db',
  });
  assert.deepEqual(resolveDatabaseUrl({ SAOMA_DB: 'sqlite:/tmp/x.db' }, 'sqlite:/tmp/flag.db'), {
    ok: true,
    value: 'sqlite:/tmp/flag.db',
  });
});

test('SAOMA_FIELD_KEY: 64 hex characters are the key; anything else is refused, naming the variable', () => {
  const hex = 'ab'.repeat(32);
  const loaded = loadConfig({ SAOMA_FIELD_KEY: hex });
  assert.ok(loaded.ok);
  assert.equal(loaded.value.fieldKey?.toString('hex'), hex);
  const short = loadConfig({ SAOMA_FIELD_KEY: 'abcd' });
  assert.equal(short.ok, false);
  assert.match(short.ok ? '' : short.error.message, /^SAOMA_FIELD_KEY: /);
});

test('SAOMA_WEBHOOK_DESTINATIONS: any (the default) or public; anything else is refused, naming the variable', () => {
  const defaulted = loadConfig({});
  assert.equal(defaulted.ok && defaulted.value.webhookDestinations, 'any');
  const strict = loadConfig({ SAOMA_WEBHOOK_DESTINATIONS: 'public' });
  assert.equal(strict.ok && strict.value.webhookDestinations, 'public');
  const wrong = loadConfig({ SAOMA_WEBHOOK_DESTINATIONS: 'private' });
  assert.equal(wrong.ok, false);
  assert.match(wrong.ok ? '' : wrong.error.message, /SAOMA_WEBHOOK_DESTINATIONS is any or public/);
});
