import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import type { Queryable } from '../db/database.ts';
import { defineJob, type PeriodicTask } from '../jobs/definition.ts';
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

export const meetingSyncJobs = [
  defineJob<{ syncRunner: SyncRunner }, { syncId: string }>({
    queue: MEETING_SYNC_STEP_QUEUE,
    concurrency: 4,
    handler: async ({ syncRunner, queue }, { syncId }) => {
      const outcome = await syncRunner.runStep(syncId);
      if (outcome.kind === 'continue') await queueSyncStep(queue, undefined, syncId);
      if (outcome.kind === 'resume_after')
        await queueSyncStep(queue, undefined, syncId, outcome.seconds);
    },
  }),
  defineJob<{ resync: (credentialId: string) => Promise<void> }, { credentialId: string }>({
    queue: MEETING_RESYNC_QUEUE,
    concurrency: 2,
    handler: ({ resync }, { credentialId }) => resync(credentialId),
  }),
];

export const meetingSyncTasks: PeriodicTask<{
  syncs: SyncStore;
  config: Pick<Config, 'syncLeaseSeconds'>;
  logger: Logger;
}>[] = [
  {
    // A sync whose runner died keeps its position; once its lease has expired, queue it again.
    name: 'resume abandoned syncs',
    start: async ({ queue, syncs, config, logger }) => {
      const resumeAbandoned = async () => {
        for (const sync of await syncs.abandonedSyncs(
          MEETING_SYNC_STEP_QUEUE.name,
          config.syncLeaseSeconds,
        ))
          await queueSyncStep(queue, undefined, sync.id);
      };
      await resumeAbandoned();
      // One pass at a time: a pass slower than the interval must not pile up behind itself.
      let passing = false;
      const timer = setInterval(() => {
        if (passing) return;
        passing = true;
        resumeAbandoned()
          .catch((error: unknown) => logger.warn({ err: error }, 'resuming abandoned syncs failed'))
          .finally(() => {
            passing = false;
          });
      }, config.syncLeaseSeconds * 1000);
      timer.unref();
      return () => clearInterval(timer);
    },
  },
];
