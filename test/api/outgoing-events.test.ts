// Issue 12: outgoing events signed with Standard Webhooks. The receiver verifies every delivery
// with the reference `standardwebhooks` library, never with Hostpass's own signer.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestHostpass } from '../support/hostpass.ts';
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
const receivers: WebhookReceiver[] = [];

beforeAll(async () => {
  // Retries at once: the schedule is configuration, so no test waits minutes (or sleeps).
  world = await startZoomWorld({
    env: {
      HOSTPASS_WEBHOOK_RETRY_SCHEDULE: '0,0,0',
      HOSTPASS_WEBHOOK_DISABLE_AFTER_SECONDS: '3600',
    },
  });
}, 180_000);
afterAll(() => world.close());
afterEach(async () => {
  // Every delivery any receiver got verified with the reference library.
  for (const receiver of receivers) expect(receiver.unverified).toEqual([]);
  await Promise.all(receivers.splice(0).map((receiver) => receiver.close()));
});

/** A receiver and an endpoint pointing at it; the receiver verifies with the endpoint's secret. */
async function endpoint(body: Record<string, unknown> = {}) {
  const receiver = await startWebhookReceiver();
  receivers.push(receiver);
  const created = await world.hostpass.api(ENDPOINTS, {
    method: 'POST',
    json: { url: receiver.url, ...body },
  });
  expect(created.status, created.text).toBe(201);
  receiver.secrets.push(created.body.secret);
  return { receiver, endpoint: created.body };
}

/** A published app whose Zoom events reach Hostpass (so Zoom sends app_deauthorized). */
async function publishedApp() {
  const connected = await registerApp(world, 'user_level', { published: true });
  const app = (await world.hostpass.api(`/api/v2/zoom-oauth-apps/${connected.app.id}/`)).body;
  await world.zoom.updateApp(connected.zoomApp.id, { event_url: app.webhook_url });
  return connected;
}

describe('webhook endpoints API', { timeout: 120_000 }, () => {
  it('creates an endpoint with a Standard Webhooks secret shown on create and by /secret/ only', async () => {
    const { endpoint: created } = await endpoint({
      description: 'ops',
      event_types: ['credential.unhealthy'],
    });
    expect(created).toEqual({
      id: expect.any(String),
      url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/hooks$/),
      description: 'ops',
      event_types: ['credential.unhealthy'],
      disabled: false,
      disabled_reason: null,
      secret: expect.stringMatching(/^whsec_[A-Za-z0-9+/]+=*$/),
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
    });
    expect(Buffer.from(created.secret.slice(6), 'base64').length).toBeGreaterThanOrEqual(24);
    const fetched = await world.hostpass.api(`${ENDPOINTS}${created.id}/`);
    expect(fetched.body).not.toHaveProperty('secret');
    const listed = await world.hostpass.api(ENDPOINTS);
    expect(listed.text).not.toContain(created.secret);
    expect(listed.body.results.map((item: { id: string }) => item.id)).toContain(created.id);
    const secret = await world.hostpass.api(`${ENDPOINTS}${created.id}/secret/`);
    expect(secret.body).toEqual({ secret: created.secret });

    const patched = await world.hostpass.api(`${ENDPOINTS}${created.id}/`, {
      method: 'PATCH',
      json: { description: 'pager', event_types: null },
    });
    expect(patched.status, patched.text).toBe(200);
    expect(patched.body).toMatchObject({ description: 'pager', event_types: null });

    const bad = await world.hostpass.api(ENDPOINTS, {
      method: 'POST',
      json: { url: 'https://hooks.example.com/', event_types: ['credential.exploded'] },
    });
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.body)).toEqual(['event_types']);

    expect(
      (await world.hostpass.api(`${ENDPOINTS}${created.id}/`, { method: 'DELETE' })).status,
    ).toBe(204);
    expect((await world.hostpass.api(`${ENDPOINTS}${created.id}/`)).status).toBe(404);
    expect((await world.hostpass.api(`${ENDPOINTS}${created.id}/secret/`)).status).toBe(404);
  });

  // Both start a Hostpass of their own (other settings): slow on a loaded machine.
  it('refuses private and loopback URLs with a clear url error unless allowed', {
    timeout: 240_000,
  }, async () => {
    const strict = await startTestHostpass({ env: { HOSTPASS_ALLOW_PRIVATE_CALLBACKS: 'false' } });
    try {
      for (const url of [
        'https://127.0.0.1/hooks',
        'https://10.1.2.3/hooks',
        'https://[::1]/hooks',
        'https://169.254.169.254/latest',
        'https://localhost/hooks',
        'http://hooks.example.com/',
        'not a url',
      ]) {
        const refused = await strict.api(ENDPOINTS, { method: 'POST', json: { url } });
        expect(refused.status, url).toBe(400);
        expect(Object.keys(refused.body), url).toEqual(['url']);
        expect(refused.body.url[0], url).toMatch(
          /^The URL (must not point at a private, loopback or link-local address|must be an https:\/\/ URL|is not a valid URL)/,
        );
      }
      const listed = await strict.api(ENDPOINTS);
      expect(listed.body.results).toEqual([]);
    } finally {
      await strict.close();
    }
  });
});

