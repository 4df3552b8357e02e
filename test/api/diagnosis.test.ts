import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { User as EmulatorUser, Meeting } from '../../emulator/model.ts';
import {
  ACCOUNT_LEVEL_SCOPES,
  ACCOUNT_LEVEL_WEBINAR_SCOPES,
  USER_LEVEL_SCOPES,
  USER_LEVEL_WEBINAR_SCOPES,
} from '../../emulator/scopes.ts';
import {
  connectAndSync,
  eventually,
  registerApp,
  startZoomWorld,
  type ZoomWorld,
} from '../support/zoom-world.ts';

const DIAGNOSES = '/api/v2/zoom-meeting-diagnoses/';
const CREDENTIALS = '/api/v2/zoom-oauth-credentials/';
let world: ZoomWorld;

beforeAll(async () => {
  world = await startZoomWorld();
});
afterAll(() => world.close());

let counter = 0;

interface Host {
  credentialId: string;
  clientId: string;
  host: EmulatorUser;
  meeting: Meeting;
}

/** A host with a meeting, connected with `scopes` and synced (the workers run the sync). */
async function connectedHost(
  kind: 'user_level' | 'account_level',
  options: { scopes?: string[]; ttl?: number } = {},
): Promise<Host> {
  counter += 1;
  const account = await world.zoom.createAccount({ plan: 'pro', third_party_recording: true });
  const host = await world.zoom.createUser({
    account_id: account.id,
    email: `host${counter}-${Date.now()}@diagnosis.example`,
    role: kind === 'account_level' ? 'admin' : 'owner',
  });
  const meeting = await world.zoom.createMeeting({ host_id: host.id, waiting_room: true });
  const scopes =
    options.scopes ??
    (kind === 'user_level'
      ? [...USER_LEVEL_SCOPES, ...USER_LEVEL_WEBINAR_SCOPES]
      : [...ACCOUNT_LEVEL_SCOPES, ...ACCOUNT_LEVEL_WEBINAR_SCOPES]);
  const connected = await registerApp(world, kind, {
    scopes,
    ...(options.ttl !== undefined && { access_token_ttl_seconds: options.ttl }),
  });
  return {
    credentialId: await connectAndSync(world, connected, host.id),
    clientId: connected.zoomApp.client_id,
    host,
    meeting,
  };
}

const diagnose = (json: unknown) => world.hostpass.api(DIAGNOSES, { method: 'POST', json });
const joinUrl = (meeting: Meeting) => `https://zoom.us/j/${meeting.id}?pwd=${meeting.password}`;

type Check = { name: string; ok: boolean; detail: string; fix: string | null };
const check = (body: { checks: Check[] }, name: string): Check | undefined =>
  body.checks.find((each) => each.name === name);

/** Every token and secret Zoom (the emulator) has issued: none may be in an answer. */
async function zoomSecrets(): Promise<string[]> {
  const state = await world.zoom.state();
  return [
    ...state.meeting_tokens.map((token) => token.token),
    ...state.user_tokens.map((token) => token.token),
    ...state.access_tokens.map((token) => token.token),
    ...state.grants.map((grant) => grant.refresh_token),
  ];
}

