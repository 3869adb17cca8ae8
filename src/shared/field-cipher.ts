// Encryption of sensitive columns (ID numbers, card numbers, real names) with AES-256-GCM, plus a
// keyed blind index so encrypted values can still be looked up by equality.
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { ok, problem, type Result } from './result.js';

export interface FieldCipher {
  /** Returns `v1.<iv>.<tag>.<ciphertext>`, each part base64url; a fresh IV every call. */
  encrypt(plain: string): string;
  /** Throws when the value is malformed, was tampered with, or was sealed under another key. */
  decrypt(sealed: string): string;
  /** HMAC-SHA256 hex of the plaintext: equal plaintexts give equal indexes, without revealing them. */
  blindIndex(plain: string): string;
}

const MASTER_KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const VERSION = 'v1';
const ENCRYPTION_INFO = 'saoma field encryption v1';
const BLIND_INDEX_INFO = 'saoma blind index v1';
const BASE64URL_PATTERN = /^[A-Za-z0-9_-]*$/;

// Separate sub-keys so the encryption key and the index key can never be confused, and a leak of
// index values says nothing about the encryption key. The master key is already uniformly random,
// so HKDF's salt adds nothing and is left empty.
function deriveSubKey(masterKey: Buffer, info: string): Buffer {
  return Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), info, 32));
}

function decodeBase64url(text: string, part: string): Buffer {
  const bytes = Buffer.from(text, 'base64url');
  // Node's decoder ignores stray characters and unused trailing bits; the round trip refuses them,
  // so an edit to any character of a sealed value is caught.
  if (!BASE64URL_PATTERN.test(text) || bytes.toString('base64url') !== text) {
    throw new Error(`field cipher: sealed value has a malformed ${part}`);
  }
  return bytes;
}

export function createFieldCipher(masterKey: Buffer): FieldCipher {
  if (masterKey.length !== MASTER_KEY_BYTES) {
    throw new RangeError(`field cipher master key must be ${MASTER_KEY_BYTES} bytes, got ${masterKey.length}`);
  }
  const encryptionKey = deriveSubKey(masterKey, ENCRYPTION_INFO);
  const indexKey = deriveSubKey(masterKey, BLIND_INDEX_INFO);
  // The version is authenticated too, so a future format cannot be passed off as v1 or back.
  const additionalData = Buffer.from(VERSION, 'ascii');

  return {
    encrypt(plain) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', encryptionKey, iv, { authTagLength: TAG_BYTES });
      cipher.setAAD(additionalData);
      const ciphertext = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      const tag = cipher.getAuthTag();
      return [VERSION, ...[iv, tag, ciphertext].map((part) => part.toString('base64url'))].join('.');
    },

    decrypt(sealed) {
      const parts = sealed.split('.');
      if (parts.length !== 4 || parts[0] !== VERSION) {
        throw new Error(`field cipher: sealed value is not in the ${VERSION}.<iv>.<tag>.<ciphertext> format`);
      }
      const iv = decodeBase64url(parts[1] ?? '', 'IV');
      const tag = decodeBase64url(parts[2] ?? '', 'tag');
      const ciphertext = decodeBase64url(parts[3] ?? '', 'ciphertext');
      if (iv.length !== IV_BYTES) throw new Error('field cipher: sealed value has a malformed IV');
      if (tag.length !== TAG_BYTES) throw new Error('field cipher: sealed value has a malformed tag');
      const decipher = createDecipheriv('aes-256-gcm', encryptionKey, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(additionalData);
      decipher.setAuthTag(tag);
      try {
        return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
      } catch {
        throw new Error('field cipher: sealed value failed authentication (tampered with, or another key)');
      }
    },

    blindIndex(plain) {
      return createHmac('sha256', indexKey).update(plain, 'utf8').digest('hex');
    },
  };
}

const HEX_KEY_PATTERN = /^[0-9a-fA-F]{64}$/;
const BASE64_KEY_PATTERN = /^[A-Za-z0-9+/]{43}=$/;
const BASE64URL_KEY_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/** Reads a 32-byte master key written as 64 hex characters or base64 (standard or url-safe). */
export function parseMasterKey(text: string): Result<Buffer, 'invalid_config'> {
  const trimmed = text.trim();
  if (HEX_KEY_PATTERN.test(trimmed)) return ok(Buffer.from(trimmed, 'hex'));
  if (BASE64_KEY_PATTERN.test(trimmed)) {
    const key = Buffer.from(trimmed, 'base64');
    if (key.toString('base64') === trimmed) return ok(key);
  }
  if (BASE64URL_KEY_PATTERN.test(trimmed)) {
    const key = Buffer.from(trimmed, 'base64url');
    if (key.toString('base64url') === trimmed) return ok(key);
  }
  // Never echo the value: it may be a real key with a typo in it.
  return problem(
    'invalid_config',
    `master key must be 32 bytes written as 64 hex characters or 44 base64 characters ` +
      `(got ${trimmed.length} characters); generate one with: openssl rand -hex 32`,
  );
}
