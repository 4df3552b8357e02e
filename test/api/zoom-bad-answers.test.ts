import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Meeting } from '../../emulator/model.ts';
import {
  type ConnectedApp,
  connectCredential,
  registerApp,
  startZoomWorld,
  type ZoomWorld,
} from '../support/zoom-world.ts';

/*
 * Zoom answering 200 with a body that lacks what Hostpass reads (`{}`): every path that reads a
 * REST answer turns it into `zoom_bad_answer` naming the endpoint, never an undefined token, a
 * credential wrongly marked unhealthy, or a 500.
 */

const CREDENTIALS = '/api/v2/zoom-oauth-credentials/';
let world: ZoomWorld;

beforeAll(async () => {
  // Workers off: the tests run the meeting sync's steps themselves.
  world = await startZoomWorld({ workers: false });
});
afterAll(() => world.close());
afterEach(() => world.zoom.clearFaults());

let counter = 0;

async function connectedHost(kind: 'user_level' | 'account_level') {
  counter += 1;
  const account = await world.zoom.createAccount({ plan: 'pro', third_party_recording: true });
  const host = await world.zoom.createUser({
    account_id: account.id,
    email: `host${counter}@bad-answers.example`,
    role: kind === 'account_level' ? 'admin' : 'owner',
  });
  const meeting = await world.zoom.createMeeting({ host_id: host.id });
  const connected = await registerApp(world, kind);
  const created = await connectCredential(world, connected, host.id);
  expect(created.status, created.text).toBe(201);
  const credentialId: string = created.body.id;
  await runSync(credentialId);
  return { connected, credentialId, host, meeting };
}

/** Runs the credential's pending meeting sync to its end, as a worker would. */
async function runSync(credentialId: string) {
  const services = world.hostpass.runtime.services;
  const sync = await services.syncs.runningSync(credentialId);
  if (sync) while ((await services.syncRunner.runStep(sync.id)).kind !== 'done');
}

const emptyAnswer = (path_pattern: string) =>
  world.zoom.addFault({ path_pattern, method: 'GET', status: 200, body: {} });

const mint = (meeting: Meeting, kinds: string[]) =>
  world.hostpass.api('/api/v2/zoom-tokens/', {
    method: 'POST',
    json: { meeting_id: Number(meeting.id), kinds },
  });

