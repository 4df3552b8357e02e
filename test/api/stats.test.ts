// GET /api/v2/stats/ (issue 17, part 4): the Overview's numbers are what really happened.
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectCredential,
  createZoomUser,
  eventually,
  registerApp,
  startZoomWorld,
  type ZoomWorld,
} from '../support/zoom-world.ts';

const STATS = '/api/v2/stats/';
const CREDENTIALS = '/api/v2/zoom-oauth-credentials/';
const HOUR_MS = 3_600_000;
const ADMIN_TOKEN = `admin-${randomBytes(24).toString('hex')}`;

let world: ZoomWorld;

beforeAll(async () => {
  world = await startZoomWorld({
    env: { HOSTPASS_BOT_RUNNER: 'emulator', HOSTPASS_ADMIN_TOKEN: ADMIN_TOKEN },
  });
});
afterAll(() => world.close());

interface Hour {
  hour: string;
  tokens_minted: Record<string, number>;
  refreshes: Record<string, number>;
  webhooks: Record<string, number>;
  bot_launches: number;
}

/** Every hourly series summed over the day, as `tokens_minted.zak`-style keys. */
function totals(hours: Hour[]): Record<string, number> {
  const sums: Record<string, number> = {};
  const add = (key: string, value: number) => {
    sums[key] = (sums[key] ?? 0) + value;
  };
  for (const hour of hours) {
    for (const group of ['tokens_minted', 'refreshes', 'webhooks'] as const)
      for (const [name, value] of Object.entries(hour[group])) add(`${group}.${name}`, value);
    add('bot_launches', hour.bot_launches);
  }
  return sums;
}

async function stats(apiKey?: string) {
  const response = await world.hostpass.api(
    STATS,
    apiKey ? { headers: { authorization: `Token ${apiKey}` } } : {},
  );
  expect(response.status, response.text).toBe(200);
  return response.body;
}

