// Issue #11 part 1: a Zoom user (account) who authorizes the app again heals the credential they
// already have — same id, the new grant adopted, healthy, meetings synced again — whether the
// authorization comes through the API or the hosted Connect flow.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zoomSignature } from '../../emulator/index.ts';
import { consent, newBrowser } from '../support/connect-browser.ts';
import { request } from '../support/hostpass.ts';
import {
  authorizationCode,
  type ConnectedApp,
  connectCredential,
  createZoomUser,
  eventually,
  holdNextTokenRequest,
  postAuthorizationCode,
  REDIRECT_URI,
  registerApp,
  startZoomWorld,
  tokenWorks,
  type ZoomWorld,
} from '../support/zoom-world.ts';

const CREDENTIALS = '/api/v2/zoom-oauth-credentials/';
const RETURN_URL = 'https://customer.example/zoom/connected';
type Kind = 'user_level' | 'account_level';
let world: ZoomWorld;

beforeAll(async () => {
  world = await startZoomWorld();
});
afterAll(() => world.close());

/** A published app (so Zoom sends app_deauthorized) whose events reach Hostpass, Connect-ready. */
async function publishedApp(kind: Kind, overrides: { scopes?: string[] } = {}) {
  const connected = await registerApp(world, kind, { published: true, ...overrides });
  const app = (await world.hostpass.api(`/api/v2/zoom-oauth-apps/${connected.app.id}/`)).body;
  await world.zoom.updateApp(connected.zoomApp.id, {
    event_url: app.webhook_url,
    redirect_uris: [REDIRECT_URI, `${world.hostpass.url}/oauth/zoom/callback`],
  });
  return connected;
}

const credential = async (id: string) => (await world.hostpass.api(`${CREDENTIALS}${id}/`)).body;

async function workingToken(id: string): Promise<boolean> {
  const token = await world.hostpass.api(`${CREDENTIALS}${id}/access-token/`);
  return token.status === 200 && (await tokenWorks(world, token.body.token));
}

async function mappedMeetings(id: string): Promise<number[]> {
  const page = await world.hostpass.api(
    `/api/v2/zoom-meetings-to-credentials/?credential=${id}&page_size=200`,
  );
  return page.body.results.map((item: { meeting_id: number }) => item.meeting_id);
}

async function logMessages(id: string): Promise<string[]> {
  const logs = await world.hostpass.api(
    `/api/v2/zoom-oauth-credential-logs/?credential=${id}&ordering=created_at&page_size=100`,
  );
  return logs.body.results.map((log: { message: string }) => log.message);
}

const untilSyncedWith = (id: string, meetingId: number) =>
  eventually(async () => {
    const current = await credential(id);
    return current.meeting_sync_status === 'completed' &&
      (await mappedMeetings(id)).includes(meetingId)
      ? current
      : undefined;
  }, `meeting ${meetingId} to be synced for ${id}`);

/** Unhealthy once Zoom's app_deauthorized is applied (a sync may notice the dead grant first). */
const untilDeauthorized = (id: string) =>
  eventually(async () => {
    const applied = (await logMessages(id)).some((message) =>
      message.startsWith("Deleted the credential's tokens and meeting data"),
    );
    const current = await credential(id);
    return applied && current.status === 'unhealthy' ? current : undefined;
  }, 'the deauthorization to be applied');

/** The two ways a Zoom user authorizes again; each answers with the credential id it names. */
const reconnect = {
  async api(connected: ConnectedApp, userId: string) {
    const response = await connectCredential(world, connected, userId);
    expect(response.status, response.text).toBe(400);
    expect(response.body).toMatchObject({
      detail: expect.stringMatching(/^A Zoom OAuth Credential already exists for this OAuth App/),
      reauthorized: true,
    });
    return response.body.existing_credential_id as string;
  },
  async connect(connected: ConnectedApp, userId: string) {
    const link = await world.hostpass.api('/api/v2/zoom-connect-links/', {
      method: 'POST',
      json: { oauth_app: connected.app.id, return_url: RETURN_URL },
    });
    const browser = newBrowser();
    const authorize = await browser.openLink(link.body.url);
    const { location } = await browser.followCallback(
      await consent(world.emulator.url, authorize, userId),
    );
    expect(location?.origin + (location?.pathname ?? '')).toBe(RETURN_URL);
    expect(location?.searchParams.get('error'), location?.toString()).toBeNull();
    expect(location?.searchParams.get('reconnected')).toBe('true');
    expect(location?.searchParams.get('connect_link_id')).toBe(link.body.id);
    const stored = await world.hostpass.api(`/api/v2/zoom-connect-links/${link.body.id}/`);
    expect(stored.body.used_at).not.toBeNull();
    return location?.searchParams.get('credential_id') as string;
  },
};

