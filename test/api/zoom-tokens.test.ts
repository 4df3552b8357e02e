import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { User as EmulatorUser, Meeting } from '../../emulator/model.ts';
import { request } from '../support/hostpass.ts';
import {
  type ConnectedApp,
  connectCredential,
  eventually,
  registerApp,
  startSecondServer,
  startZoomWorld,
  type ZoomWorld,
} from '../support/zoom-world.ts';

const TOKENS = '/api/v2/zoom-tokens/';
let world: ZoomWorld;

beforeAll(async () => {
  // Workers off: these tests decide when tokens expire and are refreshed.
  world = await startZoomWorld({ workers: false, env: { HOSTPASS_MINT_DEADLINE_MS: '1500' } });
});
afterAll(() => world.close());

interface Host {
  connected: ConnectedApp;
  credentialId: string;
  host: EmulatorUser;
  meeting: Meeting;
}

let counter = 0;

/** A host with a waiting-room meeting, connected and mapped (sync run through the CLI's runner). */
async function connectedHost(
  kind: 'user_level' | 'account_level',
  options: { ttl?: number; thirdParty?: boolean } = {},
): Promise<Host> {
  counter += 1;
  const account = await world.zoom.createAccount({
    plan: 'pro',
    third_party_recording: options.thirdParty ?? true,
  });
  const host = await world.zoom.createUser({
    account_id: account.id,
    email: `host${counter}@tokens.example`,
    role: kind === 'account_level' ? 'admin' : 'owner',
  });
  const meeting = await world.zoom.createMeeting({ host_id: host.id, waiting_room: true });
  const connected = await registerApp(
    world,
    kind,
    options.ttl === undefined ? {} : { access_token_ttl_seconds: options.ttl },
  );
  const created = await connectCredential(world, connected, host.id);
  expect(created.status, created.text).toBe(201);
  const services = world.hostpass.runtime.services;
  const sync = await services.syncs.runningSync(created.body.id);
  if (sync) while ((await services.syncRunner.runStep(sync.id)).kind !== 'done');
  return { connected, credentialId: created.body.id, host, meeting };
}

/** The link a host shares, as Zoom formats it. */
const joinUrl = (meeting: Meeting) =>
  `https://us05web.zoom.us/j/${meeting.id}?pwd=${meeting.password}`;

const mint = (body: Record<string, unknown>) =>
  world.hostpass.api(TOKENS, { method: 'POST', json: body });