describe('events', { timeout: 120_000 }, () => {
  it('sends webhook.test and answers with the delivery', async () => {
    const { receiver, endpoint: created } = await endpoint();
    const tested = await world.hostpass.api(`${ENDPOINTS}${created.id}/test/`, { method: 'POST' });
    expect(tested.status, tested.text).toBe(200);
    expect(tested.body).toMatchObject({
      endpoint: created.id,
      event_type: 'webhook.test',
      webhook_id: expect.stringMatching(/^msg_/),
      attempt: 1,
      status: 'delivered',
      response_status_code: 204,
      next_attempt_at: null,
    });
    const [received] = receiver.received;
    expect(received?.event).toMatchObject({
      type: 'webhook.test',
      timestamp: expect.stringMatching(/Z$/),
      data: { id: created.id, url: created.url },
    });
    expect(received?.headers['webhook-id']).toBe(tested.body.webhook_id);
    expect(received?.headers['content-type']).toBe('application/json');
  });

  it('credential.created, then credential.unhealthy with the reason on deauthorization, then credential.reauthorized', async () => {
    const { receiver } = await endpoint();
    const connected = await publishedApp();
    const user = await createZoomUser(world);
    const created = await connectCredential(world, connected, user.id);
    expect(created.status, created.text).toBe(201);
    const id = created.body.id as string;
    const own = (type: string) =>
      receiver.received.filter((entry) => entry.event.type === type && entry.event.data.id === id);

    await eventually(async () => (own('credential.created').length ? true : undefined), 'created');
    expect(own('credential.created')[0]?.event.data).toMatchObject({
      id,
      oauth_app: connected.app.id,
      status: 'healthy',
      user_id: user.id,
    });

    await world.zoom.deauthorize(connected.zoomApp.client_id, user.id);
    const unhealthy = await eventually(
      async () =>
        own('credential.unhealthy').find((entry) =>
          entry.event.data.status_reason?.includes('removed the app'),
        ),
      'credential.unhealthy',
    );
    // The reason as the credential showed it then (a refresh meeting the revoked grant later
    // may replace it, with an event of its own).
    expect(unhealthy.event.data).toMatchObject({
      id,
      status: 'unhealthy',
      status_reason: expect.stringMatching(
        /^The Zoom user removed the app \(deauthorized at .+\)\. To restore access, send the Zoom user a Connect link/,
      ),
      // healthy, or unhealthy already if a refresh or the sync met the revoked grant first
      previous_status: expect.stringMatching(/^(healthy|unhealthy)$/),
    });
    const logs = await world.hostpass.api(`/api/v2/zoom-oauth-credential-logs/?credential=${id}`);
    expect(logs.body.results.map((log: { message: string }) => log.message)).toContain(
      `Marked unhealthy: ${unhealthy.event.data.status_reason}`,
    );

    const again = await connectCredential(world, connected, user.id);
    expect(again.body.reauthorized).toBe(true);
    await eventually(
      async () => (own('credential.reauthorized').length ? true : undefined),
      'credential.reauthorized',
    );
    expect(own('credential.reauthorized')[0]?.event.data).toMatchObject({
      id,
      status: 'healthy',
      status_reason: null,
    });

    // One credential's events carry increasing sequence numbers, in the order they happened.
    const sequences = receiver.received
      .filter((entry) => entry.event.data.id === id)
      .sort((a, b) => a.event.data.sequence - b.event.data.sequence);
    const numbers = sequences.map((entry) => entry.event.data.sequence);
    expect(new Set(numbers).size).toBe(numbers.length);
    expect(numbers.every((value) => Number.isInteger(value) && value > 0)).toBe(true);
    const order = sequences.map((entry) => entry.event.type);
    expect(order.indexOf('credential.created')).toBeLessThan(order.indexOf('credential.unhealthy'));
    expect(order.indexOf('credential.unhealthy')).toBeLessThan(
      order.indexOf('credential.reauthorized'),
    );
  });

  it('honours the event-type filter, and sends credential.deleted with the object as it was', async () => {
    const { receiver: deletions } = await endpoint({ event_types: ['credential.deleted'] });
    const { receiver: everything } = await endpoint();
    const connected = await registerApp(world, 'user_level');
    const user = await createZoomUser(world);
    const created = await connectCredential(world, connected, user.id);
    const id = created.body.id as string;
    await everything.waitFor('credential.created');
    expect((await world.hostpass.api(`${CREDENTIALS}${id}/`, { method: 'DELETE' })).status).toBe(
      204,
    );
    const [deleted] = await deletions.waitFor('credential.deleted');
    expect(deleted?.event.data).toMatchObject({ id, user_id: user.id });
    await everything.waitFor('credential.deleted');
    expect(deletions.received.map((entry) => entry.event.type)).toEqual(['credential.deleted']);
  });

  it('sends credential.sync.completed with counts', async () => {
    const { receiver } = await endpoint({ event_types: ['credential.sync.completed'] });
    const connected = await registerApp(world, 'user_level');
    const user = await createZoomUser(world);
    await world.zoom.createMeeting({ host_id: user.id });
    const created = await connectCredential(world, connected, user.id);
    const completed = await eventually(
      async () => receiver.received.find((entry) => entry.event.data.id === created.body.id),
      'credential.sync.completed',
    );
    expect(completed.event).toMatchObject({
      type: 'credential.sync.completed',
      data: {
        id: created.body.id,
        meeting_sync_status: 'completed',
        meetings_mapped: expect.any(Number),
        users_seen: 1,
        zoom_calls: expect.any(Number),
      },
    });
    expect(completed.event.data.meetings_mapped).toBeGreaterThanOrEqual(1);
  });
});

