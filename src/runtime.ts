import path from 'node:path';
import type { Logger } from 'pino';
import { BOT_JOIN_QUEUE } from './bots/service.ts';
import type { Config } from './config.ts';
import { CREDENTIAL_REFRESH_QUEUE, startCredentialWorkers } from './credentials/jobs.ts';
import { loadOrCreateKeyFile } from './crypto/key-file.ts';
import { createKeyring, type Keyring } from './crypto/keyring.ts';
import { sealedKeyUsage } from './crypto/sealed-columns.ts';
import { acquireDataDirLock, type DataDirLock } from './db/data-dir-lock.ts';
import type { Database } from './db/database.ts';
import { migrate } from './db/migrations.ts';
import { EVENT_DELIVERY_QUEUE } from './events/service.ts';
import { type WriteVersions, watchWrites } from './hot-path/index.ts';
import { type JobQueue, type QueueDefinition, startJobQueue } from './jobs/queue.ts';
import { plural } from './plural.ts';
import { createServices, SEALED_COLUMNS, type Services } from './services.ts';
import { MEETING_RESYNC_QUEUE, MEETING_SYNC_STEP_QUEUE, startSyncWorkers } from './sync/jobs.ts';
import {
  LEGACY_WEBHOOK_EVENT_QUEUE,
  startWebhookWorkers,
  WEBHOOK_EVENT_QUEUE,
} from './webhooks/processor.ts';

/** Every job queue Hostpass uses; created at start so that sending to one never fails. */
export const QUEUES = [
  CREDENTIAL_REFRESH_QUEUE,
  WEBHOOK_EVENT_QUEUE,
  LEGACY_WEBHOOK_EVENT_QUEUE,
  MEETING_SYNC_STEP_QUEUE,
  MEETING_RESYNC_QUEUE,
  BOT_JOIN_QUEUE,
  EVENT_DELIVERY_QUEUE,
];

/** The queues with the retry budgets the operator configured. */
function configuredQueues(config: Config): QueueDefinition[] {
  return QUEUES.map((queue) => {
    if (queue === WEBHOOK_EVENT_QUEUE) return { ...queue, retryLimit: config.webhookEventRetries };
    if (queue === BOT_JOIN_QUEUE) return { ...queue, retryLimit: config.botLaunchRetries };
    return queue;
  });
}

/** An open store with its services: what `serve` and every CLI command work with. */
export interface Runtime {
  config: Config;
  logger: Logger;
  db: Database;
  keyring: Keyring;
  queue: JobQueue;
  services: Services;
  /** Starts this process's background workers (serve does; one-shot CLI commands do not). */
  startWorkers(): Promise<void>;
  close(): Promise<void>;
}

async function openDatabase(
  config: Config,
): Promise<{ db: Database; lock: DataDirLock | null; writes?: WriteVersions }> {
  // Each engine's driver is loaded only when used: a server on PostgreSQL never pays for PGlite's
  // WebAssembly build in memory or start-up time.
  if (config.databaseUrl !== null) {
    const { openPostgresDatabase } = await import('./db/postgres.ts');
    return { db: openPostgresDatabase(config.databaseUrl, config.databasePoolSize), lock: null };
  }
  // Lock first: a second process opening a PGlite directory would corrupt it.
  const lock = await acquireDataDirLock(config.dataDir);
  try {
    const { openPgliteDatabase } = await import('./db/pglite.ts');
    // One process owns the store: it sees every write, so the hot path may read from memory.
    const watched = watchWrites(await openPgliteDatabase(path.join(config.dataDir, 'pgdata')));
    return { db: watched.db, lock, writes: watched.versions };
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
    const list = missing
      .map(([keyId, count]) => `"${keyId}" (${plural(count, 'value')})`)
      .join(', ');
    throw new Error(
      `Stored secrets are sealed with encryption keys that HOSTPASS_ENCRYPTION_KEYS no longer has: ${list}. ` +
        'Add them back (after the new first key), start, and run `hostpass keys rotate-encryption` before removing them.',
    );
  }
}

export async function openRuntime(config: Config, logger: Logger): Promise<Runtime> {
  const { db, lock, writes } = await openDatabase(config);
  let queue: JobQueue | undefined;
  let services: Services | undefined;
  let stopSyncSweeper: (() => void) | undefined;
  let stopWebhookWorkers: (() => void) | undefined;
  let stopWebhookRetention: (() => Promise<void>) | undefined;
  let stopEventRetention: (() => Promise<void>) | undefined;
  let stopEventDispatch: (() => Promise<void>) | undefined;
  let stopStatsHousekeeping: (() => void) | undefined;
  const close = async () => {
    stopSyncSweeper?.();
    stopStatsHousekeeping?.();
    stopWebhookWorkers?.();
    await stopWebhookRetention?.();
    await stopEventRetention?.();
    await stopEventDispatch?.();
    await queue?.stop();
    await services?.close();
    await db.close();
    await lock?.release();
  };
  try {
    const keys = config.encryptionKeys ?? (await loadOrCreateKeyFile(config.dataDir, logger));
    const keyring = createKeyring(keys);
    const applied = await migrate(db);
    if (applied.length > 0) logger.info({ applied }, 'applied database migrations');
    await assertKeyringCoversStore(db, keyring);
    queue = await startJobQueue(db, logger, configuredQueues(config));
    services = createServices({ db, keyring, config, queue, logger, ...(writes && { writes }) });
    const sealed = await services.botService.sealStoredMeetingUrls();
    if (sealed > 0) logger.info({ sealed }, "sealed the passcodes of earlier bots' meeting links");
    const running = { queue, services };
    return {
      config,
      logger,
      db,
      keyring,
      ...running,
      async startWorkers() {
        await startCredentialWorkers(running.queue, running.services.tokenManager);
        stopWebhookWorkers = await startWebhookWorkers(
          running.queue,
          running.services.webhookProcessor,
          logger,
        );
        stopWebhookRetention = running.services.webhookRetention.start();
        stopEventRetention = running.services.eventRetention.start();
        stopEventDispatch = await running.services.eventService.startDispatching();
        // Jobs an earlier version queued: their deliveries' rows are the work.
        await running.queue.work(EVENT_DELIVERY_QUEUE, async () =>
          running.services.eventService.wake(),
        );
        stopStatsHousekeeping = running.services.statsService.startHousekeeping();
        await running.queue.work<{ botId: string }>(
          BOT_JOIN_QUEUE,
          ({ botId }, attempt) => running.services.botService.join(botId, attempt),
          4,
        );
        stopSyncSweeper = await startSyncWorkers({
          queue: running.queue,
          runner: running.services.syncRunner,
          syncs: running.services.syncs,
          resync: running.services.resync,
          leaseSeconds: config.syncLeaseSeconds,
          logger,
        });
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
