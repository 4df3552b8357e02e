import { describe, expect, it } from 'vitest';
import { type CounterRow, createHourlyCounters, HOUR_MS } from './counters.ts';

function counters(options: { fail?: () => boolean } = {}) {
  let now = 5 * HOUR_MS + 10;
  const written: CounterRow[][] = [];
  const errors: unknown[] = [];
  const hourly = createHourlyCounters({
    write: async (rows) => {
      if (options.fail?.()) throw new Error('database down');
      written.push(rows.map((row) => ({ ...row })));
    },
    onError: (error) => errors.push(error),
    now: () => now,
    // Flushed by hand below: the timer never fires within a test.
    flushEveryMs: 3_600_000,
  });
  return { hourly, written, errors, setNow: (value: number) => (now = value) };
}

describe('hourly counters', () => {
  it('sums counts per workspace, hour and metric, and writes each sum once', async () => {
    const { hourly, written, setNow } = counters();
    hourly.count('w1', 'tokens_minted.zak');
    hourly.count('w1', 'tokens_minted.zak', 2);
    hourly.count('w2', 'tokens_minted.zak');
    setNow(6 * HOUR_MS);
    hourly.count('w1', 'tokens_minted.zak');
    hourly.count('w1', 'bot_launches', 0);
    await hourly.flush();
    expect(written).toEqual([
      [
        { workspaceId: 'w1', hour: 5 * HOUR_MS, metric: 'tokens_minted.zak', count: 3 },
        { workspaceId: 'w2', hour: 5 * HOUR_MS, metric: 'tokens_minted.zak', count: 1 },
        { workspaceId: 'w1', hour: 6 * HOUR_MS, metric: 'tokens_minted.zak', count: 1 },
      ],
    ]);
    await hourly.flush();
    expect(written).toHaveLength(1);
    await hourly.close();
  });

  it('keeps what a failed write held and adds it to the next one', async () => {
    let down = true;
    const { hourly, written } = counters({ fail: () => down });
    hourly.count('w1', 'refreshes.ok');
    await expect(hourly.flush()).rejects.toThrow('database down');
    hourly.count('w1', 'refreshes.ok');
    down = false;
    await hourly.flush();
    expect(written).toEqual([
      [{ workspaceId: 'w1', hour: 5 * HOUR_MS, metric: 'refreshes.ok', count: 2 }],
    ]);
    await hourly.close();
  });

  it('writes what is left on close', async () => {
    const { hourly, written } = counters();
    hourly.count('w1', 'webhooks.refused');
    await hourly.close();
    expect(written).toEqual([
      [{ workspaceId: 'w1', hour: 5 * HOUR_MS, metric: 'webhooks.refused', count: 1 }],
    ]);
  });
});
