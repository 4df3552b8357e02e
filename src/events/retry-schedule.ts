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
