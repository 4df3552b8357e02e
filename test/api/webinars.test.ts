import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { User as EmulatorUser } from '../../emulator/model.ts';
import {
  ACCOUNT_LEVEL_SCOPES,
  ACCOUNT_LEVEL_WEBINAR_SCOPES,
  USER_LEVEL_SCOPES,
  USER_LEVEL_WEBINAR_SCOPES,
} from '../../emulator/scopes.ts';
import { request } from '../support/hostpass.ts';
import {
  type ConnectedApp,
  connectAndSync,
  eventually,
  registerApp,
  startZoomWorld,
  type ZoomWorld,
} from '../support/zoom-world.ts';

const MAPPINGS = '/api/v2/zoom-meetings-to-credentials/';
const WEBINAR_TOKEN = 'GET /v2/webinars/{webinarId}/jointoken/local_recording';
const MEETING_TOKEN = 'GET /v2/meetings/{meetingId}/jointoken/local_recording';
let world: ZoomWorld;

beforeAll(async () => {
  world = await startZoomWorld();
});
afterAll(() => world.close());

let counter = 0;

async function newHost(): Promise<EmulatorUser> {
  counter += 1;
  const account = await world.zoom.createAccount({ plan: 'business' });
  return world.zoom.createUser({
    account_id: account.id,
    email: `webinar-host${counter}-${Date.now()}@webinars.example`,
    role: 'owner',
  });
}

async function connect(
  host: EmulatorUser,
  kind: 'user_level' | 'account_level' = 'user_level',
): Promise<{ connected: ConnectedApp; credentialId: string }> {
  const connected = await registerApp(world, kind, {
    scopes:
      kind === 'user_level'
        ? [...USER_LEVEL_SCOPES, ...USER_LEVEL_WEBINAR_SCOPES]
        : [...ACCOUNT_LEVEL_SCOPES, ...ACCOUNT_LEVEL_WEBINAR_SCOPES],
  });
  return { connected, credentialId: await connectAndSync(world, connected, host.id) };
}

const mappingOf = async (id: number) =>
  (await world.hostpass.api(`${MAPPINGS}?meeting_id=${id}`)).body.results as {
    kind: string;
    source: string;
    credential: string;
    host_user_id: string;
  }[];

const mint = (json: unknown) =>
  world.hostpass.api('/api/v2/zoom-tokens/', { method: 'POST', json });

async function tokenCalls() {
  const summary = await world.zoom.requests();
  return {
    webinar: summary.by_endpoint[WEBINAR_TOKEN] ?? 0,
    meeting: summary.by_endpoint[MEETING_TOKEN] ?? 0,
  };
}

