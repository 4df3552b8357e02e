/**
 * Issue 13 item 14: a credential names the Zoom user who authorized it (`zoom_user: {email,
 * display_name}`), from /users/me at connect, refreshed by every sync and by user.updated events.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ConnectedApp,
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
}, 180_000);
afterAll(() => world.close());

async function credential(id: string) {
  const response = await world.hostpass.api(`${CREDENTIALS}${id}/`);
  expect(response.status, response.text).toBe(200);
  return response.body;
}

async function syncedAfter(id: string, logsBefore: number) {
  return eventually(
    async () => {
      const logs = (
        await world.hostpass.api(`/api/v2/zoom-oauth-credential-logs/?credential=${id}`)
      ).body.results as { message: string }[];
      const done =
        logs.length > logsBefore && logs.some((log) => log.message.startsWith('Meeting sync'));
      return done && (await credential(id)).meeting_sync_status === 'completed' ? true : undefined;
    },
    'the sync to finish',
    60_000,
  );
}

async function subscribe(connected: ConnectedApp) {
  const app = (await world.hostpass.api(`/api/v2/zoom-oauth-apps/${connected.app.id}/`)).body;
  await world.zoom.updateApp(connected.zoomApp.id, { event_url: app.webhook_url });
}

describe('zoom_user on credentials', { timeout: 180_000 }, () => {
  it('is read from /users/me at connect, in the object, the list and the OpenAPI document', async () => {
    const connected = await registerApp(world, 'user_level');
    const user = await createZoomUser(world);
    await world.zoom.updateUser(user.id, { first_name: 'Ada', last_name: 'Lovelace' });
    const created = await connectCredential(world, connected, user.id);
    expect(created.status, created.text).toBe(201);
    expect(created.body.zoom_user).toEqual({ email: user.email, display_name: 'Ada Lovelace' });
    expect((await credential(created.body.id)).zoom_user).toEqual(created.body.zoom_user);
    const listed = await world.hostpass.api(`${CREDENTIALS}?oauth_app=${connected.app.id}`);
    expect(listed.body.results[0].zoom_user).toEqual(created.body.zoom_user);

    // The OpenAPI document describes the field (an additive one: older clients ignore it).
    const openapi = JSON.stringify((await world.hostpass.api('/openapi.json')).body);
    expect(openapi).toMatch(/"zoom_user":\{[^}]*"properties":\{"email"/);
    expect(openapi).toContain('"display_name"');
  });

  it('follows user.updated events (name and email) and every sync', async () => {
    const connected = await registerApp(world, 'user_level');
    const user = await createZoomUser(world);
    const created = await connectCredential(world, connected, user.id);
    expect(created.status, created.text).toBe(201);
    const id = created.body.id as string;
    await syncedAfter(id, 0);

    // With the app subscribed, Zoom's user.updated carries the change to Hostpass.
    await subscribe(connected);
    await world.zoom.updateUser(user.id, {
      first_name: 'Grace',
      last_name: 'Hopper',
      email: 'grace.hopper@example.com',
    });
    await eventually(
      async () =>
        (await credential(id)).zoom_user.email === 'grace.hopper@example.com' ? true : undefined,
      'the user.updated event to be applied',
    );
    expect((await credential(id)).zoom_user).toEqual({
      email: 'grace.hopper@example.com',
      display_name: 'Grace Hopper',
    });

    // Without events (unsubscribed), the next sync reads /users/me again.
    await world.zoom.updateApp(connected.zoomApp.id, { event_url: null });
    await world.zoom.updateUser(user.id, { last_name: 'Brewster Murray Hopper' });
    expect((await credential(id)).zoom_user.display_name).toBe('Grace Hopper');
    const logsBefore = (
      await world.hostpass.api(`/api/v2/zoom-oauth-credential-logs/?credential=${id}`)
    ).body.results.length;
    expect(
      (await world.hostpass.api(`${CREDENTIALS}${id}/sync-meetings/`, { method: 'POST' })).status,
    ).toBe(200);
    await syncedAfter(id, logsBefore);
    expect((await credential(id)).zoom_user).toEqual({
      email: 'grace.hopper@example.com',
      display_name: 'Grace Brewster Murray Hopper',
    });
  });

  it('names the admin who authorized an account-level credential', async () => {
    const connected = await registerApp(world, 'account_level');
    const admin = await createZoomUser(world, 'owner');
    await world.zoom.updateUser(admin.id, { first_name: 'Olivia', last_name: 'Owner' });
    const created = await connectCredential(world, connected, admin.id);
    expect(created.status, created.text).toBe(201);
    expect(created.body.zoom_user).toEqual({ email: admin.email, display_name: 'Olivia Owner' });
  });
});
