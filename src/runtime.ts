import path from 'node:path';
import type { Logger } from 'pino';
import { botJobs } from './bots/jobs.ts';
import type { Config } from './config.ts';
import { spreadOverdueRefreshes } from './credentials/catch-up.ts';
import { credentialJobs } from './credentials/jobs.ts';
import { loadOrCreateKeyFile } from './crypto/key-file.ts';
import { createKeyring, type Keyring } from './crypto/keyring.ts';
import { sealedKeyUsage } from './crypto/sealed-columns.ts';
import { acquireDataDirLock, type DataDirLock } from './db/data-dir-lock.ts';
import type { Database } from './db/database.ts';
import { migrate } from './db/migrations.ts';
import { eventJobs, eventTasks } from './events/jobs.ts';
import { type WriteVersions, watchWrites } from './hot-path/index.ts';
import type { JobDefinition, PeriodicTask, Stop } from './jobs/definition.ts';
import { type JobQueue, type QueueDefinition, startJobQueue } from './jobs/queue.ts';
import { meetingSyncJobs, meetingSyncTasks } from './meetings/jobs.ts';
import { plural } from './plural.ts';
import { createServices, SEALED_COLUMNS, type Services } from './services.ts';
import { statsTasks } from './stats/jobs.ts';
import { webhookJobs, webhookTasks } from './webhooks/jobs.ts';

/** What a job handler or periodic task may use: the services and the process's settings. */
type WorkerDeps = Services & { config: Config; logger: Logger };

/**
 * Every feature's jobs; their queues are created at start so that sending to one never fails.
 * Workers start in this order (the meeting syncs last, as before jobs were listed here).
 */
const JOBS: JobDefinition<WorkerDeps>[] = [
  ...credentialJobs,
  ...webhookJobs,
  ...eventJobs,
  ...botJobs,
  ...meetingSyncJobs,
];
const TASKS: PeriodicTask<WorkerDeps>[] = [
  ...webhookTasks,
  ...eventTasks,
  ...statsTasks,
  ...meetingSyncTasks,
];

export const QUEUES: QueueDefinition[] = JOBS.map((job) => job.queue);

/** The queues with the retry budgets the operator configured. */
function configuredQueues(config: Config): QueueDefinition[] {
  return JOBS.map((job) => ({ ...job.queue, ...job.configure?.(config) }));
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
  const stops: Stop[] = [];
  const close = async () => {
    // One task failing to stop must not keep the queue, the store and its lock open.
    for (const stop of stops.splice(0))
      await Promise.resolve()
        .then(stop)
        .catch((error: unknown) =>
          logger.error({ err: error }, 'a background task failed to stop'),
        );
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
        const deps = { ...running.services, queue: running.queue, config, logger };
        // Before any worker fetches them, so they are not run all at once first. Only an
        // optimisation: if it fails, each job still spreads itself when it runs.
        await spreadOverdueRefreshes(db, Date.now, logger).catch((error: unknown) =>
          logger.warn({ err: error }, 'spreading overdue refreshes at start-up failed'),
        );
        for (const job of JOBS) await job.work(deps);
        for (const task of TASKS) stops.push(await task.start(deps));
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
