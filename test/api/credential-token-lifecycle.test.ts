import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { credentialStoreFactory } from '../../src/credentials/store.ts';
import { request } from '../support/hostpass.ts';
import {
  type ConnectedApp,
  connectCredential,
  createZoomUser,
  eventually,
  registerApp,
  startSecondServer,
  startZoomWorld,
  tokenWorks,
  type ZoomWorld,
} from '../support/zoom-world.ts';

const CREDENTIALS = '/api/v2/zoom-oauth-credentials/';

/** Background refresh off: these tests drive expiry and refresh through the request path. */
let world: ZoomWorld;

beforeAll(async () => {
  world = await startZoomWorld({ workers: false });
});
afterAll(() => world.close());

async function connectWithTtl(
  ttlSeconds: number,
): Promise<{ connected: ConnectedApp; credentialId: string; userId: string }> {
  const connected = await registerApp(world, 'user_level', {
    access_token_ttl_seconds: ttlSeconds,
  });
  const user = await createZoomUser(world);
  const response = await connectCredential(world, connected, user.id);
  expect(response.status, response.text).toBe(201);
  return { connected, credentialId: response.body.id, userId: user.id };
}

const accessToken = (credentialId: string) =>
  world.hostpass.api(`${CREDENTIALS}${credentialId}/access-token/`);

/** Waits (by polling the clock, not sleeping blindly) until Hostpass's token has expired. */
async function untilExpired(credentialId: string): Promise<string> {
  const current = await accessToken(credentialId);
  const expiresAt = Date.parse(current.body.expires_at);
  await eventually(
    async () => (Date.now() > expiresAt + 50 ? true : undefined),
    'the access token to expire',
    30_000,
  );
  return current.body.token;
}

async function refreshCalls(): Promise<number> {
  return (await world.zoom.requests()).by_grant_type.refresh_token ?? 0;
}

describe('refresh on the request path', () => {
  it('refreshes an expired access token once, commits the new refresh token, and the new token works', async () => {
    const { credentialId } = await connectWithTtl(2);
    const expired = await untilExpired(credentialId);
    await world.zoom.resetRequests();
    const fresh = await accessToken(credentialId);
    expect(fresh.status).toBe(200);
    expect(fresh.body.token).not.toBe(expired);
    expect(await refreshCalls()).toBe(1);
    expect(await tokenWorks(world, fresh.body.token)).toBe(true);
    // A second request reuses the committed token: no further refresh.
    expect((await accessToken(credentialId)).body.token).toBe(fresh.body.token);
    expect(await refreshCalls()).toBe(1);
  });

  it('THE RACE: 200 concurrent requests after expiry make exactly one refresh, all get a working token', async () => {
    const { connected, credentialId } = await connectWithTtl(3);
    // A second Hostpass process on the same PostgreSQL: the lock must hold across processes.
    const second = await startSecondServer(world);
    try {
      await untilExpired(credentialId);
      // The refreshed token lives an hour: on a slow machine the 200 requests can outlast a
      // 3-second token, and a second, legitimate refresh is not what this test is about.
      await world.zoom.updateApp(connected.zoomApp.id, { access_token_ttl_seconds: 3600 });
      await world.zoom.resetRequests();
      const bases = second ? [world.hostpass.url, second.url] : [world.hostpass.url];
      const responses = await Promise.all(
        Array.from({ length: 200 }, (_, index) =>
          request(`${bases[index % bases.length]}${CREDENTIALS}${credentialId}/access-token/`, {
            headers: { authorization: `Token ${world.hostpass.apiKey}` },
          }),
        ),
      );
      expect(responses.map((response) => response.status)).toEqual(responses.map(() => 200));
      const tokens = new Set(responses.map((response) => response.body.token as string));
      expect(tokens.size).toBe(1);
      expect(await refreshCalls()).toBe(1);
      expect(await tokenWorks(world, [...tokens][0] as string)).toBe(true);
      expect((await world.hostpass.api(`${CREDENTIALS}${credentialId}/`)).body.status).toBe(
        'healthy',
      );
    } finally {
      await second?.stop();
    }
  });
});

