import path from 'node:path';
import type { Logger } from 'pino';
import type { Config } from './config.ts';
import { loadOrCreateKeyFile } from './crypto/key-file.ts';
import { createKeyring, type Keyring } from './crypto/keyring.ts';
import { sealedKeyUsage } from './crypto/sealed-columns.ts';
import { acquireDataDirLock, type DataDirLock } from './db/data-dir-lock.ts';
import type { Database } from './db/database.ts';
import { migrate } from './db/migrations.ts';
import { openPgliteDatabase } from './db/pglite.ts';
import { openPostgresDatabase } from './db/postgres.ts';
import { createServices, SEALED_COLUMNS, type Services } from './services.ts';

/** An open store with its services: what `serve` and every CLI command work with. */
export interface Runtime {
  config: Config;
  logger: Logger;
  db: Database;
  keyring: Keyring;
  services: Services;
  close(): Promise<void>;
}

async function openDatabase(config: Config): Promise<{ db: Database; lock: DataDirLock | null }> {
  if (config.databaseUrl !== null) {
    return { db: openPostgresDatabase(config.databaseUrl, config.databasePoolSize), lock: null };
  }
  // Lock first: a second process opening a PGlite directory would corrupt it.
  const lock = await acquireDataDirLock(config.dataDir);
  try {
    return { db: await openPgliteDatabase(path.join(config.dataDir, 'pgdata')), lock };
  } catch (error) {
    await lock.release();
    throw error;
  }
}

/** Refuses to start when stored secrets were sealed by a key the operator has since removed. */
async function assertKeyringCoversStore(db: Database, keyring: Keyring): Promise<void> {
  const missing = [...(await sealedKeyUsage(db, SEALED_COLUMNS))].filter(
    ([keyId]) => !keyring.keyIds.includes(keyId),
  );
  if (missing.length > 0) {
    const list = missing.map(([keyId, count]) => `"${keyId}" (${count} values)`).join(', ');
    throw new Error(
      `Stored secrets are sealed with encryption keys that HOSTPASS_ENCRYPTION_KEYS no longer has: ${list}. ` +
        'Add them back (after the new first key), start, and run `hostpass keys rotate-encryption` before removing them.',
    );
  }
}

export async function openRuntime(config: Config, logger: Logger): Promise<Runtime> {
  const { db, lock } = await openDatabase(config);
  const close = async () => {
    await db.close();
    await lock?.release();
  };
  try {
    const keys = config.encryptionKeys ?? (await loadOrCreateKeyFile(config.dataDir, logger));
    const keyring = createKeyring(keys);
    const applied = await migrate(db);
    if (applied.length > 0) logger.info({ applied }, 'applied database migrations');
    await assertKeyringCoversStore(db, keyring);
    const services = createServices({ db, keyring, publicUrl: config.publicUrl });
    return { config, logger, db, keyring, services, close };
  } catch (error) {
    await close();
    throw error;
  }
}
