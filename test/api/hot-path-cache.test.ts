import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Meeting } from '../../emulator/model.ts';
import { request } from '../support/hostpass.ts';
import {
  type ConnectedApp,
  connectAndSync,
  connectCredential,
  eventually,
  registerApp,
  startZoomWorld,
  type ZoomWorld,
} from '../support/zoom-world.ts';

/**
 * The token path answers from memory on the embedded store (src/hot-path/): the API key, a token
 * URL's liveness, the meeting's credential and its access token. Each test first makes Hostpass
 * remember an answer, then changes what it was based on through the API or at Zoom, and checks
 * that the next answer follows the change at once (no waiting, no TTL).
 */
const TOKENS = '/api/v2/zoom-tokens/';
const CREDENTIALS = '/api/v2/zoom-oauth-credentials/';
const MAPPINGS = '/api/v2/zoom-meetings-to-credentials/';
const JOINTOKEN = 'GET /v2/meetings/{meetingId}/jointoken/local_recording';

let world: ZoomWorld;

beforeAll(async () => {
  world = await startZoomWorld();
});
afterAll(() => world.close());

let counter = 0;

interface Host {
  connected: ConnectedApp;
  credentialId: string;
  userId: string;
  accountId: string;
  meeting: Meeting;
}

/** A user-level host with a meeting, connected, its meetings synced. */
async function syncedHost(options: { published?: boolean; accountId?: string } = {}) {
  counter += 1;
  const accountId = options.accountId ?? (await world.zoom.createAccount({ plan: 'pro' })).id;
  const user = await world.zoom.createUser({
    account_id: accountId,
    email: `hot${counter}-${Date.now()}@cache.example`,
  });
  const meeting = await world.zoom.createMeeting({ host_id: user.id, waiting_room: true });
  const connected = await registerApp(world, 'user_level', {
    ...(options.published !== undefined && { published: options.published }),
  });
  if (options.published) {
    const app = (await world.hostpass.api(`/api/v2/zoom-oauth-apps/${connected.app.id}/`)).body;
    await world.zoom.updateApp(connected.zoomApp.id, { event_url: app.webhook_url });
  }
  const credentialId = await connectAndSync(world, connected, user.id);
  return { connected, credentialId, userId: user.id, accountId, meeting } satisfies Host;
}

const mint = (meeting: Meeting) =>
  world.hostpass.api(TOKENS, {
    method: 'POST',
    json: { meeting_id: Number(meeting.id), kinds: ['join_token'] },
  });

/** Mints twice: the second answer comes from what the first one left in memory. */
async function mintedTwice(host: Host) {
  for (let attempt = 0; attempt < 2; attempt += 1) {
    const minted = await mint(host.meeting);
    expect(minted.status, minted.text).toBe(200);
    expect(minted.body.credential).toBe(host.credentialId);
  }
}

async function jointokenCalls(): Promise<number> {
  return (await world.zoom.requests()).by_endpoint[JOINTOKEN] ?? 0;
}

