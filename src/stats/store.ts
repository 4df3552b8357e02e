import type { Queryable } from '../db/database.ts';
import type { CounterRow } from './counters.ts';

export interface HourlyCount {
  /** The start of the hour, epoch ms. */
  hour: number;
  metric: string;
  count: number;
}

export const statsStoreFactory = (db: Queryable) => ({
  /**
   * Adds counts to the hourly rows. Sorted, so two processes adding to the same rows lock them in
   * the same order; a workspace deleted meanwhile is skipped rather than failing the batch.
   */
  async add(rows: readonly CounterRow[]): Promise<void> {
    if (rows.length === 0) return;
    await db.query(
      `INSERT INTO workspace_hourly_counters AS c (workspace_id, hour, metric, count)
       SELECT u.workspace_id, u.hour, u.metric, u.count
       FROM unnest($1::uuid[], $2::timestamptz[], $3::text[], $4::bigint[]) AS u (workspace_id, hour, metric, count)
       WHERE EXISTS (SELECT 1 FROM workspaces w WHERE w.id = u.workspace_id)
       ORDER BY u.workspace_id, u.hour, u.metric
       ON CONFLICT (workspace_id, hour, metric) DO UPDATE SET count = c.count + EXCLUDED.count`,
      [
        rows.map((row) => row.workspaceId),
        rows.map((row) => new Date(row.hour).toISOString()),
        rows.map((row) => row.metric),
        rows.map((row) => row.count),
      ],
    );
  },

  /** One workspace's counters from `since` on: at most (hours × metrics) rows, by primary key. */
  async since(workspaceId: string, since: number): Promise<HourlyCount[]> {
    const { rows } = await db.query<{ hour: string; metric: string; count: number }>(
      `SELECT hour, metric, count FROM workspace_hourly_counters
       WHERE workspace_id = $1 AND hour >= $2::timestamptz`,
      [workspaceId, new Date(since).toISOString()],
    );
    return rows.map((row) => ({
      hour: Date.parse(row.hour),
      metric: row.metric,
      count: row.count,
    }));
  },

  /** Deletes hours before `before`: the table stays a few days deep whatever the traffic. */
  async prune(before: number): Promise<number> {
    const { rowCount } = await db.query('DELETE FROM workspace_hourly_counters WHERE hour < $1', [
      new Date(before).toISOString(),
    ]);
    return rowCount;
  },
});

export type StatsStore = ReturnType<typeof statsStoreFactory>;
