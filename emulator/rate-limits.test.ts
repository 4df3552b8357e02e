import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from './index.ts';
import {
  apiGet,
  authorizeAndExchange,
  createWorld,
  tokenRequest,
  type World,
} from './test-support.ts';

let emulator: RunningEmulator;
let world: World;
let token: string;
let refreshToken: string;

const QPS_BODY = {
  code: 429,
  message: 'You have reached the maximum per-second rate limit for this API. Try again later.',
};

async function setUp(options: Parameters<typeof createWorld>[1]) {
  emulator = await startEmulator({ seed: 5 });
  // Frozen, so every call of a test falls in the same emulator second.
  await emulator.admin.freezeClock();
  world = await createWorld(emulator, options);
  const tokens = await authorizeAndExchange(emulator, world.app, world.owner);
  token = tokens.access_token;
  refreshToken = tokens.refresh_token;
}
afterEach(() => emulator.close());

const hammer = async (path: string, times: number) => {
  const answers = [];
  for (let index = 0; index < times; index++) answers.push(await apiGet(emulator, token, path));
  return answers;
};

describe('free plan', () => {
  beforeEach(() => setUp({ plan: 'free', kind: 'account_level' }));

  it('allows 4 Light calls per second, then 429 with Zoom’s headers and body; the next second resets', async () => {
    const answers = await hammer('/users/me', 5);
    expect(answers.slice(0, 4).map((answer) => answer.status)).toEqual([200, 200, 200, 200]);
    expect(answers[0]?.headers.get('x-ratelimit-remaining')).toBe('5999');
    const limited = answers[4];
    expect(limited?.status).toBe(429);
    expect(limited?.body).toEqual(QPS_BODY);
    expect(limited?.headers.get('x-ratelimit-category')).toBe('Light');
    expect(limited?.headers.get('x-ratelimit-type')).toBe('QPS');
    expect(limited?.headers.get('x-ratelimit-limit')).toBe('4');
    expect(limited?.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(limited?.headers.get('retry-after')).toBeNull();

    // Medium has its own budget of 2/s.
    const medium = await hammer('/users', 3);
    expect(medium.map((answer) => answer.status)).toEqual([200, 200, 429]);

    await emulator.admin.advanceClock(1);
    expect((await apiGet(emulator, token, '/users/me')).status).toBe(200);
  });

  it('enforces the daily budget with an ISO Retry-After at the next UTC midnight', async () => {
    await emulator.admin.updateAccount(world.account.id, {
      rate_limits: { light: { per_second: null, per_day: 3 } },
    });
    const answers = await hammer('/users/me', 4);
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 429]);
    const limited = answers[3];
    expect(limited?.headers.get('x-ratelimit-type')).toBe('Daily-limit');
    expect(limited?.headers.get('x-ratelimit-limit')).toBe('3');
    const retryAfter = limited?.headers.get('retry-after') ?? '';
    const { now } = await emulator.admin.clock();
    const midnight = new Date(now);
    midnight.setUTCHours(24, 0, 0, 0);
    expect(retryAfter).toBe(midnight.toISOString());
    expect(limited?.body).toMatchObject({ code: 429 });

    // Just past midnight the budget is back (a fresh access token: the old one expired).
    await emulator.admin.advanceClock((Date.parse(retryAfter) - Date.parse(now)) / 1000);
    const refreshed = await tokenRequest(emulator, world.app, {
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
    });
    token = String(refreshed.body.access_token);
    expect((await apiGet(emulator, token, '/users/me')).status).toBe(200);
  });
});

describe('custom per-account rates', () => {
  beforeEach(() => setUp({ plan: 'pro', kind: 'account_level' }));

  it('replaces the plan’s limit for one category', async () => {
    // Pro Medium is 20/s; a custom 200/s lets 150 calls through in one second.
    await emulator.admin.updateAccount(world.account.id, {
      rate_limits: { medium: { per_second: 200, per_day: null } },
    });
    const answers = await hammer('/users', 150);
    expect(answers.every((answer) => answer.status === 200)).toBe(true);
    expect(answers[149]?.headers.get('x-ratelimit-limit')).toBe('200');

    await emulator.admin.updateAccount(world.account.id, {
      rate_limits: { medium: { per_second: 1 } },
    });
    await emulator.admin.advanceClock(1);
    expect((await hammer('/users', 2)).map((answer) => answer.status)).toEqual([200, 429]);
  });

  it('is shared by every app of the account', async () => {
    await emulator.admin.updateAccount(world.account.id, {
      rate_limits: { light: { per_second: 2 } },
    });
    const second = await emulator.admin.createApp({
      kind: 'user_level',
      redirect_uris: world.app.redirect_uris,
      scopes: ['user:read:user'],
    });
    const otherToken = (await authorizeAndExchange(emulator, second, world.member)).access_token;
    expect((await apiGet(emulator, token, '/users/me')).status).toBe(200);
    expect((await apiGet(emulator, otherToken, '/users/me')).status).toBe(200);
    expect((await apiGet(emulator, token, '/users/me')).status).toBe(429);
  });

  it('applies the real-time second when the clock is not frozen', async () => {
    await emulator.admin.freezeClock(false);
    await emulator.admin.updateAccount(world.account.id, {
      rate_limits: { light: { per_second: 3 } },
    });
    // 20 back-to-back calls cannot all fit in one-second windows of 3.
    const statuses = (await hammer('/users/me', 20)).map((answer) => answer.status);
    expect(statuses).toContain(429);
  });
});
