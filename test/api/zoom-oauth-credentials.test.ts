import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  authorizationCode,
  connectCredential,
  createZoomUser,
  eventually,
  postAuthorizationCode,
  REDIRECT_URI,
  registerApp,
  startZoomWorld,
  tokenWorks,
  type ZoomWorld,
} from '../support/zoom-world.ts';

let world: ZoomWorld;

beforeAll(async () => {
  world = await startZoomWorld();
});
afterAll(() => world.close());

const CREDENTIALS = '/api/v2/zoom-oauth-credentials/';

async function appLogMessages(appId: string): Promise<string[]> {
  const logs = await world.hostpass.api(
    `/api/v2/zoom-oauth-app-logs/?oauth_app=${appId}&ordering=created_at`,
  );
  return logs.body.results.map((log: { message: string }) => log.message);
}

async function credentialLogMessages(credentialId: string): Promise<string[]> {
  const logs = await world.hostpass.api(
    `/api/v2/zoom-oauth-credential-logs/?credential=${credentialId}&ordering=created_at`,
  );
  return logs.body.results.map((log: { message: string }) => log.message);
}

describe('managed OAuth: POST /api/v2/zoom-oauth-credentials/', () => {
  it('connects a Zoom user to a user-level app and hands out working tokens', async () => {
    const connected = await registerApp(world, 'user_level');
    const user = await createZoomUser(world);
    const response = await connectCredential(world, connected, user.id);
    expect(response.status, response.text).toBe(201);
    expect(response.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      oauth_app: connected.app.id,
      status: 'healthy',
      status_reason: null,
      user_id: user.id,
      account_id: null,
      zoom_user: { email: user.email, display_name: `${user.first_name} ${user.last_name}` },
      access_token_callback_url: null,
      scopes: expect.arrayContaining(['meeting:read:local_recording_token', 'user:read:user']),
      // The initial sync is queued in the same transaction that creates the credential.
      meeting_sync_status: 'in_progress',
      created_at: expect.stringMatching(/Z$/),
    });

    const token = await world.hostpass.api(`${CREDENTIALS}${response.body.id}/access-token/`);
    expect(token.status).toBe(200);
    expect(Date.parse(token.body.expires_at)).toBeGreaterThan(Date.now() + 3000 * 1000);
    expect(await tokenWorks(world, token.body.token)).toBe(true);

    expect((await world.hostpass.api(`${CREDENTIALS}${response.body.id}/`)).body).toMatchObject({
      ...response.body,
      meeting_sync_status: expect.stringMatching(/^(in_progress|completed)$/),
    });
    expect((await credentialLogMessages(response.body.id))[0]).toBe(
      `Connected Zoom user ${user.id}.`,
    );
  });

  it('connects a whole Zoom account to an account-level app', async () => {
    const connected = await registerApp(world, 'account_level');
    const admin = await createZoomUser(world, 'admin');
    const response = await connectCredential(world, connected, admin.id);
    expect(response.status, response.text).toBe(201);
    expect(response.body).toMatchObject({
      user_id: null,
      account_id: admin.account_id,
      status: 'healthy',
    });
  });

  it('answers a second authorization of the same Zoom user with the exact conflict body, healing the existing credential', async () => {
    const connected = await registerApp(world, 'user_level');
    const user = await createZoomUser(world);
    const first = await connectCredential(world, connected, user.id);
    const oldToken = (await world.hostpass.api(`${CREDENTIALS}${first.body.id}/access-token/`)).body
      .token;
    const second = await connectCredential(world, connected, user.id);
    expect(second.status).toBe(400);
    // Seed 002's body, unchanged for existing clients, plus which credential healed.
    expect(second.text).toBe(
      JSON.stringify({
        detail: `A Zoom OAuth Credential already exists for this OAuth App and Zoom account(user_id: ${user.id}). A Zoom OAuth App can have at most one Zoom OAuth Credential registered per authorized Zoom user. Please delete the existing Zoom OAuth Credential for Zoom user(user_id: ${user.id}) and try again.`,
        conflicting_zoom_user_id: user.id,
        existing_credential_id: first.body.id,
        reauthorized: true,
      }),
    );
    // Zoom ended the first grant when the user authorized again; the credential holds the new one.
    expect(await tokenWorks(world, oldToken)).toBe(false);
    const existing = await world.hostpass.api(`${CREDENTIALS}${first.body.id}/`);
    expect(existing.body).toMatchObject({ status: 'healthy', status_reason: null });
    const token = await world.hostpass.api(`${CREDENTIALS}${first.body.id}/access-token/`);
    expect(await tokenWorks(world, token.body.token)).toBe(true);
    expect(await credentialLogMessages(first.body.id)).toContainEqual(
      expect.stringMatching(
        new RegExp(`^Re-authorized by Zoom user ${user.id}: the credential adopted the new grant`),
      ),
    );

    // The seed's recovery (find by the conflicting id, delete, create again) still works.
    const found = await world.hostpass.api(
      `${CREDENTIALS}?user_id=${second.body.conflicting_zoom_user_id}`,
    );
    expect(found.body.results.map((credential: { id: string }) => credential.id)).toEqual([
      first.body.id,
    ]);
    expect(
      (await world.hostpass.api(`${CREDENTIALS}${first.body.id}/`, { method: 'DELETE' })).status,
    ).toBe(204);
    expect((await connectCredential(world, connected, user.id)).status).toBe(201);
  });

  it('answers a second authorization of the same Zoom account with the exact account conflict body', async () => {
    const connected = await registerApp(world, 'account_level');
    const admin = await createZoomUser(world, 'admin');
    const otherAdmin = await createZoomUser(world, 'admin', admin.account_id);
    const first = await connectCredential(world, connected, admin.id);
    expect(first.status).toBe(201);
    const second = await connectCredential(world, connected, otherAdmin.id);
    expect(second.status).toBe(400);
    const id = admin.account_id;
    expect(second.text).toBe(
      JSON.stringify({
        detail: `A Zoom OAuth Credential already exists for this OAuth App and Zoom account(account_id: ${id}). A Zoom OAuth App can have at most one Zoom OAuth Credential registered per authorized Zoom account. Please delete the existing Zoom OAuth Credential for Zoom account(account_id: ${id}) and try again.`,
        conflicting_zoom_account_id: id,
        existing_credential_id: first.body.id,
        reauthorized: true,
      }),
    );
    const token = await world.hostpass.api(`${CREDENTIALS}${first.body.id}/access-token/`);
    expect(await tokenWorks(world, token.body.token)).toBe(true);
  });

  it('is race-safe: concurrent creations for one user make exactly one credential', async () => {
    const connected = await registerApp(world, 'user_level');
    const user = await createZoomUser(world);
    const codes = await Promise.all(
      [1, 2, 3, 4].map(() => authorizationCode(world, connected.zoomApp, user.id)),
    );
    const responses = await Promise.all(
      codes.map((code) => postAuthorizationCode(world, connected, code)),
    );
    const statuses = responses.map((response) => response.status).sort();
    // Each new authorization kills the previous grant at Zoom, so some codes are already dead;
    // what matters is that one credential exists, holding the grant Zoom kept, and no 5xx.
    expect(statuses.filter((status) => status === 201).length).toBeLessThanOrEqual(1);
    expect(statuses.every((status) => status === 201 || status === 400)).toBe(true);
    const listed = await world.hostpass.api(`${CREDENTIALS}?oauth_app=${connected.app.id}`);
    expect(listed.body.results).toMatchObject([{ status: 'healthy' }]);
    const token = await world.hostpass.api(
      `${CREDENTIALS}${listed.body.results[0].id}/access-token/`,
    );
    expect(await tokenWorks(world, token.body.token)).toBe(true);
  });
});

