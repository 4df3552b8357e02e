import type { Queryable } from '../db/database.ts';

/** Zoom's rate-limit categories (Zoom docs: "Get a meeting" is Light; list users/meetings Medium). */
export type RateCategory = 'light' | 'medium' | 'heavy';

export type CategoryRates = Record<RateCategory, number>;

/** Zoom's Pro plan, the default: Light 30/s, Medium 20/s, Heavy 10/s. */
export const PRO_PLAN_RATES: CategoryRates = { light: 30, medium: 20, heavy: 10 };

/**
 * A rate budget per Zoom account and category shared by every Hostpass process, kept in the
 * database as the next free time slot (a GCRA "virtual scheduling" limiter): each call reserves
 * the next slot in one statement and waits until it comes, so calls are spaced evenly and never
 * exceed the rate, whichever process makes them. The database's clock decides, so processes on
 * machines with skewed clocks still share one schedule.
 */
export interface RateLimiter {
  /** Reserves the next slot; resolves with how long the caller must wait for it (ms). */
  reserve(zoomAccountId: string, category: RateCategory): Promise<number>;
  /** Zoom answered 429: nobody calls this account's category for `seconds`. */
  backOff(zoomAccountId: string, category: RateCategory, seconds: number): Promise<void>;
}

export function createRateLimiter(deps: {
  db: Queryable;
  rates: CategoryRates;
  share: number;
}): RateLimiter {
  const spacingMs = (category: RateCategory) => 1000 / (deps.rates[category] * deps.share);
  return {
    async reserve(zoomAccountId, category) {
      const { rows } = await deps.db.query<{ wait_ms: number }>(
        `INSERT INTO zoom_rate_limits AS r (zoom_account_id, category, next_slot_at)
         VALUES ($1, $2, clock_timestamp() + $3 * interval '1 millisecond')
         ON CONFLICT (zoom_account_id, category) DO UPDATE
           SET next_slot_at = GREATEST(r.next_slot_at, clock_timestamp()) + $3 * interval '1 millisecond'
         RETURNING GREATEST(0, EXTRACT(EPOCH FROM (r.next_slot_at - clock_timestamp())) * 1000 - $3)::float8 AS wait_ms`,
        [zoomAccountId, category, spacingMs(category)],
      );
      return Math.max(0, rows[0]?.wait_ms ?? 0);
    },
    async backOff(zoomAccountId, category, seconds) {
      await deps.db.query(
        `INSERT INTO zoom_rate_limits AS r (zoom_account_id, category, next_slot_at)
         VALUES ($1, $2, clock_timestamp() + $3 * interval '1 second')
         ON CONFLICT (zoom_account_id, category) DO UPDATE
           SET next_slot_at = GREATEST(r.next_slot_at, clock_timestamp() + $3 * interval '1 second')`,
        [zoomAccountId, category, seconds],
      );
    },
  };
}
