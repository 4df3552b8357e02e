import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type RunningEmulator, startEmulator } from './index.ts';
import {
  apiGet,
  authorizeAndExchange,
  startWorld,
  tokenRequest,
  type World,
} from './test-support.ts';

let emulator: RunningEmulator;
let world: World;

beforeEach(async () => {
  ({ emulator, world } = await startWorld(99));
});
afterEach(() => emulator.close());

describe('faults', () => {
  it('forces a status without touching state, and `times` limits how often', async () => {
    const tokens = await authorizeAndExchange(emulator, world.app, world.owner);
    await emulator.admin.addFault({ path_pattern: '/oauth/token', status: 503, times: 1 });
    const failed = await tokenRequest(emulator, world.app, {
      grant_type: 'refresh_token',
      refresh_token: tokens.refresh_token,
    });
    expect(failed.status).toBe(503);
    // The refresh token did not rotate: it still works once the fault is spent.
    const retried = await tokenRequest(emulator, world.app, {
      grant_type: 'refresh_token',
      refresh_token: tokens.refresh_token,
    });
    expect(retried.status).toBe(200);
    expect(await emulator.admin.faults()).toEqual([]);
  });

  it('matches route templates and globs', async () => {
    const tokens = await authorizeAndExchange(emulator, world.app, world.owner);
    const meeting = await emulator.admin.createMeeting({ host_id: world.owner.id });
    await emulator.admin.addFault({ path_pattern: '/v2/meetings/{meetingId}', status: 500 });
    expect((await apiGet(emulator, tokens.access_token, `/meetings/${meeting.id}`)).status).toBe(
      500,
    );
    expect((await apiGet(emulator, tokens.access_token, '/users/me')).status).toBe(200);
    await emulator.admin.clearFaults();
    await emulator.admin.addFault({ path_pattern: '/v2/users/*', status: 502 });
    expect((await apiGet(emulator, tokens.access_token, '/users/me')).status).toBe(502);
    expect((await apiGet(emulator, tokens.access_token, `/meetings/${meeting.id}`)).status).toBe(
      200,
    );
  });

  it('adds latency', async () => {
    const tokens = await authorizeAndExchange(emulator, world.app, world.owner);
    await emulator.admin.addFault({ path_pattern: '/v2/users/me', latency_ms: 150 });
    const started = performance.now();
    expect((await apiGet(emulator, tokens.access_token, '/users/me')).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(145);
  });

  it('fires at `rate` with the seeded PRNG: the same seed gives the same pattern', async () => {
    const pattern = async (seed: number) => {
      const instance = await startEmulator({ seed });
      await instance.admin.addFault({ path_pattern: '/oauth/token', status: 500, rate: 0.5 });
      const statuses: number[] = [];
      for (let index = 0; index < 20; index++) {
        const response = await fetch(`${instance.url}/oauth/token`, { method: 'POST' });
        statuses.push(response.status);
      }
      await instance.close();
      return statuses;
    };
    const first = await pattern(1234);
    expect(first).toEqual(await pattern(1234));
    expect(first.filter((status) => status === 500).length).toBeGreaterThan(3);
    expect(first.filter((status) => status === 401).length).toBeGreaterThan(3);
  });

  it('drop_response_after_commit: the refresh rotates, the answer never arrives, the old token is dead', async () => {
    const tokens = await authorizeAndExchange(emulator, world.app, world.owner);
    await emulator.admin.addFault({
      path_pattern: '/oauth/token',
      drop_response_after_commit: true,
      times: 1,
    });
    const lost = await tokenRequest(emulator, world.app, {
      grant_type: 'refresh_token',
      refresh_token: tokens.refresh_token,
    }).then(
      () => 'answered',
      () => 'connection dropped',
    );
    expect(lost).toBe('connection dropped');
    const retry = await tokenRequest(emulator, world.app, {
      grant_type: 'refresh_token',
      refresh_token: tokens.refresh_token,
    });
    expect(retry.body).toEqual({ reason: 'Invalid Token!', error: 'invalid_grant' });
    const counts = await emulator.admin.requests();
    expect(counts.by_grant_type.refresh_token).toBe(2);
  });

  it('hold_response_after_commit: the answer computed before a change arrives after it, when released', async () => {
    const tokens = await authorizeAndExchange(emulator, world.app, world.owner);
    const meeting = await emulator.admin.createMeeting({ host_id: world.owner.id });
    const fault = await emulator.admin.addFault({
      path_pattern: '/v2/users/{userId}/meetings',
      hold_response_after_commit: true,
    });
    let answered = false;
    const page = apiGet<{ meetings: { id: number }[] }>(
      emulator,
      tokens.access_token,
      '/users/me/meetings',
    ).finally(() => {
      answered = true;
    });
    await vi.waitFor(async () => {
      expect((await emulator.admin.faults())[0]?.held).toBe(1);
    });
    await emulator.admin.deleteMeeting(meeting.id);
    expect(answered).toBe(false);
    expect(await emulator.admin.releaseFault(fault.id)).toEqual({ released: 1 });
    // Stale by now: the meeting was deleted after the page was computed.
    expect((await page).body.meetings.map((listed) => String(listed.id))).toEqual([
      String(meeting.id),
    ]);
    // Released means removed: the next answer is current and not held.
    expect(await emulator.admin.faults()).toEqual([]);
    const next = await apiGet<{ meetings: unknown[] }>(
      emulator,
      tokens.access_token,
      '/users/me/meetings',
    );
    expect(next.body.meetings).toEqual([]);
    await expect(emulator.admin.releaseFault(fault.id)).rejects.toThrow(/404|not_found/);
  });

  it('never faults the admin API', async () => {
    await emulator.admin.addFault({ path_pattern: '*', status: 500 });
    expect((await emulator.admin.clock()).now).toBeTruthy();
  });
});