describe('GET /api/v2/stats/', () => {
  it('is behind the API key', async () => {
    const response = await world.hostpass.api(STATS, { headers: { authorization: '' } });
    expect(response.status).toBe(401);
    expect(response.body).toHaveProperty('detail');
  });

  it('counts credentials and draws per hour what a client did: connect, mints of several kinds, refreshes, a refused webhook, a bot, a deauthorization', async () => {
    const started = Date.now();
    const empty = await stats();
    expect(empty.hours).toHaveLength(24);
    // Oldest first, one hour apart, the last one the current hour.
    const starts = empty.hours.map((hour: Hour) => Date.parse(hour.hour));
    expect(starts[23]).toBe(Math.floor(started / HOUR_MS) * HOUR_MS);
    for (let i = 1; i < 24; i += 1) expect(starts[i] - starts[i - 1]).toBe(HOUR_MS);
    expect(Object.values(totals(empty.hours)).every((value) => value === 0)).toBe(true);
    expect(empty.credentials).toEqual({
      total: 0,
      by_status: { healthy: 0, unhealthy: 0 },
      by_meeting_sync_status: { not_started: 0, in_progress: 0, completed: 0, failed: 0 },
    });
    expect(empty.recently_unhealthy).toEqual([]);

    // Connect a host whose app sends its events to Hostpass, and let the meeting sync finish.
    const connected = await registerApp(world, 'user_level', { published: true });
    const app = (await world.hostpass.api(`/api/v2/zoom-oauth-apps/${connected.app.id}/`)).body;
    await world.zoom.updateApp(connected.zoomApp.id, { event_url: app.webhook_url });
    const host = await createZoomUser(world);
    const meeting = await world.zoom.createMeeting({ host_id: host.id });
    const created = await connectCredential(world, connected, host.id);
    const credentialId: string = created.body.id;
    await eventually(async () => {
      const credential = (await world.hostpass.api(`${CREDENTIALS}${credentialId}/`)).body;
      return credential.meeting_sync_status === 'completed' ? true : undefined;
    }, 'the sync');
    const healthy = await stats();
    expect(healthy.credentials).toEqual({
      total: 1,
      by_status: { healthy: 1, unhealthy: 0 },
      by_meeting_sync_status: { not_started: 0, in_progress: 0, completed: 1, failed: 0 },
    });

    // Mints: a join token, two ZAKs and an on-behalf token.
    const mint = async (kinds: string[]) => {
      const answer = await world.hostpass.api('/api/v2/zoom-tokens/', {
        method: 'POST',
        json: { meeting_id: Number(meeting.id), kinds },
      });
      expect(answer.status, answer.text).toBe(200);
      for (const kind of kinds) expect(answer.body[kind], kind).not.toBeNull();
    };
    await mint(['join_token', 'zak', 'obf']);
    await mint(['zak']);
    // A kind Zoom cannot give (3rd party recording needs an account-level app) is not counted.
    const refusedKind = await world.hostpass.api('/api/v2/zoom-tokens/', {
      method: 'POST',
      json: { meeting_id: Number(meeting.id), kinds: ['third_party_recording_token'] },
    });
    expect(refusedKind.body.errors.third_party_recording_token.code).toBe(
      'account_level_app_required',
    );

    // Refreshes: one Zoom fails (transient), one works.
    await world.zoom.addFault({ path_pattern: '/oauth/token', status: 503, times: 1 });
    const failed = await world.hostpass.api(`${CREDENTIALS}${credentialId}/validate/`, {
      method: 'POST',
    });
    expect(failed.status, failed.text).toBe(503);
    const validated = await world.hostpass.api(`${CREDENTIALS}${credentialId}/validate/`, {
      method: 'POST',
    });
    expect(validated.status, validated.text).toBe(200);

    // A forged webhook: refused.
    const forged = await world.hostpass.api(`/api/v2/zoom-oauth-apps/${connected.app.id}/webhook`, {
      method: 'POST',
      json: { event: 'meeting.created', payload: {} },
    });
    expect(forged.status).toBe(401);

    // A bot: launched with tokens minted from the credential.
    const bot = await world.hostpass.api('/api/v1/bot/', {
      method: 'POST',
      json: { meeting_url: `https://zoom.us/j/${meeting.id}?pwd=${meeting.password}` },
    });
    expect(bot.status, bot.text).toBe(201);
    const launched = await eventually(async () => {
      const current = (await world.hostpass.api(`/api/v1/bot/${bot.body.id}/`)).body;
      return current.join_plan && current.status_changes.length > 1 ? current : undefined;
    }, 'the bot to join');
    const botKinds: string[] = launched.join_plan.tokens;
    expect(botKinds.length).toBeGreaterThan(0);

    // The user removes the app in Zoom: Zoom's signed app_deauthorized reaches Hostpass.
    await world.zoom.deauthorize(connected.zoomApp.client_id, host.id);
    const deauthorizedAt = Date.now();
    await eventually(async () => {
      const credential = (await world.hostpass.api(`${CREDENTIALS}${credentialId}/`)).body;
      return credential.status_reason?.includes('removed the app') ? credential : undefined;
    }, 'the deauthorization');
    // The deauthorization is the credential lost: counted before any refresh tries the grant.
    await eventually(async () => {
      const body = await stats();
      return totals(body.hours)['refreshes.credential_lost'] === 1 ? true : undefined;
    }, 'the deauthorization counted as a credential lost');
    // Validating again tries a refresh with the grant gone (its tokens were deleted): the
    // credential was lost already, so it is not counted again (expected below: still 1).
    const lost = await world.hostpass.api(`${CREDENTIALS}${credentialId}/validate/`, {
      method: 'POST',
    });
    expect(lost.status).toBeLessThan(500);

    // Zoom's events Hostpass accepted; the endpoint's URL validation is a challenge, not an event.
    const deliveries = (await world.zoom.webhooks()).filter(
      (delivery) =>
        delivery.app_id === connected.zoomApp.id &&
        delivery.status === 200 &&
        delivery.event !== 'endpoint.url_validation',
    );
    expect(deliveries.map((delivery) => delivery.event)).toContain('app_deauthorized');
    const current = (await world.hostpass.api(`${CREDENTIALS}${credentialId}/`)).body;

    const expected: Record<string, number> = {
      'tokens_minted.join_token': 1,
      'tokens_minted.zak': 2,
      'tokens_minted.obf': 1,
      'tokens_minted.third_party_recording_token': 0,
      'refreshes.ok': 1,
      'refreshes.transient_failure': 1,
      'refreshes.credential_lost': 1,
      'webhooks.received': deliveries.length,
      'webhooks.refused': 1,
      bot_launches: 1,
    };
    for (const kind of botKinds)
      expected[`tokens_minted.${kind}`] = (expected[`tokens_minted.${kind}`] ?? 0) + 1;
    // The runner reports the bot's progress before its launch call returns: wait for the count.
    const after = await eventually(async () => {
      const body = await stats();
      return totals(body.hours).bot_launches === 1 ? body : undefined;
    }, 'the bot launch to be counted');
    expect(totals(after.hours)).toEqual(expected);
    // Everything happened in the hours this test ran in (one, or two across an hour boundary).
    const touched = after.hours
      .filter((hour: Hour) => Object.values(totals([hour])).some((value) => value > 0))
      .map((hour: Hour) => Date.parse(hour.hour));
    for (const hour of touched) {
      expect(hour).toBeGreaterThanOrEqual(Math.floor(started / HOUR_MS) * HOUR_MS);
      expect(hour).toBeLessThanOrEqual(Date.now());
    }

    expect(after.credentials).toEqual({
      total: 1,
      by_status: { healthy: 0, unhealthy: 1 },
      by_meeting_sync_status: {
        not_started: 0,
        in_progress: 0,
        completed: 0,
        failed: 0,
        [current.meeting_sync_status]: 1,
      },
    });
    expect(after.recently_unhealthy).toEqual([
      {
        id: credentialId,
        oauth_app: connected.app.id,
        user_id: host.id,
        account_id: null,
        status_reason: current.status_reason,
        unhealthy_since: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      },
    ]);
    // Since the deauthorization: the later refusal of the refresh changed the reason, not the status.
    const since = Date.parse(after.recently_unhealthy[0].unhealthy_since);
    expect(since).toBeGreaterThanOrEqual(deauthorizedAt - 1000);
    expect(since).toBeLessThanOrEqual(Date.parse(after.generated_at));

    // Per workspace: another workspace sees none of it.
    const other = await world.hostpass.api('/admin/workspaces', {
      method: 'POST',
      json: { name: 'Elsewhere' },
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(other.status, other.text).toBe(201);
    const elsewhere = await stats(other.body.api_key.key);
    expect(elsewhere.credentials.total).toBe(0);
    expect(elsewhere.recently_unhealthy).toEqual([]);
    expect(Object.values(totals(elsewhere.hours)).every((value) => value === 0)).toBe(true);
  }, 120_000); // A whole scenario end to end (a sync, a bot, a deauthorization): give a loaded machine room.

  it('lists the 10 credentials that most recently turned unhealthy, newest first', async () => {
    const connected = await registerApp(world, 'user_level', { published: true });
    const app = (await world.hostpass.api(`/api/v2/zoom-oauth-apps/${connected.app.id}/`)).body;
    await world.zoom.updateApp(connected.zoomApp.id, { event_url: app.webhook_url });
    const hosts = await Promise.all(
      Array.from({ length: 11 }, async () => {
        const host = await createZoomUser(world);
        return { host, created: await connectCredential(world, connected, host.id) };
      }),
    );
    const ids: string[] = [];
    for (const { host, created } of hosts) {
      ids.push(created.body.id);
      await world.zoom.deauthorize(connected.zoomApp.client_id, host.id);
      // One after the other, so the order is the order of the deauthorizations.
      await eventually(async () => {
        const credential = (await world.hostpass.api(`${CREDENTIALS}${created.body.id}/`)).body;
        return credential.status === 'unhealthy' ? true : undefined;
      }, 'the deauthorization');
    }
    const body = await stats();
    expect(body.recently_unhealthy.map((entry: { id: string }) => entry.id)).toEqual(
      ids.slice(-10).reverse(),
    );
    expect(body.credentials.by_status.unhealthy).toBeGreaterThanOrEqual(11);

    // A deleted credential leaves the counts and the list.
    const deleted = await world.hostpass.api(`${CREDENTIALS}${ids[10]}/`, { method: 'DELETE' });
    expect(deleted.status).toBe(204);
    const after = await stats();
    expect(after.credentials.total).toBe(body.credentials.total - 1);
    expect(after.credentials.by_status.unhealthy).toBe(body.credentials.by_status.unhealthy - 1);
    expect(after.recently_unhealthy.map((entry: { id: string }) => entry.id)).toEqual(
      ids.slice(0, 10).reverse(),
    );
  }, 120_000); // Eleven deauthorizations, each waited for in turn.

  it('counts every refused webhook request: a bad signature, a bad body, a body too large (413) or not JSON (415)', async () => {
    const { app } = await registerApp(world, 'user_level');
    const webhook = `/api/v2/zoom-oauth-apps/${app.id}/webhook`;
    const refused = async () => totals((await stats()).hours)['webhooks.refused'] ?? 0;
    const before = await refused();
    const post = async (status: number, body: string, contentType: string) => {
      const response = await world.hostpass.api(webhook, {
        method: 'POST',
        body,
        headers: { 'content-type': contentType, authorization: '' },
      });
      expect(response.status, response.text).toBe(status);
    };
    await post(401, '{"event":"meeting.created","payload":{}}', 'application/json');
    await post(401, 'not json', 'application/json');
    await post(413, `{"padding":"${'x'.repeat(300 * 1024)}"}`, 'application/json');
    await post(415, '{"event":"meeting.created","payload":{}}', 'text/plain');
    await post(415, 'event=meeting.created', 'application/x-www-form-urlencoded');
    expect(await refused()).toBe(before + 5);
    // An unknown app's endpoint refuses too, but belongs to no workspace: counted nowhere.
    const unknown = `/api/v2/zoom-oauth-apps/${randomUUID()}/webhook`;
    const missing = await world.hostpass.api(unknown, {
      method: 'POST',
      body: 'x',
      headers: { 'content-type': 'text/plain', authorization: '' },
    });
    expect(missing.status).toBeLessThan(500);
    expect(await refused()).toBe(before + 5);

    // And the app's log says why.
    const logs = await world.hostpass.api(`/api/v2/zoom-oauth-app-logs/?oauth_app=${app.id}`);
    const messages: string[] = logs.body.results.map((line: { message: string }) => line.message);
    expect(messages).toEqual(
      expect.arrayContaining([
        expect.stringContaining('larger than the 256 KiB limit'),
        expect.stringContaining('Content-Type is not application/json'),
      ]),
    );
  });
});
