import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { User as EmulatorUser, Meeting } from '../../emulator/model.ts';
import { callZoomTokensUrl, type ZoomTokensPayload } from '../support/attendee.ts';
import { runCli } from '../support/cli.ts';
import { createTestStorage } from '../support/engine.ts';
import { request, startTestHostpass } from '../support/hostpass.ts';
import {
  type ConnectedApp,
  connectCredential,
  eventually,
  registerApp,
  startZoomWorld,
  type ZoomWorld,
} from '../support/zoom-world.ts';

const INTEGRATIONS = '/api/v2/integrations/attendee/';
const NO_TOKENS = {
  zak_token: null,
  join_token: null,
  app_privilege_token: null,
  onbehalf_token: null,
};

let world: ZoomWorld;

beforeAll(async () => {
  // Workers off: each test runs the syncs it needs itself.
  world = await startZoomWorld({ workers: false });
});
afterAll(() => world.close());

/** A new Attendee project's webhook secret, as Attendee's dashboard shows it. */
const attendeeSecret = () => randomBytes(32).toString('base64');

async function createIntegration(body: Record<string, unknown> = {}) {
  const secret = attendeeSecret();
  const created = await world.hostpass.api(INTEGRATIONS, {
    method: 'POST',
    json: { signing_secret: secret, ...body },
  });
  expect(created.status, created.text).toBe(201);
  return { secret, integration: created.body, url: created.body.zoom_tokens_url as string };
}

/** A new integration, called once by Attendee for `meeting` with the bot's `metadata`. */
async function askOnce(
  meeting: Pick<Meeting, 'id' | 'password'>,
  metadata?: Record<string, unknown> | null,
  integration: Record<string, unknown> = {},
) {
  const { secret, url } = await createIntegration(integration);
  return callZoomTokensUrl(url, secret, payload(meeting, metadata));
}

let counter = 0;

interface Host {
  connected: ConnectedApp;
  credentialId: string;
  host: EmulatorUser;
  meeting: Meeting;
  accountId: string;
}

/** A host with a waiting-room meeting, connected and synced. */
async function connectedHost(kind: 'user_level' | 'account_level'): Promise<Host> {
  counter += 1;
  const account = await world.zoom.createAccount({ plan: 'pro' });
  const host = await world.zoom.createUser({
    account_id: account.id,
    email: `attendee-host${counter}-${Date.now()}@example.com`,
    role: kind === 'account_level' ? 'admin' : 'owner',
  });
  const meeting = await world.zoom.createMeeting({ host_id: host.id, waiting_room: true });
  const connected = await registerApp(world, kind);
  const created = await connectCredential(world, connected, host.id);
  expect(created.status, created.text).toBe(201);
  const services = world.hostpass.runtime.services;
  const sync = await services.syncs.runningSync(created.body.id);
  if (sync) while ((await services.syncRunner.runStep(sync.id)).kind !== 'done');
  return { connected, credentialId: created.body.id, host, meeting, accountId: account.id };
}

const payload = (
  meeting: Pick<Meeting, 'id' | 'password'>,
  metadata: Record<string, unknown> | null = { customer: 'acme' },
): ZoomTokensPayload => ({
  bot_id: `bot_${randomBytes(8).toString('hex')}`,
  bot_metadata: metadata,
  callback_type: 'zoom_tokens',
  meeting_url: `https://us05web.zoom.us/j/${meeting.id}?pwd=${meeting.password}`,
});