describe('errors when connecting tell the user what to fix', () => {
  it('a code used twice', async () => {
    const connected = await registerApp(world, 'user_level');
    const user = await createZoomUser(world);
    const code = await authorizationCode(world, connected.zoomApp, user.id);
    const body = {
      oauth_app: connected.app.id,
      authorization_code: { code, redirect_uri: REDIRECT_URI },
    };
    expect((await world.hostpass.api(CREDENTIALS, { method: 'POST', json: body })).status).toBe(
      201,
    );
    const again = await world.hostpass.api(CREDENTIALS, { method: 'POST', json: body });
    expect(again.status).toBe(400);
    expect(again.body.detail).toMatch(/^Invalid Grant: the authorization code is invalid, expired/);
    expect((await appLogMessages(connected.app.id)).at(-1)).toContain(
      'Invalid Grant: the authorization code',
    );
  });

  it('a redirect_uri that differs from the registered one (trailing slash)', async () => {
    const connected = await registerApp(world, 'user_level');
    const user = await createZoomUser(world);
    const code = await authorizationCode(world, connected.zoomApp, user.id);
    const response = await world.hostpass.api(CREDENTIALS, {
      method: 'POST',
      json: {
        oauth_app: connected.app.id,
        authorization_code: { code, redirect_uri: REDIRECT_URI.replace(/\/$/, '') },
      },
    });
    expect(response.status).toBe(400);
    expect(response.body).toEqual({
      detail:
        "Invalid Grant: check that redirect_uri matches the Zoom app's redirect URL exactly, trailing slash included.",
    });
  });

  it('a wrong client secret', async () => {
    const connected = await registerApp(world, 'user_level');
    await world.hostpass.api(`/api/v2/zoom-oauth-apps/${connected.app.id}/`, {
      method: 'PATCH',
      json: { client_secret: 'not-the-real-client-secret' },
    });
    const user = await createZoomUser(world);
    const response = await connectCredential(world, connected, user.id);
    expect(response.status).toBe(400);
    expect(response.body.detail).toContain(
      "Zoom rejected the OAuth app's client_id or client_secret (invalid_client)",
    );
    expect(response.text).not.toContain('not-the-real-client-secret');
  });

  it('a grant without the scopes Hostpass needs', async () => {
    const connected = await registerApp(world, 'user_level', {
      scopes: ['user:read:user', 'meeting:read:meeting'],
    });
    const user = await createZoomUser(world);
    const response = await connectCredential(world, connected, user.id);
    expect(response.status).toBe(400);
    expect(response.body.detail).toBe(
      "The authorization lacks scopes Hostpass needs: meeting:read:list_meetings (to list the user's meetings), " +
        'meeting:read:local_recording_token (to get join tokens for local recording). Add them to the Zoom app (Scopes), ' +
        'then send the user through Zoom authorization again.',
    );
    expect((await appLogMessages(connected.app.id)).at(-1)).toContain('lacks scopes');
  });

  it('an unknown app, both or neither of the two modes, and junk', async () => {
    const unknown = await world.hostpass.api(CREDENTIALS, {
      method: 'POST',
      json: {
        oauth_app: '00000000-0000-4000-8000-000000000000',
        authorization_code: { code: 'x', redirect_uri: 'y' },
      },
    });
    expect(unknown.body).toEqual({
      oauth_app: ['Invalid pk "00000000-0000-4000-8000-000000000000" - object does not exist.'],
    });
    const connected = await registerApp(world, 'user_level');
    const neither = await world.hostpass.api(CREDENTIALS, {
      method: 'POST',
      json: { oauth_app: connected.app.id },
    });
    expect(neither.status).toBe(400);
    expect(neither.body.non_field_errors[0]).toContain('Provide exactly one of authorization_code');
    const both = await world.hostpass.api(CREDENTIALS, {
      method: 'POST',
      json: {
        oauth_app: connected.app.id,
        authorization_code: { code: 'x', redirect_uri: 'y' },
        access_token_callback_url: 'https://x.example/',
      },
    });
    expect(both.status).toBe(400);
    const junk = await world.hostpass.api(CREDENTIALS, {
      method: 'POST',
      json: { oauth_app: 'nope', authorization_code: { code: '' }, extra: 1 },
    });
    expect(junk.status).toBe(400);
    expect(junk.body).toEqual({
      oauth_app: ['Must be a valid UUID.'],
      authorization_code: {
        code: ['This field may not be blank.'],
        redirect_uri: ['This field is required.'],
      },
      extra: ['Unknown field.'],
    });
  });

  it("another workspace's app is unknown", async () => {
    const connected = await registerApp(world, 'user_level');
    const { apiKey } = await world.hostpass.runtime.services.workspaceService.create('elsewhere');
    const response = await world.hostpass.api(CREDENTIALS, {
      method: 'POST',
      json: {
        oauth_app: connected.app.id,
        authorization_code: { code: 'x', redirect_uri: REDIRECT_URI },
      },
      headers: { authorization: `Token ${apiKey.key}` },
    });
    expect(response.status).toBe(400);
    expect(Object.keys(response.body)).toEqual(['oauth_app']);
  });
});

