import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import type { Queryable } from '../db/database.ts';
import { defineJob, type PeriodicTask } from '../jobs/definition.ts';
import type { JobQueue, QueueDefinition } from '../jobs/queue.ts';
import type { SyncRunner } from './runner.ts';
import type { MeetingsStore } from './store.ts';

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

/**
 * Queues a sync's next step. Keyed by the sync (not deduplicated: the key marks the job as the
 * sync's, so that the sweep below sees which syncs have a step waiting).
 */
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
      singletonKey: syncId,
    },
  );
}

/** The first steps of many syncs in one statement, keyed as queueSyncStep keys them. */
export function queueFirstSyncSteps(queue: JobQueue, q: Queryable, syncIds: readonly string[]) {
  return queue.sendMany(
    MEETING_SYNC_STEP_QUEUE,
    syncIds.map((syncId) => ({ data: { syncId }, singletonKey: syncId })),
    { tx: q },
  );
}

/** Abandoned syncs resumed per statement by the sweep. */
const RESUME_PAGE = 500;

export const meetingSyncJobs = [
  defineJob<{ syncRunner: SyncRunner }, { syncId: string }>({
    queue: MEETING_SYNC_STEP_QUEUE,
    concurrency: 4,
    backlog: true,
    handler: async ({ syncRunner, queue }, { syncId }, { signal }) => {
      // A stopping process ends the step at its next page; the step queued here resumes it.
      const outcome = await syncRunner.runStep(syncId, signal);
      if (outcome.kind === 'continue') await queueSyncStep(queue, undefined, syncId);
      if (outcome.kind === 'resume_after')
        await queueSyncStep(queue, undefined, syncId, outcome.seconds);
    },
  }),
  defineJob<{ resync: (credentialId: string) => Promise<void> }, { credentialId: string }>({
    queue: MEETING_RESYNC_QUEUE,
    concurrency: 2,
    backlog: true,
    handler: ({ resync }, { credentialId }) => resync(credentialId),
  }),
];

export const meetingSyncTasks: PeriodicTask<{
  syncs: MeetingsStore;
  config: Pick<Config, 'syncLeaseSeconds'>;
  logger: Logger;
}>[] = [
  {
    // A sync whose runner died keeps its position; once its lease has expired, queue it again.
    name: 'resume abandoned syncs',
    // Each pass reads only syncs without a waiting step (an import's queued syncs are not
    // abandoned) and queues a page of them per statement.
    start: async ({ queue, syncs, config, logger }) => {
      let stopping = false;
      const resumeAbandoned = async () => {
        while (!stopping) {
          const abandoned = await syncs.abandonedSyncs(
            MEETING_SYNC_STEP_QUEUE.name,
            config.syncLeaseSeconds,
            RESUME_PAGE,
          );
          await queue.sendMany(
            MEETING_SYNC_STEP_QUEUE,
            abandoned.map((sync) => ({ data: { syncId: sync.id }, singletonKey: sync.id })),
          );
          if (abandoned.length < RESUME_PAGE) return;
        }
      };
      let running: Promise<void> = resumeAbandoned();
      await running;
      // One pass at a time: a pass slower than the interval must not pile up behind itself.
      let passing = false;
      const timer = setInterval(() => {
        if (passing) return;
        passing = true;
        running = resumeAbandoned()
          .catch((error: unknown) => logger.warn({ err: error }, 'resuming abandoned syncs failed'))
          .finally(() => {
            passing = false;
          });
      }, config.syncLeaseSeconds * 1000);
      timer.unref();
      return async () => {
        stopping = true;
        clearInterval(timer);
        await running;
      };
    },
  },
];
