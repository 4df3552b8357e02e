import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunningEmulator } from './index.ts';
import {
  apiGet,
  authorizeAndExchange,
  REDIRECT_URI,
  startWorld,
  type World,
} from './test-support.ts';

let emulator: RunningEmulator;
afterEach(() => emulator.close());

describe('user-level app', () => {
  let world: World;
  let token: string;
  beforeEach(async () => {
    ({ emulator, world } = await startWorld(11, { kind: 'user_level' }));
    token = (await authorizeAndExchange(emulator, world.app, world.member)).access_token;
  });

  it('reads its own user as Zoom shapes it (pmi a number)', async () => {
    const me = await apiGet(emulator, token, '/users/me');
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({
      id: world.member.id,
      account_id: world.account.id,
      email: 'member@example.com',
      pmi: world.member.pmi,
      status: 'active',
    });
    expect(typeof me.body.pmi).toBe('number');
    expect(me.headers.get('x-ratelimit-category')).toBe('Light');
    expect((await apiGet(emulator, token, `/users/${world.member.id}`)).status).toBe(200);
  });

  it('stops at the user boundary: another user of the same account is "No permission."', async () => {
    const other = await apiGet(emulator, token, `/users/${world.owner.id}`);
    expect(other.status).toBe(400);
    expect(other.body).toEqual({ code: 200, message: 'No permission.' });
    const meeting = await emulator.admin.createMeeting({ host_id: world.owner.id });
    const token2 = await apiGet(
      emulator,
      token,
      `/meetings/${meeting.id}/jointoken/local_recording`,
    );
    expect(token2.body).toEqual({ code: 200, message: 'No permission.' });
  });

  it('cannot see other accounts at all (1001 / 3001)', async () => {
    const elsewhere = await emulator.admin.createAccount({ plan: 'pro' });
    const stranger = await emulator.admin.createUser({
      account_id: elsewhere.id,
      email: 'x@elsewhere.com',
    });
    const meeting = await emulator.admin.createMeeting({ host_id: stranger.id });
    expect((await apiGet(emulator, token, `/users/${stranger.id}`)).body).toEqual({
      code: 1001,
      message: `User does not exist: ${stranger.id}.`,
    });
    expect((await apiGet(emulator, token, `/meetings/${meeting.id}`)).body).toEqual({
      code: 3001,
      message: `Meeting does not exist: ${meeting.id}.`,
    });
  });

  it('refuses calls without the scope with 4711 listing the scopes', async () => {
    const narrow = await emulator.admin.createApp({
      kind: 'user_level',
      redirect_uris: [REDIRECT_URI],
      scopes: ['meeting:read:meeting'],
    });
    const narrowToken = (await authorizeAndExchange(emulator, narrow, world.member)).access_token;
    const refused = await apiGet(emulator, narrowToken, '/users/me');
    expect(refused.status).toBe(400);
    expect(refused.body).toEqual({
      code: 4711,
      message:
        'Invalid access token, does not contain scopes:[user:read:user, user:read:user:admin].',
    });
  });

  it('answers 124 for a missing or unknown token, 300 for a malformed meeting id, 3001 for an unknown one', async () => {
    const none = await fetch(`${emulator.url}/v2/users/me`);
    expect(none.status).toBe(401);
    expect(await none.json()).toEqual({ code: 124, message: 'Invalid access token.' });
    expect((await apiGet(emulator, 'nope', '/users/me')).body).toEqual({
      code: 124,
      message: 'Invalid access token.',
    });
    expect((await apiGet(emulator, token, '/meetings/abc')).body).toEqual({
      code: 300,
      message: 'Invalid meeting ID.',
    });
    expect((await apiGet(emulator, token, '/meetings/12345678901')).body).toEqual({
      code: 3001,
      message: 'Meeting does not exist: 12345678901.',
    });
  });

  it('mints a local-recording join token for the host’s own meeting, 3000 when local recording is off', async () => {
    const meeting = await emulator.admin.createMeeting({ host_id: world.member.id });
    const minted = await apiGet(
      emulator,
      token,
      `/meetings/${meeting.id}/jointoken/local_recording?bypass_waiting_room=true`,
    );
    expect(minted.status).toBe(200);
    expect(Object.keys(minted.body).sort()).toEqual(['expire_in', 'token']);
    expect(minted.body.expire_in).toBe(120);
    await emulator.admin.updateUser(world.member.id, { local_recording: false });
    const disabled = await apiGet(
      emulator,
      token,
      `/meetings/${meeting.id}/jointoken/local_recording`,
    );
    expect(disabled.status).toBe(400);
    expect(disabled.body).toMatchObject({ code: 3000 });
  });

  it('serves the PMI as a meeting (pmi a string there) and ZAK / OBF tokens', async () => {
    const pmi = await apiGet(emulator, token, `/meetings/${world.member.pmi}`);
    expect(pmi.body).toMatchObject({
      id: world.member.pmi,
      type: 4,
      pmi: String(world.member.pmi),
      host_id: world.member.id,
    });
    const zak = await apiGet(emulator, token, '/users/me/zak');
    expect(Object.keys(zak.body)).toEqual(['token']);
    const zak2 = await apiGet(emulator, token, '/users/me/token?type=zak');
    expect(typeof zak2.body.token).toBe('string');
    const obf = await apiGet(
      emulator,
      token,
      `/users/me/token?type=onbehalf&meeting_id=${world.member.pmi}`,
    );
    expect(typeof obf.body.token).toBe('string');
    expect((await apiGet(emulator, token, '/users/me/token?type=bogus')).body).toMatchObject({
      code: 300,
    });
  });

  it("mints an on-behalf token for another account's meeting (an external meeting), bound to it", async () => {
    const elsewhere = await emulator.admin.createAccount({ plan: 'pro' });
    const stranger = await emulator.admin.createUser({
      account_id: elsewhere.id,
      email: 'host@elsewhere.com',
    });
    const external = await emulator.admin.createMeeting({ host_id: stranger.id });
    const obf = await apiGet<{ token: string }>(
      emulator,
      token,
      `/users/me/token?type=onbehalf&meeting_id=${external.id}`,
    );
    expect(obf.status).toBe(200);
    await emulator.admin.addParticipant(external.id, world.member.id);
    expect(
      (await emulator.admin.join(external.id, { variant: 'web', obf: obf.body.token })).admitted,
    ).not.toBe('refused');
    const unknown = await apiGet(
      emulator,
      token,
      '/users/me/token?type=onbehalf&meeting_id=89999999999',
    );
    expect(unknown.body).toEqual({ code: 3001, message: 'Meeting does not exist: 89999999999.' });
  });

  it('refuses the 3rd-party recording token to a user-level app', async () => {
    const meeting = await emulator.admin.createMeeting({ host_id: world.member.id });
    const refused = await apiGet(
      emulator,
      token,
      `/meetings/${meeting.id}/jointoken/3rd_party_recording`,
    );
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ code: 4711 });
  });
});

