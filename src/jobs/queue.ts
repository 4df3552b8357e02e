import { fromPglite, type JobWithMetadata, PgBoss } from 'pg-boss';
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
   * A running job refreshes its heartbeat every half of this (pg-boss, at least 10); one whose
   * process died (kill -9) stops refreshing and is retried about this long after, instead of only
   * after `expireInSeconds`.
   */
  heartbeatSeconds?: number;
  /**
   * pg-boss queue policy, fixed when the queue is created (a change needs a new queue name).
   * 'singleton': one active job per singletonKey. 'key_strict_fifo': per singletonKey (required on
   * every job), a job runs only once the one before it has completed: a job waiting for its retry
   * holds back the ones after it, across processes.
   */
  policy?: 'standard' | 'singleton' | 'key_strict_fifo';
  /**
   * How long a completed job is kept before the maintenance pass deletes it (pg-boss
   * `deleteAfterSeconds`; default one day). Jobs are the work, not its record: what happened is in
   * the credential, bot and webhook logs, so the table holds about a day of work, not every job ever.
   */
  deleteAfterSeconds?: number;
}

/** Which attempt of its job a handler runs. */
export interface Attempt {
  /** 0 for the first attempt. */
  retryCount: number;
  retryLimit: number;
  /**
   * Aborted when the process starts to stop. A handler that can end early at a point its work
   * resumes from (a sync step between pages) should, so that the process exits promptly; one
   * that cannot (a token refresh Zoom may have rotated) just finishes within the stop's grace.
   */
  signal?: AbortSignal;
}

/** The last attempt: a handler that gives up must settle here, as a throw now fails the job for good. */
export const isFinalAttempt = (attempt: Attempt): boolean =>
  attempt.retryCount >= attempt.retryLimit;

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
  /** As in `schedule`. */
  priority?: number;
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
    options: {
      startAfter: Date;
      tx?: Queryable;
      /** Fetched before the queue's jobs of lower priority that are due too (pg-boss priority). */
      priority?: number;
    },
  ): Promise<void>;
  /** Runs `handler` for jobs of `queue` in this process; a thrown error fails the attempt (retried). */
  work<Data extends object>(
    queue: QueueDefinition,
    handler: (data: Data, attempt: Attempt) => Promise<void>,
    options?: WorkOptions,
  ): Promise<void>;
  /**
   * The same, a fetched batch at a time, for work that is cheaper done for several jobs at once:
   * `handler` settles every job of the batch, each alone (see JobBatch). Throwing fails them all.
   */
  workBatches<Data extends object>(
    queue: QueueDefinition,
    handler: (batch: JobBatch<Data>) => Promise<readonly JobOutcome[]>,
    options?: WorkOptions,
  ): Promise<void>;
  /**
   * A key_strict_fifo queue's keys held by a job that failed for good (its process died on its
   * last attempt, or its handler threw then): hands each such job's data to `giveUp`, then deletes
   * the job so that the key's next jobs run. Returns how many were released.
   */
  releaseFailedKeys<Data extends object>(
    queue: QueueDefinition,
    giveUp: (data: Data, reason: string) => Promise<void>,
  ): Promise<number>;
  stop(): Promise<void>;
}

/** pg-boss's schema in the store. */
const SCHEMA = 'pgboss';

/** One job of a batch: its data and which attempt this is. */
export interface BatchJob<Data> {
  data: Data;
  attempt: Attempt;
}

/** A job's outcome: done (null), or the error that failed this attempt (retried). */
export type JobOutcome = { error: unknown } | null;

export interface JobBatch<Data> {
  jobs: readonly BatchJob<Data>[];
  /**
   * `work` for every job, in the jobs' order: all at once, or one after another where the queue
   * is worked so on this engine (WorkOptions.embeddedConcurrency).
   */
  each<T>(work: (job: BatchJob<Data>) => Promise<T>): Promise<T[]>;
}

