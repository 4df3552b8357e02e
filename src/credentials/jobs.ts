import type { Queryable } from '../db/database.ts';
import type { JobQueue, QueueDefinition } from '../jobs/queue.ts';
import type { TokenManager } from './token-manager.ts';

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
};

export function scheduleCredentialRefresh(queue: JobQueue) {
  return (q: Queryable, credentialId: string, delaySeconds: number) =>
    queue.send(
      CREDENTIAL_REFRESH_QUEUE,
      { credentialId },
      { tx: q, startAfterSeconds: delaySeconds },
    );
}

export function startCredentialWorkers(queue: JobQueue, tokenManager: TokenManager): Promise<void> {
  return queue.work<{ credentialId: string }>(
    CREDENTIAL_REFRESH_QUEUE,
    (job) => tokenManager.refreshIfDue(job.credentialId),
    4,
  );
}
