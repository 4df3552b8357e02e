import { describe, expect, it } from 'vitest';
import {
  catchUpAtMs,
  refreshAheadMs,
  refreshAtMs,
  refreshDueAtMs,
  refreshPhase,
  type TokenTimes,
} from './token-timing.ts';

const HOUR = 3600;
const issuedAt = Date.UTC(2026, 0, 1, 12);
const times = (lifetimeSeconds: number, issued = issuedAt): TokenTimes => ({
  expiresAtMs: issued + lifetimeSeconds * 1000,
  lifetimeSeconds,
});

/** Busiest second and mean over the seconds from the first to the last of `instants`. */
function perSecond(instants: number[]) {
  const counts = new Map<number, number>();
  for (const at of instants) {
    const second = Math.floor(at / 1000);
    counts.set(second, (counts.get(second) ?? 0) + 1);
  }
  const seconds = [...counts.keys()];
  const span = Math.max(...seconds) - Math.min(...seconds) + 1;
  return { busiest: Math.max(...counts.values()), mean: instants.length / span, span };
}

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
