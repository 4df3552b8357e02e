// Zoom's rate limits: per Zoom ACCOUNT (shared by every app on it) and per category, with a
// per-second (or, for resource-intensive calls, per-minute) window and, on the free plan, a
// daily budget that resets at 00:00 UTC. Windows are cut on the emulator clock, which follows
// wall time, so a client hammering without advancing the clock meets QPS limits as with Zoom.

import type { EmulatorClock } from './clock.ts';
import type { Account, Plan, RateCategory, RateLimitRule } from './model.ts';

const rule = (
  per_second: number | null,
  per_minute: number | null,
  per_day: number | null,
): RateLimitRule => ({ per_second, per_minute, per_day });

/** Zoom's published table (../shared/reference/zoom.md); "Business" stands for Business+. */
export const PLAN_RATE_LIMITS: Record<Plan, Record<RateCategory, RateLimitRule>> = {
  free: {
    light: rule(4, null, 6000),
    medium: rule(2, null, 2000),
    heavy: rule(1, null, 1000),
    resource_intensive: rule(null, 10, null),
  },
  pro: {
    light: rule(30, null, null),
    medium: rule(20, null, null),
    heavy: rule(10, null, null),
    resource_intensive: rule(null, 10, null),
  },
  business: {
    light: rule(80, null, null),
    medium: rule(60, null, null),
    heavy: rule(40, null, null),
    resource_intensive: rule(null, 20, null),
  },
};

export const CATEGORY_HEADER: Record<RateCategory, string> = {
  light: 'Light',
  medium: 'Medium',
  heavy: 'Heavy',
  resource_intensive: 'Resource-intensive',
};

export function effectiveRule(account: Account, category: RateCategory): RateLimitRule {
  return { ...PLAN_RATE_LIMITS[account.plan][category], ...account.rate_limits[category] };
}

interface Counter {
  window: number;
  count: number;
}

interface CategoryCounters {
  short: Counter;
  day: Counter;
}

export type RateDecision =
  | { allowed: true; headers: Record<string, string> }
  | { allowed: false; headers: Record<string, string>; body: { code: 429; message: string } };

const DAY_MS = 86_400_000;

export function createRateLimiter(deps: { clock: EmulatorClock }) {
  const counters = new Map<string, CategoryCounters>();

  const counterIn = (counter: Counter, window: number): number =>
    counter.window === window ? counter.count : 0;

  return {
    /** Counts one call if it is within every limit; otherwise says which limit it hit. */
    take(account: Account, category: RateCategory): RateDecision {
      const limits = effectiveRule(account, category);
      const nowMs = deps.clock.nowMs();
      const perMinute = limits.per_second === null && limits.per_minute !== null;
      const shortLimit = perMinute ? limits.per_minute : limits.per_second;
      const shortWindow = Math.floor(nowMs / (perMinute ? 60_000 : 1000));
      const dayWindow = Math.floor(nowMs / DAY_MS);
      const key = `${account.id}\u0000${category}`;
      let entry = counters.get(key);
      if (!entry) {
        entry = { short: { window: shortWindow, count: 0 }, day: { window: dayWindow, count: 0 } };
        counters.set(key, entry);
      }
      const shortUsed = counterIn(entry.short, shortWindow);
      const dayUsed = counterIn(entry.day, dayWindow);
      const categoryHeader = CATEGORY_HEADER[category];

      if (limits.per_day !== null && dayUsed >= limits.per_day) {
        return {
          allowed: false,
          headers: {
            'x-ratelimit-category': categoryHeader,
            'x-ratelimit-type': 'Daily-limit',
            'x-ratelimit-limit': String(limits.per_day),
            'x-ratelimit-remaining': '0',
            // Zoom gives the daily reset as a date, not a number of seconds.
            'retry-after': new Date((dayWindow + 1) * DAY_MS).toISOString(),
          },
          body: {
            code: 429,
            message:
              'You have reached the maximum daily rate limit for this API. Refer to the response header for details on when you can make another request.',
          },
        };
      }
      if (shortLimit !== null && shortUsed >= shortLimit) {
        return {
          allowed: false,
          headers: {
            'x-ratelimit-category': categoryHeader,
            'x-ratelimit-type': 'QPS',
            'x-ratelimit-limit': String(shortLimit),
            'x-ratelimit-remaining': '0',
          },
          body: {
            code: 429,
            message: `You have reached the maximum per-${perMinute ? 'minute' : 'second'} rate limit for this API. Try again later.`,
          },
        };
      }
      entry.short = { window: shortWindow, count: shortUsed + 1 };
      entry.day = { window: dayWindow, count: dayUsed + 1 };
      const headers: Record<string, string> = { 'x-ratelimit-category': categoryHeader };
      if (limits.per_day !== null) {
        headers['x-ratelimit-type'] = 'Daily-limit';
        headers['x-ratelimit-limit'] = String(limits.per_day);
        headers['x-ratelimit-remaining'] = String(limits.per_day - dayUsed - 1);
      } else if (shortLimit !== null) {
        headers['x-ratelimit-type'] = 'QPS';
        headers['x-ratelimit-limit'] = String(shortLimit);
        headers['x-ratelimit-remaining'] = String(shortLimit - shortUsed - 1);
      }
      return { allowed: true, headers };
    },
  };
}

export type RateLimiter = ReturnType<typeof createRateLimiter>;