describe('POST /api/v2/zoom-tokens/', () => {
  it("mints every kind a user-level host's grant allows, from the meeting URL; the join token admits the bot with recording allowed", async () => {
    const { meeting, credentialId, host } = await connectedHost('user_level');
    const response = await mint({ meeting_url: joinUrl(meeting) });
    expect(response.status, response.text).toBe(200);
    expect(response.body).toMatchObject({
      meeting_id: Number(meeting.id),
      credential: credentialId,
      join_token: { token: expect.any(String), expires_at: expect.any(String) },
      zak: { token: expect.any(String) },
      obf: { token: expect.any(String) },
      third_party_recording_token: null,
      errors: {
        third_party_recording_token: {
          code: 'account_level_app_required',
          message: expect.any(String),
        },
      },
    });
    const joined = await world.zoom.join(meeting.id, {
      variant: 'web',
      join_token: response.body.join_token.token,
    });
    expect(joined).toMatchObject({ admitted: 'direct', recording: 'allowed' });
    // Single use: Zoom refuses the same token twice.
    expect(
      (
        await world.zoom.join(meeting.id, {
          variant: 'web',
          join_token: response.body.join_token.token,
        })
      ).admitted,
    ).toBe('refused');
    // An OBF token works while its user (the host) is in the meeting.
    await world.zoom.addParticipant(meeting.id, host.id);
    expect(
      (await world.zoom.join(meeting.id, { variant: 'web', obf: response.body.obf.token }))
        .admitted,
    ).not.toBe('refused');
  });

  it('mints a 3rd party recording token for an account-level grant, for native bots only', async () => {
    const { meeting } = await connectedHost('account_level');
    const native = await mint({
      meeting_id: Number(meeting.id),
      kinds: ['third_party_recording_token'],
      variant: 'native',
    });
    expect(native.body.third_party_recording_token).toMatchObject({ token: expect.any(String) });
    expect(native.body.errors).toEqual({});
    const joined = await world.zoom.join(meeting.id, {
      variant: 'native',
      third_party_recording_token: native.body.third_party_recording_token.token,
    });
    expect(joined.recording).toBe('allowed');

    const web = await mint({
      meeting_id: Number(meeting.id),
      kinds: ['third_party_recording_token'],
      variant: 'web',
    });
    expect(web.body.third_party_recording_token).toBeNull();
    expect(web.body.errors.third_party_recording_token.code).toBe('native_variant_required');
  });

  it('makes exactly one Zoom call per minted token, with no refresh in the steady state', async () => {
    const { meeting } = await connectedHost('user_level');
    await world.zoom.resetRequests();
    await mint({ meeting_id: Number(meeting.id), kinds: ['join_token'] });
    let requests = await world.zoom.requests();
    expect(requests.total).toBe(1);
    expect(requests.by_endpoint['GET /v2/meetings/{meetingId}/jointoken/local_recording']).toBe(1);
    await world.zoom.resetRequests();
    await mint({ meeting_id: Number(meeting.id), kinds: ['join_token', 'zak'] });
    requests = await world.zoom.requests();
    expect(requests.total).toBe(2);
  });

  it('a meeting no credential reaches → 404 no_credential_for_meeting', async () => {
    const response = await mint({ meeting_url: 'https://zoom.us/j/98765432101?pwd=abc' });
    expect(response.status).toBe(404);
    expect(response.body).toMatchObject({ code: 'no_credential_for_meeting' });
  });

  it("an unhealthy credential → each kind fails with the credential's status_reason", async () => {
    const { meeting, connected } = await connectedHost('user_level');
    await world.hostpass.api(`/api/v2/zoom-oauth-apps/${connected.app.id}/`, {
      method: 'PATCH',
      json: { client_secret: 'now-wrong-secret' },
    });
    const credentialId = (await mint({ meeting_id: Number(meeting.id), kinds: ['zak'] })).body
      .credential;
    await world.hostpass.api(`/api/v2/zoom-oauth-credentials/${credentialId}/validate/`, {
      method: 'POST',
    });
    const response = await mint({ meeting_id: Number(meeting.id), kinds: ['join_token'] });
    expect(response.status).toBe(200);
    expect(response.body.join_token).toBeNull();
    expect(response.body.errors.join_token.code).toBe('credential_unhealthy');
    expect(response.body.errors.join_token.message).toContain('invalid_client');
  });

  it('an expired access token on the path: one refresh, then the mint', async () => {
    const { meeting, credentialId } = await connectedHost('user_level', { ttl: 2 });
    const current = await world.hostpass.api(
      `/api/v2/zoom-oauth-credentials/${credentialId}/access-token/`,
    );
    await eventually(
      async () => (Date.now() > Date.parse(current.body.expires_at) + 50 ? true : undefined),
      'token expiry',
    );
    await world.zoom.resetRequests();
    const response = await mint({ meeting_id: Number(meeting.id), kinds: ['join_token'] });
    expect(response.body.join_token).not.toBeNull();
    const requests = await world.zoom.requests();
    expect(requests.by_grant_type.refresh_token).toBe(1);
    expect(requests.by_endpoint['GET /v2/meetings/{meetingId}/jointoken/local_recording']).toBe(1);
  });

  it("Zoom's 124 (it considers the token expired) → one forced refresh and one retry", async () => {
    const { meeting } = await connectedHost('user_level');
    // Zoom's clock runs ahead of Hostpass's: Zoom thinks the token expired, Hostpass does not.
    await world.zoom.advanceClock(3700);
    await world.zoom.resetRequests();
    const response = await mint({ meeting_id: Number(meeting.id), kinds: ['join_token'] });
    expect(response.body.join_token).not.toBeNull();
    const requests = await world.zoom.requests();
    expect(requests.by_grant_type.refresh_token).toBe(1);
    expect(requests.by_endpoint['GET /v2/meetings/{meetingId}/jointoken/local_recording']).toBe(2);
  });

  it('answers within the deadline when Zoom is slow', async () => {
    const { meeting } = await connectedHost('user_level');
    await world.zoom.addFault({
      path_pattern: '/v2/meetings/*/jointoken/local_recording',
      latency_ms: 4000,
      times: 1,
    });
    const started = Date.now();
    const response = await mint({ meeting_id: Number(meeting.id), kinds: ['join_token', 'zak'] });
    expect(Date.now() - started).toBeLessThan(3500);
    expect(response.body.errors.join_token.code).toBe('deadline_exceeded');
    expect(response.body.zak).not.toBeNull();
    await world.zoom.clearFaults();
  });

  it('resolves a /my/{vanity} link through the synced personal link names', async () => {
    counter += 1;
    const account = await world.zoom.createAccount({ plan: 'pro' });
    const host = await world.zoom.createUser({
      account_id: account.id,
      email: `vanity${counter}@tokens.example`,
      pmi: 4440000000 + counter,
      vanity_name: `Vanity.Host${counter}`,
    });
    const created = await connectCredential(world, await registerApp(world, 'user_level'), host.id);
    const services = world.hostpass.runtime.services;
    const sync = await services.syncs.runningSync(created.body.id);
    if (sync) while ((await services.syncRunner.runStep(sync.id)).kind !== 'done');
    const response = await mint({
      meeting_url: `https://zoom.us/my/vanity.host${counter}`,
      kinds: ['join_token'],
    });
    expect(response.status, response.text).toBe(200);
    expect(response.body.meeting_id).toBe(4440000000 + counter);
    const unknown = await mint({
      meeting_url: 'https://zoom.us/my/nobody.here',
      kinds: ['join_token'],
    });
    expect(unknown.status).toBe(404);
  });

  it('refuses junk with a reason', async () => {
    const junk = await mint({ meeting_url: 'https://example.com/j/12345678901' });
    expect(junk.status).toBe(400);
    expect(junk.body.meeting_url[0]).toBeTruthy();
    expect(
      (await mint({ meeting_url: 'https://zoom.us/j/123', meeting_id: 12345678901 })).status,
    ).toBe(400);
    expect((await mint({})).status).toBe(400);
    expect((await mint({ meeting_id: 12345678901, kinds: ['everything'] })).status).toBe(400);
  });
});