describe('re-authorization after deauthorization heals the credential', () => {
  for (const kind of ['user_level', 'account_level'] as const) {
    for (const path of ['api', 'connect'] as const) {
      it(`${kind} app, through the ${path === 'api' ? 'API' : 'Connect flow'}`, async () => {
        const connected = await publishedApp(kind);
        const user = await createZoomUser(world, kind === 'account_level' ? 'admin' : 'owner');
        const meeting = Number((await world.zoom.createMeeting({ host_id: user.id })).id);
        const created = await connectCredential(world, connected, user.id);
        expect(created.status, created.text).toBe(201);
        const id = created.body.id as string;
        await untilSyncedWith(id, meeting);

        await world.zoom.deauthorize(connected.zoomApp.client_id, user.id);
        const unhealthy = await untilDeauthorized(id);
        expect(unhealthy.status).toBe('unhealthy');
        expect(unhealthy.status_reason).toContain('Connect link to reconnect');
        expect(unhealthy.status_reason).toContain('the credential keeps its id');
        expect(await mappedMeetings(id)).toEqual([]);
        expect(await workingToken(id)).toBe(false);

        expect(await reconnect[path](connected, user.id)).toBe(id);
        expect(await credential(id)).toMatchObject({
          id,
          status: 'healthy',
          status_reason: null,
          scopes: expect.arrayContaining([...connected.zoomApp.scopes]),
        });
        expect(await workingToken(id)).toBe(true);
        // The deauthorization deleted the meeting data; a full resync brings it back.
        await untilSyncedWith(id, meeting);
        const holder =
          kind === 'user_level' ? `Zoom user ${user.id}` : `Zoom account ${user.account_id}`;
        // One log line says what happened; the resync after it completed.
        await eventually(async () => {
          const messages = await logMessages(id);
          const healed = messages.filter((message) =>
            message.startsWith(`Re-authorized by ${holder}: the credential adopted the new grant`),
          );
          const after = messages.slice(messages.indexOf(healed[0] ?? '') + 1);
          return healed.length === 1 &&
            after.some((message) => message.startsWith('Meeting sync completed'))
            ? true
            : undefined;
        }, 'a log line for the re-authorization, then one for the completed resync');
        const listed = await world.hostpass.api(`${CREDENTIALS}?oauth_app=${connected.app.id}`);
        expect(listed.body.results.map((item: { id: string }) => item.id)).toEqual([id]);
      });
    }
  }
});

describe('re-authorization of a healthy credential', () => {
  it('adopts the new grant (Zoom ended the old one) with the scopes the user just granted', async () => {
    const connected = await registerApp(world, 'user_level', {
      scopes: [
        'user:read:user',
        'meeting:read:list_meetings',
        'meeting:read:local_recording_token',
      ],
    });
    const user = await createZoomUser(world);
    const id = (await connectCredential(world, connected, user.id)).body.id as string;
    const oldToken = (await world.hostpass.api(`${CREDENTIALS}${id}/access-token/`)).body.token;
    // The app asks for one more scope; the user consents again.
    await world.zoom.updateApp(connected.zoomApp.id, {
      scopes: [...connected.zoomApp.scopes, 'user:read:zak'],
    });
    expect(await reconnect.api(connected, user.id)).toBe(id);
    expect(await tokenWorks(world, oldToken)).toBe(false);
    expect((await credential(id)).scopes).toContain('user:read:zak');
    expect(await workingToken(id)).toBe(true);
  });

  it('a refresh of the old grant racing with the re-authorization does not undo it', async () => {
    // Two-second tokens: the background refresh runs every 1.5 s.
    const connected = await registerApp(world, 'user_level', { access_token_ttl_seconds: 2 });
    const user = await createZoomUser(world);
    const id = (await connectCredential(world, connected, user.id)).body.id as string;
    // Hold the next refresh at Zoom, then authorize again while it waits there: it reaches Zoom
    // after the old grant has ended.
    await (await holdNextTokenRequest(world, 5000)).held();
    expect(await reconnect.api(connected, user.id)).toBe(id);
    // The held refresh failed (its grant had ended) before the new grant was adopted, not after.
    const messages = await logMessages(id);
    const marked = messages.findIndex((message) =>
      message.startsWith('Marked unhealthy: Zoom refused the refresh token (invalid_grant'),
    );
    expect(marked).toBeGreaterThanOrEqual(0);
    expect(messages.findLastIndex((message) => message.startsWith('Re-authorized by'))).toBe(
      marked + 1,
    );
    await world.zoom.resetRequests();
    // Several refresh cycles of the new grant later, it is still the one in use.
    await eventually(
      async () =>
        ((await world.zoom.requests()).by_grant_type.refresh_token ?? 0) >= 2 ? true : undefined,
      'the new grant to be refreshed twice',
    );
    expect(await credential(id)).toMatchObject({ status: 'healthy', status_reason: null });
    expect(await workingToken(id)).toBe(true);
  });
});