describe('account-level app', () => {
  let world: World;
  let token: string;
  beforeEach(async () => {
    ({ emulator, world } = await startWorld(12, { kind: 'account_level' }));
    token = (await authorizeAndExchange(emulator, world.app, world.owner)).access_token;
  });

  it('reaches every user and meeting of its account', async () => {
    const meeting = await emulator.admin.createMeeting({
      host_id: world.member.id,
      waiting_room: true,
    });
    expect((await apiGet(emulator, token, `/users/${world.member.email}`)).body).toMatchObject({
      id: world.member.id,
    });
    const got = await apiGet(emulator, token, `/meetings/${meeting.id}`);
    expect(got.body).toMatchObject({
      id: meeting.id,
      host_id: world.member.id,
      settings: { waiting_room: true },
    });
    expect(
      (await apiGet(emulator, token, `/meetings/${meeting.id}/jointoken/local_recording`)).status,
    ).toBe(200);
    expect((await apiGet(emulator, token, `/users/${world.member.id}/token?type=zak`)).status).toBe(
      200,
    );
  });

  it('cannot be authorized by a plain member', async () => {
    const refused = await emulator.admin
      .authorize({
        client_id: world.app.client_id,
        user_id: world.member.id,
        redirect_uri: REDIRECT_URI,
      })
      .catch((error: { status: number; body: unknown }) => error);
    expect(refused).toMatchObject({ status: 400, body: { error: 'access_denied' } });
  });

  it('needs the :admin scope for another user', async () => {
    const partial = await emulator.admin.createApp({
      kind: 'account_level',
      redirect_uris: [REDIRECT_URI],
      scopes: ['meeting:read:meeting'],
    });
    const partialToken = (await authorizeAndExchange(emulator, partial, world.owner)).access_token;
    const meeting = await emulator.admin.createMeeting({ host_id: world.member.id });
    const refused = await apiGet(emulator, partialToken, `/meetings/${meeting.id}`);
    expect(refused.body).toEqual({
      code: 4711,
      message: 'Invalid access token, does not contain scopes:[meeting:read:meeting:admin].',
    });
  });

  it('mints 3rd-party recording tokens only when the account allows it', async () => {
    const meeting = await emulator.admin.createMeeting({ host_id: world.member.id });
    const off = await apiGet(
      emulator,
      token,
      `/meetings/${meeting.id}/jointoken/3rd_party_recording`,
    );
    expect(off.status).toBe(400);
    expect(off.body).toMatchObject({ code: 3000 });
    await emulator.admin.updateAccount(world.account.id, { third_party_recording: true });
    const on = await apiGet(
      emulator,
      token,
      `/meetings/${meeting.id}/jointoken/3rd_party_recording`,
    );
    expect(on.body).toMatchObject({ expire_in: 120 });
  });

  it('pages users to the end with an empty next_page_token, and tokens expire after 15 minutes', async () => {
    for (let index = 0; index < 5; index++) {
      await emulator.admin.createUser({
        account_id: world.account.id,
        email: `u${index}@example.com`,
      });
    }
    await emulator.admin.createUser({
      account_id: world.account.id,
      email: 'gone@example.com',
      status: 'inactive',
    });
    const seen: string[] = [];
    let next = '';
    let pages = 0;
    do {
      const page = await apiGet<{
        users: { email: string }[];
        next_page_token: string;
        total_records: number;
        page_size: number;
      }>(emulator, token, `/users?page_size=3${next ? `&next_page_token=${next}` : ''}`);
      expect(page.status).toBe(200);
      expect(page.body.total_records).toBe(7);
      expect(page.headers.get('x-ratelimit-category')).toBe('Medium');
      seen.push(...page.body.users.map((user) => user.email));
      next = page.body.next_page_token;
      pages += 1;
    } while (next !== '');
    expect(pages).toBe(3);
    expect(seen).toHaveLength(7);
    expect(seen).not.toContain('gone@example.com');
    const inactive = await apiGet<{ users: { email: string }[] }>(
      emulator,
      token,
      '/users?status=inactive',
    );
    expect(inactive.body.users.map((user) => user.email)).toEqual(['gone@example.com']);

    const first = await apiGet<{ next_page_token: string }>(emulator, token, '/users?page_size=2');
    await emulator.admin.advanceClock(15 * 60 + 1);
    const stale = await apiGet(
      emulator,
      token,
      `/users?page_size=2&next_page_token=${first.body.next_page_token}`,
    );
    expect(stale.status).toBe(400);
    expect(stale.body).toEqual({
      code: 300,
      message: 'The next page token is invalid or expired.',
    });
  });

  it('caps page_size at 300 and pages a user’s meetings by type', async () => {
    await emulator.admin.createMeeting({
      host_id: world.member.id,
      start_time: '2000-01-01T10:00:00Z',
    });
    await emulator.admin.createMeeting({ host_id: world.member.id });
    await emulator.admin.createMeeting({ host_id: world.member.id, type: 3 });
    const all = await apiGet<{
      meetings: { type: number }[];
      page_size: number;
      next_page_token: string;
    }>(emulator, token, `/users/${world.member.id}/meetings?page_size=1000`);
    expect(all.body.page_size).toBe(300);
    expect(all.body.meetings).toHaveLength(3);
    expect(all.body.next_page_token).toBe('');
    const upcoming = await apiGet<{ meetings: unknown[] }>(
      emulator,
      token,
      `/users/${world.member.id}/meetings?type=upcoming`,
    );
    expect(upcoming.body.meetings).toHaveLength(2);
    const previous = await apiGet<{ meetings: unknown[] }>(
      emulator,
      token,
      `/users/${world.member.id}/meetings?type=previous_meetings`,
    );
    expect(previous.body.meetings).toHaveLength(1);
  });
});