describe('token URLs for bot runtimes', () => {
  it('answer the token as text/plain, keep working with extra query parameters, and refuse tampering and expiry', async () => {
    const { meeting } = await connectedHost('user_level');
    const created = await world.hostpass.api('/api/v2/zoom-token-urls/', {
      method: 'POST',
      json: { meeting_url: joinUrl(meeting), kinds: ['join_token', 'zak'] },
    });
    expect(created.status, created.text).toBe(200);
    expect(created.body.third_party_recording_token_url).toBeNull();
    expect(created.body.obf_token_url).toBeNull();

    const fetched = await request(`${created.body.join_token_url}&bot_id=42&extra=yes`);
    expect(fetched.status).toBe(200);
    expect(fetched.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(fetched.headers.get('cache-control')).toBe('no-store');
    expect(
      (await world.zoom.join(meeting.id, { variant: 'web', join_token: fetched.text })).recording,
    ).toBe('allowed');
    expect((await request(created.body.zak_url)).status).toBe(200);

    const tampered = new URL(created.body.join_token_url);
    tampered.searchParams.set('meeting_id', '12345678901');
    expect((await request(tampered.toString())).status).toBe(403);
    const otherKind = new URL(created.body.join_token_url);
    otherKind.searchParams.set('kind', 'zak');
    expect((await request(otherKind.toString())).status).toBe(403);

    const shortLived = await world.hostpass.api('/api/v2/zoom-token-urls/', {
      method: 'POST',
      json: { meeting_id: Number(meeting.id), kinds: ['join_token'], ttl_seconds: 1 },
    });
    await eventually(
      async () => (Date.now() > Date.parse(shortLived.body.expires_at) + 50 ? true : undefined),
      'URL expiry',
    );
    const expired = await request(shortLived.body.join_token_url);
    expect(expired.status).toBe(403);
    expect(expired.body.detail).toBe('This token URL has expired.');
  });

  it('answers 404 when no token can be made', async () => {
    const created = await world.hostpass.api('/api/v2/zoom-token-urls/', {
      method: 'POST',
      json: { meeting_id: 98765432109, kinds: ['join_token'] },
    });
    const fetched = await request(created.body.join_token_url);
    expect(fetched.status).toBe(404);
    expect(fetched.text).toContain('98765432109');
  });
});

describe('token URLs: HEAD and revocation (issue 13)', () => {
  const createUrls = async (meetingId: number) => {
    const created = await world.hostpass.api('/api/v2/zoom-token-urls/', {
      method: 'POST',
      json: { meeting_id: meetingId, kinds: ['join_token', 'zak', 'obf'] },
    });
    expect(created.status, created.text).toBe(200);
    expect(created.body.id).toMatch(/^[0-9a-f-]{36}$/);
    return created.body as {
      id: string;
      join_token_url: string;
      zak_url: string;
      obf_token_url: string;
    };
  };
  const zoomCalls = async () => (await world.zoom.requests()).total;

  it('a HEAD answers 405 (Allow: GET) and makes no Zoom call; a GET mints', async () => {
    const { meeting } = await connectedHost('user_level');
    const urls = await createUrls(Number(meeting.id));
    await world.zoom.resetRequests();
    for (const url of [urls.join_token_url, urls.zak_url, urls.obf_token_url]) {
      const head = await fetch(url, { method: 'HEAD' });
      expect(head.status).toBe(405);
      expect(head.headers.get('allow')).toBe('GET');
    }
    expect(await zoomCalls()).toBe(0);
    const fetched = await request(urls.zak_url);
    expect(fetched.status).toBe(200);
    expect(await zoomCalls()).toBeGreaterThan(0);
  });

  it('DELETE revokes a set at once, on every Hostpass process, without calling Zoom', async () => {
    const { meeting } = await connectedHost('user_level');
    const urls = await createUrls(Number(meeting.id));
    const kept = await createUrls(Number(meeting.id));
    // A second process on the same PostgreSQL (an embedded store has one process).
    const second = await startSecondServer(world);
    try {
      const via = (url: string, base: string) => url.replace(world.hostpass.url, base);
      const bases = [world.hostpass.url, ...(second ? [second.url] : [])];
      for (const base of bases) expect((await request(via(urls.zak_url, base))).status).toBe(200);

      const revoked = await world.hostpass.api(`/api/v2/zoom-token-urls/${urls.id}/`, {
        method: 'DELETE',
      });
      expect(revoked.status).toBe(204);
      await world.zoom.resetRequests();
      for (const base of bases) {
        for (const url of [urls.join_token_url, urls.zak_url, urls.obf_token_url]) {
          const fetched = await request(via(url, base));
          expect(fetched.status, base).toBe(404);
          expect(fetched.body).toEqual({
            detail: 'This token URL was revoked.',
            code: 'token_url_revoked',
          });
        }
      }
      expect(await zoomCalls()).toBe(0);
      // Other sets keep working; a set is revoked once; an unknown id is not found.
      expect((await request(kept.zak_url)).status).toBe(200);
      const again = await world.hostpass.api(`/api/v2/zoom-token-urls/${urls.id}/`, {
        method: 'DELETE',
      });
      expect(again.status).toBe(404);
      const foreign = await world.hostpass.api(
        '/api/v2/zoom-token-urls/00000000-0000-4000-8000-000000000000/',
        { method: 'DELETE' },
      );
      expect(foreign.status).toBe(404);
    } finally {
      await second?.stop();
    }
  });

  it('every 404 about a meeting carries a code', async () => {
    const urls = await world.hostpass.api('/api/v2/zoom-token-urls/', {
      method: 'POST',
      json: { meeting_id: 98765432101, kinds: ['join_token'] },
    });
    const fromUrl = await request(urls.body.join_token_url);
    expect(fromUrl.status).toBe(404);
    expect(fromUrl.body).toMatchObject({ code: 'no_credential_for_meeting' });
    const unmapped = await mint({ meeting_id: 98765432101 });
    expect(unmapped.status).toBe(404);
    expect(unmapped.body).toMatchObject({ code: 'no_credential_for_meeting' });
    for (const path of ['/api/v2/zoom-tokens/', '/api/v2/zoom-token-urls/']) {
      const vanity = await world.hostpass.api(path, {
        method: 'POST',
        json: { meeting_url: 'https://zoom.us/my/nobody.at.all' },
      });
      expect(vanity.status, path).toBe(404);
      expect(vanity.body, path).toEqual({ detail: expect.any(String), code: 'meeting_not_found' });
    }
  });
});
