/**
 * Standard Webhooks' retry schedule: after the first attempt (immediately), retries after 5 s,
 * 5 min, 30 min, 2 h, 5 h, 10 h and 10 h. HOSTPASS_WEBHOOK_RETRY_SCHEDULE replaces it (tests
 * use a few zeros).
 */
export const DEFAULT_RETRY_SCHEDULE_SECONDS = [5, 300, 1800, 7200, 18_000, 36_000, 36_000];

/**
 * The delay before the next attempt after `attempts` failed ones, or null when the schedule is
 * spent. A Retry-After is honoured within the schedule: never sooner than the schedule says,
 * never later than its longest step.
 */
export function nextDelaySeconds(
  schedule: readonly number[],
  attempts: number,
  retryAfterSeconds: number | null,
): number | null {
  const scheduled = schedule[attempts - 1];
  if (scheduled === undefined) return null;
  if (retryAfterSeconds === null) return scheduled;
  return Math.max(scheduled, Math.min(retryAfterSeconds, Math.max(...schedule)));
}