describe('Attendee integrations (API)', () => {
  it('creates an integration: the secret sealed and masked, an unguessable zoom_tokens_url', async () => {
    const secret = attendeeSecret();
    const created = await world.hostpass.api(INTEGRATIONS, {
      method: 'POST',
      json: { signing_secret: secret },
    });
    expect(created.status, created.text).toBe(201);
    expect(created.body).toEqual({
      id: expect.any(String),
      signing_secret: `****${secret.slice(-4)}`,
      obf_user_metadata_key: 'zoom_user_id',
      zak_user_metadata_key: 'zak_zoom_user_id',
      accept_legacy_signatures: true,
      zoom_tokens_url: expect.stringMatching(
        new RegExp(
          `^${world.hostpass.url}/api/v2/integrations/attendee/${created.body.id}/zoom-tokens/\\?key=[\\w-]{32}$`,
        ),
      ),
      created_at: expect.any(String),
    });
    expect(created.text).not.toContain(secret);
    const another = await createIntegration();
    expect(another.url).not.toBe(created.body.zoom_tokens_url);

    const read = await world.hostpass.api(`${INTEGRATIONS}${created.body.id}/`);
    expect(read.body).toEqual(created.body);
    // At rest: sealed, never the secret itself.
    const stored = await world.hostpass.runtime.db.query<{ signing_secret_sealed: string }>(
      'SELECT signing_secret_sealed FROM attendee_integrations WHERE id = $1',
      [created.body.id],
    );
    expect(stored.rows[0]?.signing_secret_sealed).toMatch(/^v1:/);
    expect(stored.rows[0]?.signing_secret_sealed).not.toContain(secret);
  });

  it('lists with cursor pagination, and deleting one turns its URL into a 404', async () => {
    const made = [await createIntegration(), await createIntegration(), await createIntegration()];
    const ids: string[] = [];
    let path: string | null = `${INTEGRATIONS}?page_size=2`;
    while (path) {
      const page = await world.hostpass.api(path);
      expect(page.status, page.text).toBe(200);
      expect(page.body.results.length).toBeLessThanOrEqual(2);
      ids.push(...page.body.results.map((item: { id: string }) => item.id));
      path = page.body.next ? String(page.body.next).slice(world.hostpass.url.length) : null;
    }
    for (const { integration } of made) expect(ids).toContain(integration.id);
    expect(new Set(ids).size).toBe(ids.length);

    const [first] = made;
    if (!first) throw new Error('no integration');
    const removed = await world.hostpass.api(`${INTEGRATIONS}${first.integration.id}/`, {
      method: 'DELETE',
    });
    expect(removed.status).toBe(204);
    expect((await world.hostpass.api(`${INTEGRATIONS}${first.integration.id}/`)).status).toBe(404);
    const gone = await callZoomTokensUrl(
      first.url,
      first.secret,
      payload({ id: 85012345678, password: 'x' }),
    );
    expect(gone.status).toBe(404);
  });

  it('refuses bad input with field errors, and the API documents every route', async () => {
    for (const [body, field] of [
      [{ signing_secret: 'not-the-base64-secret!' }, 'signing_secret'],
      [{ signing_secret: Buffer.from('short').toString('base64') }, 'signing_secret'],
      [{}, 'signing_secret'],
      [{ signing_secret: attendeeSecret(), obf_user_metadata_key: '' }, 'obf_user_metadata_key'],
      [
        { signing_secret: attendeeSecret(), accept_legacy_signatures: 'maybe' },
        'accept_legacy_signatures',
      ],
      [{ signing_secret: attendeeSecret(), color: 'blue' }, 'color'],
    ] as const) {
      const response = await world.hostpass.api(INTEGRATIONS, { method: 'POST', json: body });
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(Object.keys(response.body)).toContain(field);
    }
    expect((await world.hostpass.api(`${INTEGRATIONS}not-a-uuid/`)).status).toBe(404);
    const anonymous = await request(`${world.hostpass.url}${INTEGRATIONS}`);
    expect(anonymous.status).toBe(401);

    const openapi = (await request(`${world.hostpass.url}/openapi.json`)).body;
    expect(Object.keys(openapi.paths)).toEqual(
      expect.arrayContaining([
        '/api/v2/integrations/attendee/',
        '/api/v2/integrations/attendee/{id}/',
        '/api/v2/integrations/attendee/{id}/zoom-tokens/',
      ]),
    );
    const callback = openapi.paths['/api/v2/integrations/attendee/{id}/zoom-tokens/'].post;
    expect(
      Object.keys(callback.responses['200'].content['application/json'].schema.properties),
    ).toEqual(['zak_token', 'join_token', 'app_privilege_token', 'onbehalf_token']);
  });
});

