import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiResponse } from '../support/hostpass.ts';
import { operationsOf } from '../support/openapi.ts';
import {
  connectCredential,
  createZoomUser,
  eventually,
  registerApp,
  startZoomWorld,
  type ZoomWorld,
} from '../support/zoom-world.ts';

const ADMIN_TOKEN = `admin-${randomBytes(24).toString('hex')}`;
let world: ZoomWorld;

beforeAll(async () => {
  world = await startZoomWorld({ env: { HOSTPASS_ADMIN_TOKEN: ADMIN_TOKEN } });
});
afterAll(() => world.close());

const RFC3339_MILLISECONDS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const LOOKS_LIKE_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d/;

/** Every timestamp in a JSON answer: `*_at` fields, `webhook_last_validation`, any ISO-looking string. */
function timestampsIn(value: unknown, path: string, found: [string, unknown][]): void {
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) timestampsIn(item, `${path}[${index}]`, found);
  } else if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      if (key === 'metadata') continue; // the client's own data, returned as given
      const named = key.endsWith('_at') || key === 'webhook_last_validation';
      if (named && item !== null) found.push([`${path}.${key}`, item]);
      else timestampsIn(item, `${path}.${key}`, found);
    }
  } else if (typeof value === 'string' && LOOKS_LIKE_TIME.test(value)) {
    found.push([path, value]);
  }
}