describe('POST /api/v2/zoom-meeting-diagnoses/', () => {
  it('a mapped meeting of a healthy host: records_without_asking, every check passed, and no token in the answer', async () => {
    const { meeting, credentialId, host } = await connectedHost('user_level');
    const response = await diagnose({ meeting_url: joinUrl(meeting) });
    expect(response.status, response.text).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.body).toMatchObject({
      meeting_id: meeting.id,
      kind: 'meeting',
      credential: credentialId,
      verdict: 'records_without_asking',
    });
    expect(response.body.checked_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(response.body.checks.map((each: Check) => each.name)).toEqual([
      'link_parses',
      'mapping_exists',
      'credential_healthy',
      'local_recording_scope',
      'zoom_reports_meeting',
      'host_allows_local_recording',
      'join_token_dry_run',
    ]);
    for (const each of response.body.checks as Check[]) {
      expect(each, each.name).toMatchObject({ ok: true, fix: null, detail: expect.any(String) });
    }
    expect(check(response.body, 'mapping_exists')?.detail).toContain(host.id);
    expect(check(response.body, 'mapping_exists')?.detail).toContain('sync');
    // The dry run minted a real join token at Zoom; it is nowhere in the answer.
    const requests = await world.zoom.requests();
    expect(requests.by_endpoint['GET /v2/users/{userId}/settings']).toBeGreaterThan(0);
    const secrets = await zoomSecrets();
    expect(secrets.length).toBeGreaterThan(0);
    for (const secret of secrets) expect(response.text).not.toContain(secret);
  });

  it('a meeting id no grant reaches: asks_host, the mapping check failed with a fix, nothing checked after it', async () => {
    const account = await world.zoom.createAccount({ plan: 'pro' });
    const stranger = await world.zoom.createUser({
      account_id: account.id,
      email: `stranger-${Date.now()}@diagnosis.example`,
    });
    const meeting = await world.zoom.createMeeting({ host_id: stranger.id });
    const response = await diagnose({ meeting_id: meeting.id });
    expect(response.status, response.text).toBe(200);
    expect(response.body).toMatchObject({
      meeting_id: meeting.id,
      credential: null,
      verdict: 'asks_host',
    });
    expect(response.body.checks.map((each: Check) => [each.name, each.ok])).toEqual([
      ['link_parses', true],
      ['mapping_exists', false],
    ]);
    expect(check(response.body, 'mapping_exists')?.fix).toContain('Connect');
  });

  it('an unhealthy credential: asks_host, with reconnecting as the fix', async () => {
    const { meeting, credentialId, clientId, host } = await connectedHost('user_level', {
      ttl: 2,
    });
    // The host removes the app at Zoom; the next refresh is refused, which marks it unhealthy.
    await world.zoom.deauthorize(clientId, host.id);
    await eventually(async () => {
      const credential = await world.hostpass.api(`${CREDENTIALS}${credentialId}/`);
      if (credential.body.status === 'unhealthy') return true;
      await world.hostpass.api(`${CREDENTIALS}${credentialId}/access-token/`);
      return undefined;
    }, 'the credential to be marked unhealthy');
    const response = await diagnose({ meeting_url: joinUrl(meeting) });
    expect(response.status, response.text).toBe(200);
    expect(response.body).toMatchObject({ verdict: 'asks_host', credential: credentialId });
    const healthy = check(response.body, 'credential_healthy');
    expect(healthy).toMatchObject({ ok: false });
    expect(healthy?.detail).toContain('unhealthy');
    expect(healthy?.fix).toContain('Connect link');
    expect(check(response.body, 'join_token_dry_run')).toBeUndefined();
  });

  it('a host with local recording turned off (at Zoom, per user): asks_host, the settings check and the dry run say why', async () => {
    const { meeting, host } = await connectedHost('user_level');
    await world.zoom.updateUser(host.id, { local_recording: false });
    const response = await diagnose({ meeting_url: joinUrl(meeting) });
    expect(response.status, response.text).toBe(200);
    expect(response.body.verdict).toBe('asks_host');
    const setting = check(response.body, 'host_allows_local_recording');
    expect(setting).toMatchObject({ ok: false });
    expect(setting?.detail).toContain('turned off');
    expect(setting?.fix).toContain('Local recording');
    const dryRun = check(response.body, 'join_token_dry_run');
    expect(dryRun).toMatchObject({ ok: false });
    expect(dryRun?.fix).toContain('Local recording');
    // Turned back on, the same meeting records without asking.
    await world.zoom.updateUser(host.id, { local_recording: true });
    expect((await diagnose({ meeting_url: joinUrl(meeting) })).body.verdict).toBe(
      'records_without_asking',
    );
  });

  it('a grant without the local-recording token scope (webinars listed, their token not granted): asks_host, the scope check names the scope to add', async () => {
    const { host, credentialId } = await connectedHost('user_level', {
      scopes: [...USER_LEVEL_SCOPES, 'webinar:read:list_webinars'],
    });
    const webinar = await world.zoom.createWebinar({ host_id: host.id });
    await world.hostpass.api(`${CREDENTIALS}${credentialId}/sync-meetings/`, { method: 'POST' });
    await eventually(async () => {
      const mapped = await world.hostpass.api(
        `/api/v2/zoom-meetings-to-credentials/?meeting_id=${webinar.id}`,
      );
      return mapped.body.results?.length === 1 ? true : undefined;
    }, 'the webinar to be synced');
    const response = await diagnose({
      meeting_url: `https://zoom.us/w/${webinar.id}?tk=abc&pwd=${webinar.password}`,
    });
    expect(response.status, response.text).toBe(200);
    expect(response.body).toMatchObject({ kind: 'webinar', verdict: 'asks_host' });
    expect(check(response.body, 'link_parses')?.detail).toContain('webinar');
    const scope = check(response.body, 'local_recording_scope');
    expect(scope).toMatchObject({ ok: false });
    expect(scope?.fix).toContain('webinar:read:local_recording_token');
    expect(check(response.body, 'join_token_dry_run')).toMatchObject({ ok: false });
    // The settings endpoint's scope is missing too: said, not counted against the meeting.
    expect(check(response.body, 'host_allows_local_recording')?.detail).toContain('Not checked');
  });

  it('a native bot on an account-level app: the 3rd party recording token is checked too', async () => {
    const { meeting } = await connectedHost('account_level');
    const response = await diagnose({ meeting_id: meeting.id, variant: 'native' });
    expect(response.status, response.text).toBe(200);
    expect(response.body.verdict).toBe('records_without_asking');
    expect(check(response.body, 'third_party_recording_token')).toMatchObject({
      ok: true,
      fix: null,
    });
    const web = await diagnose({ meeting_id: meeting.id });
    expect(check(web.body, 'third_party_recording_token')).toBeUndefined();
  });

  it('a meeting deleted at Zoom since it was mapped: the Zoom check says so', async () => {
    const { meeting } = await connectedHost('user_level', {
      // No webhook subscription: Hostpass does not hear of the deletion.
      scopes: [...USER_LEVEL_SCOPES, ...USER_LEVEL_WEBINAR_SCOPES],
    });
    await world.zoom.deleteMeeting(meeting.id);
    const response = await diagnose({ meeting_id: meeting.id });
    expect(response.body.verdict).toBe('cannot_tell');
    expect(check(response.body, 'zoom_reports_meeting')).toMatchObject({ ok: false });
    expect(check(response.body, 'zoom_reports_meeting')?.fix).toContain('sync');
  });

  it('a link that is not a Zoom link: cannot_tell, the link check failed with what to paste', async () => {
    const response = await diagnose({ meeting_url: 'https://example.com/j/85012345678' });
    expect(response.status, response.text).toBe(200);
    expect(response.body).toMatchObject({ meeting_id: null, verdict: 'cannot_tell' });
    expect(response.body.checks).toEqual([
      {
        name: 'link_parses',
        ok: false,
        detail: expect.stringContaining('not a Zoom URL'),
        fix: expect.stringContaining('https://zoom.us/j/'),
      },
    ]);
  });

  it('bad input: 400 in the API error format', async () => {
    for (const body of [
      {},
      { meeting_id: 85012345678, meeting_url: 'https://zoom.us/j/85012345678' },
      { meeting_id: 'abc' },
      { meeting_id: -1 },
      { meeting_url: '' },
      { meeting_id: 85012345678, variant: 'desktop' },
      { meeting_id: 85012345678, extra: true },
    ]) {
      const response = await diagnose(body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(typeof response.body, JSON.stringify(body)).toBe('object');
      expect(response.body.checks).toBeUndefined();
    }
    const unauthenticated = await world.hostpass.api(DIAGNOSES, {
      method: 'POST',
      json: { meeting_id: 85012345678 },
      headers: { authorization: 'Token nope' },
    });
    expect(unauthenticated.status).toBe(401);
  });
});