describe('reading and managing credentials', () => {
  let userApp: Awaited<ReturnType<typeof registerApp>>;
  const ids: string[] = [];

  beforeAll(async () => {
    userApp = await registerApp(world, 'user_level');
    for (let index = 0; index < 3; index += 1) {
      const response = await connectCredential(world, userApp, (await createZoomUser(world)).id);
      ids.push(response.body.id);
    }
  });

  const list = async (query: string) =>
    (
      await world.hostpass.api(
        `${CREDENTIALS}?oauth_app=${userApp.app.id}&ordering=created_at${query}`,
      )
    ).body;

  it('lists with every filter and cursor pagination', async () => {
    const first = await list('&page_size=2');
    expect(first.results.map((item: { id: string }) => item.id)).toEqual(ids.slice(0, 2));
    const second = (await world.hostpass.api(first.next.slice(world.hostpass.url.length))).body;
    expect(second.results.map((item: { id: string }) => item.id)).toEqual(ids.slice(2));
    const one = (await world.hostpass.api(`${CREDENTIALS}${ids[1]}/`)).body;
    expect(
      (await list(`&user_id=${one.user_id}`)).results.map((item: { id: string }) => item.id),
    ).toEqual([ids[1]]);
    expect((await list('&status=healthy')).results).toHaveLength(3);
    expect((await list('&status=unhealthy')).results).toHaveLength(0);
    const synced = await eventually(async () => {
      const page = await list('&meeting_sync_status=completed');
      return page.results.length === 3 ? page : undefined;
    }, 'the initial syncs to complete');
    expect(synced.results).toHaveLength(3);
    expect((await list('&meeting_sync_status=not_started')).results).toHaveLength(0);
    expect(
      (await list(`&created_at_after=${encodeURIComponent(one.created_at)}`)).results,
    ).toHaveLength(2);
    expect(
      (await list(`&created_at_before=${encodeURIComponent(one.created_at)}`)).results,
    ).toHaveLength(2);
    expect((await list('&account_id=nobody')).results).toHaveLength(0);
    expect((await world.hostpass.api(`${CREDENTIALS}?status=sick`)).status).toBe(400);
  });

  it('accepts a sync request', async () => {
    const response = await world.hostpass.api(`${CREDENTIALS}${ids[0]}/sync-meetings/`, {
      method: 'POST',
    });
    expect(response.status).toBe(200);
    expect(response.body.id).toBe(ids[0]);
  });

  it('deletes a credential, revoking its grant at Zoom', async () => {
    const id = ids[2] as string;
    const token = (await world.hostpass.api(`${CREDENTIALS}${id}/access-token/`)).body.token;
    await world.zoom.resetRequests();
    expect((await world.hostpass.api(`${CREDENTIALS}${id}/`, { method: 'DELETE' })).status).toBe(
      204,
    );
    expect((await world.zoom.requests()).by_endpoint['POST /oauth/revoke']).toBe(1);
    expect(await tokenWorks(world, token)).toBe(false);
    expect((await world.hostpass.api(`${CREDENTIALS}${id}/`)).status).toBe(404);
    expect(
      (await world.hostpass.api(`/api/v2/zoom-oauth-credential-logs/?credential=${id}`)).body
        .results,
    ).toEqual([]);
  });

  it('answers 404 for unknown, malformed and foreign ids on every route', async () => {
    const { apiKey } = await world.hostpass.runtime.services.workspaceService.create('foreign');
    const headers = { authorization: `Token ${apiKey.key}` };
    const id = ids[0] as string;
    for (const [method, suffix] of [
      ['GET', ''],
      ['DELETE', ''],
      ['GET', 'access-token/'],
      ['POST', 'validate/'],
      ['POST', 'sync-meetings/'],
    ] as const) {
      expect(
        (await world.hostpass.api(`${CREDENTIALS}${id}/${suffix}`, { method, headers })).status,
        `${method} ${suffix}`,
      ).toBe(404);
      expect(
        (await world.hostpass.api(`${CREDENTIALS}not-a-uuid/${suffix}`, { method })).status,
      ).toBe(404);
    }
    expect((await world.hostpass.api(`${CREDENTIALS}${id}/`)).status).toBe(200);
  });
});
