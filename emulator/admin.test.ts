import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from './index.ts';
import {
  apiGet,
  authorizeAndExchange,
  createWorld,
  REDIRECT_URI,
  tokenRequest,
} from './test-support.ts';

let emulator: RunningEmulator;
afterEach(() => emulator.close());

describe('request counters', () => {
  it('counts by route template, grant type and client; reset clears them', async () => {
    emulator = await startEmulator({ seed: 1 });
    const world = await createWorld(emulator, { kind: 'account_level' });
    const tokens = await authorizeAndExchange(emulator, world.app, world.owner);
    await tokenRequest(emulator, world.app, {
      grant_type: 'refresh_token',
      refresh_token: tokens.refresh_token,
    });
    const refreshed = Object.values((await emulator.admin.requests()).refreshes_by_grant);
    expect(refreshed).toEqual([[expect.any(String)]]);
    // A refused refresh (the rotated token is dead) rotates nothing: not counted for the grant.
    const refused = await tokenRequest(emulator, world.app, {
      grant_type: 'refresh_token',
      refresh_token: tokens.refresh_token,
    });
    expect(refused.status).toBe(400);
    expect(Object.values((await emulator.admin.requests()).refreshes_by_grant)).toEqual(refreshed);
    const meeting = await emulator.admin.createMeeting({ host_id: world.member.id });
    await apiGet(
      emulator,
      tokens.access_token,
      `/meetings/${meeting.id}/jointoken/local_recording`,
    );
    await apiGet(
      emulator,
      tokens.access_token,
      `/meetings/${meeting.id}/jointoken/local_recording`,
    );
    const counts = await emulator.admin.requests();
    expect(counts.total).toBe(5);
    expect(counts.by_endpoint).toEqual({
      'POST /oauth/token': 3,
      'GET /v2/meetings/{meetingId}/jointoken/local_recording': 2,
    });
    expect(counts.by_grant_type).toEqual({ authorization_code: 1, refresh_token: 2 });
    expect(counts.by_client).toEqual({ [world.app.client_id]: 5 });
    expect(counts.by_status).toEqual({ '200': 4, '400': 1 });
    expect(counts.recent.at(-1)).toMatchObject({
      method: 'GET',
      path: `/v2/meetings/${meeting.id}/jointoken/local_recording`,
      status: 200,
      client_id: world.app.client_id,
    });
    await emulator.admin.resetRequests();
    expect(await emulator.admin.requests()).toMatchObject({ total: 0, refreshes_by_grant: {} });
  });
});

