import type { Logger } from 'pino';
import { defineJob, type PeriodicTask } from '../jobs/definition.ts';
import type { JobBatch } from '../jobs/queue.ts';
import {
  LEGACY_WEBHOOK_EVENT_QUEUE,
  WEBHOOK_EVENT_QUEUE,
  type WebhookProcessor,
} from './processor.ts';
import type { WebhookRetention } from './retention.ts';

/** How often keys held by a job that failed for good (its process died on its last attempt) are released. */
const RELEASE_FAILED_KEYS_EVERY_MS = 30_000;

interface Deps {
  webhookProcessor: WebhookProcessor;
}

const handleBatch = ({ webhookProcessor }: Deps, batch: JobBatch<{ eventId: string }>) =>
  webhookProcessor.processBatch(batch);

export const webhookJobs = [
  defineJob<Deps, { eventId: string }>({
    queue: WEBHOOK_EVENT_QUEUE,
    concurrency: 2,
    // Applying an event only works the database. On PGlite, one at a time: ingest's transactions
    // (Zoom waits for their commit) then wait for one statement of processing, not for twenty.
    embeddedConcurrency: 1,
    // A batch's meeting events are applied together (a few statements for all of them): the
    // larger the batch, the fewer statements per event.
    batchSize: 50,
    configure: (config) => ({ retryLimit: config.webhookEventRetries }),
    handleBatch,
  }),
  defineJob<Deps, { eventId: string }>({
    queue: LEGACY_WEBHOOK_EVENT_QUEUE,
    concurrency: 1,
    handleBatch,
  }),
];

export const webhookTasks: PeriodicTask<
  Deps & { webhookRetention: WebhookRetention; logger: Logger }
>[] = [
  {
    name: 'release the keys of failed webhook event jobs',
    start: ({ queue, webhookProcessor, logger }) => {
      const timer = setInterval(() => {
        queue
          .releaseFailedKeys<{ eventId: string }>(WEBHOOK_EVENT_QUEUE, ({ eventId }, reason) =>
            webhookProcessor.giveUp(eventId, reason),
          )
          .catch((error: unknown) =>
            logger.error({ err: error }, 'could not release the keys of failed webhook event jobs'),
          );
      }, RELEASE_FAILED_KEYS_EVERY_MS);
      timer.unref();
      return () => clearInterval(timer);
    },
  },
  { name: 'webhook event retention', start: ({ webhookRetention }) => webhookRetention.start() },
];
