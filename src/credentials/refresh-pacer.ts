/**
 * Background refreshes are planned evenly (token-timing.ts), but a process does not always run
 * them on time: it starts up (workers, JIT and the import's syncs competing for the first seconds
 * after a restart), it is starved of CPU, its embedded database is busy. The refreshes that fell
 * behind meanwhile would then all run as soon as it can: Zoom sees the backlog in one burst (2× the
 * mean after a restart, measured at Zoom). The pacer lets a process that fell behind catch up at
 * most `CATCH_UP_RATE` times the planned rate, by the jobs' scheduled times: it keeps a virtual
 * clock that a job found late pulls back to that job's time and that then runs `CATCH_UP_RATE`
 * times as fast as real time until it is level again; a job runs once the virtual clock reaches
 * its time. On time (the virtual clock level with real time), jobs run as they come.
 *
 * It relies on jobs reaching it in about the order of their times (the refresh queue is fetched
 * earliest first: jobs.ts refreshPriority), and costs nothing while the process keeps up.
 *
 * Pacing never makes a refresh late for its token: a job waits at most until its token's latest
 * safe moment (token-timing.ts latestRefreshAtMs). With short tokens (seconds, as a test or an
 * emulator may hand out) the bounded rate would otherwise hold a refresh past expiry.
 */

/**
 * How much faster than planned refreshes may run while a process catches up: the busiest second
 * stays under 2× the mean with room for a second's noise and, after a restart, for the seconds of
 * start-up in which nothing runs (they count in the mean).
 */
export const CATCH_UP_RATE = 1.25;
/**
 * Lateness paced from: below the queue's polling interval (0.5 s), so that even the jobs that
 * became due together while the workers started, or during one poll, go out at the bounded rate
 * rather than in the same instant.
 */
export const PACING_TOLERANCE_MS = 250;
/**
 * How far behind the pacer follows a process: a backlog older than this (a long stall; downtime is
 * spread at start-up, catch-up.ts) runs as it comes, and no job waits longer than this to run.
 */
export const MAX_BEHIND_MS = 60_000;

/** A refresh to pace: when it was planned and the latest it may run (ms since the epoch). */
export interface PacedJob {
  atMs: number;
  /** Never waits past this; absent: only MAX_BEHIND_MS bounds the wait. */
  latestMs?: number;
}

export interface RefreshPacer {
  /**
   * Resolves when a refresh scheduled at `job.atMs` may run: at once, once the process has caught
   * up to it, or at `job.latestMs` (its token's latest safe moment) if that comes first. Rejects
   * if `signal` aborts while it waits.
   */
  turn(job: PacedJob, signal?: AbortSignal): Promise<void>;
}

/** How long a job scheduled at `atMs` waits, and the pacer's clock afterwards. Pure. */
export function pace(
  behind: { virtualMs: number; realMs: number } | null,
  { atMs, latestMs = Number.POSITIVE_INFINITY }: PacedJob,
  nowMs: number,
): { waitMs: number; behind: { virtualMs: number; realMs: number } | null } {
  let virtualMs = nowMs;
  if (behind) {
    virtualMs = behind.virtualMs + CATCH_UP_RATE * (nowMs - behind.realMs);
    if (virtualMs >= nowMs) {
      virtualMs = nowMs;
      behind = null;
    }
  }
  // Later than the clock allows: the process fell (further) behind; catch up from this job on.
  if (atMs < virtualMs - PACING_TOLERANCE_MS)
    return {
      waitMs: 0,
      behind: { virtualMs: Math.max(atMs, nowMs - MAX_BEHIND_MS), realMs: nowMs },
    };
  if (atMs <= virtualMs) return { waitMs: 0, behind };
  const waitMs = Math.min((atMs - virtualMs) / CATCH_UP_RATE, MAX_BEHIND_MS, latestMs - nowMs);
  return { waitMs: Math.max(0, waitMs), behind };
}

export function createRefreshPacer(
  now: () => number,
  wait: (ms: number, signal?: AbortSignal) => Promise<unknown>,
): RefreshPacer {
  let behind: { virtualMs: number; realMs: number } | null = null;
  return {
    async turn(job, signal) {
      const paced = pace(behind, job, now());
      behind = paced.behind;
      if (paced.waitMs >= 1) await wait(paced.waitMs, signal);
    },
  };
}
