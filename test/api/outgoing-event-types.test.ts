// Issue 12, part 2: every event type the other tests do not already cover, each caused black-box
// (the emulator's faults, Zoom's URL validation, a bot's launch) and verified at a receiver with
// the reference `standardwebhooks` library. `data` must be the object exactly as the REST API
// returns it now, plus what changed; one credential's or bot's events carry increasing sequences.
import { readFile } from 'node:fs/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EVENT_TYPES } from '../../src/events/catalog.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.ts';
import {
  connectCredential,
  createZoomUser,
  eventually,
  registerApp,
  startZoomWorld,
  type ZoomWorld,
} from '../support/zoom-world.ts';

const ENDPOINTS = '/api/v2/webhook-endpoints/';
const CREDENTIALS = '/api/v2/zoom-oauth-credentials/';
let world: ZoomWorld;
let receiver: WebhookReceiver;

beforeAll(async () => {
  world = await startZoomWorld({ env: { HOSTPASS_BOT_RUNNER: 'emulator' } });
  // One endpoint for every type: each test picks out the events of its own credential, app or bot.
  receiver = await startWebhookReceiver();
  const created = await world.hostpass.api(ENDPOINTS, {
    method: 'POST',
    json: { url: receiver.url },
  });
  expect(created.status, created.text).toBe(201);
  receiver.secrets.push(created.body.secret);
}, 180_000);
afterAll(async () => {
  await receiver?.close();
  await world?.close();
});
afterEach(async () => {
  await world.zoom.clearFaults();
  // Every delivery verified with the reference library and the endpoint's secret.
  expect(receiver.unverified).toEqual([]);
});

/** The events about one object (credential, app or bot), in the order Hostpass sequenced them. */
function eventsOf(id: string) {
  return receiver.received
    .filter((entry) => entry.event.data.id === id)
    .map((entry) => entry.event)
    .sort((a, b) => (a.data.sequence ?? 0) - (b.data.sequence ?? 0));
}

async function eventOf(id: string, type: string) {
  return eventually(
    async () => eventsOf(id).find((event) => event.type === type),
    `${type} for ${id}`,
  );
}

/** `data` without what the event adds: the REST object's own fields. */
function restPart(data: Record<string, unknown>, added: string[]) {
  return Object.fromEntries(Object.entries(data).filter(([key]) => !added.includes(key)));
}

/** Sequences are positive integers, unique per subject, increasing in the order of `types`. */
function expectSequenced(id: string, types: string[]) {
  const events = eventsOf(id);
  const numbers = events.map((event) => event.data.sequence);
  expect(numbers.every((value) => Number.isInteger(value) && value > 0)).toBe(true);
  expect(new Set(numbers).size).toBe(numbers.length);
  const order = events.map((event) => event.type);
  const positions = types.map((type) => order.indexOf(type));
  expect(positions.every((position) => position >= 0)).toBe(true);
  expect([...positions].sort((a, b) => a - b)).toEqual(positions);
}