describe('malformed answers from Zoom', () => {
  it("jointoken `200 {}`: the mint answers 502 zoom_bad_answer naming the endpoint; with other kinds minted, it is that kind's error", async () => {
    const { meeting } = await connectedHost('user_level');
    await emptyAnswer('/v2/meetings/*/jointoken/local_recording');

    const alone = await mint(meeting, ['join_token']);
    expect(alone.status, alone.text).toBe(502);
    expect(alone.body.code).toBe('zoom_bad_answer');
    expect(alone.body.detail).toContain(`GET /meetings/${meeting.id}/jointoken/local_recording`);

    const withOthers = await mint(meeting, ['join_token', 'zak']);
    expect(withOthers.status, withOthers.text).toBe(200);
    expect(withOthers.body.join_token).toBeNull();
    expect(withOthers.body.zak).toMatchObject({ token: expect.any(String) });
    expect(withOthers.body.errors.join_token).toMatchObject({
      code: 'zoom_bad_answer',
      message: expect.stringContaining('/jointoken/local_recording'),
    });
  });

  it('ZAK `200 {}`: 502 zoom_bad_answer on the mint and on its token URL', async () => {
    const { meeting } = await connectedHost('user_level');
    await emptyAnswer('/v2/users/*/token');

    const minted = await mint(meeting, ['zak']);
    expect(minted.status, minted.text).toBe(502);
    expect(minted.body).toMatchObject({
      code: 'zoom_bad_answer',
      detail: expect.stringMatching(/GET \/users\/[^ ]+\/token/),
    });

    const urls = await world.hostpass.api('/api/v2/zoom-token-urls/', {
      method: 'POST',
      json: { meeting_id: Number(meeting.id), kinds: ['zak'] },
    });
    expect(urls.status, urls.text).toBe(200);
    const fetched = await fetch(urls.body.zak_url);
    expect(fetched.status).toBe(502);
    expect(await fetched.json()).toMatchObject({ code: 'zoom_bad_answer' });
  });

  it('users/me `200 {}`: validate answers 502 and leaves the credential healthy; connecting answers 502', async () => {
    const { credentialId, connected } = await connectedHost('user_level');
    await emptyAnswer('/v2/users/me');

    const validated = await world.hostpass.api(`${CREDENTIALS}${credentialId}/validate/`, {
      method: 'POST',
    });
    expect(validated.status, validated.text).toBe(502);
    expect(validated.body).toMatchObject({
      code: 'zoom_bad_answer',
      detail: expect.stringContaining('GET /users/me'),
    });
    expect((await world.hostpass.api(`${CREDENTIALS}${credentialId}/`)).body.status).toBe(
      'healthy',
    );

    const other = await world.zoom.createUser({
      account_id: (await world.zoom.createAccount({ plan: 'pro' })).id,
      email: `other${counter}@bad-answers.example`,
      role: 'owner',
    });
    const connecting = await connectCredential(world, connected as ConnectedApp, other.id);
    expect(connecting.status, connecting.text).toBe(502);
    expect(connecting.body.code).toBe('zoom_bad_answer');
  });

  it('/oauth/token `200 {}`: connecting answers 502 zoom_bad_answer naming the endpoint; a refresh is retried, the credential stays healthy', async () => {
    const { credentialId, connected } = await connectedHost('user_level');
    const other = await world.zoom.createUser({
      account_id: (await world.zoom.createAccount({ plan: 'pro' })).id,
      email: `oauth${counter}@bad-answers.example`,
      role: 'owner',
    });
    await world.zoom.addFault({ path_pattern: '/oauth/token', status: 200, body: {} });

    // Zoom's malformed answer is not the client's fault: no 400 "Zoom refused the code".
    const connecting = await connectCredential(world, connected, other.id);
    expect(connecting.status, connecting.text).toBe(502);
    expect(connecting.body).toMatchObject({
      code: 'zoom_bad_answer',
      detail: expect.stringContaining('POST /oauth/token'),
    });

    const validated = await world.hostpass.api(`${CREDENTIALS}${credentialId}/validate/`, {
      method: 'POST',
    });
    expect(validated.status, validated.text).toBe(503);
    expect(validated.body.detail).toContain('POST /oauth/token');
    expect((await world.hostpass.api(`${CREDENTIALS}${credentialId}/`)).body.status).toBe(
      'healthy',
    );
  });

  it('meetings list and users list `200 {}`: the sync fails with a message naming the endpoint', async () => {
    for (const [kind, pattern, endpoint] of [
      ['user_level', '/v2/users/*/meetings', /GET \/users\/me\/meetings/],
      ['account_level', '/v2/users', /GET \/users\b/],
    ] as const) {
      const { credentialId } = await connectedHost(kind);
      await emptyAnswer(pattern);
      const requested = await world.hostpass.api(`${CREDENTIALS}${credentialId}/sync-meetings/`, {
        method: 'POST',
      });
      expect(requested.status, requested.text).toBe(200);
      await runSync(credentialId);
      const credential = (await world.hostpass.api(`${CREDENTIALS}${credentialId}/`)).body;
      expect(credential.meeting_sync_status).toBe('failed');
      const logs = (
        await world.hostpass.api(`/api/v2/zoom-oauth-credential-logs/?credential=${credentialId}`)
      ).body.results as { message: string }[];
      const failure = logs.find((log) => log.message.startsWith('Meeting sync failed'));
      expect(failure?.message).toMatch(endpoint);
      expect(failure?.message).toContain('malformed');
      await world.zoom.clearFaults();
    }
  });
});
