import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { plural } from '../plural.ts';

/**
 * AES-256-GCM sealing of secrets at rest. Every ciphertext names the key that sealed it
 * (`v1:<keyId>:<base64url(nonce | ciphertext | tag)>`), so keys can rotate: the first key of the
 * ring seals, every key of the ring opens.
 *
 * A context string (e.g. `zoom_oauth_apps.client_secret:<row id>`) is bound as associated data,
 * so a ciphertext copied into another row or column does not open.
 */
export interface EncryptionKey {
  id: string;
  key: Buffer;
}

export interface Keyring {
  readonly activeKeyId: string;
  readonly keyIds: readonly string[];
  /**
   * A subkey for one purpose (e.g. signing token URLs), derived with HKDF so the encryption key
   * itself is never used for anything else. `keyId` defaults to the active key. Derived once per
   * key and purpose (every token URL GET verifies with one): the Buffer is shared, not to be
   * modified.
   */
  deriveKey(purpose: string, keyId?: string): Buffer | null;
  seal(plaintext: string, context: string): string;
  open(sealed: string, context: string): string;
}

const FORMAT_VERSION = 'v1';
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const KEY_ID_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;

export class SealedValueError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SealedValueError';
  }
}

/** Parses `id:base64key[,id:base64key…]`; returns one problem per bad entry. */
export function parseEncryptionKeys(value: string): { keys: EncryptionKey[]; problems: string[] } {
  const keys: EncryptionKey[] = [];
  const problems: string[] = [];
  for (const [index, entry] of value.split(',').entries()) {
    const separator = entry.indexOf(':');
    const id = entry.slice(0, separator).trim();
    const encoded = entry.slice(separator + 1).trim();
    const position = `entry ${index + 1}`;
    if (separator < 0 || !KEY_ID_PATTERN.test(id)) {
      problems.push(
        `${position} must look like "<id>:<base64 key>" with an id of letters, digits, _ or -.`,
      );
      continue;
    }
    const key = Buffer.from(encoded, 'base64');
    if (key.length !== 32) {
      problems.push(
        `key "${id}" must be 32 bytes encoded in base64 (got ${plural(key.length, 'byte')}).`,
      );
      continue;
    }
    if (keys.some((existing) => existing.id === id)) {
      problems.push(`key id "${id}" appears twice.`);
      continue;
    }
    keys.push({ id, key });
  }
  if (keys.length === 0 && problems.length === 0) problems.push('at least one key is required.');
  return { keys, problems };
}

export function generateEncryptionKey(id: string): string {
  return `${id}:${randomBytes(32).toString('base64')}`;
}

export function createKeyring(keys: readonly EncryptionKey[]): Keyring {
  const [active] = keys;
  if (!active) throw new Error('A keyring needs at least one key.');
  const byId = new Map(keys.map((entry) => [entry.id, entry.key]));
  // Bounded by the ring's keys times the code's purposes: an unknown key id is never stored.
  const derived = new Map<string, Buffer>();

  return {
    activeKeyId: active.id,
    keyIds: keys.map((entry) => entry.id),
    deriveKey(purpose, keyId = active.id) {
      const name = `${keyId}\n${purpose}`;
      const known = derived.get(name);
      if (known) return known;
      const key = byId.get(keyId);
      if (!key) return null;
      const subkey = Buffer.from(
        hkdfSync('sha256', key, Buffer.alloc(0), `hostpass:${purpose}`, 32),
      );
      derived.set(name, subkey);
      return subkey;
    },
    seal(plaintext, context) {
      const nonce = randomBytes(NONCE_BYTES);
      const cipher = createCipheriv('aes-256-gcm', active.key, nonce);
      cipher.setAAD(Buffer.from(context, 'utf8'));
      const body = Buffer.concat([
        cipher.update(plaintext, 'utf8'),
        cipher.final(),
        cipher.getAuthTag(),
      ]);
      return `${FORMAT_VERSION}:${active.id}:${Buffer.concat([nonce, body]).toString('base64url')}`;
    },
    open(sealed, context) {
      const { keyId, payload } = splitSealedValue(sealed);
      const key = byId.get(keyId);
      if (!key) {
        throw new SealedValueError(`Encryption key "${keyId}" is not in HOSTPASS_ENCRYPTION_KEYS.`);
      }
      const nonce = payload.subarray(0, NONCE_BYTES);
      const tag = payload.subarray(payload.length - TAG_BYTES);
      const ciphertext = payload.subarray(NONCE_BYTES, payload.length - TAG_BYTES);
      const decipher = createDecipheriv('aes-256-gcm', key, nonce);
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(tag);
      try {
        return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
      } catch {
        throw new SealedValueError(`A value sealed with key "${keyId}" failed authentication.`);
      }
    },
  };
}

/** The id of the key that sealed a value, without opening it. */
export function sealedKeyId(sealed: string): string {
  return splitSealedValue(sealed).keyId;
}

function splitSealedValue(sealed: string): { keyId: string; payload: Buffer } {
  const [version, keyId, encoded] = sealed.split(':');
  if (version !== FORMAT_VERSION || !keyId || !encoded) {
    throw new SealedValueError('Not a sealed value.');
  }
  const payload = Buffer.from(encoded, 'base64url');
  if (payload.length < NONCE_BYTES + TAG_BYTES)
    throw new SealedValueError('Sealed value is truncated.');
  return { keyId, payload };
}
