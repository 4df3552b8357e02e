import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import { type EncryptionKey, generateEncryptionKey, parseEncryptionKeys } from './keyring.ts';

export const KEY_FILE_NAME = 'encryption-keys';

/**
 * The embedded default: with no HOSTPASS_ENCRYPTION_KEYS, keys live in a file beside the data.
 * Convenient for a first run, but whoever copies the data directory gets the key with it.
 */
export async function loadOrCreateKeyFile(
  dataDir: string,
  logger: Logger,
): Promise<EncryptionKey[]> {
  const keyPath = path.join(dataDir, KEY_FILE_NAME);
  let contents = await readFile(keyPath, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return null;
    throw error;
  });
  if (contents === null) {
    await mkdir(dataDir, { recursive: true });
    contents = generateEncryptionKey('k1');
    await writeFile(keyPath, `${contents}\n`, { mode: 0o600, flag: 'wx' });
    logger.warn({ keyPath }, 'generated an encryption key');
  }
  logger.warn(
    { keyPath },
    'SECRETS ARE ENCRYPTED WITH A KEY STORED NEXT TO THE DATA. For production, set HOSTPASS_ENCRYPTION_KEYS ' +
      '(see README, "Encryption keys") and keep the key away from the data directory.',
  );
  const { keys, problems } = parseEncryptionKeys(contents.trim());
  if (problems.length > 0)
    throw new Error(`${keyPath} is not a valid key file: ${problems.join(' ')}`);
  return keys;
}
