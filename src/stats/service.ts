import type { Logger } from 'pino';
import type { Static } from 'typebox';
import type { Database } from '../db/database.ts';
import { createHourlyCounters, HOUR_MS, hourOf } from './counters.ts';
import type { StatMetric, StatsRecorder } from './metrics.ts';
import { HOURS_SHOWN, type StatsObject, UNHEALTHY_SHOWN } from './schemas.ts';
import { statsStoreFactory } from './store.ts';

export type Stats = Static<typeof StatsObject>;

/**
 * What the Overview reads from the credentials feature (its service provides it; services.ts wires
 * it): stats is read by nothing below it, so it names the shape rather than importing the feature.
 */
export interface FleetHealthSource {
  fleetHealth(
    workspaceId: string,
    unhealthyLimit: number,
  ): Promise<{
    counts: {
      status: keyof Stats['credentials']['by_status'];
      meeting_sync_status: keyof Stats['credentials']['by_meeting_sync_status'];
      count: number;
    }[];
    recentlyUnhealthy: Stats['recently_unhealthy'];
  }>;
  compactFleetCounts(): Promise<unknown>;
}

/** Hourly counters are kept this long: the Overview shows a day, a week leaves room to look back. */
const RETENTION_HOURS = 7 * 24;

export function createStatsService(deps: {
  db: Database;
  credentials: FleetHealthSource;
  now: () => number;
  logger: Logger;
  /** How often each process adds what it counted to the store. */
  flushEveryMs?: number;
  /** How often each process folds the credential counts and prunes old hours. */
  housekeepingEveryMs?: number;
}) {
  const store = statsStoreFactory(deps.db);

  const counters = createHourlyCounters({
    write: (rows) => store.add(rows),
    onError: (error) =>
      deps.logger.warn(
        { err: error },
        'writing the hourly counters failed; they are kept for the next try',
      ),
    now: deps.now,
    flushEveryMs: deps.flushEveryMs ?? 1000,
  });

  return {
    /** What each feature's service calls where its event happens. */
    recorder: { count: counters.count } satisfies StatsRecorder,

    /** GET /api/v2/stats/: maintained counters and two index reads, whatever the fleet's size. */
    async overview(workspaceId: string): Promise<Stats> {
      // This process's latest counts are in the picture; other processes' within their interval.
      await counters.flush().catch(() => {});
      const now = deps.now();
      const first = hourOf(now) - (HOURS_SHOWN - 1) * HOUR_MS;
      const [fleet, rows] = await Promise.all([
        deps.credentials.fleetHealth(workspaceId, UNHEALTHY_SHOWN),
        store.since(workspaceId, first),
      ]);

      const counts = new Map(rows.map((row) => [`${row.hour} ${row.metric}`, row.count]));
      const hours = Array.from({ length: HOURS_SHOWN }, (_, index) => {
        const hour = first + index * HOUR_MS;
        const get = (metric: StatMetric) => counts.get(`${hour} ${metric}`) ?? 0;
        return {
          hour: new Date(hour).toISOString(),
          tokens_minted: {
            join_token: get('tokens_minted.join_token'),
            third_party_recording_token: get('tokens_minted.third_party_recording_token'),
            zak: get('tokens_minted.zak'),
            obf: get('tokens_minted.obf'),
          },
          refreshes: {
            ok: get('refreshes.ok'),
            transient_failure: get('refreshes.transient_failure'),
            credential_lost: get('refreshes.credential_lost'),
          },
          webhooks: { received: get('webhooks.received'), refused: get('webhooks.refused') },
          bot_launches: get('bot_launches'),
        };
      });

      const byStatus = { healthy: 0, unhealthy: 0 };
      const bySync = { not_started: 0, in_progress: 0, completed: 0, failed: 0 };
      for (const { status, meeting_sync_status, count } of fleet.counts) {
        byStatus[status] += count;
        bySync[meeting_sync_status] += count;
      }
      return {
        generated_at: new Date(now).toISOString(),
        credentials: {
          total: byStatus.healthy + byStatus.unhealthy,
          by_status: byStatus,
          by_meeting_sync_status: bySync,
        },
        hours,
        recently_unhealthy: fleet.recentlyUnhealthy,
      };
    },

    /**
     * Keeps the reads small: folds the credential-count deltas and deletes hours past the
     * retention, now and then (any number of processes may do it at once). Returns the stopper.
     */
    startHousekeeping(): () => void {
      const run = async () => {
        try {
          await deps.credentials.compactFleetCounts();
          await store.prune(hourOf(deps.now()) - RETENTION_HOURS * HOUR_MS);
        } catch (error) {
          deps.logger.warn({ err: error }, 'stats housekeeping failed; trying again later');
        }
      };
      const timer = setInterval(run, deps.housekeepingEveryMs ?? 60_000).unref();
      void run();
      return () => clearInterval(timer);
    },

    /** Writes what is still counted in memory (on shutdown). */
    close: () => counters.close(),
  };
}

export type StatsService = ReturnType<typeof createStatsService>;
