/**
 * When an access token is good enough to hand out, and when to refresh it ahead of expiry.
 * Both scale with the token's lifetime, so a Zoom that hands out 10-second tokens (or an
 * emulator configured to) gets proportionate margins instead of a refresh storm.
 */
export interface TokenTimes {
  expiresAtMs: number;
  lifetimeSeconds: number;
}

/** Handed out only with at least this much life left: 60 s, or a tenth of a short lifetime. */
export function minimumRemainingMs(lifetimeSeconds: number): number {
  return Math.min(60, lifetimeSeconds / 10) * 1000;
}

/** Refreshed in the background this long before expiry: 5 minutes, or a quarter of a short lifetime. */
export function refreshAheadMs(lifetimeSeconds: number): number {
  return Math.min(300, lifetimeSeconds / 4) * 1000;
}

export function isServeable(times: TokenTimes, nowMs: number): boolean {
  return times.expiresAtMs - nowMs > minimumRemainingMs(times.lifetimeSeconds);
}

export function refreshDueAtMs(times: TokenTimes): number {
  return times.expiresAtMs - refreshAheadMs(times.lifetimeSeconds);
}
