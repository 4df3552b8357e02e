import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { USER_LEVEL_SCOPES } from '../../emulator/scopes.ts';
import { request } from '../support/hostpass.ts';
import {
  connectCredential,
  eventually,
  REDIRECT_URI,
  registerApp,
  startZoomWorld,
  type ZoomWorld,
} from '../support/zoom-world.ts';

const TOKENS = '/api/v2/zoom-tokens/';
const MAPPINGS = '/api/v2/zoom-meetings-to-credentials/';
const GET_MEETING = 'GET /v2/meetings/{meetingId}';
const ADMIN_TOKEN = 'admin-token-for-the-lookup-tests';

let world: ZoomWorld;

beforeAll(async () => {
  world = await startZoomWorld({ env: { HOSTPASS_ADMIN_TOKEN: ADMIN_TOKEN } });
});
afterAll(() => world.close());

let counter = 0;
const email = () => {
  counter += 1;
  return `lookup${counter}-${Date.now()}@example.com`;
};

/** An account connected through an account-level grant, its first sync done. */
async function syncedAccount() {
  const account = await world.zoom.createAccount({ plan: 'pro' });
  const admin = await world.zoom.createUser({
    account_id: account.id,
    email: email(),
    role: 'admin',
  });
  const connected = await registerApp(world, 'account_level');
  const created = await connectCredential(world, connected, admin.id);
  expect(created.status, created.text).toBe(201);
  await eventually(async () => {
    const credential = await world.hostpass.api(
      `/api/v2/zoom-oauth-credentials/${created.body.id}/`,
    );
    return credential.body.meeting_sync_status === 'completed' ? true : undefined;
  }, 'the first sync');
  return { account, credentialId: created.body.id as string };
}

/** How many times Hostpass asked Zoom for one meeting ("Get a meeting"). */
async function meetingReads(meetingId: number): Promise<number> {
  const summary = await world.zoom.requests();
  return summary.recent.filter(
    (entry) => entry.method === 'GET' && entry.path === `/v2/meetings/${meetingId}`,
  ).length;
}

describe('meetings no sync has seen', () => {
  it('a meeting of a user who joined the account after the last sync is found at Zoom, minted, and mapped with source "lookup"', async () => {
    const { account, credentialId } = await syncedAccount();
    // Joined after the sync, and no webhook told Hostpass: nothing maps this meeting yet.
    const newcomer = await world.zoom.createUser({ account_id: account.id, email: email() });
    const meeting = await world.zoom.createMeeting({ host_id: newcomer.id, waiting_room: true });
    const before = await world.hostpass.api(`${MAPPINGS}?meeting_id=${meeting.id}`);
    expect(before.body.results).toEqual([]);

    const minted = await world.hostpass.api(TOKENS, {
      method: 'POST',
      json: { meeting_url: `https://zoom.us/j/${meeting.id}?pwd=${meeting.password}` },
    });
    expect(minted.status, minted.text).toBe(200);
    expect(minted.body).toMatchObject({
      meeting_id: Number(meeting.id),
      credential: credentialId,
      join_token: { token: expect.any(String) },
    });
    const joined = await world.zoom.join(meeting.id, {
      variant: 'web',
      join_token: minted.body.join_token.token,
    });
    expect(joined).toMatchObject({ admitted: 'direct', recording: 'allowed' });

    const after = await world.hostpass.api(`${MAPPINGS}?meeting_id=${meeting.id}`);
    expect(after.body.results).toEqual([
      expect.objectContaining({
        meeting_id: Number(meeting.id),
        credential: credentialId,
        host_user_id: newcomer.id,
        source: 'lookup',
      }),
    ]);
    // From now on the mapping answers: no second look-up.
    const reads = await meetingReads(Number(meeting.id));
    const again = await world.hostpass.api(TOKENS, {
      method: 'POST',
      json: { meeting_id: Number(meeting.id), kinds: ['join_token'] },
    });
    expect(again.status, again.text).toBe(200);
    expect(await meetingReads(Number(meeting.id))).toBe(reads);
  });

  it('an id Zoom does not know, asked for twice within 60 s, costs one Zoom call per account', async () => {
    await syncedAccount();
    const unknown = 89_123_456_701;
    const ask = () => world.hostpass.api(TOKENS, { method: 'POST', json: { meeting_id: unknown } });
    const first = await ask();
    expect(first.status, first.text).toBe(404);
    expect(first.body.code).toBe('no_credential_for_meeting');
    const readsAfterFirst = await meetingReads(unknown);
    // Each account-level grant of the workspace asked once (this test's, and earlier tests').
    const grants = await world.hostpass.api('/api/v2/zoom-oauth-credentials/?page_size=200');
    const accounts = grants.body.results.filter(
      (credential: { account_id: string | null }) => credential.account_id !== null,
    ).length;
    expect(accounts).toBeGreaterThanOrEqual(1);
    expect(readsAfterFirst).toBe(accounts);
    const second = await ask();
    expect(second.status).toBe(404);
    expect(await meetingReads(unknown)).toBe(readsAfterFirst);
    // A burst of retries at once still asks Zoom nothing more.
    await Promise.all(Array.from({ length: 5 }, ask));
    expect(await meetingReads(unknown)).toBe(readsAfterFirst);
  });

  it('a workspace with user-level grants only never looks meetings up, nor sees other workspaces', async () => {
    const created = await request(`${world.hostpass.url}/admin/workspaces`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      json: { name: 'user-level only' },
    });
    expect(created.status, created.text).toBe(201);
    const key = created.body.api_key.key as string;
    const api = (path: string, json?: unknown) =>
      request(`${world.hostpass.url}${path}`, {
        ...(json !== undefined && { method: 'POST', json }),
        headers: { authorization: `Token ${key}` },
      });
    const zoomApp = await world.zoom.createApp({
      kind: 'user_level',
      redirect_uris: [REDIRECT_URI],
      scopes: [...USER_LEVEL_SCOPES],
    });
    const app = await api('/api/v2/zoom-oauth-apps/', {
      kind: 'user_level',
      client_id: zoomApp.client_id,
      client_secret: zoomApp.client_secret,
      webhook_secret: zoomApp.webhook_secret,
    });
    expect(app.status, app.text).toBe(201);
    const account = await world.zoom.createAccount({ plan: 'pro' });
    const user = await world.zoom.createUser({ account_id: account.id, email: email() });
    const { code } = await world.zoom.authorize({
      client_id: zoomApp.client_id,
      user_id: user.id,
      redirect_uri: REDIRECT_URI,
    });
    const credential = await api('/api/v2/zoom-oauth-credentials/', {
      oauth_app: app.body.id,
      authorization_code: { code, redirect_uri: REDIRECT_URI },
    });
    expect(credential.status, credential.text).toBe(201);

    // A meeting of another workspace's account-level grant, unsynced: this workspace cannot use it.
    const { account: otherAccount } = await syncedAccount();
    const stranger = await world.zoom.createUser({ account_id: otherAccount.id, email: email() });
    const meeting = await world.zoom.createMeeting({ host_id: stranger.id });
    const before = (await world.zoom.requests()).by_endpoint[GET_MEETING] ?? 0;
    const minted = await api(TOKENS, { meeting_id: Number(meeting.id) });
    expect(minted.status, minted.text).toBe(404);
    expect(minted.body.code).toBe('no_credential_for_meeting');
    expect((await world.zoom.requests()).by_endpoint[GET_MEETING] ?? 0).toBe(before);
  });
});
