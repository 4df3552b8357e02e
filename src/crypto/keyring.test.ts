import { describe, expect, it } from 'vitest';
import {
  createKeyring,
  generateEncryptionKey,
  parseEncryptionKeys,
  SealedValueError,
  sealedKeyId,
} from './keyring.ts';

const keysFrom = (value: string) => {
  const { keys, problems } = parseEncryptionKeys(value);
  expect(problems).toEqual([]);
  return keys;
};

describe('parseEncryptionKeys', () => {
  it('parses an ordered list of id:base64 keys', () => {
    const keys = keysFrom(`${generateEncryptionKey('new')},${generateEncryptionKey('old')}`);
    expect(keys.map((key) => key.id)).toEqual(['new', 'old']);
    expect(keys.every((key) => key.key.length === 32)).toBe(true);
  });

  it('names each bad entry', () => {
    expect(
      parseEncryptionKeys(`nocolon,bad id:${Buffer.alloc(32).toString('base64')},k:AAAA`).problems,
    ).toEqual([
      'entry 1 must look like "<id>:<base64 key>" with an id of letters, digits, _ or -.',
      'entry 2 must look like "<id>:<base64 key>" with an id of letters, digits, _ or -.',
      'key "k" must be 32 bytes encoded in base64 (got 3 bytes).',
    ]);
    const duplicate = generateEncryptionKey('same');
    expect(parseEncryptionKeys(`${duplicate},${duplicate}`).problems).toEqual([
      'key id "same" appears twice.',
    ]);
  });
});

describe('keyring', () => {
  const [newKey, oldKey] = [generateEncryptionKey('new'), generateEncryptionKey('old')];

  it('seals with the first key, with a fresh nonce every time, and opens with any key of the ring', () => {
    const oldRing = createKeyring(keysFrom(oldKey));
    const sealedByOld = oldRing.seal('s3cret', 'ctx');
    const ring = createKeyring(keysFrom(`${newKey},${oldKey}`));
    expect(ring.open(sealedByOld, 'ctx')).toBe('s3cret');
    const sealed = ring.seal('s3cret', 'ctx');
    expect(sealedKeyId(sealed)).toBe('new');
    expect(sealed).not.toBe(ring.seal('s3cret', 'ctx'));
    expect(sealed).not.toContain('s3cret');
  });

  it('refuses a value bound to another context, a tampered value, and an unknown key', () => {
    const ring = createKeyring(keysFrom(newKey));
    const sealed = ring.seal('s3cret', 'apps.client_secret:1');
    expect(() => ring.open(sealed, 'apps.client_secret:2')).toThrow(SealedValueError);
    // The last character holds unused bits too: change the one before it (always data, the tag).
    const changed = sealed.at(-2) === 'A' ? 'B' : 'A';
    const tampered = `${sealed.slice(0, -2)}${changed}${sealed.slice(-1)}`;
    expect(tampered).not.toBe(sealed);
    expect(() => ring.open(tampered, 'apps.client_secret:1')).toThrow(SealedValueError);
    expect(() => createKeyring(keysFrom(oldKey)).open(sealed, 'apps.client_secret:1')).toThrow(
      'Encryption key "new" is not in HOSTPASS_ENCRYPTION_KEYS.',
    );
    expect(() => ring.open('plain text', 'x')).toThrow('Not a sealed value.');
  });
});
