// The process's configuration: command-line flags over SAOMA_* environment variables over
// defaults, checked once at start so that a typo stops the process with a clear sentence.
import { parseDatabaseUrl, DEFAULT_DATABASE_URL } from '../store/store.js';
import { parseMasterKey } from './field-cipher.js';
import { ok, problem, type Result } from './result.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface SaomaConfig {
  databaseUrl: string;
  host: string;
  port: number;
  /** Enables the operator ledger API (`/v1/admin/…`); null leaves it switched off. */
  adminToken: string | null;
  /** Transfers per database transaction in the group-commit writer, at most. */
  batchMax: number;
  logLevel: LogLevel;
  expirySweepIntervalMs: number;
  /**
   * The AES-256-GCM key sealing ID and card numbers (SAOMA_FIELD_KEY: 64 hex characters or
   * base64 of 32 bytes). Null: a SQLite file keeps a generated key in a file beside it.
   */
  fieldKey: Buffer | null;
  /**
   * Where merchants' webhook URLs may lead (SAOMA_WEBHOOK_DESTINATIONS): `any` (the default, for
   * a sandbox whose merchants listen on localhost) or `public` (production: loopback, private and
   * link-local addresses are refused, checked on the resolved address at each connection).
   */
  webhookDestinations: WebhookDestinations;
}

export const WEBHOOK_DESTINATIONS = ['any', 'public'] as const;
export type WebhookDestinations = (typeof WEBHOOK_DESTINATIONS)[number];

/** What the command line may set; anything left undefined falls back to the environment. */
export interface ConfigFlags {
  databaseUrl?: string;
  host?: string;
  port?: string | number;
  batchMax?: string | number;
  logLevel?: string;
}

export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = 3_000;
export const DEFAULT_BATCH_MAX = 8_190;
export const DEFAULT_EXPIRY_SWEEP_INTERVAL_MS = 1_000;

/** A batch larger than this gains nothing and holds the database's write lock too long. */
export const BATCH_MAX_LIMIT = 100_000;
/** A guessable token would hand out the whole ledger: ask for at least this many characters. */
export const ADMIN_TOKEN_LENGTH_MIN = 16;
const EXPIRY_SWEEP_INTERVAL_MS_MIN = 10;
const EXPIRY_SWEEP_INTERVAL_MS_MAX = 3_600_000;

export type ConfigError = 'invalid_config';

/** Reads the configuration; the first bad value is reported, naming the flag or variable. */
export function loadConfig(env: NodeJS.ProcessEnv, flags: ConfigFlags = {}): Result<SaomaConfig, ConfigError> {
  const pick = (flag: string | number | undefined, name: string) => {
    const value = flag !== undefined ? String(flag) : env[name];
    return value === undefined || value === '' ? undefined : value;
  };
  const databaseUrl = resolveDatabaseUrl(env, flags.databaseUrl);
  if (!databaseUrl.ok) return databaseUrl;
  const host = pick(flags.host, 'SAOMA_HOST') ?? DEFAULT_HOST;
  const port = parseInteger(pick(flags.port, 'SAOMA_PORT'), DEFAULT_PORT, 0, 65_535, 'port (--port or SAOMA_PORT)');
  if (!port.ok) return port;
  const batchMax = parseInteger(
    pick(flags.batchMax, 'SAOMA_BATCH_MAX'),
    DEFAULT_BATCH_MAX,
    1,
    BATCH_MAX_LIMIT,
    'writer batch maximum (SAOMA_BATCH_MAX)',
  );
  if (!batchMax.ok) return batchMax;
  const expirySweepIntervalMs = parseInteger(
    pick(undefined, 'SAOMA_EXPIRY_SWEEP_INTERVAL_MS'),
    DEFAULT_EXPIRY_SWEEP_INTERVAL_MS,
    EXPIRY_SWEEP_INTERVAL_MS_MIN,
    EXPIRY_SWEEP_INTERVAL_MS_MAX,
    'expiry sweep interval (SAOMA_EXPIRY_SWEEP_INTERVAL_MS)',
  );
  if (!expirySweepIntervalMs.ok) return expirySweepIntervalMs;
  const logLevel = parseLogLevel(pick(flags.logLevel, 'SAOMA_LOG_LEVEL'));
  if (!logLevel.ok) return logLevel;
  const adminToken = parseAdminToken(env.SAOMA_ADMIN_TOKEN);
  if (!adminToken.ok) return adminToken;
  const fieldKey = env.SAOMA_FIELD_KEY ? parseMasterKey(env.SAOMA_FIELD_KEY) : ok(null);
  if (!fieldKey.ok) return invalid(`SAOMA_FIELD_KEY: ${fieldKey.error.message}`);
  const webhookDestinations = env.SAOMA_WEBHOOK_DESTINATIONS || 'any';
  if (!(WEBHOOK_DESTINATIONS as readonly string[]).includes(webhookDestinations)) {
    return invalid(`SAOMA_WEBHOOK_DESTINATIONS is any or public, not ${JSON.stringify(webhookDestinations)}`);
  }
  return ok({
    databaseUrl: databaseUrl.value,
    host,
    port: port.value,
    adminToken: adminToken.value,
    batchMax: batchMax.value,
    logLevel: logLevel.value,
    expirySweepIntervalMs: expirySweepIntervalMs.value,
    fieldKey: fieldKey.value,
    webhookDestinations: webhookDestinations as WebhookDestinations,
  });
}

const invalid = (message: string) => problem<ConfigError>('invalid_config', message);

/** Just the database: `saoma migrate` and `saoma audit` need nothing else, so nothing else can stop them. */
export function resolveDatabaseUrl(env: NodeJS.ProcessEnv, flag?: string): Result<string, ConfigError> {
  const url = flag || env.SAOMA_DB || DEFAULT_DATABASE_URL;
  try {
    parseDatabaseUrl(url);
    return ok(url);
  } catch (error) {
    return invalid(`database URL (--db or SAOMA_DB): ${(error as Error).message}`);
  }
}

/** Decimal digits only: `Number('0x10')` and `Number('1e3')` would accept what no one meant. */
export function parseInteger(
  text: string | undefined,
  fallback: number,
  min: number,
  max: number,
  what: string,
): Result<number, ConfigError> {
  if (text === undefined) return ok(fallback);
  const value = /^[0-9]{1,15}$/.test(text.trim()) ? Number(text.trim()) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    return invalid(`${what} must be a whole number from ${min} to ${max}, not "${text}"`);
  }
  return ok(value);
}

function parseLogLevel(text: string | undefined): Result<LogLevel, ConfigError> {
  if (text === undefined) return ok('info');
  const level = LOG_LEVELS.find((known) => known === text.toLowerCase());
  return level
    ? ok(level)
    : invalid(`log level (SAOMA_LOG_LEVEL) must be one of ${LOG_LEVELS.join(', ')}, not "${text}"`);
}

function parseAdminToken(text: string | undefined): Result<string | null, ConfigError> {
  if (text === undefined || text === '') return ok(null);
  if (text.length < ADMIN_TOKEN_LENGTH_MIN || !/^[\x21-\x7e]+$/.test(text)) {
    return invalid(
      `SAOMA_ADMIN_TOKEN must be at least ${ADMIN_TOKEN_LENGTH_MIN} printable characters without spaces ` +
        '(for example the output of `openssl rand -hex 32`)',
    );
  }
  return ok(text);
}