export interface WorkOptions {
  /** Jobs this process runs at once (1 by default). */
  concurrency?: number;
  /**
   * On the embedded store (PGlite) instead: jobs this process runs at once, one after another
   * within each fetched batch.
   */
  embeddedConcurrency?: number;
  /** Jobs fetched at a time (10 by default): more where a batch's work is shared (set-based SQL). */
  batchSize?: number;
}

const POLLING_INTERVAL_SECONDS = 0.5;
const BATCH_SIZE = 10;
/**
 * How often pg-boss looks for jobs whose heartbeat stopped or that expired (its defaults, 60 s
 * each, let a job cut by a crash wait two minutes before its retry). Each pass is one claim per
 * queue shared by every process, so the cost does not grow with the number of processes.
 */
const SUPERVISE_INTERVAL_SECONDS = 5;
const MONITOR_INTERVAL_SECONDS = 5;
const DELETE_COMPLETED_AFTER_SECONDS = 24 * 60 * 60;
/**
 * How long a stop waits for running handlers (told by `Attempt.signal`) before pg-boss fails
 * their jobs, to be retried by the next process: long enough for a token refresh to get Zoom's
 * answer, short enough that SIGTERM ends the process within seconds however big the backlog.
 */
const STOP_GRACE_MS = 5_000;
/**
 * How often pg-boss deletes the jobs past their queue's `deleteAfterSeconds`. Its default, once a
 * day, would let a fleet's refresh jobs pile up for a day past their retention.
 */
const MAINTENANCE_INTERVAL_SECONDS = 10 * 60;