describe('many credentials refreshing at once', () => {
  it('all refresh, even with more refreshes in flight than database connections', async () => {
    const small = await startZoomWorld({ workers: false, env: { DATABASE_POOL_SIZE: '2' } });
    try {
      const ids: string[] = [];
      for (let index = 0; index < 6; index += 1) {
        const connected = await registerApp(small, 'user_level', { access_token_ttl_seconds: 2 });
        const created = await connectCredential(small, connected, (await createZoomUser(small)).id);
        ids.push(created.body.id);
      }
      const expiries = await Promise.all(
        ids.map(async (id) =>
          Date.parse(
            (await small.hostpass.api(`${CREDENTIALS}${id}/access-token/`)).body.expires_at,
          ),
        ),
      );
      await eventually(
        async () => (Date.now() > Math.max(...expiries) + 50 ? true : undefined),
        'every token to expire',
      );
      const responses = await Promise.all(
        ids.map((id) => small.hostpass.api(`${CREDENTIALS}${id}/access-token/`)),
      );
      expect(responses.map((response) => response.status)).toEqual(ids.map(() => 200));
    } finally {
      await small.close();
    }
  });
});

describe('when Zoom refuses or fails', () => {
  it('invalid_grant (the user revoked access) → unhealthy with a reason and a log line; no retry loop', async () => {
    const { connected, credentialId, userId } = await connectWithTtl(2);
    await world.zoom.deauthorize(connected.zoomApp.client_id, userId);
    await untilExpired(credentialId);
    const refused = await accessToken(credentialId);
    expect(refused.status).toBe(400);
    expect(refused.body.code).toBe('credential_unhealthy');
    expect(refused.body.detail).toContain('Zoom refused the refresh token (invalid_grant');
    const credential = (await world.hostpass.api(`${CREDENTIALS}${credentialId}/`)).body;
    expect(credential.status).toBe('unhealthy');
    expect(credential.status_reason).toContain(
      'To restore access, send the Zoom user a Connect link to reconnect (or POST a new authorization code to /api/v2/zoom-oauth-credentials/); the credential keeps its id.',
    );
    const logs = await world.hostpass.api(
      `/api/v2/zoom-oauth-credential-logs/?credential=${credentialId}`,
    );
    expect(
      logs.body.results.some(
        (log: { message: string; level: string }) =>
          log.level === 'error' && log.message.startsWith('Marked unhealthy'),
      ),
    ).toBe(true);

    await world.zoom.resetRequests();
    expect((await accessToken(credentialId)).status).toBe(400);
    expect(await refreshCalls()).toBe(0);
  });

  it('a lost refresh answer (Zoom rotated, the response never came) → unhealthy saying re-authorization is needed', async () => {
    const { credentialId } = await connectWithTtl(2);
    await world.zoom.addFault({
      path_pattern: '/oauth/token',
      drop_response_after_commit: true,
      times: 1,
    });
    await untilExpired(credentialId);
    const lost = await accessToken(credentialId);
    expect(lost.status).toBe(503);
    expect(lost.headers.get('retry-after')).toBeTruthy();
    // After the cooldown the next attempt uses the stored (now dead) refresh token.
    const final = await eventually(async () => {
      const response = await accessToken(credentialId);
      return response.status === 400 ? response : undefined;
    }, 'the credential to be found dead');
    expect(final.body.detail).toContain('got no answer from Zoom');
    const credential = (await world.hostpass.api(`${CREDENTIALS}${credentialId}/`)).body;
    expect(credential.status).toBe('unhealthy');
    expect(credential.status_reason).toContain('send the Zoom user a Connect link to reconnect');
    await world.zoom.resetRequests();
    expect((await accessToken(credentialId)).status).toBe(400);
    expect(await refreshCalls()).toBe(0);
  });

  it('20% of Zoom token calls failing (5xx, latency) never makes a credential unhealthy', async () => {
    const { credentialId } = await connectWithTtl(3600);
    await world.zoom.addFault({ path_pattern: '/oauth/token', status: 500, rate: 0.2 });
    await world.zoom.addFault({ path_pattern: '/oauth/token', latency_ms: 300, rate: 0.2 });
    const statuses: number[] = [];
    try {
      for (let attempt = 0; attempt < 15; attempt += 1) {
        const response = await world.hostpass.api(`${CREDENTIALS}${credentialId}/validate/`, {
          method: 'POST',
        });
        statuses.push(response.status);
        if (response.status === 200) expect(response.body.status).toBe('healthy');
      }
    } finally {
      await world.zoom.clearFaults();
    }
    expect(statuses.every((status) => status === 200 || status === 503)).toBe(true);
    expect(statuses.filter((status) => status === 200).length).toBeGreaterThan(5);
    const credential = (await world.hostpass.api(`${CREDENTIALS}${credentialId}/`)).body;
    expect(credential.status).toBe('healthy');
    expect(await tokenWorks(world, (await accessToken(credentialId)).body.token)).toBe(true);
  });

  it('validate brings a credential back once the cause is fixed (client secret corrected with PATCH)', async () => {
    const { connected, credentialId } = await connectWithTtl(3600);
    await world.hostpass.api(`/api/v2/zoom-oauth-apps/${connected.app.id}/`, {
      method: 'PATCH',
      json: { client_secret: 'wrong-secret-for-now' },
    });
    const broken = await world.hostpass.api(`${CREDENTIALS}${credentialId}/validate/`, {
      method: 'POST',
    });
    expect(broken.status).toBe(200);
    expect(broken.body.status).toBe('unhealthy');
    expect(broken.body.status_reason).toContain('invalid_client');
    expect(broken.body.status_reason).toContain(
      `PATCH /api/v2/zoom-oauth-apps/${connected.app.id}/`,
    );
    expect((await accessToken(credentialId)).status).toBe(400);

    await world.hostpass.api(`/api/v2/zoom-oauth-apps/${connected.app.id}/`, {
      method: 'PATCH',
      json: { client_secret: connected.zoomApp.client_secret },
    });
    const restored = await world.hostpass.api(`${CREDENTIALS}${credentialId}/validate/`, {
      method: 'POST',
    });
    expect(restored.body).toMatchObject({ status: 'healthy', status_reason: null });
    expect(await tokenWorks(world, (await accessToken(credentialId)).body.token)).toBe(true);
  });
});

