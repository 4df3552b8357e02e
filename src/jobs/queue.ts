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
  /**
   * A running job's process proves it is alive this often (pg-boss heartbeat, at least 10): a job
   * whose process died (kill -9, a lost machine) is retried once this much time has passed
   * without a heartbeat, instead of after `expireInSeconds`.
   */
  heartbeatSeconds?: number;
  /** pg-boss queue policy; 'singleton' runs one job per singletonKey at a time, in order. */
  policy?: 'standard' | 'singleton';
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
}

export interface JobQueue {
  send(queue: QueueDefinition, data: object, options?: SendOptions): Promise<void>;
  /** Enqueues several jobs with one statement (pg-boss `insert`), in `tx` when given. */
  sendMany(
    queue: QueueDefinition,
    jobs: readonly NewJob[],
    options?: { tx?: Queryable },
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
/**
 * How often pg-boss looks for jobs whose heartbeat stopped: a supervision pass every 5 s, which
 * sweeps a queue (one process of all, also refreshing its stats) when its last sweep is 10 s old.
 * pg-boss's defaults (60 s each) would leave a dead process's job, and every later job of its
 * singleton key, waiting up to two minutes more after the heartbeat ran out.
 */
const SUPERVISION = { superviseIntervalSeconds: 5, monitorIntervalSeconds: 10 };
const BATCH_SIZE = 10;

function createBoss(db: Database): PgBoss {
  const native = db.native;
  if (native.engine === 'pglite') {
    return new PgBoss({
      db: fromPglite(native.pglite),
      backend: 'pglite',
      schema: 'pgboss',
      ...SUPERVISION,
    });
  }
  return new PgBoss({
    db: { executeSql: (text: string, values?: unknown[]) => native.pool.query(text, values) },
    schema: 'pgboss',
    ...SUPERVISION,
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
    await boss.createQueue(queue.name, {
      retryLimit: queue.retryLimit,
      retryDelay: queue.retryDelaySeconds,
      retryBackoff: true,
      expireInSeconds: queue.expireInSeconds,
      policy: queue.policy ?? 'standard',
      ...(queue.heartbeatSeconds !== undefined && { heartbeatSeconds: queue.heartbeatSeconds }),
    });
    // createQueue leaves an existing queue as it was: a store made before the heartbeat gets it here.
    if (queue.heartbeatSeconds !== undefined)
      await boss.updateQueue(queue.name, { heartbeatSeconds: queue.heartbeatSeconds });
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
        })),
        options.tx ? { db: transactionDb(options.tx) } : {},
      );
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