function createBoss(db: Database): PgBoss {
  const native = db.native;
  if (native.engine === 'pglite') {
    return new PgBoss({
      db: fromPglite(native.statements),
      backend: 'pglite',
      schema: SCHEMA,
      superviseIntervalSeconds: SUPERVISE_INTERVAL_SECONDS,
      monitorIntervalSeconds: MONITOR_INTERVAL_SECONDS,
      maintenanceIntervalSeconds: MAINTENANCE_INTERVAL_SECONDS,
    });
  }
  return new PgBoss({
    db: { executeSql: (text: string, values?: unknown[]) => native.pool.query(text, values) },
    schema: SCHEMA,
    superviseIntervalSeconds: SUPERVISE_INTERVAL_SECONDS,
    monitorIntervalSeconds: MONITOR_INTERVAL_SECONDS,
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
  const stopping = new AbortController();
  boss.on('error', (error: unknown) => logger.error({ err: error }, 'job queue error'));
  await boss.start();
  for (const queue of queues) {
    const options = {
      retryLimit: queue.retryLimit,
      retryDelay: queue.retryDelaySeconds,
      retryBackoff: true,
      expireInSeconds: queue.expireInSeconds,
      ...(queue.heartbeatSeconds !== undefined && { heartbeatSeconds: queue.heartbeatSeconds }),
      deleteAfterSeconds: queue.deleteAfterSeconds ?? DELETE_COMPLETED_AFTER_SECONDS,
    };
    await boss.createQueue(queue.name, { ...options, policy: queue.policy ?? 'standard' });
    // createQueue leaves an existing queue as it was: a store made by an earlier version gets
    // this version's retry, expiry and heartbeat settings here (its policy cannot change).
    await boss.updateQueue(queue.name, options);
  }

  async function workBatches<Data extends object>(
    queue: QueueDefinition,
    handler: (batch: JobBatch<Data>) => Promise<readonly JobOutcome[]>,
    options: WorkOptions = {},
  ) {
    const embedded = db.engine === 'pglite' && options.embeddedConcurrency !== undefined;
    const concurrency = (embedded ? options.embeddedConcurrency : options.concurrency) ?? 1;
    const settle = (job: JobWithMetadata<Data>, outcome: JobOutcome | undefined) => {
      if (outcome === null) return { id: job.id, status: 'completed' as const };
      const error = outcome?.error ?? new Error('the batch handler settled no outcome for it');
      logger.warn(
        { queue: queue.name, jobId: job.id, err: error },
        'job failed; it will be retried',
      );
      return { id: job.id, status: 'failed' as const, output: { message: String(error) } };
    };
    // Batches, run concurrently, with burst fetching while batches come back full: pg-boss
    // otherwise waits a polling interval after every fetch, which caps a worker at a few jobs
    // per second however fast the jobs are. Each job succeeds or fails (and retries) alone.
    await boss.work(
      queue.name,
      {
        pollingIntervalSeconds: POLLING_INTERVAL_SECONDS,
        batchSize: options.batchSize ?? BATCH_SIZE,
        burstWhenBatchFull: true,
        perJobResults: true,
        // For the job's own retry limit (an attempt must know whether it is the last one).
        includeMetadata: true,
        localConcurrency: concurrency,
      },
      async (fetched: JobWithMetadata<Data>[]) => {
        const jobs = fetched.map((job) => ({
          data: job.data,
          attempt: {
            retryCount: job.retryCount,
            retryLimit: job.retryLimit,
            signal: AbortSignal.any([stopping.signal, job.signal]),
          },
        }));
        // Jobs of a batch worked one by one share at most BATCH_SIZE connections between them
        // (a batch may be larger than that, and the pool is shared with the token path); on
        // PGlite, one at a time.
        const each = async <T>(work: (job: BatchJob<Data>) => Promise<T>): Promise<T[]> => {
          const results: T[] = new Array(jobs.length);
          const pending = jobs.entries(); // one iterator the lanes share: each job taken once
          const lane = async () => {
            for (const [index, job] of pending) results[index] = await work(job);
          };
          const lanes = Math.min(embedded ? 1 : BATCH_SIZE, jobs.length);
          await Promise.all(Array.from({ length: lanes }, lane));
          return results;
        };
        const outcomes = await handler({ jobs, each }).catch((error: unknown) =>
          jobs.map(() => ({ error })),
        );
        return fetched.map((job, index) => settle(job, outcomes[index]));
      },
    );
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
          ...(job.priority !== undefined && { priority: job.priority }),
        })),
        options.tx ? { db: transactionDb(options.tx) } : {},
      );
    },
    async schedule(queue, key, data, options) {
      await boss.upsert(queue.name, data, {
        singletonKey: key,
        startAfter: options.startAfter,
        ...(options.priority !== undefined && { priority: options.priority }),
        ...(options.tx && { db: transactionDb(options.tx) }),
      });
    },
    work<Data extends object>(
      queue: QueueDefinition,
      handler: (data: Data, attempt: Attempt) => Promise<void>,
      options: WorkOptions = {},
    ) {
      return workBatches<Data>(
        queue,
        (batch) =>
          batch.each(async ({ data, attempt }) => {
            try {
              await handler(data, attempt);
              return null;
            } catch (error) {
              return { error };
            }
          }),
        options,
      );
    },
    workBatches,
    async releaseFailedKeys<Data extends object>(
      queue: QueueDefinition,
      giveUp: (data: Data, reason: string) => Promise<void>,
    ) {
      let released = 0;
      for (const key of await boss.getBlockedKeys(queue.name)) {
        for (const job of await boss.findJobs<Data>(queue.name, { key })) {
          if (job.state !== 'failed') continue;
          await giveUp(job.data, failureReason(job.output));
          await boss.deleteJob(queue.name, job.id);
          released += 1;
        }
      }
      return released;
    },
    async stop() {
      stopping.abort();
      await boss.stop({ graceful: true, timeout: STOP_GRACE_MS });
    },
  };
}

/** The message pg-boss stored with a failed job (its handler's error, or the expiry's). */
function failureReason(output: unknown): string {
  if (typeof output === 'object' && output !== null) {
    const direct = (output as { message?: unknown }).message;
    if (typeof direct === 'string') return direct;
    const nested = (output as { value?: { message?: unknown } }).value?.message;
    if (typeof nested === 'string') return nested;
  }
  return 'the job failed';
}
