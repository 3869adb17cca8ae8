// Secrets at rest: scrypt hashes for passwords and PINs, random tokens, and SHA-256 digests for
// storing tokens that only need to be recognised, never recovered.
import { createHash, randomBytes, randomFillSync, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

interface ScryptParameters {
  cost: number; // N
  blockSize: number; // r
  parallelization: number; // p
}

const CURRENT_PARAMETERS: ScryptParameters = { cost: 16_384, blockSize: 8, parallelization: 1 };
const SALT_BYTES = 16;
const KEY_BYTES = 32;

// Bounds for parameters read back from storage: a corrupted or hostile row must not be able to
// make one verification allocate gigabytes or spin for minutes.
const COST_MAX = 1 << 20;
const BLOCK_SIZE_MAX = 32;
const PARALLELIZATION_MAX = 16;
const KEY_BYTES_MIN = 16;
const KEY_BYTES_MAX = 64;

const BASE64_PATTERN = /^[A-Za-z0-9+/]+={0,2}$/;

function scryptOptions({ cost, blockSize, parallelization }: ScryptParameters): ScryptOptions {
  // OpenSSL needs about 128·r·(N + p + 2) bytes; twice that leaves headroom. Node's default
  // (32 MiB) is just enough for today's N, so without this a later increase would start failing.
  const maxmem = 2 * 128 * blockSize * (cost + parallelization + 2);
  return { N: cost, r: blockSize, p: parallelization, maxmem };
}

function deriveKey(secret: string, salt: Buffer, keyBytes: number, parameters: ScryptParameters): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    // NFC so the same password typed on different keyboards (composed vs decomposed é) matches.
    scrypt(secret.normalize('NFC'), salt, keyBytes, scryptOptions(parameters), (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}

/** Hashes a secret as `scrypt$N$r$p$saltB64$hashB64`, so parameters can change without breaking old rows. */
export async function hashSecret(secret: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await deriveKey(secret, salt, KEY_BYTES, CURRENT_PARAMETERS);
  const { cost, blockSize, parallelization } = CURRENT_PARAMETERS;
  return ['scrypt', cost, blockSize, parallelization, salt.toString('base64'), key.toString('base64')].join('$');
}

interface StoredHash {
  parameters: ScryptParameters;
  salt: Buffer;
  key: Buffer;
}

function parseWholeNumber(text: string | undefined, max: number): number | null {
  if (text === undefined || !/^[1-9][0-9]{0,9}$/.test(text)) return null;
  const value = Number(text);
  return value <= max ? value : null;
}

function parseBase64(text: string | undefined): Buffer | null {
  if (text === undefined || !BASE64_PATTERN.test(text)) return null;
  const bytes = Buffer.from(text, 'base64');
  // Round-trip so that only one spelling of each value is accepted.
  return bytes.toString('base64') === text ? bytes : null;
}

function parseStoredHash(stored: string): StoredHash | null {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return null;
  const cost = parseWholeNumber(parts[1], COST_MAX);
  const blockSize = parseWholeNumber(parts[2], BLOCK_SIZE_MAX);
  const parallelization = parseWholeNumber(parts[3], PARALLELIZATION_MAX);
  const salt = parseBase64(parts[4]);
  const key = parseBase64(parts[5]);
  if (cost === null || blockSize === null || parallelization === null || salt === null || key === null) return null;
  const costIsPowerOfTwo = cost > 1 && (cost & (cost - 1)) === 0;
  if (!costIsPowerOfTwo || key.length < KEY_BYTES_MIN || key.length > KEY_BYTES_MAX) return null;
  return { parameters: { cost, blockSize, parallelization }, salt, key };
}

/** True when `secret` matches a value from hashSecret; false for a mismatch or an unrecognised format. */
export async function verifySecret(secret: string, stored: string): Promise<boolean> {
  const parsed = parseStoredHash(stored);
  if (parsed === null) return false;
  const candidate = await deriveKey(secret, parsed.salt, parsed.key.length, parsed.parameters);
  return timingSafeEqual(candidate, parsed.key);
}

/**
 * Ids and tokens are made several times per payment; one call into the CSPRNG per 4 KiB instead
 * of one per token (as Node does for randomUUID). The same generator, fetched in bulk.
 */
const RANDOM_POOL_BYTES = 4096;
const randomPool = Buffer.alloc(RANDOM_POOL_BYTES);
let randomPoolOffset = RANDOM_POOL_BYTES;

/** A random token for sessions, invites and API keys: `bytes` of entropy, base64url without padding. */
export function newToken(bytes = 32): string {
  if (!Number.isSafeInteger(bytes) || bytes < 1)
    throw new RangeError(`token bytes must be a positive integer, got ${bytes}`);
  if (bytes > RANDOM_POOL_BYTES) return randomBytes(bytes).toString('base64url');
  if (randomPoolOffset + bytes > RANDOM_POOL_BYTES) {
    randomFillSync(randomPool);
    randomPoolOffset = 0;
  }
  const token = randomPool.toString('base64url', randomPoolOffset, randomPoolOffset + bytes);
  // Each byte is handed out once: wipe it, so the pool never holds a token already given.
  randomPool.fill(0, randomPoolOffset, randomPoolOffset + bytes);
  randomPoolOffset += bytes;
  return token;
}

/** SHA-256 of the UTF-8 text, lower-case hex. */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
