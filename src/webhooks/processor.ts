import type { Logger } from 'pino';
import { errorMessage } from '../errors.ts';
import {
  type Attempt,
  isFinalAttempt,
  type JobBatch,
  type JobOutcome,
  type QueueDefinition,
} from '../jobs/queue.ts';
import { plural } from '../plural.ts';
import type { StoredWebhookEvent, WebhookEventStore } from './store.ts';

/** An event as its handlers (in other features) receive it. */
export type { StoredWebhookEvent } from './store.ts';

/**
 * Zoom events are acknowledged first and applied here, in a durable job, one event per job (worked
 * a fetched batch at a time: one read of the batch's events, one write marking them applied). The
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

/**
 * Applies one or more kinds of event (idempotently: an event may be applied again), either one
 * event at a time, or several at once where the work can be shared: `many` gets events of the
 * kinds that share it, each of its own ordering key (so independent of each other, in any order),
 * and applies all of them or, throwing, none (one transaction). Throwing retries the event's job;
 * when `many` throws for several events, each is applied alone, so a bad event fails only itself.
 */
export type WebhookEventHandler =
  | { one: (event: StoredWebhookEvent) => Promise<void> }
  | { many: (events: readonly StoredWebhookEvent[]) => Promise<void> };

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

  /** Applies one event: null when done with it (applied, or given up on its last attempt). */
  async function apply(event: StoredWebhookEvent, attempt: Attempt): Promise<JobOutcome> {
    const handler = handlers[event.event];
    try {
      if (!handler)
        logger.debug(
          { event: event.event, eventId: event.id },
          'no handler for this Zoom event; stored only',
        );
      else if ('one' in handler) await handler.one(event);
      else await handler.many([event]);
      return null;
    } catch (error) {
      // The last attempt settles the event itself: a job failing for good would hold its key.
      if (isFinalAttempt(attempt)) {
        await giveUp(event.id, errorMessage(error), true);
        return null;
      }
      await events.recordFailure(event.id, errorMessage(error));
      return { error };
    }
  }

  /**
   * Applies the events that `many` handlers share, several at a time: the ids of those applied.
   * A group that fails is left to be applied event by event.
   */
  async function applyTogether(found: readonly StoredWebhookEvent[]): Promise<Set<string>> {
    const groups = new Map<
      (events: readonly StoredWebhookEvent[]) => Promise<void>,
      StoredWebhookEvent[]
    >();
    for (const event of found) {
      const handler = handlers[event.event];
      if (!handler || !('many' in handler) || event.processed_at) continue;
      const group = groups.get(handler.many) ?? [];
      group.push(event);
      groups.set(handler.many, group);
    }
    const applied = new Set<string>();
    for (const [many, group] of groups) {
      if (group.length < 2) continue; // applied alone anyway: no second try of the same attempt
      try {
        await many(group);
        for (const event of group) applied.add(event.id);
      } catch (error) {
        logger.debug(
          { err: error, events: group.length },
          'a batch of Zoom events failed together; applying each alone',
        );
      }
    }
    return applied;
  }

  return {
    /**
     * Applies the events of a batch of jobs (each of its own key, so independent of each other):
     * each job's outcome, in order. Events whose handler takes several at once are applied
     * together first (one transaction per handler); the rest, and those of a batch that failed,
     * one by one. An event is marked applied before its job completes, so the next event of its
     * key never runs before it is; if that mark fails, every job is retried (the handlers are
     * idempotent).
     */
    async processBatch(batch: JobBatch<{ eventId: string }>): Promise<JobOutcome[]> {
      const found = new Map(
        (await events.findByIds(batch.jobs.map((job) => job.data.eventId))).map((event) => [
          event.id,
          event,
        ]),
      );
      const together = await applyTogether(
        batch.jobs.flatMap((job) => found.get(job.data.eventId) ?? []),
      );
      const applied: string[] = [];
      const outcomes = await batch.each(async ({ data, attempt }) => {
        const event = found.get(data.eventId);
        if (!event || event.processed_at) return null;
        const outcome = together.has(event.id) ? null : await apply(event, attempt);
        // (An event given up is already settled: marking it applied then changes nothing.)
        if (outcome === null) applied.push(event.id);
        return outcome;
      });
      await events.markProcessed(applied);
      return outcomes;
    },

    /** For a job pg-boss failed for good (expired or lost on its last attempt). */
    giveUp: (eventId: string, reason: string) => giveUp(eventId, reason, false),
  };
}

export type WebhookProcessor = ReturnType<typeof createWebhookProcessor>;
