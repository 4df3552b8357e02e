import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunningEmulator } from './index.ts';
import {
  apiGet,
  authorizeAndExchange,
  pkceS256,
  REDIRECT_URI,
  startWorld,
  type Tokens,
  tokenRequest,
  type World,
} from './test-support.ts';

const INVALID_TOKEN = { reason: 'Invalid Token!', error: 'invalid_grant' };
const INVALID_CODE = { reason: 'Invalid authorization code', error: 'invalid_grant' };

let emulator: RunningEmulator;
let world: World;

beforeEach(async () => {
  ({ emulator, world } = await startWorld(7));
});
afterEach(() => emulator.close());

const exchange = (code: string, extra: Record<string, string> = {}) =>
  tokenRequest(emulator, world.app, {
    grant_type: 'authorization_code',
    code,
    redirect_uri: REDIRECT_URI,
    ...extra,
  });

const authorize = (extra: Record<string, string> = {}) =>
  emulator.admin.authorize({
    client_id: world.app.client_id,
    user_id: world.owner.id,
    redirect_uri: REDIRECT_URI,
    ...extra,
  });

describe('authorization code', () => {
  it('exchanges a code once for Zoom-shaped tokens', async () => {
    const { code, redirect } = await authorize({ state: 'xyz' });
    expect(redirect).toBe(`${REDIRECT_URI}?code=${code}&state=xyz`);
    const first = await exchange(code);
    expect(first.status).toBe(200);
    expect(Object.keys(first.body).sort()).toEqual([
      'access_token',
      'api_url',
      'expires_in',
      'refresh_token',
      'scope',
      'token_type',
    ]);
    expect(first.body).toMatchObject({
      token_type: 'bearer',
      expires_in: 3600,
      api_url: emulator.url,
      scope: world.app.scopes.join(' '),
    });
    const [header, payload, signature] = String(first.body.access_token).split('.');
    expect(signature).toBeTruthy();
    expect(JSON.parse(Buffer.from(header ?? '', 'base64url').toString())).toEqual({
      alg: 'HS256',
      typ: 'JWT',
    });
    const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString());
    expect(claims).toMatchObject({ uid: world.owner.id, aid: world.account.id });
    expect(claims.exp - claims.iat).toBe(3600);

    const reused = await exchange(code);
    expect(reused.status).toBe(400);
    expect(reused.body).toEqual(INVALID_CODE);
  });

  it('accepts client credentials and parameters in the form or the query string', async () => {
    const { code } = await authorize();
    const query = new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT_URI,
    });
    const response = await fetch(`${emulator.url}/oauth/token?${query}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        client_id: world.app.client_id,
        client_secret: world.app.client_secret,
      }),
    });
    expect(response.status).toBe(200);
  });

  it('lets a code expire after 5 minutes of emulator time', async () => {
    const { code } = await authorize();
    await emulator.admin.advanceClock(301);
    const late = await exchange(code);
    expect(late.status).toBe(400);
    expect(late.body).toEqual(INVALID_CODE);
  });

  it('requires the exact redirect_uri, trailing slash included', async () => {
    const refused = await emulator.admin
      .authorize({
        client_id: world.app.client_id,
        user_id: world.owner.id,
        redirect_uri: `${REDIRECT_URI}/`,
      })
      .catch((error: { status: number; body: unknown }) => error);
    expect(refused).toMatchObject({ status: 400, body: { error: 'redirect_uri_mismatch' } });

    const { code } = await authorize();
    const mismatch = await tokenRequest(emulator, world.app, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: `${REDIRECT_URI}/`,
    });
    expect(mismatch.status).toBe(400);
    expect(mismatch.body).toEqual({ reason: 'Redirect URI mismatch.', error: 'invalid_request' });
  });

  it('refuses a bad client secret with invalid_client', async () => {
    const { code } = await authorize();
    const bad = await tokenRequest(
      emulator,
      { client_id: world.app.client_id, client_secret: 'wrong' },
      {
        grant_type: 'authorization_code',
        code,
        redirect_uri: REDIRECT_URI,
      },
    );
    expect(bad.status).toBe(401);
    expect(bad.body).toEqual({
      reason: 'Invalid client_id or client_secret',
      error: 'invalid_client',
    });
  });

  it('refuses unsupported grant types', async () => {
    const bad = await tokenRequest(emulator, world.app, { grant_type: 'password' });
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual({ reason: 'Unsupported grant type', error: 'unsupported_grant_type' });
  });

  it.each([
    ['S256', (verifier: string) => pkceS256(verifier)],
    ['plain', (verifier: string) => verifier],
  ])('verifies PKCE %s', async (method, challengeOf) => {
    const verifier = 'a-long-enough-code-verifier-0123456789-abcdefghijklmnop';
    const exchange = async (codeVerifier: string | null) => {
      const { code } = await authorize({
        code_challenge: challengeOf(verifier),
        code_challenge_method: method,
      });
      const params: Record<string, string> = {
        grant_type: 'authorization_code',
        code,
        redirect_uri: REDIRECT_URI,
      };
      if (codeVerifier !== null) params.code_verifier = codeVerifier;
      return tokenRequest(emulator, world.app, params);
    };
    const wrong = await exchange(`${verifier}x`);
    expect(wrong.status).toBe(400);
    expect(wrong.body).toEqual({ reason: 'Invalid code_verifier', error: 'invalid_grant' });
    expect((await exchange(null)).status).toBe(400);
    expect((await exchange(verifier)).status).toBe(200);
  });
});

describe('refresh token rotation', () => {
  it('kills the old refresh token at once; reuse gets Zoom’s exact body', async () => {
    const first = await authorizeAndExchange(emulator, world.app, world.owner);
    const rotated = await tokenRequest(emulator, world.app, {
      grant_type: 'refresh_token',
      refresh_token: first.refresh_token,
    });
    expect(rotated.status).toBe(200);
    expect(rotated.body.refresh_token).not.toBe(first.refresh_token);
    expect(rotated.body.access_token).not.toBe(first.access_token);

    const reuse = await tokenRequest(emulator, world.app, {
      grant_type: 'refresh_token',
      refresh_token: first.refresh_token,
    });
    expect(reuse.status).toBe(400);
    expect(reuse.text).toBe(JSON.stringify(INVALID_TOKEN));

    const next = await tokenRequest(emulator, world.app, {
      grant_type: 'refresh_token',
      refresh_token: String(rotated.body.refresh_token),
    });
    expect(next.status).toBe(200);
  });

  it('refuses a refresh token presented by another app', async () => {
    const first = await authorizeAndExchange(emulator, world.app, world.owner);
    const other = await emulator.admin.createApp({
      kind: 'user_level',
      redirect_uris: [REDIRECT_URI],
      scopes: ['user:read:user'],
    });
    const stolen = await tokenRequest(emulator, other, {
      grant_type: 'refresh_token',
      refresh_token: first.refresh_token,
    });
    expect(stolen.body).toEqual(INVALID_TOKEN);
  });

  it('re-authorizing the user kills the earlier grant’s access and refresh tokens', async () => {
    const earlier = await authorizeAndExchange(emulator, world.app, world.owner);
    expect((await apiGet(emulator, earlier.access_token, '/users/me')).status).toBe(200);
    const later = await authorizeAndExchange(emulator, world.app, world.owner);

    const oldCall = await apiGet(emulator, earlier.access_token, '/users/me');
    expect(oldCall.status).toBe(401);
    expect(oldCall.body).toEqual({ code: 124, message: 'Invalid access token.' });
    const oldRefresh = await tokenRequest(emulator, world.app, {
      grant_type: 'refresh_token',
      refresh_token: earlier.refresh_token,
    });
    expect(oldRefresh.body).toEqual(INVALID_TOKEN);
    expect((await apiGet(emulator, later.access_token, '/users/me')).status).toBe(200);
  });

  it('revoke ends the grant: access and refresh tokens die', async () => {
    const tokens = await authorizeAndExchange(emulator, world.app, world.owner);
    const response = await fetch(`${emulator.url}/oauth/revoke`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${world.app.client_id}:${world.app.client_secret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ token: tokens.access_token }),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'success' });
    expect((await apiGet(emulator, tokens.access_token, '/users/me')).status).toBe(401);
    const refresh = await tokenRequest(emulator, world.app, {
      grant_type: 'refresh_token',
      refresh_token: tokens.refresh_token,
    });
    expect(refresh.body).toEqual(INVALID_TOKEN);
  });
});

describe('access token expiry', () => {
  it('expires after an hour of emulator time', async () => {
    await emulator.admin.freezeClock();
    const tokens = await authorizeAndExchange(emulator, world.app, world.owner);
    await emulator.admin.advanceClock(3599);
    expect((await apiGet(emulator, tokens.access_token, '/users/me')).status).toBe(200);
    await emulator.admin.advanceClock(1);
    const expired = await apiGet(emulator, tokens.access_token, '/users/me');
    expect(expired.status).toBe(401);
    expect(expired.body).toEqual({ code: 124, message: 'Access token is expired.' });
  });

  it('follows a short access_token_ttl_seconds in real time, without touching the clock', async () => {
    const quick = await emulator.admin.createApp({
      kind: 'user_level',
      redirect_uris: [REDIRECT_URI],
      scopes: ['user:read:user'],
      access_token_ttl_seconds: 1,
    });
    const tokens: Tokens = await authorizeAndExchange(emulator, quick, world.owner);
    expect(tokens.expires_in).toBe(1);
    const expiresAt = Date.now() + 1000;
    // Poll real time until the deadline has passed (no fixed sleep).
    while (Date.now() <= expiresAt) await new Promise((resolve) => setImmediate(resolve));
    const expired = await apiGet(emulator, tokens.access_token, '/users/me');
    expect(expired.body).toEqual({ code: 124, message: 'Access token is expired.' });
  });

  it('a refresh after expiry gives a working token', async () => {
    const tokens = await authorizeAndExchange(emulator, world.app, world.owner);
    await emulator.admin.advanceClock(7200);
    const refreshed = await tokenRequest(emulator, world.app, {
      grant_type: 'refresh_token',
      refresh_token: tokens.refresh_token,
    });
    expect((await apiGet(emulator, String(refreshed.body.access_token), '/users/me')).status).toBe(
      200,
    );
  });
});