describe('credential events', { timeout: 120_000 }, () => {
  it('credential.healthy: validate heals a credential a failed validation marked unhealthy', async () => {
    const connected = await registerApp(world, 'user_level');
    const user = await createZoomUser(world);
    const created = await connectCredential(world, connected, user.id);
    expect(created.status, created.text).toBe(201);
    const id = created.body.id as string;
    await eventOf(id, 'credential.created');
    // The first sync reads /users/me too: let it finish, so the one fault below meets validate.
    await eventOf(id, 'credential.sync.completed');

    // Zoom refuses /users/me once (not a transient error): validation marks it unhealthy.
    await world.zoom.addFault({
      path_pattern: '/v2/users/me',
      method: 'GET',
      status: 400,
      times: 1,
    });
    const failed = await world.hostpass.api(`${CREDENTIALS}${id}/validate/`, { method: 'POST' });
    expect(failed.status, failed.text).toBe(200);
    expect(failed.body.status).toBe('unhealthy');
    const unhealthy = await eventOf(id, 'credential.unhealthy');
    expect(unhealthy.data).toMatchObject({
      status: 'unhealthy',
      status_reason: failed.body.status_reason,
      previous_status: 'healthy',
    });

    // Zoom answers again: validating proves the grant works and heals it.
    const healed = await world.hostpass.api(`${CREDENTIALS}${id}/validate/`, { method: 'POST' });
    expect(healed.body.status).toBe('healthy');
    const healthy = await eventOf(id, 'credential.healthy');
    const now = (await world.hostpass.api(`${CREDENTIALS}${id}/`)).body;
    expect(healthy.data).toMatchObject({
      status: 'healthy',
      status_reason: null,
      previous_status: 'unhealthy',
      sequence: expect.any(Number),
    });
    // The credential as the API shows it (the sync it restarts may have moved on since).
    expect(restPart(healthy.data, ['previous_status', 'sequence'])).toEqual({
      ...now,
      meeting_sync_status: healthy.data.meeting_sync_status,
    });
    expectSequenced(id, ['credential.created', 'credential.unhealthy', 'credential.healthy']);
  });

  it('credential.sync.failed: with the reason, when Zoom refuses to list the meetings', async () => {
    await world.zoom.addFault({
      path_pattern: '/v2/users/me/meetings',
      method: 'GET',
      status: 400,
    });
    const connected = await registerApp(world, 'user_level');
    const user = await createZoomUser(world);
    const created = await connectCredential(world, connected, user.id);
    const id = created.body.id as string;
    const failed = await eventOf(id, 'credential.sync.failed');
    const now = (await world.hostpass.api(`${CREDENTIALS}${id}/`)).body;
    expect(now.meeting_sync_status).toBe('failed');
    expect(failed.data).toEqual({
      ...now,
      reason: 'Zoom answered 400 (code 400): Emulated fault.',
      sequence: expect.any(Number),
    });
    expectSequenced(id, ['credential.created', 'credential.sync.failed']);
    const logs = await world.hostpass.api(`/api/v2/zoom-oauth-credential-logs/?credential=${id}`);
    expect(logs.body.results.map((log: { message: string }) => log.message)).toContain(
      `Meeting sync failed: ${failed.data.reason}`,
    );
  });
});

