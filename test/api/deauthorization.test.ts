import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEngine } from '../support/engine.ts';
import {
  connectAndSync,
  connectCredential,
  createZoomUser,
  eventually,
  registerApp,
  startZoomWorld,
  type ZoomWorld,
} from '../support/zoom-world.ts';

const CREDENTIALS = '/api/v2/zoom-oauth-credentials/';
let world: ZoomWorld;

beforeAll(async () => {
  world = await startZoomWorld();
});
afterAll(() => world.close());

/** A published app whose Zoom event endpoint is the Hostpass app's webhook URL (validated). */
async function publishedApp(kind: 'user_level' | 'account_level') {
  const connected = await registerApp(world, kind, { published: true });
  const app = (await world.hostpass.api(`/api/v2/zoom-oauth-apps/${connected.app.id}/`)).body;
  await world.zoom.updateApp(connected.zoomApp.id, { event_url: app.webhook_url });
  return connected;
}

async function credentialRow(id: string) {
  const { rows } = await world.hostpass.runtime.db.query<{
    access_token_sealed: string | null;
    refresh_token_sealed: string | null;
  }>('SELECT access_token_sealed, refresh_token_sealed FROM zoom_oauth_credentials WHERE id = $1', [
    id,
  ]);
  return rows[0];
}

async function untilUnhealthy(id: string) {
  return eventually(async () => {
    const credential = (await world.hostpass.api(`${CREDENTIALS}${id}/`)).body;
    // The background sync may notice the revoked grant first; wait for the deauthorization itself.
    return credential.status_reason?.includes('removed the app') ? credential : undefined;
  }, 'the deauthorization to be applied');
}

/** Zoom's stored app_deauthorized events for the app, once every one of them is processed. */
async function untilDeauthorizationsProcessed(appId: string) {
  return eventually(async () => {
    const events = (
      (await world.hostpass.api(`/api/v2/zoom-webhook-events/?oauth_app=${appId}`)).body
        .results as { event: string; status: string }[]
    ).filter((event) => event.event === 'app_deauthorized');
    return events.length > 0 && events.every((event) => event.status === 'processed')
      ? events
      : undefined;
  }, 'the app_deauthorized event to be processed');
}

describe('app_deauthorized', () => {
  it('marks the credential unhealthy and deletes its tokens (Zoom data-compliance rule)', async () => {
    const connected = await publishedApp('user_level');
    const user = await createZoomUser(world);
    const created = await connectCredential(world, connected, user.id);
    await world.zoom.deauthorize(connected.zoomApp.client_id, user.id);

    const credential = await untilUnhealthy(created.body.id);
    expect(credential.status_reason).toMatch(
      /^The Zoom user removed the app \(deauthorized at .+\)\. To restore access, send the Zoom user a Connect link to reconnect \(or POST a new authorization code to \/api\/v2\/zoom-oauth-credentials\/\); the credential keeps its id\.$/,
    );
    expect(await credentialRow(created.body.id)).toEqual({
      access_token_sealed: null,
      refresh_token_sealed: null,
    });
    const token = await world.hostpass.api(`${CREDENTIALS}${created.body.id}/access-token/`);
    expect(token.status).toBe(400);
    const logs = await world.hostpass.api(
      `/api/v2/zoom-oauth-credential-logs/?credential=${created.body.id}&ordering=created_at`,
    );
    const messages: string[] = logs.body.results.map((log: { message: string }) => log.message);
    const marked = messages.indexOf(`Marked unhealthy: ${credential.status_reason}`);
    const purged = messages.indexOf(
      "Deleted the credential's tokens and meeting data, as Zoom requires after deauthorization.",
    );
    expect(marked).toBeGreaterThanOrEqual(0);
    expect(purged).toBeGreaterThan(marked);
    const deliveries = await world.zoom.webhooks();
    expect(
      deliveries
        .filter((delivery) => delivery.event === 'app_deauthorized')
        .map((delivery) => delivery.status),
    ).toContain(200);
  });

  it('keeps the tokens when the user allowed data retention, and covers every credential of an account', async () => {
    const connected = await publishedApp('account_level');
    const admin = await createZoomUser(world, 'admin');
    const created = await connectCredential(world, connected, admin.id);
    await world.zoom.deauthorize(connected.zoomApp.client_id, admin.id, {
      userDataRetention: true,
    });
    const credential = await untilUnhealthy(created.body.id);
    expect(credential.status_reason).toContain('The Zoom account removed the app');
    expect(credential.status_reason).toContain(
      'send an admin of the Zoom account a Connect link to reconnect',
    );
    const row = await credentialRow(created.body.id);
    expect(row?.refresh_token_sealed).not.toBeNull();
  });

  it('does nothing to credentials of other users of the same app', async () => {
    const connected = await publishedApp('user_level');
    const leaving = await createZoomUser(world);
    const staying = await createZoomUser(world);
    const gone = await connectCredential(world, connected, leaving.id);
    const kept = await connectCredential(world, connected, staying.id);
    await world.zoom.deauthorize(connected.zoomApp.client_id, leaving.id);
    await untilUnhealthy(gone.body.id);
    expect((await world.hostpass.api(`${CREDENTIALS}${kept.body.id}/`)).body.status).toBe(
      'healthy',
    );
  });

  it('keeps its reason when a refresh that was already at Zoom fails after it (the revoked grant)', async () => {
    const connected = await publishedApp('user_level');
    const user = await createZoomUser(world);
    // After the first sync, so that nothing but the validation below refreshes.
    const id = await connectAndSync(world, connected, user.id);
    // Zoom's answer to the next refresh is held: invalid_grant, what the revoked grant gets.
    const fault = await world.zoom.addFault({
      path_pattern: '/oauth/token',
      method: 'POST',
      status: 400,
      body: { reason: 'Invalid Token!', error: 'invalid_grant' },
      hold_response_after_commit: true,
      times: 1,
    });
    const validating = world.hostpass.api(`${CREDENTIALS}${id}/validate/`, { method: 'POST' });
    await eventually(
      async () => ((await world.zoom.faults()).some((f) => f.id === fault.id) ? undefined : true),
      'the refresh to reach Zoom',
    );
    await world.zoom.deauthorize(connected.zoomApp.client_id, user.id);
    // The embedded store's refresh lock is in-process: the deauthorization lands while Zoom's
    // answer is held. (On PostgreSQL it waits for the refresh's row lock instead.)
    if (testEngine() === 'pglite') await untilUnhealthy(id);
    await world.zoom.releaseFault(fault.id);
    expect((await validating).status).toBeLessThan(500);
    await untilDeauthorizationsProcessed(connected.app.id);

    const credential = (await world.hostpass.api(`${CREDENTIALS}${id}/`)).body;
    expect(credential.status).toBe('unhealthy');
    expect(credential.status_reason).toContain('The Zoom user removed the app');
    expect(await credentialRow(id)).toEqual({
      access_token_sealed: null,
      refresh_token_sealed: null,
    });
  });
});
