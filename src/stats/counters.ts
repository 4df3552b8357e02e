import type { StatMetric, StatsRecorder } from './metrics.ts';

export const HOUR_MS = 3_600_000;

export interface CounterRow {
  workspaceId: string;
  /** The start of the hour, epoch ms. */
  hour: number;
  metric: StatMetric;
  count: number;
}

export const hourOf = (epochMs: number) => Math.floor(epochMs / HOUR_MS) * HOUR_MS;

export interface HourlyCounters extends StatsRecorder {
  /** Writes what was counted so far (the stats endpoint calls it before reading). */
  flush(): Promise<void>;
  /** Stops the timer and writes the rest. */
  close(): Promise<void>;
}

/**
 * Hourly counters summed in memory and added to the store at most every `flushEveryMs`: a
 * thousand mints a second cost one upsert per (workspace, hour, metric) per flush instead of a
 * thousand, and no two processes fight over one hot row. A process killed outright loses at most
 * its last interval's counts; a failed write is kept and retried with the next flush.
 */
export function createHourlyCounters(deps: {
  write: (rows: CounterRow[]) => Promise<void>;
  onError: (error: unknown) => void;
  now: () => number;
  flushEveryMs: number;
}): HourlyCounters {
  let pending = new Map<string, CounterRow>();
  let timer: NodeJS.Timeout | null = null;
  let closed = false;
  let queue: Promise<void> = Promise.resolve();

  const add = (row: CounterRow) => {
    const key = `${row.workspaceId} ${row.hour} ${row.metric}`;
    const existing = pending.get(key);
    if (existing) existing.count += row.count;
    else pending.set(key, { ...row });
  };

  const schedule = () => {
    if (timer !== null || closed || pending.size === 0) return;
    // unref: counters waiting to be written must not keep a stopping process alive (close writes them).
    timer = setTimeout(() => {
      timer = null;
      flush().catch(deps.onError);
    }, deps.flushEveryMs).unref();
  };

  /** One write at a time, so a retried batch never races the next one. */
  function flush(): Promise<void> {
    const run = queue.then(async () => {
      if (pending.size === 0) return;
      const rows = [...pending.values()];
      pending = new Map();
      try {
        await deps.write(rows);
      } catch (error) {
        for (const row of rows) add(row);
        schedule();
        throw error;
      }
    });
    queue = run.catch(() => {});
    return run;
  }

  return {
    count(workspaceId, metric, by = 1) {
      if (!(by > 0)) return;
      add({ workspaceId, hour: hourOf(deps.now()), metric, count: by });
      schedule();
    },
    flush,
    async close() {
      closed = true;
      if (timer !== null) clearTimeout(timer);
      timer = null;
      await flush();
    },
  };
}
