import { fromPglite, PgBoss } from 'pg-boss';
import type { Logger } from 'pino';
import type { Database, Queryable } from '../db/database.ts';

/**
 * Durable jobs on pg-boss, in the same database as everything else: a job enqueued inside a
 * transaction exists exactly when the state change that asked for it was committed, and
 * nothing queued is lost when a process dies.
 */
export interface QueueDefinition {
  name: string;
  /** Attempts after the first, with exponential backoff from `retryDelaySeconds`. */
  retryLimit: number;
  retryDelaySeconds: number;
  /** A job running longer than this is considered lost and retried. */
  expireInSeconds: number;
  /** pg-boss queue policy; 'singleton' runs one job per singletonKey at a time, in order. */
  policy?: 'standard' | 'singleton';
  /**
   * How long a completed job is kept before the maintenance pass deletes it (pg-boss
   * `deleteAfterSeconds`; default one day). Jobs are the work, not its record: what happened is in
   * the credential, bot and webhook logs, so the table holds about a day of work, not every job ever.
   */
  deleteAfterSeconds?: number;
}

export interface SendOptions {
  /** Enqueue as part of this transaction. */
  tx?: Queryable;
  startAfterSeconds?: number;
  /** At most one queued job per key (pg-boss singleton): repeated sends collapse into one. */
  singletonKey?: string;
}

/** One job of a `sendMany`. */
export interface NewJob {
  data: object;
  /** As SendOptions.singletonKey. */
  singletonKey?: string;
  /** Not run before this. */
  startAfter?: Date;
}

export interface JobQueue {
  send(queue: QueueDefinition, data: object, options?: SendOptions): Promise<void>;
  /** Enqueues several jobs with one statement (pg-boss `insert`), in `tx` when given. */
  sendMany(
    queue: QueueDefinition,
    jobs: readonly NewJob[],
    options?: { tx?: Queryable },
  ): Promise<void>;
  /**
   * The one pending job of `key`: its start time moved to `startAfter` if one is queued (waiting
   * or waiting to retry), else queued (pg-boss `upsert` by singletonKey, safe against concurrent
   * callers). However often it is called, `key` has at most one job waiting.
   */
  schedule(
    queue: QueueDefinition,
    key: string,
    data: object,
    options: { startAfter: Date; tx?: Queryable },
  ): Promise<void>;
  /** Runs `handler` for jobs of `queue` in this process; a thrown error fails the attempt (retried). */
  work<Data extends object>(
    queue: QueueDefinition,
    handler: (data: Data) => Promise<void>,
    concurrency?: number,
  ): Promise<void>;
  stop(): Promise<void>;
}

const POLLING_INTERVAL_SECONDS = 0.5;
const BATCH_SIZE = 10;
const DELETE_COMPLETED_AFTER_SECONDS = 24 * 60 * 60;
/**
 * How often pg-boss deletes the jobs past their queue's `deleteAfterSeconds`. Its default, once a
 * day, would let a fleet's refresh jobs pile up for a day past their retention.
 */
const MAINTENANCE_INTERVAL_SECONDS = 10 * 60;

function createBoss(db: Database): PgBoss {
  const native = db.native;
  if (native.engine === 'pglite') {
    return new PgBoss({
      db: fromPglite(native.pglite),
      backend: 'pglite',
      schema: 'pgboss',
      maintenanceIntervalSeconds: MAINTENANCE_INTERVAL_SECONDS,
    });
  }
  return new PgBoss({
    db: { executeSql: (text: string, values?: unknown[]) => native.pool.query(text, values) },
    schema: 'pgboss',
    maintenanceIntervalSeconds: MAINTENANCE_INTERVAL_SECONDS,
  });
}

/** pg-boss's database adapter over one of our transactions. */
function transactionDb(tx: Queryable) {
  return { executeSql: (text: string, values?: unknown[]) => tx.query(text, values) };
}

export async function startJobQueue(
  db: Database,
  logger: Logger,
  queues: readonly QueueDefinition[],
): Promise<JobQueue> {
  const boss = createBoss(db);
  boss.on('error', (error: unknown) => logger.error({ err: error }, 'job queue error'));
  await boss.start();
  for (const queue of queues) {
    const options = {
      retryLimit: queue.retryLimit,
      retryDelay: queue.retryDelaySeconds,
      retryBackoff: true,
      expireInSeconds: queue.expireInSeconds,
      deleteAfterSeconds: queue.deleteAfterSeconds ?? DELETE_COMPLETED_AFTER_SECONDS,
    };
    await boss.createQueue(queue.name, { ...options, policy: queue.policy ?? 'standard' });
    // createQueue leaves an existing queue as it was: apply what this version says (not the
    // policy, which pg-boss cannot change).
    await boss.updateQueue(queue.name, options);
  }

  return {
    async send(queue, data, options = {}) {
      await boss.send(queue.name, data, {
        ...(options.tx && { db: transactionDb(options.tx) }),
        ...(options.startAfterSeconds !== undefined && {
          startAfter: Math.max(0, Math.ceil(options.startAfterSeconds)),
        }),
        ...(options.singletonKey !== undefined && { singletonKey: options.singletonKey }),
      });
    },
    async sendMany(queue, jobs, options = {}) {
      if (jobs.length === 0) return;
      // The same INSERT as send() (queue defaults, policy), one row per job.
      await boss.insert(
        queue.name,
        jobs.map((job) => ({
          data: job.data,
          ...(job.singletonKey !== undefined && { singletonKey: job.singletonKey }),
          ...(job.startAfter !== undefined && { startAfter: job.startAfter }),
        })),
        options.tx ? { db: transactionDb(options.tx) } : {},
      );
    },
    async schedule(queue, key, data, options) {
      await boss.upsert(queue.name, data, {
        singletonKey: key,
        startAfter: options.startAfter,
        ...(options.tx && { db: transactionDb(options.tx) }),
      });
    },
    async work<Data extends object>(
      queue: QueueDefinition,
      handler: (data: Data) => Promise<void>,
      concurrency = 1,
    ) {
      // Batches, run concurrently, with burst fetching while batches come back full: pg-boss
      // otherwise waits a polling interval after every fetch, which caps a worker at a few jobs
      // per second however fast the jobs are. Each job succeeds or fails (and retries) alone.
      await boss.work<Data>(
        queue.name,
        {
          pollingIntervalSeconds: POLLING_INTERVAL_SECONDS,
          batchSize: BATCH_SIZE,
          burstWhenBatchFull: true,
          perJobResults: true,
          localConcurrency: concurrency,
        },
        async (jobs) =>
          Promise.all(
            jobs.map(async (job) => {
              try {
                await handler(job.data);
                return { id: job.id, status: 'completed' as const };
              } catch (error) {
                logger.warn(
                  { queue: queue.name, jobId: job.id, err: String(error) },
                  'job failed; it will be retried',
                );
                return {
                  id: job.id,
                  status: 'failed' as const,
                  output: { message: String(error) },
                };
              }
            }),
          ),
      );
    },
    stop: () => boss.stop({ graceful: true, timeout: 10_000 }),
  };
}
