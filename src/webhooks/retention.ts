import type { Logger } from 'pino';
import type { WebhookEventStore } from './store.ts';

/** Rows per DELETE: short transactions, so ingest never waits long behind one. */
const DELETE_BATCH = 5_000;
const DAY_MS = 86_400_000;
/** How often a worker process prunes: the table grows by at most an hour past the limit. */
export const PRUNE_INTERVAL_MS = 3_600_000;

/**
 * Zoom's events are kept after processing for replay detection (a retry of a known body answers
 * 200 without being applied again) and for operators; Zoom retries for at most a few hours, so
 * after `retentionDays` the rows only cost disk. Unprocessed events are never deleted.
 */
export function createWebhookRetention(deps: {
  events: Pick<WebhookEventStore, 'deleteProcessedBefore'>;
  retentionDays: number;
  logger: Logger;
  now?: () => number;
  /** What the rows are, for the log lines (the outgoing events reuse this). */
  label?: string;
}) {
  const label = deps.label ?? 'processed Zoom webhook events';
  const now = deps.now ?? Date.now;

  /** Deletes in batches until none is left, or until `stopped` says the process is stopping. */
  async function prune(stopped: () => boolean = () => false): Promise<number> {
    const cutoff = new Date(now() - deps.retentionDays * DAY_MS);
    let deleted = 0;
    while (!stopped()) {
      const batch = await deps.events.deleteProcessedBefore(cutoff, DELETE_BATCH);
      deleted += batch;
      if (batch < DELETE_BATCH) break;
    }
    if (deleted > 0)
      deps.logger.info(
        { deleted, retentionDays: deps.retentionDays },
        `deleted ${label} past their retention`,
      );
    return deleted;
  }

  return {
    prune: () => prune(),
    /**
     * Prunes now and then every hour, one run at a time. The function it returns stops it: a run
     * in progress ends after its current batch (the next run carries on), and it waits for that.
     */
    start(): () => Promise<void> {
      let stopping = false;
      let running: Promise<unknown> | null = null;
      const run = () => {
        if (running) return; // a big backlog can outlast the interval
        running = prune(() => stopping)
          .catch((error: unknown) =>
            deps.logger.warn({ err: error }, `pruning old ${label} failed`),
          )
          .finally(() => {
            running = null;
          });
      };
      run();
      const timer = setInterval(run, PRUNE_INTERVAL_MS).unref();
      return async () => {
        stopping = true;
        clearInterval(timer);
        await running;
      };
    },
  };
}

export type WebhookRetention = ReturnType<typeof createWebhookRetention>;
