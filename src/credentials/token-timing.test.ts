import { describe, expect, it } from 'vitest';
import { perSecond } from '../../test/support/per-second.ts';
import {
  catchUpAtMs,
  refreshAheadMs,
  refreshAtMs,
  refreshDueAtMs,
  refreshPhase,
  spreadCatchUpAtMs,
  type TokenTimes,
} from './token-timing.ts';

const HOUR = 3600;
const issuedAt = Date.UTC(2026, 0, 1, 12);
const times = (lifetimeSeconds: number, issued = issuedAt): TokenTimes => ({
  expiresAtMs: issued + lifetimeSeconds * 1000,
  lifetimeSeconds,
});

describe('refreshAtMs', () => {
  it('is after the token was issued and never after its refresh-ahead time', () => {
    for (let slot = 1; slot <= 500; slot += 1) {
      const at = refreshAtMs(times(HOUR), refreshPhase(slot));
      expect(at).toBeGreaterThan(issuedAt);
      expect(at).toBeLessThanOrEqual(refreshDueAtMs(times(HOUR)));
    }
  });

  it('spreads 2,000 tokens issued in the same second over the whole period, evenly', () => {
    const lifetime = 300;
    const instants = Array.from({ length: 2000 }, (_, i) =>
      refreshAtMs(times(lifetime, issuedAt + (i % 1000)), refreshPhase(i + 1)),
    );
    const { busiest, mean, span } = perSecond(instants);
    expect(span).toBeGreaterThan((lifetime * 1000 - refreshAheadMs(lifetime)) / 1000 - 2);
    expect(busiest).toBeLessThanOrEqual(2 * mean);
  });

  it('in steady state refreshes once per period (lifetime minus refresh-ahead), as without spreading', () => {
    const phase = refreshPhase(42);
    const first = refreshAtMs(times(HOUR), phase);
    // Refreshed at its time (with some latency): the next token's refresh is one period later.
    const second = refreshAtMs(times(HOUR, first + 350), phase);
    expect(second - first).toBe(HOUR * 1000 - refreshAheadMs(HOUR));
  });
});

describe('catchUpAtMs', () => {
  const phase = refreshPhase(7);
  it('runs a job that comes on time (or within a poll) now', () => {
    const planned = refreshAtMs(times(HOUR), phase);
    expect(catchUpAtMs(times(HOUR), planned, planned + 400, phase)).toBeNull();
  });

  it('moves a late job as far again after now, so a backlog drains at most at twice the rate', () => {
    const planned = issuedAt + 10 * 60_000;
    const now = planned + 5 * 60_000;
    expect(catchUpAtMs(times(HOUR), planned, now, phase)).toBe(now + 10 * 60_000);
  });

  it('keeps a late job within the time its token can wait', () => {
    const token = times(HOUR);
    const planned = issuedAt + 40 * 60_000;
    const now = issuedAt + 55 * 60_000;
    const at = catchUpAtMs(token, planned, now, phase) as number;
    expect(at).toBeGreaterThan(now);
    expect(at).toBeLessThanOrEqual(token.expiresAtMs - 2 * 60_000);
  });

  it('spreads the refreshes of expired tokens over at most a period', () => {
    const token = times(HOUR);
    const now = token.expiresAtMs + 3 * HOUR * 1000;
    const at = catchUpAtMs(token, issuedAt, now, phase) as number;
    expect(at).toBeGreaterThan(now);
    expect(at - now).toBeLessThanOrEqual(HOUR * 1000 - refreshAheadMs(HOUR));
  });
});

describe('spreadCatchUpAtMs', () => {
  const hour = { expiresAtMs: 600_000, lifetimeSeconds: 3600 };
  it('runs a barely late refresh now', () => {
    expect(spreadCatchUpAtMs(hour, 10_000, 10_500, 0.5, 500)).toBeNull();
  });
  it('spreads a backlog by phase over what the token can still wait, evenly', () => {
    const now = 100_000;
    const latest = hour.expiresAtMs - 120_000;
    const times = Array.from({ length: 1000 }, (_, slot) =>
      spreadCatchUpAtMs(hour, now - 50_000 - slot, now, refreshPhase(slot + 1), 50_999),
    ) as number[];
    expect(Math.min(...times)).toBeGreaterThanOrEqual(now);
    expect(Math.max(...times)).toBeLessThan(latest);
    // 1000 refreshes over 380 one-second bins: no bin holds more than twice the mean.
    const bins = new Map<number, number>();
    for (const at of times)
      bins.set(Math.floor(at / 1000), (bins.get(Math.floor(at / 1000)) ?? 0) + 1);
    expect(Math.max(...bins.values())).toBeLessThanOrEqual(2 * (1000 / 380));
  });
  it('spreads an expired token over the next refresh period', () => {
    const at = spreadCatchUpAtMs(hour, 0, 700_000, 0.5, 3_300_000) as number;
    expect(at).toBe(700_000 + 0.5 * 3_300_000);
  });
  it('spreads the few seconds of a restart of a fleet on its grid, not to one moment', () => {
    // 10,000 ten-minute tokens refreshed on their grid (refreshAtMs), 22 a second; the process
    // was down 3 s. The jobs due meanwhile are of nearly the same phase: by phase alone the ~44
    // of them that are moved landed in the same second (measured at Zoom: 44 and 48 a second).
    const lifetimeSeconds = 600;
    const period = lifetimeSeconds * 1000 - refreshAheadMs(lifetimeSeconds);
    const now = 1_800_000_000_000 + 123_456;
    const overdue = Array.from({ length: 10_000 }, (_, slot) => {
      const phase = refreshPhase(slot);
      const at = Math.floor(now / period) * period + phase * period;
      return { phase, at: at < now ? at : at - period };
    }).filter((job) => now - job.at <= 3000);
    const backlogMs = Math.max(...overdue.map((job) => now - job.at));
    const bins = new Map<number, number>();
    for (const job of overdue) {
      const times = { expiresAtMs: job.at + refreshAheadMs(lifetimeSeconds), lifetimeSeconds };
      const at = spreadCatchUpAtMs(times, job.at, now, job.phase, backlogMs);
      if (at === null) continue;
      expect(at).toBeLessThan(times.expiresAtMs - 2 * 60_000);
      const second = Math.floor((at - now) / 1000);
      bins.set(second, (bins.get(second) ?? 0) + 1);
    }
    expect([...bins.values()].reduce((sum, count) => sum + count, 0)).toBeGreaterThan(30);
    // At most a quarter of the planned rate added to any second.
    expect(Math.max(...bins.values())).toBeLessThanOrEqual((10_000 / (period / 1000)) * 0.25);
  });
});
