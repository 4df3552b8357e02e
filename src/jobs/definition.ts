import type { Config } from '../config.ts';
import { asBacklog } from '../db/background.ts';
import type { Attempt, JobBatch, JobOutcome, JobQueue, QueueDefinition } from './queue.ts';

/** Stops a periodic task; awaited before the job queue stops. */
export type Stop = () => void | Promise<void>;

/**
 * A feature's kind of background job: its queue (name and retry policy) and how a process works
 * it. Each feature exports its list (`credentialJobs`, …); runtime.ts creates every queue at start
 * (so that sending to one never fails) and, in a process that runs workers, works each of them.
 * `Deps` is what the handler needs from the running process (its services, the queue, config).
 */
export interface JobDefinition<Deps> {
  queue: QueueDefinition;
  /** The queue as this deployment configures it (a retry budget the operator can set). */
  configure?: (config: Config) => Partial<QueueDefinition>;
  work: (deps: Deps & { queue: JobQueue }) => Promise<void>;
}

/** How a job is run: alone, or a fetched batch at once (cheaper where work can be shared). */
type Handling<Deps, Data extends object> =
  | { handler: (deps: Deps & { queue: JobQueue }, data: Data, attempt: Attempt) => Promise<void> }
  | {
      handleBatch: (
        deps: Deps & { queue: JobQueue },
        batch: JobBatch<Data>,
      ) => Promise<readonly JobOutcome[]>;
    };

export function defineJob<Deps, Data extends object>(
  definition: {
    queue: QueueDefinition;
    /** Jobs of this queue one process runs at once. */
    concurrency: number;
    /**
     * The same on the embedded store (PGlite), for jobs that work the database and wait on nothing
     * else: there every statement runs in this thread on one connection, so jobs run together only
     * queue their statements behind each other, and in front of the requests' transactions.
     */
    embeddedConcurrency?: number;
    /** Jobs fetched (and handed to `handleBatch`) at a time; the queue's default if absent. */
    batchSize?: number;
    /**
     * Work that only catches up with a backlog (meeting syncs): on the embedded store its
     * statements yield to requests' and other jobs' (src/db/background.ts).
     */
    backlog?: boolean;
    configure?: (config: Config) => Partial<QueueDefinition>;
  } & Handling<Deps, Data>,
): JobDefinition<Deps> {
  const { queue, concurrency, embeddedConcurrency, batchSize, backlog, configure } = definition;
  const yielding = <T>(work: () => Promise<T>): Promise<T> => (backlog ? asBacklog(work) : work());
  const options = {
    concurrency,
    ...(embeddedConcurrency !== undefined && { embeddedConcurrency }),
    ...(batchSize !== undefined && { batchSize }),
  };
  return {
    queue,
    ...(configure && { configure }),
    work: (deps) =>
      'handleBatch' in definition
        ? deps.queue.workBatches<Data>(
            queue,
            (batch) => yielding(() => definition.handleBatch(deps, batch)),
            options,
          )
        : deps.queue.work<Data>(
            queue,
            (data, attempt) => yielding(() => definition.handler(deps, data, attempt)),
            options,
          ),
  };
}

/** Work on a timer beside the queues (sweeps, retention, housekeeping); `start` returns its stop. */
export interface PeriodicTask<Deps> {
  name: string;
  start: (deps: Deps & { queue: JobQueue }) => Stop | Promise<Stop>;
}
