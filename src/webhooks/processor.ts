import type { Logger } from 'pino';
import type { JobQueue, QueueDefinition } from '../jobs/queue.ts';
import type { StoredWebhookEvent, WebhookEventStore } from './store.ts';

/** Zoom events are acknowledged first and applied here, in a durable job, one event per job. */
export const WEBHOOK_EVENT_QUEUE: QueueDefinition = {
  name: 'zoom-webhook-event',
  retryLimit: 8,
  retryDelaySeconds: 2,
  expireInSeconds: 300,
  // A job whose process died is retried after 10 s without a heartbeat, not after 300 s: until
  // then its meeting's later events wait behind it (singleton key).
  heartbeatSeconds: 10,
  // One job at a time per ordering key (a meeting, a user): their events apply in order.
  policy: 'singleton',
};

/** Applies one kind of event; throwing retries the job (the handler must be idempotent). */
export type WebhookEventHandler = (event: StoredWebhookEvent) => Promise<void>;

export function createWebhookProcessor(deps: {
  events: WebhookEventStore;
  handlers: Record<string, WebhookEventHandler>;
  logger: Logger;
}) {
  const { events, handlers, logger } = deps;
  return {
    async process(eventId: string): Promise<void> {
      const event = await events.findById(eventId);
      if (!event || event.processed_at) return;
      const handler = handlers[event.event];
      if (handler) await handler(event);
      else
        logger.debug(
          { event: event.event, eventId },
          'no handler for this Zoom event; stored only',
        );
      await events.markProcessed(event.id);
    },
  };
}

export type WebhookProcessor = ReturnType<typeof createWebhookProcessor>;

export function startWebhookWorkers(queue: JobQueue, processor: WebhookProcessor): Promise<void> {
  return queue.work<{ eventId: string }>(
    WEBHOOK_EVENT_QUEUE,
    (job) => processor.process(job.eventId),
    2,
  );
}