describe('one format for every timestamp in every answer (issue 13)', () => {
  it('RFC 3339 in UTC with milliseconds, in every route of the OpenAPI document', async () => {
    const { hostpass } = world;
    const answers: [string, ApiResponse][] = [];
    const call = async (label: string, path: string, init?: Parameters<typeof hostpass.api>[1]) => {
      const response = await hostpass.api(path, init);
      expect(response.status, `${label}: ${response.text}`).toBeLessThan(300);
      answers.push([label, response]);
      return response;
    };

    // One of everything.
    const connected = await registerApp(world, 'user_level');
    const host = await createZoomUser(world);
    const meeting = await world.zoom.createMeeting({ host_id: host.id });
    const credential = await connectCredential(world, connected, host.id);
    answers.push(['POST credential', credential]);
    await eventually(async () => {
      const mapped = await hostpass.api(
        `/api/v2/zoom-meetings-to-credentials/?meeting_id=${meeting.id}`,
      );
      return mapped.body.results.length > 0 ? true : undefined;
    }, 'the meeting sync');
    const app = await call('GET app', `/api/v2/zoom-oauth-apps/${connected.app.id}/`);
    // A forged webhook makes an app log line; a URL validation sets webhook_last_validation.
    await world.zoom.updateApp(connected.zoomApp.id, { event_url: app.body.webhook_url });
    await hostpass.api(`/api/v2/zoom-oauth-apps/${connected.app.id}/webhook`, {
      method: 'POST',
      json: { event: 'meeting.created', payload: {} },
    });
    const link = await call('POST connect link', '/api/v2/zoom-connect-links/', {
      method: 'POST',
      json: { oauth_app: connected.app.id, return_url: 'https://customer.example/done' },
    });
    await call('POST api key', '/api/v2/api-keys/', { method: 'POST', json: { name: 'k' } });
    await call('POST tokens', '/api/v2/zoom-tokens/', {
      method: 'POST',
      json: { meeting_id: Number(meeting.id), kinds: ['join_token', 'zak'] },
    });
    await call('POST diagnosis', '/api/v2/zoom-meeting-diagnoses/', {
      method: 'POST',
      json: { meeting_id: Number(meeting.id) },
    });
    await call('POST token URLs', '/api/v2/zoom-token-urls/', {
      method: 'POST',
      json: { meeting_id: Number(meeting.id) },
    });
    const bot = await call('POST bot', '/api/v1/bot/', {
      method: 'POST',
      json: {
        meeting_url: `https://zoom.us/j/${meeting.id}`,
        join_at: '2030-01-02T03:04:05.678901+02:00',
      },
    });
    await call('POST status change', `/api/v1/bot/${bot.body.id}/status-changes/`, {
      method: 'POST',
      json: { code: 'in_waiting_room' },
    });
    const attendee = await call('POST Attendee integration', '/api/v2/integrations/attendee/', {
      method: 'POST',
      json: { signing_secret: randomBytes(32).toString('base64') },
    });
    const endpoint = await call('POST webhook endpoint', '/api/v2/webhook-endpoints/', {
      method: 'POST',
      json: { url: `${hostpass.url}/healthz` },
    });
    // A delivery (it fails: /healthz takes no POST) fills the delivery log's timestamps.
    await call('POST webhook test', `/api/v2/webhook-endpoints/${endpoint.body.id}/test/`, {
      method: 'POST',
    });
    const admin = await hostpass.api('/admin/workspaces', {
      method: 'POST',
      json: { name: 'Second' },
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(admin.status).toBe(201);
    answers.push(['POST workspace', admin]);

    // Every GET of the document that answers JSON.
    const ids: Record<string, string> = {
      '/api/v2/zoom-oauth-apps/': connected.app.id,
      '/api/v2/zoom-oauth-credentials/': credential.body.id,
      '/api/v2/zoom-connect-links/': link.body.id,
      '/api/v1/bot/': bot.body.id,
      '/api/v2/integrations/attendee/': attendee.body.id,
      '/api/v2/webhook-endpoints/': endpoint.body.id,
    };
    const operations = operationsOf((await hostpass.api('/openapi.json')).body);
    for (const operation of operations.filter((op) => op.method === 'GET')) {
      if (operation.path === '/api/v2/zoom-token-urls/token') continue; // text/plain
      const prefix = Object.keys(ids).find((key) => operation.path.startsWith(`${key}{id}`));
      if (operation.path.includes('{id}') && !prefix)
        throw new Error(`no object for ${operation.path}: add one above`);
      const path = prefix ? operation.path.replace('{id}', ids[prefix] as string) : operation.path;
      await call(`GET ${operation.path}`, path);
    }

    const found: [string, unknown][] = [];
    for (const [label, response] of answers) timestampsIn(response.body, label, found);
    const wrong = found.filter(
      ([, value]) => typeof value !== 'string' || !RFC3339_MILLISECONDS.test(value),
    );
    expect(wrong).toEqual([]);
    // Not vacuous: created_at everywhere, expires_at of tokens and links, join_at, logs, ...
    const fields = new Set(
      found.map(([path]) =>
        path
          .replace(/\[\d+\]/g, '[]')
          .split('.')
          .at(-1),
      ),
    );
    for (const field of [
      'created_at',
      'expires_at',
      'synced_at',
      'join_at',
      'webhook_last_validation',
      'checked_at',
    ])
      expect(fields).toContain(field);
    expect(found.length).toBeGreaterThan(30);
    // The bot's join_at, given with microseconds and an offset, comes back in UTC, milliseconds.
    expect(bot.body.join_at).toBe('2030-01-02T01:04:05.678Z');
  });

  it('says "1 meeting" and "1 user" in the sync log line of a user with only a PMI', async () => {
    const connected = await registerApp(world, 'user_level');
    const host = await createZoomUser(world);
    const credential = await connectCredential(world, connected, host.id);
    const line = await eventually(async () => {
      const logs = await world.hostpass.api(
        `/api/v2/zoom-oauth-credential-logs/?credential=${credential.body.id}`,
      );
      return logs.body.results
        .map((entry: { message: string }) => entry.message)
        .find((message: string) => message.startsWith('Meeting sync completed'));
    }, 'the sync log line');
    expect(line).toMatch(
      /^Meeting sync completed: 1 meeting \(PMIs included\) mapped for 1 user \(\d+ Zoom calls\)\.$/,
    );
  });
});