describe("Attendee's zoom_tokens callback", () => {
  it("answers a validly signed call with the host's local-recording token as app_privilege_token; the bot records without asking", async () => {
    const { meeting } = await connectedHost('user_level');
    const { secret, url } = await createIntegration();
    await world.zoom.resetRequests();
    const response = await callZoomTokensUrl(url, secret, payload(meeting));
    expect(response.status, response.text).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/json');
    expect(response.body).toEqual({
      ...NO_TOKENS,
      app_privilege_token: expect.any(String),
    });
    // One Zoom call: the token itself.
    expect((await world.zoom.requests()).total).toBe(1);
    const joined = await world.zoom.join(meeting.id, {
      variant: 'web',
      join_token: response.body.app_privilege_token,
    });
    expect(joined).toMatchObject({ admitted: 'direct', recording: 'allowed' });
  });

  it('refuses forged, altered and unsigned calls (401), and a wrong URL key (404)', async () => {
    const { meeting } = await connectedHost('user_level');
    const { secret, url } = await createIntegration();
    const forged = await callZoomTokensUrl(url, attendeeSecret(), payload(meeting));
    expect(forged.status).toBe(401);
    expect(forged.body.detail).toContain('X-Webhook-Signature');
    expect(forged.text).not.toContain('token"');

    const body = JSON.stringify(payload(meeting));
    const timestamp = String(Math.floor(Date.now() / 1000));
    const signedElsewhere = await callZoomTokensUrl(url, secret, payload(meeting));
    expect(signedElsewhere.status).toBe(200);
    const altered = await request(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-webhook-timestamp': timestamp,
        'x-webhook-signature': 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=',
      },
      body,
    });
    expect(altered.status).toBe(401);
    const unsigned = await request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    expect(unsigned.status).toBe(401);

    const wrongKey = await callZoomTokensUrl(
      url.replace(/key=.*/, `key=${randomBytes(24).toString('base64url')}`),
      secret,
      payload(meeting),
    );
    expect(wrongKey.status).toBe(404);
    const noKey = await callZoomTokensUrl(url.replace(/\?key=.*/, ''), secret, payload(meeting));
    expect(noKey.status).toBe(404);
  });

  it('refuses a timestamp more than 5 minutes old, or ahead (401)', async () => {
    const { meeting } = await connectedHost('user_level');
    const { secret, url } = await createIntegration();
    const now = Math.floor(Date.now() / 1000);
    const stale = await callZoomTokensUrl(url, secret, payload(meeting), { timestamp: now - 301 });
    expect(stale.status).toBe(401);
    expect(stale.body.detail).toContain('X-Webhook-Timestamp');
    const ahead = await callZoomTokensUrl(url, secret, payload(meeting), { timestamp: now + 301 });
    expect(ahead.status).toBe(401);
    const recent = await callZoomTokensUrl(url, secret, payload(meeting), { timestamp: now - 250 });
    expect(recent.status).toBe(200);
  });

  it('accepts the legacy signature of older Attendee versions (no timestamp), unless the integration refuses it', async () => {
    const { meeting } = await connectedHost('user_level');
    const accepting = await createIntegration();
    const call = payload(meeting, { customer: 'Zoë ☃', seats: 3, tags: ['b', 'a'] });
    const legacy = await callZoomTokensUrl(accepting.url, accepting.secret, call, {
      version: 'legacy',
    });
    expect(legacy.status, legacy.text).toBe(200);
    expect(legacy.body.app_privilege_token).toEqual(expect.any(String));

    const strict = await createIntegration({ accept_legacy_signatures: false });
    const refused = await callZoomTokensUrl(strict.url, strict.secret, call, { version: 'legacy' });
    expect(refused.status).toBe(401);
    expect(refused.body.detail).toContain('accept_legacy_signatures');
    const current = await callZoomTokensUrl(strict.url, strict.secret, call);
    expect(current.status).toBe(200);
  });

  it('a meeting no grant reaches → 200 with every token null, and a line in the app logs', async () => {
    const { connected } = await connectedHost('user_level');
    const { secret, url } = await createIntegration();
    const unknown = { id: 87_654_321_098, password: 'abc' };
    const call = payload(unknown);
    const response = await callZoomTokensUrl(url, secret, call);
    expect(response.status, response.text).toBe(200);
    expect(response.body).toEqual(NO_TOKENS);
    const line = await eventually(async () => {
      const logs = await world.hostpass.api(
        `/api/v2/zoom-oauth-app-logs/?oauth_app=${connected.app.id}`,
      );
      return logs.body.results.find((entry: { message: string }) =>
        entry.message.includes('87654321098'),
      );
    }, 'the app-log line');
    expect(line).toMatchObject({ level: 'warning' });
    expect(line.message).toContain(call.bot_id);
    expect(line.message).toContain('asks the host');
    // A link that is no Zoom meeting: the same answer.
    const notZoom = await callZoomTokensUrl(url, secret, {
      ...call,
      meeting_url: 'https://meet.google.com/abc-defg-hij',
    });
    expect(notZoom.status).toBe(200);
    expect(notZoom.body).toEqual(NO_TOKENS);
  });

  it('mints the on-behalf token for the user bot_metadata names, in parallel with the join token', async () => {
    const { meeting, host } = await connectedHost('user_level');
    const { secret, url } = await createIntegration();
    await world.zoom.resetRequests();
    const response = await callZoomTokensUrl(
      url,
      secret,
      payload(meeting, { zoom_user_id: host.id }),
    );
    expect(response.status, response.text).toBe(200);
    expect(response.body).toMatchObject({
      app_privilege_token: expect.any(String),
      onbehalf_token: expect.any(String),
      zak_token: null,
      join_token: null,
    });
    const requests = await world.zoom.requests();
    expect(requests.total).toBe(2);
    expect(requests.by_endpoint['GET /v2/users/{userId}/token']).toBe(1);
    // Zoom admits an on-behalf bot while its user is in the meeting.
    await world.zoom.addParticipant(meeting.id, host.id);
    expect(
      (await world.zoom.join(meeting.id, { variant: 'web', obf: response.body.onbehalf_token }))
        .admitted,
    ).not.toBe('refused');
  });

  it("reads the OBF user under the integration's own metadata key, several users comma-separated in order", async () => {
    const { meeting, host, accountId } = await connectedHost('account_level');
    const colleague = await world.zoom.createUser({
      account_id: accountId,
      email: `colleague${Date.now()}@example.com`,
    });
    const response = await askOnce(
      meeting,
      { on_behalf_of: `${colleague.id}, ${host.id}`, zoom_user_id: 'ignored' },
      { obf_user_metadata_key: 'on_behalf_of' },
    );
    expect(response.status, response.text).toBe(200);
    const tokens = String(response.body.onbehalf_token).split(',');
    expect(tokens).toHaveLength(2);
    await world.zoom.addParticipant(meeting.id, colleague.id);
    expect(
      (await world.zoom.join(meeting.id, { variant: 'web', obf: tokens[0] })).admitted,
    ).not.toBe('refused');
  });

  it("mints an on-behalf token for a meeting of ANOTHER account with the user's own grant (Zoom's external meetings)", async () => {
    const { host: ourUser } = await connectedHost('user_level');
    const elsewhere = await world.zoom.createAccount({ plan: 'pro' });
    const stranger = await world.zoom.createUser({
      account_id: elsewhere.id,
      email: `stranger${Date.now()}@elsewhere.example`,
    });
    const external = await world.zoom.createMeeting({ host_id: stranger.id });
    const response = await askOnce(external, { zoom_user_id: ourUser.id });
    expect(response.status, response.text).toBe(200);
    expect(response.body).toMatchObject({
      app_privilege_token: null,
      onbehalf_token: expect.any(String),
    });
    await world.zoom.addParticipant(external.id, ourUser.id);
    expect(
      (await world.zoom.join(external.id, { variant: 'web', obf: response.body.onbehalf_token }))
        .admitted,
    ).not.toBe('refused');
  });

  it('mints a ZAK only for the user bot_metadata names under zak_user_metadata_key', async () => {
    const { meeting, host } = await connectedHost('user_level');
    const response = await askOnce(meeting, { zak_zoom_user_id: host.id });
    expect(response.body).toMatchObject({
      zak_token: expect.any(String),
      app_privilege_token: expect.any(String),
      onbehalf_token: null,
    });
    expect(
      (await world.zoom.join(meeting.id, { variant: 'web', zak: response.body.zak_token })).reason,
    ).toContain('host');
  });

  it('a token Zoom refuses is null (not a 5xx), with a line in the credential log', async () => {
    const { meeting, host, credentialId } = await connectedHost('user_level');
    await world.zoom.updateUser(host.id, { local_recording: false });
    const response = await askOnce(meeting, { zoom_user_id: host.id });
    expect(response.status, response.text).toBe(200);
    expect(response.body).toMatchObject({
      app_privilege_token: null,
      onbehalf_token: expect.any(String),
    });
    const line = await eventually(async () => {
      const logs = await world.hostpass.api(
        `/api/v2/zoom-oauth-credential-logs/?credential=${credentialId}`,
      );
      return logs.body.results.find((entry: { message: string }) =>
        entry.message.includes('local recording'),
      );
    }, 'the credential-log line');
    expect(line.message).toContain(String(meeting.id));
    expect(line.message).toContain('zoom_refused');
  });

  it('resolves meetings no sync has seen by looking them up at Zoom', async () => {
    const { accountId } = await connectedHost('account_level');
    const newcomer = await world.zoom.createUser({
      account_id: accountId,
      email: `newcomer${Date.now()}@example.com`,
    });
    const unsynced = await world.zoom.createMeeting({ host_id: newcomer.id });
    const { secret, url } = await createIntegration();
    const response = await callZoomTokensUrl(url, secret, payload(unsynced));
    expect(response.status, response.text).toBe(200);
    expect(response.body.app_privilege_token).toEqual(expect.any(String));
  });

  it("refuses a body that is not Attendee's (400) once the signature holds", async () => {
    const { secret, url } = await createIntegration();
    const wrongType = await callZoomTokensUrl(url, secret, {
      ...payload({ id: 85012345678, password: '' }),
      callback_type: 'recording_complete' as 'zoom_tokens',
    });
    expect(wrongType.status).toBe(400);
    expect(wrongType.body).toHaveProperty('callback_type');
    const noUrl = await callZoomTokensUrl(url, secret, {
      ...payload({ id: 85012345678, password: '' }),
      meeting_url: '' as string,
    });
    expect(noUrl.status).toBe(400);
    expect(noUrl.body).toHaveProperty('meeting_url');
  });
});

