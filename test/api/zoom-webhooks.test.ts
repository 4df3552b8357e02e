import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator, zoomSignature } from '../../emulator/index.ts';
import type { Queryable } from '../../src/db/database.ts';
import { createWebhookRetention } from '../../src/webhooks/retention.ts';
import { webhookServiceFactory } from '../../src/webhooks/service.ts';
import type { StoredWebhookEvent } from '../../src/webhooks/store.ts';
import {
  type ApiResponse,
  request,
  startTestHostpass,
  type TestHostpass,
} from '../support/hostpass.ts';
import { eventually } from '../support/zoom-world.ts';

let hostpass: TestHostpass;
let emulator: RunningEmulator;

beforeAll(async () => {
  [hostpass, emulator] = await Promise.all([startTestHostpass(), startEmulator({ seed: 4 })]);
});
afterAll(async () => {
  await emulator?.close();
  await hostpass?.close();
});

const REDIRECT_URI = 'https://customer.example.com/oauth/callback';
const JSON_TYPE = 'application/json; charset=utf-8';

interface HostpassApp {
  id: string;
  webhook_url: string;
  webhook_last_validation: string | null;
  secret: string;
}

let appCounter = 0;
async function createApp(
  secret = `webhook-secret-${randomUUID()}`,
  server: TestHostpass = hostpass,
): Promise<HostpassApp> {
  appCounter += 1;
  const response = await server.api('/api/v2/zoom-oauth-apps/', {
    method: 'POST',
    json: {
      kind: 'user_level',
      client_id: `webhook-client-${appCounter}-${randomUUID().slice(0, 8)}`,
      client_secret: 'client-secret-value-abcdefgh',
      webhook_secret: secret,
    },
  });
  expect(response.status).toBe(201);
  return { ...response.body, secret };
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

function zoomHeaders(secret: string, body: string, timestamp = nowSeconds()) {
  return {
    'content-type': JSON_TYPE,
    'x-zm-request-timestamp': String(timestamp),
    'x-zm-signature': zoomSignature(secret, String(timestamp), body),
  };
}

/** Posts to the webhook URL with no API key; a 5xx is never an acceptable answer. */
async function deliver(url: string, body: string, headers: Record<string, string>) {
  const response = await request(url, { method: 'POST', body, headers });
  expect(response.status).toBeLessThan(500);
  return response;
}

function deliverSigned(app: HostpassApp, body: string, timestamp?: number) {
  return deliver(app.webhook_url, body, zoomHeaders(app.secret, body, timestamp));
}

let eventCounter = 0;
function meetingCreated(overrides: Record<string, unknown> = {}) {
  eventCounter += 1;
  return {
    event: 'meeting.created',
    payload: {
      account_id: 'AAAAAAAAAAAAAAAAAAAAAA',
      operator: 'host@example.com',
      operator_id: 'host-user-id',
      object: { id: 81234567000 + eventCounter, host_id: 'host-user-id', topic: 'Weekly sync' },
    },
    event_ts: Date.now(),
    ...overrides,
  };
}

async function storedEvents(appId: string): Promise<StoredWebhookEvent[]> {
  const { rows } = await hostpass.runtime.db.query<StoredWebhookEvent>(
    'SELECT * FROM zoom_webhook_events WHERE oauth_app_id = $1 ORDER BY received_at',
    [appId],
  );
  return rows;
}

async function appLogs(appId: string): Promise<ApiResponse> {
  const response = await hostpass.api(`/api/v2/zoom-oauth-app-logs/?oauth_app=${appId}`);
  expect(response.status).toBe(200);
  return response;
}

/** The request was refused: nothing stored, and (for 401s) a warning that says why. */
async function expectRefused(
  app: HostpassApp,
  response: ApiResponse,
  status: number,
  why?: string,
) {
  expect(response.status).toBe(status);
  expect(response.body).toEqual({ detail: expect.any(String) });
  expect(await storedEvents(app.id)).toEqual([]);
  const logs = await appLogs(app.id);
  expect(logs.text).not.toContain(app.secret);
  if (why !== undefined) {
    expect(logs.body.results).toContainEqual(
      expect.objectContaining({ level: 'warning', message: expect.stringContaining(why) }),
    );
  }
}

describe('with the Zoom emulator', () => {
  it("passes Zoom's URL validation, then stores a delivered event exactly once", async () => {
    const app = await createApp();
    const account = await emulator.admin.createAccount({ plan: 'pro' });
    const host = await emulator.admin.createUser({
      account_id: account.id,
      email: 'webhook-host@example.com',
    });
    const zoomApp = await emulator.admin.createApp({
      kind: 'user_level',
      redirect_uris: [REDIRECT_URI],
      scopes: ['user:read:user'],
      webhook_secret: app.secret,
      event_url: app.webhook_url,
    });
    expect(zoomApp.event_url).toBe(app.webhook_url);
    const validated = await hostpass.api(`/api/v2/zoom-oauth-apps/${app.id}/`);
    expect(validated.body.webhook_last_validation).toMatch(/^\d{4}-\d\d-\d\dT.*Z$/);
    expect(await storedEvents(app.id)).toEqual([]);

    const { code } = await emulator.admin.authorize({
      client_id: zoomApp.client_id,
      user_id: host.id,
      redirect_uri: REDIRECT_URI,
    });
    const exchanged = await fetch(`${emulator.url}/oauth/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${zoomApp.client_id}:${zoomApp.client_secret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        redirect_uri: REDIRECT_URI,
      }),
    });
    expect(exchanged.status).toBe(200);

    const meeting = await emulator.admin.createMeeting({ host_id: host.id, topic: 'Board' });
    const deliveries = (await emulator.admin.webhooks()).filter(
      (delivery) => delivery.app_id === zoomApp.id,
    );
    expect(deliveries.map(({ event, status }) => ({ event, status }))).toEqual([
      { event: 'endpoint.url_validation', status: 200 },
      { event: 'meeting.created', status: 200 },
    ]);
    const delivery = deliveries[1];
    if (!delivery) throw new Error('no meeting.created delivery');
    const sent = JSON.parse(delivery.body);
    const [stored, ...others] = await storedEvents(app.id);
    expect(others).toEqual([]);
    expect(stored).toMatchObject({
      event: 'meeting.created',
      event_ts: sent.event_ts,
      processing_error: null,
    });
    // Stored as sent, except the meeting's passcode (issue 13): not needed, not kept.
    expect(stored?.payload).toEqual({
      ...sent.payload,
      object: {
        ...sent.payload.object,
        password: '[redacted]',
        join_url: sent.payload.object.join_url.replace(/pwd=[^&]*/, 'pwd=redacted'),
      },
    });
    expect(JSON.stringify(stored?.payload)).not.toContain(meeting.password);
    expect(stored?.payload).toMatchObject({ object: { id: meeting.id, host_id: host.id } });

    // A relay forwarding the same delivery (or Zoom retrying it) changes nothing.
    const forwarded = await deliver(app.webhook_url, delivery.body, {
      'content-type': delivery.headers['content-type'] ?? JSON_TYPE,
      'x-zm-request-timestamp': delivery.headers['x-zm-request-timestamp'] ?? '',
      'x-zm-signature': delivery.headers['x-zm-signature'] ?? '',
    });
    expect(forwarded.status).toBe(200);
    expect(forwarded.body).toEqual({ status: 'already_stored' });
    expect(await storedEvents(app.id)).toHaveLength(1);
  });

  it("refuses Zoom's URL validation signed with another Secret Token, and logs why", async () => {
    const app = await createApp();
    const refused = await emulator.admin
      .createApp({
        kind: 'user_level',
        redirect_uris: [REDIRECT_URI],
        scopes: ['user:read:user'],
        webhook_secret: 'a-different-secret-token',
        event_url: app.webhook_url,
      })
      .catch((error: unknown) => error);
    expect(refused).toMatchObject({ status: 400, body: { error: 'url_validation_failed' } });
    const after = await hostpass.api(`/api/v2/zoom-oauth-apps/${app.id}/`);
    expect(after.body.webhook_last_validation).toBeNull();
    const logs = await appLogs(app.id);
    expect(logs.body.results).toEqual([
      expect.objectContaining({
        level: 'warning',
        message: expect.stringContaining('x-zm-signature header does not match'),
      }),
    ]);
  });
});

describe('endpoint.url_validation', () => {
  it("answers with Zoom's reference vector and records the validation", async () => {
    const app = await createApp('secretValueTest');
    const body = JSON.stringify({
      payload: { plainToken: 'qgg8vlvZRS6UYooatFL8Aw' },
      event_ts: Date.now(),
      event: 'endpoint.url_validation',
    });
    const response = await deliverSigned(app, body);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      plainToken: 'qgg8vlvZRS6UYooatFL8Aw',
      encryptedToken: '70c1f2e2e6ca2d39297490d1f9142c7d701415ea8e6151f6562a08fa657a40ff',
    });
    const after = await hostpass.api(`/api/v2/zoom-oauth-apps/${app.id}/`);
    expect(after.body.webhook_last_validation).not.toBeNull();
    expect(await storedEvents(app.id)).toEqual([]);
  });

  it('refuses an unsigned challenge and leaves the app unvalidated', async () => {
    const app = await createApp();
    const body = JSON.stringify({
      payload: { plainToken: 'abc' },
      event_ts: Date.now(),
      event: 'endpoint.url_validation',
    });
    const response = await deliver(app.webhook_url, body, { 'content-type': JSON_TYPE });
    await expectRefused(app, response, 401, 'x-zm-signature header is missing');
    const after = await hostpass.api(`/api/v2/zoom-oauth-apps/${app.id}/`);
    expect(after.body.webhook_last_validation).toBeNull();
  });
});

describe('POST /api/v2/zoom-oauth-apps/{id}/webhook', () => {
  it('stores a signed event before answering, with or without the trailing slash', async () => {
    const app = await createApp();
    const event = meetingCreated();
    const response = await deliverSigned(app, JSON.stringify(event));
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ status: 'stored' });
    const withSlash = meetingCreated();
    const body = JSON.stringify(withSlash);
    const second = await deliver(`${app.webhook_url}/`, body, zoomHeaders(app.secret, body));
    expect(second.body).toEqual({ status: 'stored' });

    const stored = await storedEvents(app.id);
    expect(stored.map((row) => row.payload)).toEqual([event.payload, withSlash.payload]);
    expect(stored[0]).toMatchObject({
      oauth_app_id: app.id,
      event: 'meeting.created',
      event_ts: event.event_ts,
      body_sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
      received_at: expect.stringMatching(/Z$/),
    });
  });

  it('answers 200 to a replay (Zoom retries with a new timestamp) but stores it once', async () => {
    const app = await createApp();
    const body = JSON.stringify(meetingCreated());
    expect((await deliverSigned(app, body)).body).toEqual({ status: 'stored' });
    const retry = await deliverSigned(app, body, nowSeconds() - 60);
    expect(retry.status).toBe(200);
    expect(retry.body).toEqual({ status: 'already_stored' });
    // The same event from a relay that pretty-printed it is still the same event.
    const pretty = JSON.stringify(JSON.parse(body), null, 2);
    const timestamp = String(nowSeconds());
    const relayed = await deliver(app.webhook_url, pretty, {
      'content-type': JSON_TYPE,
      'x-zm-request-timestamp': timestamp,
      'x-zm-signature': zoomSignature(app.secret, timestamp, body),
    });
    expect(relayed.body).toEqual({ status: 'already_stored' });
    expect(await storedEvents(app.id)).toHaveLength(1);
  });

  it("accepts a body whose compact form was signed (Zoom's sample receivers)", async () => {
    const app = await createApp();
    const event = meetingCreated();
    const pretty = JSON.stringify(event, null, 2);
    const timestamp = String(nowSeconds());
    const response = await deliver(app.webhook_url, pretty, {
      'content-type': JSON_TYPE,
      'x-zm-request-timestamp': timestamp,
      'x-zm-signature': zoomSignature(app.secret, timestamp, JSON.stringify(event)),
    });
    expect(response.status).toBe(200);
    expect((await storedEvents(app.id)).map((row) => row.payload)).toEqual([event.payload]);
  });

  it("accepts an event forwarded by the customer's relay with Zoom's body and x-zm headers", async () => {
    const app = await createApp();
    const event = meetingCreated({ event: 'meeting.deleted' });
    const body = JSON.stringify(event);
    const timestamp = String(nowSeconds());
    const response = await deliver(app.webhook_url, body, {
      'content-type': 'application/json',
      'user-agent': 'customer-relay/2.1',
      'x-forwarded-for': '203.0.113.7',
      'x-zm-request-timestamp': timestamp,
      'x-zm-signature': zoomSignature(app.secret, timestamp, body),
    });
    expect(response.status).toBe(200);
    expect((await storedEvents(app.id)).map((row) => row.event)).toEqual(['meeting.deleted']);
  });

  it('refuses a forged signature with 401 and a log line that holds neither secret nor body', async () => {
    const app = await createApp();
    const body = JSON.stringify(meetingCreated({ marker: 'body-marker-7f3a' }));
    const response = await deliver(app.webhook_url, body, zoomHeaders('not-the-secret', body));
    await expectRefused(app, response, 401, 'x-zm-signature header does not match');
    expect((await appLogs(app.id)).text).not.toContain('body-marker-7f3a');
  });

  it('writes at most 10 refusal lines per app per minute, however many forged requests come', async () => {
    const app = await createApp();
    const body = JSON.stringify(meetingCreated());
    const answers = await Promise.all(
      Array.from({ length: 40 }, () =>
        deliver(app.webhook_url, body, zoomHeaders('not-the-secret', body)),
      ),
    );
    expect(answers.map((answer) => answer.status)).toEqual(answers.map(() => 401));
    const { body: logs } = await appLogs(app.id);
    const refusals = (logs.results as { message: string }[]).filter((line) =>
      line.message.startsWith('Refused a webhook request'),
    );
    // The other 30 are written as one summary line when the minute is over (unit-tested).
    expect(refusals).toHaveLength(10);
    expect(await storedEvents(app.id)).toEqual([]);
  });

  it('refuses missing signature headers', async () => {
    const app = await createApp();
    const body = JSON.stringify(meetingCreated());
    const { 'x-zm-signature': signature, ...withoutSignature } = zoomHeaders(app.secret, body);
    const { 'x-zm-request-timestamp': _timestamp, ...withoutTimestamp } = zoomHeaders(
      app.secret,
      body,
    );
    await expectRefused(
      app,
      await deliver(app.webhook_url, body, withoutSignature),
      401,
      'x-zm-signature header is missing',
    );
    await expectRefused(
      app,
      await deliver(app.webhook_url, body, withoutTimestamp),
      401,
      'x-zm-request-timestamp header is missing',
    );
    await expectRefused(
      app,
      await deliver(app.webhook_url, body, {
        'content-type': JSON_TYPE,
        'x-zm-request-timestamp': new Date().toISOString(),
        'x-zm-signature': signature,
      }),
      401,
      'not a Unix time in seconds',
    );
  });

  it('refuses timestamps more than 5 minutes old or ahead', async () => {
    const app = await createApp();
    const body = JSON.stringify(meetingCreated());
    // Margins well past 300 s: the exact boundary is the unit test's, not a loaded machine's.
    await expectRefused(
      app,
      await deliverSigned(app, body, nowSeconds() - 330),
      401,
      'more than 300 seconds old',
    );
    await expectRefused(
      app,
      await deliverSigned(app, body, nowSeconds() + 330),
      401,
      'more than 300 seconds in the future',
    );
    // Milliseconds instead of seconds read as far in the future.
    await expectRefused(app, await deliverSigned(app, body, Date.now()), 401, 'in the future');
  });

  it('refuses a signed body that is not JSON, or not a Zoom event, with 400', async () => {
    const app = await createApp();
    await expectRefused(app, await deliverSigned(app, '{"event": "meeting.created",'), 400);
    for (const body of ['[]', '{"payload":{}}', '{"event":"x","payload":[]}', '{"event":"x"}']) {
      await expectRefused(app, await deliverSigned(app, body), 400);
    }
    const badTs = JSON.stringify(meetingCreated({ event_ts: '1700000000000' }));
    await expectRefused(app, await deliverSigned(app, badTs), 400);
    const noToken = JSON.stringify({ event: 'endpoint.url_validation', payload: {}, event_ts: 1 });
    await expectRefused(app, await deliverSigned(app, noToken), 400);
    const empty = await deliverSigned(app, '');
    await expectRefused(app, empty, 400);
  });

  it('refuses a signed event nested thousands of levels deep with 400, not a 5xx (issue 13)', async () => {
    const app = await createApp();
    const nested = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
    const deep = `{"event":"meeting.created","event_ts":${Date.now()},"payload":${nested(5000)}}`;
    const response = await deliverSigned(app, deep);
    await expectRefused(app, response, 400, 'nests more than 64 levels deep');
    expect(response.body.detail).toMatch(/more than 64 levels deep/);
    // Zoom's own events nest a few levels: well within the limit.
    const shallow = `{"event":"meeting.created","event_ts":${Date.now()},"payload":${nested(40)}}`;
    expect((await deliverSigned(app, shallow)).body).toEqual({ status: 'stored' });
  });

  it('refuses a body over 256 KiB with 413', async () => {
    const app = await createApp();
    const body = JSON.stringify(meetingCreated({ padding: 'x'.repeat(300 * 1024) }));
    const response = await deliverSigned(app, body);
    await expectRefused(app, response, 413);
    expect(response.body.detail).toBe('Request body is larger than the 256 KiB limit.');
  });

  it('refuses other content types with 415', async () => {
    const app = await createApp();
    const body = JSON.stringify(meetingCreated());
    for (const contentType of ['text/plain', 'application/x-www-form-urlencoded']) {
      const response = await deliver(app.webhook_url, body, {
        ...zoomHeaders(app.secret, body),
        'content-type': contentType,
      });
      await expectRefused(app, response, 415);
    }
  });

  it('answers 404 for an unknown app and for an id that is not a UUID', async () => {
    const body = JSON.stringify(meetingCreated());
    for (const id of [randomUUID(), 'not-a-uuid']) {
      const response = await deliver(
        `${hostpass.url}/api/v2/zoom-oauth-apps/${id}/webhook`,
        body,
        zoomHeaders('any-secret', body),
      );
      expect(response.status).toBe(404);
      expect(response.body).toEqual({ detail: 'Not found.' });
    }
  });
});

describe('group commit (events received together are stored in one transaction)', () => {
  it('stores many simultaneous events exactly once each, each with its job, and answers all', async () => {
    const app = await createApp();
    // Several events per meeting too: those are stored one batch after another, in order.
    const events = Array.from({ length: 120 }, (_, index) =>
      meetingCreated({
        event: index % 3 === 0 ? 'meeting.updated' : 'meeting.created',
        payload: { object: { id: 85_000_000_000 + (index % 40), topic: `Topic ${index}` } },
      }),
    );
    const answers = await Promise.all(
      events.map((event) => deliverSigned(app, JSON.stringify(event))),
    );
    expect(answers.map((answer) => answer.status)).toEqual(events.map(() => 200));
    expect(answers.map((answer) => answer.body)).toEqual(events.map(() => ({ status: 'stored' })));
    const stored = await storedEvents(app.id);
    expect(stored.map((row) => row.payload).sort(byTopic)).toEqual(
      events.map((event) => event.payload).sort(byTopic),
    );
    const { rows: jobs } = await hostpass.runtime.db.query<{ event_id: string; key: string }>(
      `SELECT data->>'eventId' AS event_id, singleton_key AS key FROM pgboss.job
       WHERE name = 'zoom-webhook-event-fifo' AND data->>'eventId' = ANY($1::text[])`,
      [stored.map((row) => row.id)],
    );
    expect(jobs.map((job) => job.event_id).sort()).toEqual(stored.map((row) => row.id).sort());
    for (const row of stored) {
      const meeting = (row.payload.object as { id: number }).id;
      expect(jobs.find((job) => job.event_id === row.id)?.key).toBe(`${app.id}:meeting:${meeting}`);
    }
  });

  it('stores events that arrive together in one transaction, not one transaction each', async () => {
    // Without workers nothing updates the rows, so each keeps the id (xmin) of the transaction
    // that stored it.
    const quiet = await startTestHostpass({ workers: false });
    try {
      const [warmUp, app] = [await createApp(undefined, quiet), await createApp(undefined, quiet)];
      const deliverAll = async (to: HostpassApp) => {
        const events = Array.from({ length: 40 }, () => JSON.stringify(meetingCreated()));
        const answers = await Promise.all(events.map((event) => deliverSigned(to, event)));
        expect(answers.map((answer) => answer.body)).toEqual(
          events.map(() => ({ status: 'stored' })),
        );
        return events;
      };
      // As Zoom does under load: the requests arrive together on connections already open.
      await deliverAll(warmUp);
      const events = await deliverAll(app);
      const { rows } = await quiet.runtime.db.query<{ events: number; transactions: number }>(
        `SELECT count(*)::int AS events, count(DISTINCT xmin::text)::int AS transactions
         FROM zoom_webhook_events WHERE oauth_app_id = $1`,
        [app.id],
      );
      expect(rows[0]?.events).toBe(events.length);
      expect(rows[0]?.transactions).toBeLessThanOrEqual(events.length / 2);
    } finally {
      await quiet.close();
    }
  });

  it('stores a body sent several times at once (a replay within one batch) once', async () => {
    const app = await createApp();
    // Not about a meeting or user, so nothing keeps the copies out of one batch.
    const body = JSON.stringify(meetingCreated({ event: 'recording.completed' }));
    const others = Array.from({ length: 20 }, () =>
      JSON.stringify(meetingCreated({ event: 'recording.completed' })),
    );
    const answers = await Promise.all(
      [body, ...others, body, body, body].map((each) => deliverSigned(app, each)),
    );
    const forBody = [answers[0], ...answers.slice(-3)].map((answer) => answer?.body);
    expect(forBody.filter((answer) => answer?.status === 'stored')).toHaveLength(1);
    expect(forBody.filter((answer) => answer?.status === 'already_stored')).toHaveLength(3);
    expect(await storedEvents(app.id)).toHaveLength(21);
  });

  it('answers 404 and stores nothing for an app deleted by another process', async () => {
    const app = await createApp();
    expect((await deliverSigned(app, JSON.stringify(meetingCreated()))).status).toBe(200);
    // Not through this process's API: its cached secret is still there.
    await hostpass.runtime.db.query('DELETE FROM zoom_oauth_apps WHERE id = $1', [app.id]);
    const response = await deliverSigned(app, JSON.stringify(meetingCreated()));
    expect(response.status).toBe(404);
    expect(await storedEvents(app.id)).toEqual([]);
  });

  it('verifies with a Secret Token changed by PATCH at once', async () => {
    const app = await createApp();
    expect((await deliverSigned(app, JSON.stringify(meetingCreated()))).status).toBe(200);
    const secret = `rotated-${randomUUID()}`;
    const patched = await hostpass.api(`/api/v2/zoom-oauth-apps/${app.id}/`, {
      method: 'PATCH',
      json: { webhook_secret: secret },
    });
    expect(patched.status).toBe(200);
    const old = await deliverSigned(app, JSON.stringify(meetingCreated()));
    expect(old.status).toBe(401);
    const fresh = await deliverSigned({ ...app, secret }, JSON.stringify(meetingCreated()));
    expect(fresh.body).toEqual({ status: 'stored' });
  });
});

const byTopic = (a: Record<string, unknown>, b: Record<string, unknown>) =>
  JSON.stringify(a).localeCompare(JSON.stringify(b));

describe('retention', () => {
  it('deletes processed events once they are older than the retention, never unprocessed ones', async () => {
    const app = await createApp();
    for (let index = 0; index < 3; index += 1)
      expect((await deliverSigned(app, JSON.stringify(meetingCreated()))).status).toBe(200);
    // Once the workers are done with all three, nothing touches them again.
    const [first, second, third] = await eventually(async () => {
      const rows = await storedEvents(app.id);
      return rows.every((row) => row.processed_at !== null) ? rows : undefined;
    }, 'the workers to process the events');
    if (!first || !second || !third) throw new Error('expected three stored events');
    const { webhookEvents } = hostpass.runtime.services;
    // The second stands for one given up after its retries.
    await hostpass.runtime.db.query(
      "UPDATE zoom_webhook_events SET processing_error = 'no such meeting' WHERE id = $1",
      [second.id],
    );
    // The third stands for one not processed yet.
    await hostpass.runtime.db.query(
      'UPDATE zoom_webhook_events SET processed_at = NULL WHERE id = $1',
      [third.id],
    );
    const retentionAt = (now: number) =>
      createWebhookRetention({
        events: webhookEvents,
        retentionDays: 30,
        logger: hostpass.runtime.logger,
        now: () => now,
      });

    // Today: everything is younger than 30 days.
    await retentionAt(Date.now()).prune();
    expect(await storedEvents(app.id)).toHaveLength(3);
    // 31 days on: the processed ones go (with or without a processing error), the other stays.
    expect(await retentionAt(Date.now() + 31 * 86_400_000).prune()).toBeGreaterThanOrEqual(2);
    expect((await storedEvents(app.id)).map((row) => row.id)).toEqual([third.id]);
  });
});

describe('onEventStored', () => {
  const serviceWith = (
    onEventStored: (tx: Queryable, event: StoredWebhookEvent) => Promise<void>,
  ) =>
    webhookServiceFactory({
      db: hostpass.runtime.db,
      appService: hostpass.runtime.services.appService,
      events: hostpass.runtime.services.webhookEvents,
      stats: hostpass.runtime.services.statsService.recorder,
      onEventsStored: async (tx, events) => {
        for (const event of events) await onEventStored(tx, event);
      },
    });
  const incoming = (app: HostpassApp, body: string) => {
    const timestamp = String(nowSeconds());
    return {
      appId: app.id,
      timestamp,
      signature: zoomSignature(app.secret, timestamp, body),
      body: Buffer.from(body),
    };
  };

  it('runs inside the insert transaction, once per new event', async () => {
    const app = await createApp();
    const seen: StoredWebhookEvent[] = [];
    const service = serviceWith(async (tx, event) => {
      const { rows } = await tx.query('SELECT id FROM zoom_webhook_events WHERE id = $1', [
        event.id,
      ]);
      expect(rows).toHaveLength(1);
      seen.push(event);
    });
    const body = JSON.stringify(meetingCreated());
    expect(await service.receive(incoming(app, body))).toEqual({ kind: 'event', status: 'stored' });
    expect(await service.receive(incoming(app, body))).toEqual({
      kind: 'event',
      status: 'already_stored',
    });
    expect(seen.map((event) => event.id)).toEqual(
      (await storedEvents(app.id)).map((row) => row.id),
    );
  });

  it('rolls the event back when it throws, so Zoom retries and the retry is stored', async () => {
    const app = await createApp();
    const body = JSON.stringify(meetingCreated());
    const failing = serviceWith(async () => {
      throw new Error('queue unavailable');
    });
    await expect(failing.receive(incoming(app, body))).rejects.toThrow('queue unavailable');
    expect(await storedEvents(app.id)).toEqual([]);
    // Events received together fail together: every request of the batch gets the error.
    const bodies = Array.from({ length: 20 }, () => JSON.stringify(meetingCreated()));
    const results = await Promise.allSettled(
      bodies.map((each) => failing.receive(incoming(app, each))),
    );
    expect(results.map((result) => result.status)).toEqual(bodies.map(() => 'rejected'));
    expect(await storedEvents(app.id)).toEqual([]);
    // One event that cannot be stored fails alone, not the events that arrived with it.
    const poison = serviceWith(async (_tx, event) => {
      if (event.payload.poison) throw new Error('cannot queue this one');
    });
    const mixed = Array.from({ length: 12 }, (_, index) =>
      JSON.stringify(
        meetingCreated({
          event: 'recording.completed',
          payload: { poison: index === 5, n: index },
        }),
      ),
    );
    const answers = await Promise.allSettled(
      mixed.map((each) => poison.receive(incoming(app, each))),
    );
    expect(answers.map((answer) => answer.status)).toEqual(
      mixed.map((_, index) => (index === 5 ? 'rejected' : 'fulfilled')),
    );
    expect(await storedEvents(app.id)).toHaveLength(11);
    const working = serviceWith(async () => {});
    expect(await working.receive(incoming(app, body))).toEqual({ kind: 'event', status: 'stored' });
    expect(await storedEvents(app.id)).toHaveLength(12);
  });
});
