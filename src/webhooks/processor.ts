import type { Logger } from 'pino';
import { errorMessage } from '../errors.ts';
import { type Attempt, isFinalAttempt, type QueueDefinition } from '../jobs/queue.ts';
import { plural } from '../plural.ts';
import type { StoredWebhookEvent, WebhookEventStore } from './store.ts';

/** An event as its handlers (in other features) receive it. */
export type { StoredWebhookEvent } from './store.ts';

/**
 * Zoom events are acknowledged first and applied here, in a durable job, one event per job. The
 * jobs of one ordering key (a meeting, a user; every job has one) run strictly one after another in
 * the order stored (pg-boss key_strict_fifo, across processes): an event waiting for its retry holds
 * back the later events of its key, and only those. After its retries (about 2, 4, 8, … s apart:
 * some 17 minutes in all with 8) an event is given up and its key moves on.
 */
export const WEBHOOK_EVENT_QUEUE: QueueDefinition = {
  name: 'zoom-webhook-event-fifo',
  retryLimit: 8,
  retryDelaySeconds: 2,
  expireInSeconds: 300,
  // A job whose process died (kill -9) is retried after 10 s without a heartbeat, not after
  // 300 s: until then the later events of its meeting wait behind it.
  heartbeatSeconds: 10,
  policy: 'key_strict_fifo',
};

/**
 * The queue of earlier versions ('singleton': one active job per key, so a job waiting for its
 * retry let the next event of its meeting run first). A queue's policy cannot change, so new events
 * go to the queue above; this one is still worked so that events stored before an upgrade are applied.
 */
export const LEGACY_WEBHOOK_EVENT_QUEUE: QueueDefinition = {
  name: 'zoom-webhook-event',
  retryLimit: 8,
  retryDelaySeconds: 2,
  expireInSeconds: 300,
  // A job whose process died is retried after 10 s without a heartbeat, not after 300 s.
  heartbeatSeconds: 10,
  policy: 'singleton',
};

/** Applies one kind of event; throwing retries the job (the handler must be idempotent). */
export type WebhookEventHandler = (event: StoredWebhookEvent) => Promise<void>;

export function createWebhookProcessor(deps: {
  events: WebhookEventStore;
  handlers: Record<string, WebhookEventHandler>;
  /** The app's log, which the customer reads (dashboard, `GET /api/v2/zoom-oauth-app-logs/`). */
  appLog: (entry: {
    workspaceId: string;
    appId: string;
    level: 'error';
    message: string;
  }) => Promise<void>;
  logger: Logger;
}) {
  const { events, handlers, appLog, logger } = deps;

  /** Ends the event as failed (once) and says so in the app's log. */
  async function giveUp(eventId: string, reason: string, attemptFailed: boolean): Promise<void> {
    const event = await events.markFailed(eventId, reason, attemptFailed);
    if (!event) return;
    const message = `Gave up applying the Zoom event ${event.event} (${event.id}) after ${plural(event.attempts, 'attempt')}: ${reason}. The events after it for the same meeting or user are applied.`;
    logger.error({ eventId, event: event.event, attempts: event.attempts, reason }, message);
    await appLog({
      workspaceId: event.workspace_id,
      appId: event.oauth_app_id,
      level: 'error',
      message,
    });
  }

  return {
    async process(eventId: string, attempt: Attempt): Promise<void> {
      const event = await events.findById(eventId);
      if (!event || event.processed_at) return;
      const handler = handlers[event.event];
      try {
        if (handler) await handler(event);
        else
          logger.debug(
            { event: event.event, eventId },
            'no handler for this Zoom event; stored only',
          );
      } catch (error) {
        // The last attempt settles the event itself: a job failing for good would hold its key.
        if (isFinalAttempt(attempt)) return giveUp(event.id, errorMessage(error), true);
        await events.recordFailure(event.id, errorMessage(error));
        throw error;
      }
      await events.markProcessed(event.id);
    },

    /** For a job pg-boss failed for good (expired or lost on its last attempt). */
    giveUp: (eventId: string, reason: string) => giveUp(eventId, reason, false),
  };
}

export type WebhookProcessor = ReturnType<typeof createWebhookProcessor>;