describe('encryption key rotation', () => {
  it("covers Attendee signing secrets: they are re-sealed with the new key and still verify Attendee's calls", async () => {
    const storage = await createTestStorage();
    const oldKey = `old:${randomBytes(32).toString('base64')}`;
    const newKey = `new:${randomBytes(32).toString('base64')}`;
    const first = await startTestHostpass({ storage, env: { HOSTPASS_ENCRYPTION_KEYS: oldKey } });
    const secret = attendeeSecret();
    const created = await first.api(INTEGRATIONS, {
      method: 'POST',
      json: { signing_secret: secret },
    });
    expect(created.status, created.text).toBe(201);
    await first.close();

    await expect(
      startTestHostpass({ storage, env: { HOSTPASS_ENCRYPTION_KEYS: newKey } }),
    ).rejects.toThrow(/no longer has: "old" \(1 value\)/);
    const rotation = await runCli(['keys', 'rotate-encryption'], {
      ...storage.env,
      HOSTPASS_ENCRYPTION_KEYS: `${newKey},${oldKey}`,
    });
    expect(rotation.code, rotation.stderr).toBe(0);
    expect(rotation.stdout).toContain('Re-encrypted 1 secret with key "new".');

    const after = await startTestHostpass({ storage, env: { HOSTPASS_ENCRYPTION_KEYS: newKey } });
    try {
      // The store keeps the first server's key (a bootstrap key applies to an empty store only).
      const read = await after.api(`${INTEGRATIONS}${created.body.id}/`, {
        headers: { authorization: `Token ${first.apiKey}` },
      });
      expect(read.status, read.text).toBe(200);
      const url = read.body.zoom_tokens_url;
      const answer = await callZoomTokensUrl(
        url,
        secret,
        payload({ id: 85012345678, password: '' }),
      );
      expect(answer.status, answer.text).toBe(200);
      expect(answer.body).toEqual(NO_TOKENS);
    } finally {
      await after.close();
    }
  });
});