describe('webinars', () => {
  it('a sync maps webinars with kind "webinar" next to meetings; a /w/ link mints from the webinar endpoint and the bot records', async () => {
    const host = await newHost();
    const webinar = await world.zoom.createWebinar({ host_id: host.id, topic: 'Launch' });
    const meeting = await world.zoom.createMeeting({ host_id: host.id });
    const { credentialId } = await connect(host);

    expect(await mappingOf(webinar.id)).toEqual([
      expect.objectContaining({
        kind: 'webinar',
        source: 'scheduled',
        credential: credentialId,
        host_user_id: host.id,
      }),
    ]);
    expect(await mappingOf(meeting.id)).toEqual([
      expect.objectContaining({ kind: 'meeting', source: 'scheduled' }),
    ]);
    const webinarsOnly = await world.hostpass.api(
      `${MAPPINGS}?kind=webinar&credential=${credentialId}`,
    );
    expect(webinarsOnly.body.results.map((row: { meeting_id: number }) => row.meeting_id)).toEqual([
      webinar.id,
    ]);

    const before = await tokenCalls();
    const minted = await mint({
      meeting_url: `https://zoom.us/w/${webinar.id}?tk=registrant-token&pwd=${webinar.password}`,
      kinds: ['join_token'],
    });
    expect(minted.status, minted.text).toBe(200);
    expect(minted.body).toMatchObject({
      meeting_id: webinar.id,
      credential: credentialId,
      join_token: { token: expect.any(String), expires_at: expect.any(String) },
    });
    const after = await tokenCalls();
    expect(after.webinar - before.webinar).toBe(1);
    expect(after.meeting - before.meeting).toBe(0);
    const joined = await world.zoom.join(webinar.id, {
      variant: 'web',
      join_token: minted.body.join_token.token,
    });
    expect(joined).toMatchObject({ recording: 'allowed' });

    // A bare webinar id works the same: the mapping says what the id is.
    const byId = await mint({ meeting_id: webinar.id, kinds: ['join_token'] });
    expect(byId.body.join_token).toMatchObject({ token: expect.any(String) });
    expect((await tokenCalls()).webinar - after.webinar).toBe(1);
  });

  it('webinar.created maps a webinar at once, webinar.updated moves it, webinar.deleted unmaps it; token URLs mint it', async () => {
    const account = await world.zoom.createAccount({ plan: 'business' });
    const admin = await world.zoom.createUser({
      account_id: account.id,
      email: `webinar-admin-${Date.now()}@webinars.example`,
      role: 'admin',
    });
    const colleague = await world.zoom.createUser({
      account_id: account.id,
      email: `webinar-colleague-${Date.now()}@webinars.example`,
    });
    const { connected, credentialId } = await connect(admin, 'account_level');
    const app = (await world.hostpass.api(`/api/v2/zoom-oauth-apps/${connected.app.id}/`)).body;
    await world.zoom.updateApp(connected.zoomApp.id, { event_url: app.webhook_url });

    const webinar = await world.zoom.createWebinar({ host_id: admin.id });
    const mapped = await eventually(async () => {
      const rows = await mappingOf(webinar.id);
      return rows.length === 1 ? rows : undefined;
    }, 'webinar.created to map the webinar');
    expect(mapped[0]).toMatchObject({
      kind: 'webinar',
      source: 'webhook',
      credential: credentialId,
      host_user_id: admin.id,
    });

    const urls = await world.hostpass.api('/api/v2/zoom-token-urls/', {
      method: 'POST',
      json: { meeting_url: `https://zoom.us/w/${webinar.id}` },
    });
    expect(urls.status, urls.text).toBe(200);
    const fetched = await request(urls.body.join_token_url);
    expect(fetched.status, fetched.text).toBe(200);
    const joined = await world.zoom.join(webinar.id, { variant: 'web', join_token: fetched.text });
    expect(joined).toMatchObject({ recording: 'allowed' });

    await world.zoom.updateWebinar(webinar.id, { host_id: colleague.id });
    await eventually(async () => {
      const rows = await mappingOf(webinar.id);
      return rows.length === 1 && rows[0]?.host_user_id === colleague.id ? true : undefined;
    }, 'webinar.updated to move the webinar');
    expect((await mappingOf(webinar.id))[0]?.kind).toBe('webinar');

    await world.zoom.deleteWebinar(webinar.id);
    await eventually(
      async () => ((await mappingOf(webinar.id)).length === 0 ? true : undefined),
      'webinar.deleted to unmap the webinar',
    );
  });

  it('an unsynced webinar behind a /w/ link is looked up at Zoom as a webinar', async () => {
    const account = await world.zoom.createAccount({ plan: 'business' });
    const admin = await world.zoom.createUser({
      account_id: account.id,
      email: `webinar-lookup-${Date.now()}@webinars.example`,
      role: 'admin',
    });
    const { credentialId } = await connect(admin, 'account_level');
    // Created after the sync, with no event subscription: nothing has mapped it.
    const webinar = await world.zoom.createWebinar({ host_id: admin.id });
    expect(await mappingOf(webinar.id)).toEqual([]);
    const minted = await mint({
      meeting_url: `https://zoom.us/w/${webinar.id}`,
      kinds: ['join_token'],
    });
    expect(minted.status, minted.text).toBe(200);
    expect(minted.body.join_token).toMatchObject({ token: expect.any(String) });
    expect(await mappingOf(webinar.id)).toEqual([
      expect.objectContaining({ kind: 'webinar', source: 'lookup', credential: credentialId }),
    ]);
  });
});