describe('admin API', () => {
  it('refuses unknown fields and answers 404 for unknown ids', async () => {
    emulator = await startEmulator();
    const typo = await fetch(`${emulator.url}/_emulator/accounts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ plan: 'pro', plann: 'free' }),
    });
    expect(typo.status).toBe(400);
    await expect(emulator.admin.getUser('nobody')).rejects.toMatchObject({ status: 404 });
  });

  it('creates 11-digit meetings and 10-digit PMIs; a user-level app cannot hold :admin scopes', async () => {
    emulator = await startEmulator();
    const account = await emulator.admin.createAccount({ plan: 'business' });
    const user = await emulator.admin.createUser({
      account_id: account.id,
      email: 'A@Example.com',
    });
    expect(user.email).toBe('a@example.com');
    expect(String(user.pmi)).toMatch(/^\d{10}$/);
    expect(String((await emulator.admin.createMeeting({ host_id: user.id })).id)).toMatch(
      /^\d{11}$/,
    );
    await expect(
      emulator.admin.createApp({
        kind: 'user_level',
        redirect_uris: [REDIRECT_URI],
        scopes: ['user:read:user:admin'],
      }),
    ).rejects.toMatchObject({ status: 400 });
  });

  it('freezes and advances the clock', async () => {
    emulator = await startEmulator();
    const frozen = await emulator.admin.freezeClock();
    expect(frozen.frozen).toBe(true);
    const later = await emulator.admin.advanceClock(90);
    expect(Date.parse(later.now) - Date.parse(frozen.now)).toBe(90_000);
  });
});

describe('snapshot', () => {
  it('round-trips the whole state: grants, tokens and the clock survive a restart', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'zoom-emulator-'));
    const snapshotPath = join(directory, 'state.json');
    try {
      emulator = await startEmulator({ seed: 8, snapshotPath });
      const world = await createWorld(emulator);
      const tokens = await authorizeAndExchange(emulator, world.app, world.owner);
      await emulator.admin.freezeClock();
      const { now } = await emulator.admin.advanceClock(600);
      expect((await emulator.admin.saveSnapshot()).path).toBe(snapshotPath);
      const saved = await emulator.admin.state();
      await emulator.close();

      emulator = await startEmulator({ snapshotPath });
      expect(await emulator.admin.state()).toEqual(saved);
      expect((await emulator.admin.clock()).now).toBe(now);
      expect((await apiGet(emulator, tokens.access_token, '/users/me')).body).toMatchObject({
        id: world.owner.id,
      });
      const refreshed = await tokenRequest(emulator, world.app, {
        grant_type: 'refresh_token',
        refresh_token: tokens.refresh_token,
      });
      expect(refreshed.status).toBe(200);
    } finally {
      await emulator.close();
      await rm(directory, { recursive: true, force: true });
    }
  });

  it('starts with the demo world only when asked', async () => {
    emulator = await startEmulator({ demoData: true });
    expect(emulator.demo?.owner.role).toBe('owner');
    expect((await emulator.admin.state()).users).toHaveLength(2);
    await emulator.close();
    emulator = await startEmulator();
    expect((await emulator.admin.state()).users).toHaveLength(0);
  });
});

describe('consent page', () => {
  it('renders a form without scripts; Allow redirects with code and state, Deny with access_denied', async () => {
    emulator = await startEmulator({ seed: 4 });
    const world = await createWorld(emulator);
    const query = new URLSearchParams({
      response_type: 'code',
      client_id: world.app.client_id,
      redirect_uri: REDIRECT_URI,
      state: 's1',
    });
    const page = await fetch(`${emulator.url}/oauth/authorize?${query}`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    const html = await page.text();
    expect(html).not.toContain('<script');
    expect(html).toContain(world.owner.email);

    // Submit the form the way a browser would: every hidden input, the chosen user, the button.
    const form = new URLSearchParams();
    for (const match of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
      form.set(match[1] ?? '', (match[2] ?? '').replaceAll('&amp;', '&'));
    }
    form.set('user_id', world.owner.id);
    form.set('decision', 'allow');
    const allowed = await fetch(`${emulator.url}/oauth/authorize`, {
      method: 'POST',
      body: form,
      redirect: 'manual',
    });
    expect(allowed.status).toBe(302);
    const location = new URL(allowed.headers.get('location') ?? '');
    expect(`${location.origin}${location.pathname}`).toBe(REDIRECT_URI);
    expect(location.searchParams.get('state')).toBe('s1');
    const code = location.searchParams.get('code') ?? '';
    const exchanged = await tokenRequest(emulator, world.app, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT_URI,
    });
    expect(exchanged.status).toBe(200);

    form.set('decision', 'deny');
    const denied = await fetch(`${emulator.url}/oauth/authorize`, {
      method: 'POST',
      body: form,
      redirect: 'manual',
    });
    expect(denied.headers.get('location')).toBe(`${REDIRECT_URI}?error=access_denied&state=s1`);
  });

  it('shows an error instead of redirecting to an unregistered redirect_uri', async () => {
    emulator = await startEmulator();
    const world = await createWorld(emulator);
    const query = new URLSearchParams({
      response_type: 'code',
      client_id: world.app.client_id,
      redirect_uri: `${REDIRECT_URI}/`,
    });
    const page = await fetch(`${emulator.url}/oauth/authorize?${query}`, { redirect: 'manual' });
    expect(page.status).toBe(400);
    expect(await page.text()).toContain('Redirect URI mismatch');
  });
});
