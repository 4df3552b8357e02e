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

/**
 * The latest moment a background refresh may run: twice the minimum remainder before expiry, so
 * that the token is still handed out while Zoom answers (or a first retry runs) and requests never
 * wait on a refresh that a catch-up or pacing put off. Later than the refresh time (refreshAtMs)
 * by at least a twentieth of the lifetime.
 */
export function latestRefreshAtMs(times: TokenTimes): number {
  return times.expiresAtMs - 2 * minimumRemainingMs(times.lifetimeSeconds);
}

/**
 * Where in its refresh period a credential refreshes, in [0, 1): the fractional parts of
 * `slot × golden ratio` for consecutive slots (credentials in creation order) are as evenly spread
 * as any sequence can be, so any number of credentials connected together — a mass connect, a
 * bulk import — land their refreshes evenly over the period, not at random and not all at once.
 */
export function refreshPhase(slot: number): number {
  const x = slot * 0.6180339887498949;
  return x - Math.floor(x);
}

/**
 * When the background job refreshes: the last moment, at or before the refresh-ahead time, that
 * falls on this credential's phase of a grid whose period is the natural refresh interval
 * (lifetime minus refresh-ahead). In steady state that is exactly one refresh per interval, as
 * without the grid; what the grid adds is that tokens issued together (a restart, a deploy, a mass
 * connect) are refreshed spread over a whole interval instead of in the same second. The result
 * is always after the token was issued and never after its refresh-ahead time.
 */
export function refreshAtMs(times: TokenTimes, phase: number): number {
  const due = refreshDueAtMs(times);
  const period = times.lifetimeSeconds * 1000 - refreshAheadMs(times.lifetimeSeconds);
  if (!(period > 0)) return due;
  const offset = (((due - phase * period) % period) + period) % period;
  return due - offset;
}

/** Lateness a background refresh may have (a worker busy, a poll interval) and still just run. */
const LATE_TOLERANCE_MS = 1000;

/**
 * Where a background refresh that comes `late` (its process was down: a restart, a deploy) goes
 * instead of running at once with every other job that fell due meanwhile: as far after now as
 * it was overdue (mirroring the backlog over a window as long again, so the refresh rate at most
 * doubles while it drains), within the time its token can still wait; spread over what time is
 * left when that is less, or (a token already expired, refreshed on demand if asked for) over up
 * to one refresh period. Null: run now.
 */
export function catchUpAtMs(
  times: TokenTimes,
  plannedAtMs: number,
  nowMs: number,
  phase: number,
): number | null {
  const late = nowMs - plannedAtMs;
  const period = times.lifetimeSeconds * 1000 - refreshAheadMs(times.lifetimeSeconds);
  if (late <= Math.min(LATE_TOLERANCE_MS, period / 4)) return null;
  const latest = latestRefreshAtMs(times);
  if (latest - nowMs >= 2 * late) return nowMs + 2 * late;
  const window = latest > nowMs ? latest - nowMs : Math.min(2 * late, period);
  const at = nowMs + phase * window;
  return at - nowMs >= 1 ? at : null;
}

/**
 * catchUpAtMs for the start-up pass that moves every overdue refresh at once
 * (catch-up.ts): knowing the whole backlog, it spreads each over the time its token can still
 * wait — up to one refresh period, and over the next period when the token has expired already.
 * Where in that window: by the credential's phase, so a backlog of any size lands evenly instead
 * of following how late each job happened to be (which bunches the ones overdue about as long as
 * each other) — with one exception. A fleet refreshing on its grid (refreshAtMs) has the jobs that
 * fell due in a short downtime all of nearly the same phase (a band `backlogMs / period` wide:
 * `backlogMs` is the oldest overdue job's lateness), so by phase alone they all went to nearly
 * the same moment (a 3 s restart of 10,000 ten-minute tokens: 44 refreshes in one second, 13 s
 * after the start, on top of the 22 a second planned). Where the window is at least the backlog,
 * the phase is stretched `period / backlogMs` times (a whole number, so the credentials' phases
 * stay evenly spread), which opens that band over the whole window.
 * Null: run now (barely late, or nothing left to spread over).
 */
export function spreadCatchUpAtMs(
  times: TokenTimes,
  plannedAtMs: number,
  nowMs: number,
  phase: number,
  backlogMs: number,
): number | null {
  const period = times.lifetimeSeconds * 1000 - refreshAheadMs(times.lifetimeSeconds);
  if (nowMs - plannedAtMs <= Math.min(LATE_TOLERANCE_MS, period / 4)) return null;
  const latest = latestRefreshAtMs(times);
  const window = latest > nowMs ? Math.min(latest - nowMs, period) : period;
  const stretch = backlogMs > 0 && window >= backlogMs ? Math.floor(period / backlogMs) : 1;
  const turned = phase * stretch;
  const at = nowMs + (turned - Math.floor(turned)) * window;
  return at - nowMs >= 1 ? at : null;
}
