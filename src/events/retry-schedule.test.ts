import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY_SCHEDULE_SECONDS } from '../config.ts';
import { nextDelaySeconds } from './retry-schedule.ts';
import { parseRetryAfter } from './sender.ts';

describe('the retry schedule', () => {
  it("is Standard Webhooks': 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h after the first attempt", () => {
    const delays = [1, 2, 3, 4, 5, 6, 7].map((attempts) =>
      nextDelaySeconds(DEFAULT_RETRY_SCHEDULE_SECONDS, attempts, null),
    );
    expect(delays).toEqual([5, 300, 1800, 7200, 18_000, 36_000, 36_000]);
    expect(nextDelaySeconds(DEFAULT_RETRY_SCHEDULE_SECONDS, 8, null)).toBeNull();
  });

  it('honours Retry-After within the schedule: never sooner, never past its longest step', () => {
    expect(nextDelaySeconds(DEFAULT_RETRY_SCHEDULE_SECONDS, 1, 60)).toBe(60);
    expect(nextDelaySeconds(DEFAULT_RETRY_SCHEDULE_SECONDS, 1, 1)).toBe(5);
    expect(nextDelaySeconds(DEFAULT_RETRY_SCHEDULE_SECONDS, 2, 10 * 86_400)).toBe(36_000);
    expect(nextDelaySeconds(DEFAULT_RETRY_SCHEDULE_SECONDS, 8, 1)).toBeNull();
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    const now = Date.parse('2026-11-30T12:00:00Z');
    expect(parseRetryAfter('120', now)).toBe(120);
    expect(parseRetryAfter('Mon, 30 Nov 2026 12:01:00 GMT', now)).toBe(60);
    expect(parseRetryAfter('Mon, 30 Nov 2026 11:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeNull();
    expect(parseRetryAfter(undefined, now)).toBeNull();
  });
});