describe('delivery', { timeout: 120_000 }, () => {
  it('retries a receiver answering 500 twice: delivered on the third attempt with the same webhook-id', async () => {
    // Subscribed to an event nothing here causes: a credential event still on its way from an
    // earlier test would otherwise take one of the queued 500s (seen in CI on PostgreSQL).
    const { receiver, endpoint: created } = await endpoint({ event_types: ['bot.status_changed'] });
    receiver.answers.push({ status: 500, body: 'busy' }, { status: 500, body: 'still busy' });
    const tested = await world.hostpass.api(`${ENDPOINTS}${created.id}/test/`, { method: 'POST' });
    expect(tested.body).toMatchObject({ status: 'pending', attempt: 1, response_status_code: 500 });
    const attempts = await receiver.waitFor('webhook.test', 3);
    expect(attempts.map((entry) => entry.answeredStatus)).toEqual([500, 500, 204]);
    expect(new Set(attempts.map((entry) => entry.headers['webhook-id']))).toEqual(
      new Set([tested.body.webhook_id]),
    );
    const log = await eventually(async () => {
      const page = await world.hostpass.api(`${ENDPOINTS}${created.id}/deliveries/`);
      return page.body.results[0]?.status === 'delivered' ? page.body : undefined;
    }, 'the delivery log to show the delivery');
    expect(log.results[0]).toEqual({
      id: tested.body.id,
      endpoint: created.id,
      event_type: 'webhook.test',
      webhook_id: tested.body.webhook_id,
      attempt: 3,
      status: 'delivered',
      response_status_code: 204,
      response_body: '',
      duration_ms: expect.any(Number),
      error: null,
      last_attempt_at: expect.stringMatching(/\.\d{3}Z$/),
      next_attempt_at: null,
      created_at: expect.stringMatching(/\.\d{3}Z$/),
    });
  });

  it('keeps the first KiB of a failed answer and gives up after the schedule; a manual retry sends it again', async () => {
    const { receiver, endpoint: created } = await endpoint();
    const long = 'x'.repeat(5000);
    for (let i = 0; i < 4; i += 1) receiver.answers.push({ status: 503, body: long });
    const tested = await world.hostpass.api(`${ENDPOINTS}${created.id}/test/`, { method: 'POST' });
    const failed = await eventually(async () => {
      const page = await world.hostpass.api(`${ENDPOINTS}${created.id}/deliveries/`);
      return page.body.results[0]?.status === 'failed' ? page.body.results[0] : undefined;
    }, 'the delivery to fail for good');
    expect(failed).toMatchObject({
      attempt: 4,
      response_status_code: 503,
      error: 'The endpoint answered HTTP 503.',
      next_attempt_at: null,
    });
    expect(failed.response_body).toBe('x'.repeat(1024));

    const retried = await world.hostpass.api(
      `/api/v2/webhook-deliveries/${tested.body.id}/retry/`,
      {
        method: 'POST',
      },
    );
    expect(retried.status, retried.text).toBe(200);
    const attempts = await receiver.waitFor('webhook.test', 5);
    expect(attempts.at(-1)?.answeredStatus).toBe(204);
    expect(attempts.at(-1)?.headers['webhook-id']).toBe(tested.body.webhook_id);
    expect(
      (
        await world.hostpass.api(
          '/api/v2/webhook-deliveries/00000000-0000-4000-8000-000000000000/retry/',
          {
            method: 'POST',
          },
        )
      ).status,
    ).toBe(404);
  });

  it('signs with both secrets for the overlap after a rotation', async () => {
    const { receiver, endpoint: created } = await endpoint();
    const rotated = await world.hostpass.api(`${ENDPOINTS}${created.id}/secret/rotate/`, {
      method: 'POST',
    });
    expect(rotated.status, rotated.text).toBe(200);
    expect(rotated.body.secret).toMatch(/^whsec_/);
    expect(rotated.body.secret).not.toBe(created.secret);
    // From now on every delivery must verify with the old secret AND with the new one.
    receiver.secrets.push(rotated.body.secret);
    await world.hostpass.api(`${ENDPOINTS}${created.id}/test/`, { method: 'POST' });
    const [received] = await receiver.waitFor('webhook.test');
    expect(received?.headers['webhook-signature']?.split(' ')).toHaveLength(2);
    expect((await world.hostpass.api(`${ENDPOINTS}${created.id}/secret/`)).body.secret).toBe(
      rotated.body.secret,
    );
  });

  it('disables an endpoint failing for too long (reason and log line); re-enabling resumes with new events', {
    timeout: 240_000,
  }, async () => {
    const failing = await startTestHostpass({
      env: {
        HOSTPASS_WEBHOOK_RETRY_SCHEDULE: '0',
        // Disabled at the first failure: the 5 days of a real deployment, shortened.
        HOSTPASS_WEBHOOK_DISABLE_AFTER_SECONDS: '0',
      },
    });
    const receiver = await startWebhookReceiver();
    receivers.push(receiver);
    try {
      const created = await failing.api(ENDPOINTS, { method: 'POST', json: { url: receiver.url } });
      receiver.secrets.push(created.body.secret);
      receiver.answers.push({ status: 500 });
      await failing.api(`${ENDPOINTS}${created.body.id}/test/`, { method: 'POST' });
      const disabled = (await failing.api(`${ENDPOINTS}${created.body.id}/`)).body;
      expect(disabled.disabled).toBe(true);
      expect(disabled.disabled_reason).toMatch(/^Disabled after failing to deliver/);
      expect(failing.logLines.some((line) => line.includes('webhook endpoint disabled'))).toBe(
        true,
      );

      const enabled = await failing.api(`${ENDPOINTS}${created.body.id}/`, {
        method: 'PATCH',
        json: { disabled: false },
      });
      expect(enabled.body).toMatchObject({ disabled: false, disabled_reason: null });
      const tested = await failing.api(`${ENDPOINTS}${created.body.id}/test/`, { method: 'POST' });
      expect(tested.body.status).toBe('delivered');
    } finally {
      await failing.close();
    }
  });
});

