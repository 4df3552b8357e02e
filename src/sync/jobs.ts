import type { Logger } from 'pino';
import type { Queryable } from '../db/database.ts';
import type { JobQueue, QueueDefinition } from '../jobs/queue.ts';
import type { SyncRunner } from './runner.ts';
import type { SyncStore } from './store.ts';

/** One bounded step of a running sync; a step that has more to do queues the next one. */
export const MEETING_SYNC_STEP_QUEUE: QueueDefinition = {
  name: 'meeting-sync-step',
  retryLimit: 10,
  retryDelaySeconds: 5,
  expireInSeconds: 300,
};

/** The periodic resync of one credential, queued when its previous sync finishes. */
export const MEETING_RESYNC_QUEUE: QueueDefinition = {
  name: 'meeting-resync',
  retryLimit: 5,
  retryDelaySeconds: 60,
  expireInSeconds: 300,
};

export function queueSyncStep(
  queue: JobQueue,
  q: Queryable | undefined,
  syncId: string,
  startAfterSeconds?: number,
) {
  return queue.send(
    MEETING_SYNC_STEP_QUEUE,
    { syncId },
    {
      ...(q && { tx: q }),
      ...(startAfterSeconds !== undefined && { startAfterSeconds }),
    },
  );
}

export async function startSyncWorkers(deps: {
  queue: JobQueue;
  runner: SyncRunner;
  syncs: SyncStore;
  resync: (credentialId: string) => Promise<void>;
  leaseSeconds: number;
  logger: Logger;
}): Promise<() => void> {
  const { queue, runner, syncs } = deps;
  await queue.work<{ syncId: string }>(
    MEETING_SYNC_STEP_QUEUE,
    async ({ syncId }) => {
      const outcome = await runner.runStep(syncId);
      if (outcome.kind === 'continue') await queueSyncStep(queue, undefined, syncId);
      if (outcome.kind === 'resume_after')
        await queueSyncStep(queue, undefined, syncId, outcome.seconds);
    },
    4,
  );
  await queue.work<{ credentialId: string }>(
    MEETING_RESYNC_QUEUE,
    ({ credentialId }) => deps.resync(credentialId),
    2,
  );

  // A sync whose runner died keeps its position; once its lease has expired, queue it again.
  const resumeAbandoned = async () => {
    for (const sync of await syncs.abandonedSyncs()) await queueSyncStep(queue, undefined, sync.id);
  };
  await resumeAbandoned();
  const timer = setInterval(() => {
    resumeAbandoned().catch((error: unknown) =>
      deps.logger.warn({ err: error }, 'resuming abandoned syncs failed'),
    );
  }, deps.leaseSeconds * 1000);
  timer.unref();
  return () => clearInterval(timer);
}
