import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createWebhookRetention, PRUNE_INTERVAL_MS } from './retention.ts';

/** A store whose deletes answer only when the test lets them: a backlog that never ends. */
function endlessBacklog() {
  const calls: Date[] = [];
  const pending: (() => void)[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  return {
    calls,
    maxInFlight: () => maxInFlight,
    /** Answers every delete waiting now with a full batch. */
    answer: () => {
      for (const release of pending.splice(0)) release();
    },
    events: {
      deleteProcessedBefore: (cutoff: Date) => {
        calls.push(cutoff);
        inFlight += 1;
        maxInFlight = Math.max(maxInFlight, inFlight);
        return new Promise<number>((resolve) =>
          pending.push(() => {
            inFlight -= 1;
            resolve(5_000);
          }),
        );
      },
    },
  };
}

describe('webhook event retention schedule', () => {
  beforeEach(() => vi.useFakeTimers({ now: Date.UTC(2026, 10, 24) }));
  afterEach(() => vi.useRealTimers());

  it('deletes before now minus the retention, one run at a time, and stops after the batch in progress', async () => {
    const store = endlessBacklog();
    const retention = createWebhookRetention({
      events: store.events,
      retentionDays: 30,
      logger: pino({ level: 'silent' }),
    });
    const stop = retention.start();
    expect(store.calls).toEqual([new Date(Date.UTC(2026, 9, 25))]);

    // The hourly tick comes while the first run still works through its backlog: no second run.
    await vi.advanceTimersByTimeAsync(PRUNE_INTERVAL_MS);
    store.answer();
    await vi.advanceTimersByTimeAsync(0);
    expect(store.calls).toHaveLength(2);
    expect(store.maxInFlight()).toBe(1);

    let stopped = false;
    const stopping = stop().then(() => {
      stopped = true;
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(stopped).toBe(false); // it waits for the batch in progress
    store.answer();
    await stopping;
    expect(store.calls).toHaveLength(2); // and starts no other
    await vi.advanceTimersByTimeAsync(3 * PRUNE_INTERVAL_MS);
    expect(store.calls).toHaveLength(2);
  });
});