describe('disabling an endpoint', { timeout: 240_000 }, () => {
  it('ends its waiting deliveries as failed (by PATCH or after failing too long); re-enabling sends new events only', async () => {
    const hostpass = await startTestHostpass({
      env: {
        // The first retry waits an hour: a failed delivery stays waiting for the whole test.
        HOSTPASS_WEBHOOK_RETRY_SCHEDULE: '3600',
        HOSTPASS_WEBHOOK_DISABLE_AFTER_SECONDS: '1',
      },
    });
    const deliveries = async (id: string) =>
      (await hostpass.api(`${ENDPOINTS}${id}/deliveries/`)).body.results as Record<
        string,
        unknown
      >[];
    try {
      // Disabled by PATCH.
      const receiver = await startWebhookReceiver();
      receivers.push(receiver);
      const created = await hostpass.api(ENDPOINTS, {
        method: 'POST',
        json: { url: receiver.url },
      });
      receiver.secrets.push(created.body.secret);
      receiver.answers.push({ status: 500 });
      const waiting = await hostpass.api(`${ENDPOINTS}${created.body.id}/test/`, {
        method: 'POST',
      });
      expect(waiting.body).toMatchObject({ status: 'pending', attempt: 1 });
      expect(waiting.body.next_attempt_at).not.toBeNull();

      const disabled = await hostpass.api(`${ENDPOINTS}${created.body.id}/`, {
        method: 'PATCH',
        json: { disabled: true },
      });
      expect(disabled.body).toMatchObject({ disabled: true });
      expect(await deliveries(created.body.id)).toEqual([
        expect.objectContaining({
          id: waiting.body.id,
          status: 'failed',
          attempt: 1,
          next_attempt_at: null,
          error: expect.stringMatching(/endpoint was disabled/),
        }),
      ]);

      const enabled = await hostpass.api(`${ENDPOINTS}${created.body.id}/`, {
        method: 'PATCH',
        json: { disabled: false },
      });
      expect(enabled.body).toMatchObject({ disabled: false, disabled_reason: null });
      const fresh = await hostpass.api(`${ENDPOINTS}${created.body.id}/test/`, { method: 'POST' });
      expect(fresh.body).toMatchObject({ status: 'delivered', attempt: 1 });
      // The new event only: the one that waited while disabled stays failed, unsent.
      expect(receiver.received.map((entry) => entry.headers['webhook-id'])).toEqual([
        waiting.body.webhook_id,
        fresh.body.webhook_id,
      ]);
      expect(await deliveries(created.body.id)).toEqual([
        expect.objectContaining({ id: fresh.body.id, status: 'delivered' }),
        expect.objectContaining({ id: waiting.body.id, status: 'failed', attempt: 1 }),
      ]);

      // Disabled after failing for longer than allowed (1 s here): test events fail until then.
      const failing = await startWebhookReceiver();
      receivers.push(failing);
      const other = await hostpass.api(ENDPOINTS, { method: 'POST', json: { url: failing.url } });
      failing.secrets.push(other.body.secret);
      failing.answers.push(...Array.from({ length: 1000 }, () => ({ status: 500 })));
      await eventually(async () => {
        await hostpass.api(`${ENDPOINTS}${other.body.id}/test/`, { method: 'POST' });
        const endpoint = (await hostpass.api(`${ENDPOINTS}${other.body.id}/`)).body;
        return endpoint.disabled ? endpoint : undefined;
      }, 'the failing endpoint to be disabled');
      const log = await deliveries(other.body.id);
      expect(log.length).toBeGreaterThan(1);
      expect(log.filter((delivery) => delivery.status !== 'failed')).toEqual([]);
      expect(log.every((delivery) => delivery.next_attempt_at === null)).toBe(true);
    } finally {
      await hostpass.close();
    }
  });
});