describe('app and bot events', { timeout: 120_000 }, () => {
  it("app.webhook_validated: Zoom validates the app's event endpoint", async () => {
    const connected = await registerApp(world, 'user_level', { published: true });
    const before = (await world.hostpass.api(`/api/v2/zoom-oauth-apps/${connected.app.id}/`)).body;
    expect(before.webhook_last_validation).toBeNull();
    // Saving the endpoint in the Marketplace: Zoom sends endpoint.url_validation first.
    await world.zoom.updateApp(connected.zoomApp.id, { event_url: before.webhook_url });
    const validated = await eventOf(connected.app.id, 'app.webhook_validated');
    const now = (await world.hostpass.api(`/api/v2/zoom-oauth-apps/${connected.app.id}/`)).body;
    expect(now.webhook_last_validation).not.toBeNull();
    expect(validated.data).toEqual(now);
    // Secrets only masked, as the API shows them.
    expect(validated.data.client_secret).toMatch(/^\*+.{4}$/);
    expect(JSON.stringify(validated)).not.toContain(connected.zoomApp.client_secret);
    expect(JSON.stringify(validated)).not.toContain(connected.zoomApp.webhook_secret);
  });

  it('bot.status_changed: one event per status, with code and sub_code, in sequence', async () => {
    // A meeting no credential reaches: the bot joins asking the host (a sub_code says why).
    const account = await world.zoom.createAccount({ plan: 'pro' });
    const host = await world.zoom.createUser({
      account_id: account.id,
      email: `bot-events-${Date.now()}@example.com`,
    });
    const meeting = await world.zoom.createMeeting({ host_id: host.id, waiting_room: true });
    const created = await world.hostpass.api('/api/v1/bot/', {
      method: 'POST',
      json: {
        meeting_url: `https://zoom.us/j/${meeting.id}?pwd=${meeting.password}`,
        bot_name: 'Event notetaker',
        metadata: { deal: '7' },
      },
    });
    expect(created.status, created.text).toBe(201);
    const id = created.body.id as string;
    const bot = await eventually(async () => {
      const current = (await world.hostpass.api(`/api/v1/bot/${id}/`)).body;
      return current.status_changes.some(
        (change: { code: string }) => change.code === 'in_waiting_room',
      )
        ? current
        : undefined;
    }, 'the bot in the waiting room');
    const changes = bot.status_changes as {
      code: string;
      sub_code: string | null;
      message: string | null;
    }[];
    const events = await eventually(async () => {
      const received = eventsOf(id);
      return received.length >= changes.length ? received : undefined;
    }, 'an event per status change');

    expect(events.map((event) => event.type)).toEqual(changes.map(() => 'bot.status_changed'));
    // In sequence order, the events tell the statuses in the order the bot went through them.
    expect(events.map((event) => [event.data.code, event.data.sub_code])).toEqual(
      changes.map((change) => [change.code, change.sub_code]),
    );
    expect(changes.some((change) => change.sub_code !== null)).toBe(true);
    expectSequenced(
      id,
      events.map((event) => event.type),
    );
    const { meeting_url: restUrl, status_changes: _timeline, ...restBot } = bot;
    for (const [index, event] of events.entries()) {
      // The bot as the API showed it at that change: its timeline up to and including it.
      expect(event.data.status_changes).toEqual(changes.slice(0, index + 1));
      expect(event.data).toMatchObject({
        code: changes[index]?.code,
        sub_code: changes[index]?.sub_code,
        message: changes[index]?.message,
      });
      const { meeting_url: eventUrl, ...rest } = restPart(event.data, [
        'code',
        'sub_code',
        'message',
        'sequence',
        'status_changes',
      ]);
      expect(Object.keys(rest).sort()).toEqual(Object.keys(restBot).sort());
      // The link without its passcode: events are stored, passcodes only sealed.
      expect(eventUrl).toMatch(new RegExp(`^https://zoom\\.us/j/${meeting.id}\\b`));
      expect(eventUrl).not.toContain(meeting.password);
      expect(restUrl).toContain(meeting.password);
    }
    // The last change: the bot as the API shows it now. `launched_at` is set once the runtime
    // has accepted the bot, which may be after the statuses the launch itself reported.
    const { launched_at: launchedAt, ...last } = restPart(events.at(-1)?.data, [
      'code',
      'sub_code',
      'message',
      'sequence',
      'meeting_url',
      'status_changes',
    ]);
    const { launched_at: _launched, ...restNow } = restBot;
    expect(last).toEqual(restNow);
    expect([null, bot.launched_at]).toContain(launchedAt);
  });
});

describe('the catalog, documented', () => {
  it('lists every event type as an OpenAPI 3.1 webhook with an example', async () => {
    const document = (await world.hostpass.api('/openapi.json')).body;
    expect(document.openapi).toMatch(/^3\.1\./);
    expect(Object.keys(document.webhooks).sort()).toEqual([...EVENT_TYPES].sort());
    for (const type of EVENT_TYPES) {
      const content = document.webhooks[type].post.requestBody.content['application/json'];
      expect(content.example.type, type).toBe(type);
      expect(content.example.data, type).toEqual(expect.any(Object));
      expect(
        document.webhooks[type].post.parameters.map(
          (parameter: { name: string }) => parameter.name,
        ),
      ).toEqual(['webhook-id', 'webhook-timestamp', 'webhook-signature']);
    }
  });

  it('the README lists every event type with an example body', async () => {
    const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
    for (const type of EVENT_TYPES) {
      expect(readme, type).toContain(`- **\`${type}\`**`);
      expect(readme, type).toContain(`"type": "${type}"`);
    }
  });
});