describe('status changes that cross (validate and app_deauthorized)', () => {
  it('turns a credential healthy again only if its status did not change since validate read it', async () => {
    const { credentialId } = await connectWithTtl(3600);
    const { db } = world.hostpass.runtime;
    const credentials = credentialStoreFactory(db);
    // What validate read before asking Zoom: unhealthy, at this version.
    const read = await credentials.setStatus(credentialId, 'unhealthy', 'invalid_client', db);
    if (!read) throw new Error('the credential is gone');
    // While it waits for Zoom, the user removes the app (the deauthorization handler's change).
    await credentials.setStatus(credentialId, 'unhealthy', 'The user removed the app.', db);
    expect(await credentials.restoreHealthy(credentialId, read.status_version, db)).toBeUndefined();
    const kept = (await world.hostpass.api(`${CREDENTIALS}${credentialId}/`)).body;
    expect(kept).toMatchObject({ status: 'unhealthy', status_reason: 'The user removed the app.' });

    // With nothing in between, validate's result applies (and moves the version on).
    const current = await credentials.findById(credentialId);
    const restored = await credentials.restoreHealthy(
      credentialId,
      current?.status_version ?? -1,
      db,
    );
    expect(restored).toMatchObject({ status: 'healthy', status_reason: null });
    expect(
      await credentials.restoreHealthy(credentialId, restored?.status_version ?? -1, db),
    ).toBeUndefined();

    // A status written by code that does not know the version (an older process) counts too.
    const before = restored?.status_version ?? -1;
    await db.query(
      `UPDATE zoom_oauth_credentials SET status = 'unhealthy', status_reason = 'old process' WHERE id = $1`,
      [credentialId],
    );
    expect((await credentials.findById(credentialId))?.status_version).toBe(before + 1);
    expect(await credentials.restoreHealthy(credentialId, before, db)).toBeUndefined();
  });
});

describe('background refresh ahead of expiry', () => {
  it('keeps a short-lived token fresh without a refresh storm', async () => {
    const background = await startZoomWorld();
    try {
      const connected = await registerApp(background, 'user_level', {
        access_token_ttl_seconds: 4,
      });
      const user = await createZoomUser(background);
      const created = await connectCredential(background, connected, user.id);
      const id = created.body.id as string;
      const first = (await background.hostpass.api(`${CREDENTIALS}${id}/access-token/`)).body;
      const started = Date.now();
      // Refreshed in the background about a second before the 4-second token expires.
      const second = await eventually(async () => {
        const current = (await background.hostpass.api(`${CREDENTIALS}${id}/access-token/`)).body;
        return current.token !== first.token ? current : undefined;
      }, 'a background refresh');
      expect(Date.parse(second.expires_at)).toBeGreaterThan(Date.parse(first.expires_at));
      const third = await eventually(async () => {
        const current = (await background.hostpass.api(`${CREDENTIALS}${id}/access-token/`)).body;
        return current.token !== second.token ? current : undefined;
      }, 'a second background refresh');
      const elapsedSeconds = (Date.now() - started) / 1000;
      const requests = await background.zoom.requests();
      const refreshes = requests.by_grant_type.refresh_token ?? 0;
      // About one refresh per 3 seconds of a 4-second lifetime, never a storm.
      expect(refreshes).toBeGreaterThanOrEqual(2);
      expect(refreshes).toBeLessThanOrEqual(Math.ceil(elapsedSeconds / 2.5) + 1);
      expect(await tokenWorks(background, third.token)).toBe(true);
    } finally {
      await background.close();
    }
  });
});