describe('the token path answers from memory, and follows every change at once', () => {
  it('an API key deleted after use is refused on its next request', async () => {
    const created = await world.hostpass.api('/api/v2/api-keys/', {
      method: 'POST',
      json: { name: 'short-lived' },
    });
    expect(created.status, created.text).toBe(201);
    const asKey = () =>
      request(`${world.hostpass.url}${CREDENTIALS}`, {
        headers: { authorization: `Token ${created.body.key}` },
      });
    expect((await asKey()).status).toBe(200);
    expect((await asKey()).status).toBe(200);
    const deleted = await world.hostpass.api(`/api/v2/api-keys/${created.body.id}/`, {
      method: 'DELETE',
    });
    expect(deleted.status, deleted.text).toBe(204);
    expect((await asKey()).status).toBe(401);
  });

  it('a token URL set revoked after use answers 404 token_url_revoked on its next GET', async () => {
    const host = await syncedHost();
    const created = await world.hostpass.api('/api/v2/zoom-token-urls/', {
      method: 'POST',
      json: { meeting_id: Number(host.meeting.id), kinds: ['join_token', 'zak'] },
    });
    expect(created.status, created.text).toBe(200);
    for (let attempt = 0; attempt < 2; attempt += 1)
      expect((await request(created.body.join_token_url)).status).toBe(200);
    const revoked = await world.hostpass.api(`/api/v2/zoom-token-urls/${created.body.id}/`, {
      method: 'DELETE',
    });
    expect(revoked.status).toBe(204);
    for (const url of [created.body.join_token_url, created.body.zak_url]) {
      const fetched = await request(url);
      expect(fetched.status, fetched.text).toBe(404);
      expect(fetched.body.code).toBe('token_url_revoked');
    }
  });

  it('a deleted credential mints nothing more for its meetings', async () => {
    const host = await syncedHost();
    await mintedTwice(host);
    const deleted = await world.hostpass.api(`${CREDENTIALS}${host.credentialId}/`, {
      method: 'DELETE',
    });
    expect(deleted.status, deleted.text).toBe(204);
    await world.zoom.resetRequests();
    const minted = await mint(host.meeting);
    expect(minted.status, minted.text).toBe(404);
    expect(minted.body.code).toBe('no_credential_for_meeting');
    expect(await jointokenCalls()).toBe(0);
  });

  it("a deleted app takes its credentials' mints with it (a cascade no statement names)", async () => {
    const host = await syncedHost();
    await mintedTwice(host);
    const deleted = await world.hostpass.api(`/api/v2/zoom-oauth-apps/${host.connected.app.id}/`, {
      method: 'DELETE',
    });
    expect(deleted.status, deleted.text).toBe(204);
    await world.zoom.resetRequests();
    const minted = await mint(host.meeting);
    expect(minted.status, minted.text).toBe(404);
    expect(await jointokenCalls()).toBe(0);
  });

  it('a credential made unhealthy (the user removed the app) is not used: no call at Zoom with its old token', async () => {
    const host = await syncedHost({ published: true });
    await mintedTwice(host);
    await world.zoom.deauthorize(host.connected.zoomApp.client_id, host.userId);
    await eventually(async () => {
      const credential = (await world.hostpass.api(`${CREDENTIALS}${host.credentialId}/`)).body;
      return credential.status === 'unhealthy' ? true : undefined;
    }, 'the deauthorization to be applied');
    await world.zoom.resetRequests();
    const minted = await mint(host.meeting);
    expect(minted.body.join_token ?? null).toBeNull();
    expect(JSON.stringify(minted.body)).toMatch(/credential_unhealthy|no_credential_for_meeting/);
    expect(await jointokenCalls()).toBe(0);
  });

  it('a re-authorized credential mints with its new grant: one Zoom call, not a rejected one first', async () => {
    const host = await syncedHost();
    await mintedTwice(host);
    // The user consents again: Zoom ends the old grant and its access token. The hosted API's
    // answer is its 400 conflict, saying the existing credential took the new grant.
    const again = await connectCredential(world, host.connected, host.userId);
    expect(again.body, again.text).toMatchObject({
      reauthorized: true,
      existing_credential_id: host.credentialId,
    });
    await world.zoom.resetRequests();
    const minted = await mint(host.meeting);
    expect(minted.status, minted.text).toBe(200);
    expect(minted.body.join_token).toMatchObject({ token: expect.any(String) });
    const summary = await world.zoom.requests();
    expect(summary.by_endpoint[JOINTOKEN]).toBe(1);
    expect(summary.by_status['401'] ?? 0).toBe(0);
  });

  it('a meeting given to another host mints with the new host’s credential once Hostpass knows', async () => {
    const first = await syncedHost();
    const second = await syncedHost({ accountId: first.accountId });
    await mintedTwice(first);
    await world.zoom.updateMeeting(first.meeting.id, { host_id: second.userId });
    for (const credentialId of [second.credentialId, first.credentialId]) {
      const started = await world.hostpass.api(`${CREDENTIALS}${credentialId}/sync-meetings/`, {
        method: 'POST',
      });
      expect(started.status, started.text).toBeLessThan(300);
    }
    await eventually(async () => {
      const mapped = (await world.hostpass.api(`${MAPPINGS}?meeting_id=${first.meeting.id}`)).body
        .results as Array<{ credential: string }>;
      return mapped.length === 1 && mapped[0]?.credential === second.credentialId
        ? true
        : undefined;
    }, 'the meeting to map to its new host only');
    const minted = await mint(first.meeting);
    expect(minted.status, minted.text).toBe(200);
    expect(minted.body.credential).toBe(second.credentialId);
  });

  it('a deleted meeting stops minting once the sync removed it', async () => {
    const host = await syncedHost();
    await mintedTwice(host);
    await world.zoom.deleteMeeting(host.meeting.id);
    const started = await world.hostpass.api(`${CREDENTIALS}${host.credentialId}/sync-meetings/`, {
      method: 'POST',
    });
    expect(started.status, started.text).toBeLessThan(300);
    await eventually(async () => {
      const mapped = (await world.hostpass.api(`${MAPPINGS}?meeting_id=${host.meeting.id}`)).body
        .results as unknown[];
      return mapped.length === 0 ? true : undefined;
    }, 'the sync to remove the meeting');
    await world.zoom.resetRequests();
    const minted = await mint(host.meeting);
    expect(minted.status, minted.text).toBe(404);
    expect(await jointokenCalls()).toBe(0);
  });
});
