import { describe, expect, it } from 'vitest';
import { perSecond } from '../../test/support/per-second.ts';
import { CATCH_UP_RATE, createRefreshPacer, MAX_BEHIND_MS, pace } from './refresh-pacer.ts';
import { latestRefreshAtMs, refreshAheadMs } from './token-timing.ts';

/**
 * A process working a refresh queue planned at `rate` a second for `seconds`, earliest first, one
 * job at a time with no cost, that can run nothing before `readyAtMs` (its start-up, a stall):
 * when each job runs, with the pacer or (paced: false) without. With `lifetimeSeconds`, each job
 * refreshes a token of that lifetime at its refresh-ahead time, and says its latest safe moment.
 */
function simulate(options: {
  rate: number;
  seconds: number;
  readyAtMs: number;
  paced: boolean;
  lifetimeSeconds?: number;
}) {
  const count = options.rate * options.seconds;
  let behind: Parameters<typeof pace>[0] = null;
  let free = 0;
  const ran: number[] = [];
  for (let i = 0; i < count; i += 1) {
    const at = (i * 1000) / options.rate;
    const fetched = Math.max(at, options.readyAtMs, free);
    const paced = pace(
      behind,
      { atMs: at, latestMs: latestOf(at, options.lifetimeSeconds) },
      fetched,
    );
    behind = paced.behind;
    free = fetched + (options.paced ? paced.waitMs : 0);
    ran.push(free);
  }
  return ran;
}

/** The latest safe moment of a token refreshed at its refresh-ahead time `at`. */
function latestOf(at: number, lifetimeSeconds: number | undefined) {
  if (lifetimeSeconds === undefined) return undefined;
  const expiresAtMs = at + refreshAheadMs(lifetimeSeconds);
  return latestRefreshAtMs({ expiresAtMs, lifetimeSeconds });
}

function busiestOverMean(instants: number[]) {
  const { busiest, mean } = perSecond(instants);
  return busiest / mean;
}

describe('pace', () => {
  it('lets jobs that come on time or within the tolerance run at once, leaving nothing behind', () => {
    expect(pace(null, { atMs: 10_000 }, 10_000)).toEqual({ waitMs: 0, behind: null });
    expect(pace(null, { atMs: 10_000 }, 10_200)).toEqual({ waitMs: 0, behind: null });
  });

  it('after a late job, holds the later ones back to catch up at the bounded rate', () => {
    const late = pace(null, { atMs: 10_000 }, 15_000);
    expect(late).toEqual({ waitMs: 0, behind: { virtualMs: 10_000, realMs: 15_000 } });
    // Scheduled 3 s after the late one, found at the same moment: runs 3 s / rate later.
    expect(pace(late.behind, { atMs: 13_000 }, 15_000).waitMs).toBeCloseTo(3000 / CATCH_UP_RATE);
    // Level again once the virtual clock has caught up: 5 s behind, gaining 0.25 s a second.
    expect(pace(late.behind, { atMs: 35_000 }, 35_000)).toEqual({ waitMs: 0, behind: null });
  });

  it('follows a process at most a minute behind', () => {
    const far = pace(null, { atMs: 0 }, 10 * MAX_BEHIND_MS);
    expect(far.behind?.virtualMs).toBe(9 * MAX_BEHIND_MS);
    expect(
      pace(far.behind, { atMs: 10 * MAX_BEHIND_MS }, 10 * MAX_BEHIND_MS).waitMs,
    ).toBeLessThanOrEqual(MAX_BEHIND_MS);
  });

  it("never holds a refresh past its token's latest safe moment", () => {
    const late = pace(null, { atMs: 10_000 }, 15_000);
    // Planned 3 s after the late one: paced to 2.4 s from now, but its token allows only 1 s more.
    const held = pace(late.behind, { atMs: 13_000, latestMs: 16_000 }, 15_000);
    expect(held.waitMs).toBe(1000);
    // Found at or past that moment: runs at once.
    expect(pace(late.behind, { atMs: 13_000, latestMs: 14_000 }, 15_000).waitMs).toBe(0);
  });
});

describe('a process that starts 5 s late on 36 refreshes a second', () => {
  const plan = { rate: 36, seconds: 60, readyAtMs: 5000 };

  it('without pacing runs the backlog in one second', () => {
    expect(busiestOverMean(simulate({ ...plan, paced: false }))).toBeGreaterThan(3);
  });

  it('with pacing catches up at 1.25× the planned rate: busiest second ≤ 2× the mean', () => {
    const ran = simulate({ ...plan, paced: true });
    expect(busiestOverMean(ran)).toBeLessThanOrEqual(CATCH_UP_RATE + 0.1);
    // Caught up after twice the delay: the last job runs on time.
    expect(ran.at(-1)).toBeCloseTo(((plan.rate * plan.seconds - 1) * 1000) / plan.rate);
  });
});

describe('a process that starts 5 s late on 36 refreshes a second of 20-second tokens', () => {
  const plan = { rate: 36, seconds: 60, readyAtMs: 5000, paced: true, lifetimeSeconds: 20 };
  /** Refreshes that ran past their token's latest safe moment and later than they were fetched. */
  const heldTooLong = (ran: number[]) =>
    ran.filter((ranAt, i) => {
      const at = (i * 1000) / plan.rate;
      const fetched = Math.max(at, plan.readyAtMs, i === 0 ? 0 : (ran[i - 1] as number));
      return ranAt > fetched && ranAt > (latestOf(at, plan.lifetimeSeconds) as number);
    }).length;

  it('would, paced at the bounded rate alone, hold refreshes past their latest safe moment', () => {
    expect(heldTooLong(simulate({ ...plan, lifetimeSeconds: undefined }))).toBeGreaterThan(100);
  });

  it('holds no refresh past its latest safe moment', () => {
    expect(heldTooLong(simulate(plan))).toBe(0);
  });
});

describe('createRefreshPacer', () => {
  it('waits out the pacing, and an abort ends the wait with an error', async () => {
    let clock = 20_000;
    const waits: number[] = [];
    const pacer = createRefreshPacer(
      () => clock,
      async (ms, signal) => {
        waits.push(ms);
        if (signal?.aborted) throw new Error('aborted');
      },
    );
    await pacer.turn({ atMs: 10_000 });
    await pacer.turn({ atMs: 13_000 });
    expect(waits).toEqual([3000 / CATCH_UP_RATE]);
    clock = 20_000;
    const stopping = new AbortController();
    stopping.abort();
    await expect(pacer.turn({ atMs: 16_000 }, stopping.signal)).rejects.toThrow('aborted');
  });
});
