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

/**
 * One pending refresh job per credential, keyed by its id: a refresh, a validation or a
 * re-authorization moves that job to the new tokens' refresh time instead of queueing another.
 */
export function scheduleCredentialRefresh(queue: JobQueue) {
  return (q: Queryable, job: RefreshJob) =>
    queue.schedule(CREDENTIAL_REFRESH_QUEUE, job.credentialId, job, {
      startAfter: new Date(job.at ?? Date.now()),
      tx: q,
    });
}

/**
 * The first refresh jobs of credentials that have none yet (an import), with one statement: the
 * same jobs `scheduleCredentialRefresh` would queue one by one, keyed the same way.
 */
export function queueFirstRefreshes(queue: JobQueue) {
  return (q: Queryable, jobs: readonly RefreshJob[]) =>
    queue.sendMany(
      CREDENTIAL_REFRESH_QUEUE,
      jobs.map((job) => ({
        data: job,
        singletonKey: job.credentialId,
        startAfter: new Date(job.at ?? Date.now()),
      })),
      { tx: q },
    );
}

export const credentialJobs = [
  defineJob<{ tokenManager: TokenManager }, RefreshJob>({
    queue: CREDENTIAL_REFRESH_QUEUE,
    concurrency: 4,
    handler: ({ tokenManager }, job) => tokenManager.refreshIfDue(job),
  }),
];
