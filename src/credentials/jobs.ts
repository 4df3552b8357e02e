import type { Queryable } from '../db/database.ts';
import { defineJob } from '../jobs/definition.ts';
import type { JobQueue, QueueDefinition } from '../jobs/queue.ts';
import type { RefreshJob, TokenManager } from './token-manager.ts';

/**
 * Background refresh ahead of expiry, so that a request for a token almost never waits on Zoom.
 * A transient failure is retried with exponential backoff (5 s, 10 s, 20 s, …); a dead grant is
 * final and the credential is already marked unhealthy.
 */
export const CREDENTIAL_REFRESH_QUEUE: QueueDefinition = {
  name: 'credential-refresh',
  retryLimit: 12,
  retryDelaySeconds: 5,
  expireInSeconds: 120,
  // A fleet of 100,000 credentials completes about as many refresh jobs an hour.
  deleteAfterSeconds: 60 * 60,
};

/** Where refresh priorities count from (seconds after it; see refreshPriority). */
const PRIORITY_EPOCH_MS = Date.UTC(2026, 0, 1);

/**
 * The refresh queue is fetched earliest scheduled first (pg-boss fetches by priority, then by when
 * a job was created, which for a refresh job moved many times says nothing): minus the scheduled
 * second since 2026 (an integer column; this fits it for 68 years). A process that fell behind
 * then works its backlog in order, which its pacing relies on (refresh-pacer.ts), and the fetch
 * reads its index from the due jobs on instead of past every job queued earlier for later.
 */
export function refreshPriority(atMs: number): number {
  return -Math.max(0, Math.floor((atMs - PRIORITY_EPOCH_MS) / 1000));
}

/**
 * One pending refresh job per credential, keyed by its id: a refresh, a validation or a
 * re-authorization moves that job to the new tokens' refresh time instead of queueing another.
 */
export function scheduleCredentialRefresh(queue: JobQueue) {
  return (q: Queryable, job: RefreshJob) => {
    const at = job.at ?? Date.now();
    return queue.schedule(CREDENTIAL_REFRESH_QUEUE, job.credentialId, job, {
      startAfter: new Date(at),
      priority: refreshPriority(at),
      tx: q,
    });
  };
}

/**
 * The first refresh jobs of credentials that have none yet (an import), with one statement: the
 * same jobs `scheduleCredentialRefresh` would queue one by one, keyed the same way.
 */
export function queueFirstRefreshes(queue: JobQueue) {
  return (q: Queryable, jobs: readonly RefreshJob[]) =>
    queue.sendMany(
      CREDENTIAL_REFRESH_QUEUE,
      jobs.map((job) => {
        const at = job.at ?? Date.now();
        return {
          data: job,
          singletonKey: job.credentialId,
          startAfter: new Date(at),
          priority: refreshPriority(at),
        };
      }),
      { tx: q },
    );
}

export const credentialJobs = [
  defineJob<{ tokenManager: TokenManager }, RefreshJob>({
    queue: CREDENTIAL_REFRESH_QUEUE,
    concurrency: 4,
    handler: ({ tokenManager }, job, attempt) => tokenManager.refreshIfDue(job, attempt),
  }),
];