describe('racing re-authorizations', () => {
  it('end with one healthy credential holding the newest grant (API)', async () => {
    const connected = await publishedApp('user_level');
    const user = await createZoomUser(world);
    const id = (await connectCredential(world, connected, user.id)).body.id as string;
    for (const round of [1, 2, 3]) {
      await world.zoom.deauthorize(connected.zoomApp.client_id, user.id);
      await eventually(
        async () => ((await credential(id)).status === 'unhealthy' ? true : undefined),
        `round ${round}: the deauthorization`,
      );
      const codes = await Promise.all(
        [1, 2].map(() => authorizationCode(world, connected.zoomApp, user.id)),
      );
      const answers = await Promise.all(
        codes.map((code) => postAuthorizationCode(world, connected, code)),
      );
      // Zoom keeps only the grant exchanged last; the other may already be dead when read.
      for (const answer of answers) expect(answer.status, answer.text).toBe(400);
      expect(await credential(id)).toMatchObject({ status: 'healthy', status_reason: null });
      // Only the newest grant still works at Zoom: the credential holds that one.
      expect(await workingToken(id), `round ${round}`).toBe(true);
      const listed = await world.hostpass.api(`${CREDENTIALS}?oauth_app=${connected.app.id}`);
      expect(listed.body.results).toHaveLength(1);
    }
  });

  it('end with one healthy credential holding the newest grant (two Connect links at once)', async () => {
    const connected = await publishedApp('user_level');
    const user = await createZoomUser(world);
    const id = (await connectCredential(world, connected, user.id)).body.id as string;
    await world.zoom.deauthorize(connected.zoomApp.client_id, user.id);
    await untilDeauthorized(id);
    const callbacks = await Promise.all(
      [1, 2].map(async () => {
        const link = await world.hostpass.api('/api/v2/zoom-connect-links/', {
          method: 'POST',
          json: { oauth_app: connected.app.id, return_url: RETURN_URL },
        });
        const browser = newBrowser();
        const callback = await consent(
          world.emulator.url,
          await browser.openLink(link.body.url),
          user.id,
        );
        return { browser, callback };
      }),
    );
    const landed = await Promise.all(
      callbacks.map(({ browser, callback }) => browser.followCallback(callback)),
    );
    expect(landed.some((answer) => answer.location?.searchParams.get('credential_id') === id)).toBe(
      true,
    );
    expect(await credential(id)).toMatchObject({ status: 'healthy' });
    expect(await workingToken(id)).toBe(true);
    const listed = await world.hostpass.api(`${CREDENTIALS}?oauth_app=${connected.app.id}`);
    expect(listed.body.results).toHaveLength(1);
  });
});

describe('a deauthorization that arrives after the re-authorization', () => {
  it('is about the replaced grant: ignored, with a log line', async () => {
    const connected = await publishedApp('user_level');
    const user = await createZoomUser(world);
    const id = (await connectCredential(world, connected, user.id)).body.id as string;
    const before = new Date(Date.now() - 1000).toISOString();
    expect(await reconnect.api(connected, user.id)).toBe(id);

    // Zoom's event about the earlier grant, delayed (retried) past the re-authorization.
    const body = JSON.stringify({
      event: 'app_deauthorized',
      event_ts: Date.now(),
      payload: {
        account_id: user.account_id,
        user_id: user.id,
        signature: 'not-checked',
        deauthorization_time: before,
        client_id: connected.zoomApp.client_id,
        user_data_retention: 'false',
      },
    });
    const timestamp = String(Math.floor(Date.now() / 1000));
    const app = (await world.hostpass.api(`/api/v2/zoom-oauth-apps/${connected.app.id}/`)).body;
    const delivered = await request(app.webhook_url, {
      method: 'POST',
      body,
      headers: {
        'content-type': 'application/json',
        'x-zm-request-timestamp': timestamp,
        'x-zm-signature': zoomSignature(connected.zoomApp.webhook_secret, timestamp, body),
      },
    });
    expect(delivered.status).toBe(200);
    await eventually(
      async () =>
        (await logMessages(id)).includes(
          `Ignored a deauthorization from ${before}: it is about an earlier grant; the credential holds a newer one, which Zoom still accepts.`,
        )
          ? true
          : undefined,
      'the late deauthorization to be processed',
    );
    expect(await credential(id)).toMatchObject({ status: 'healthy', status_reason: null });
    expect(await workingToken(id)).toBe(true);
  });
});
