// Zoom's OAuth rules: single-use 5-minute codes, exact redirect_uri match, PKCE, strict refresh
// token rotation, "the newest authorization wins", and access tokens that are JWT-shaped but
// judged by this state (so revocation and re-authorization take effect at once).

import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { EmulatorClock } from './clock.ts';
import type { App, AuthorizationCode, Grant, User } from './model.ts';
import type { EmulatorState } from './state.ts';
import { apiErrors, type OAuthError, oauthErrors, type ZoomApiError } from './zoom-errors.ts';

const CODE_LIFETIME_MS = 5 * 60 * 1000;

export interface ClientCredentials {
  client_id: string;
  client_secret: string;
}

export interface TokenResponse {
  access_token: string;
  token_type: 'bearer';
  refresh_token: string;
  expires_in: number;
  scope: string;
  api_url: string;
}

export type OAuthResult =
  | { ok: true; tokens: TokenResponse; grant: Grant }
  | { ok: false; error: OAuthError };

export interface ConsentRequest {
  client_id: string;
  user_id: string;
  redirect_uri: string;
  state?: string | undefined;
  code_challenge?: string | undefined;
  code_challenge_method?: string | undefined;
}

export type ConsentResult =
  | { ok: true; code: string; redirect: string }
  | { ok: false; error: string; message: string };

export interface AuthenticatedCall {
  grant: Grant;
  app: App;
  user: User;
}

const base64url = (input: string | Buffer): string => Buffer.from(input).toString('base64url');

const sameSecret = (given: string, expected: string): boolean => {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
};

export function createOAuthService(deps: {
  state: EmulatorState;
  clock: EmulatorClock;
  apiUrl: () => string;
}) {
  const { state, clock } = deps;

  const authenticateClient = (credentials: ClientCredentials | null): App | null => {
    if (!credentials) return null;
    const app = state.appByClientId(credentials.client_id);
    if (!app || !sameSecret(credentials.client_secret, app.client_secret)) return null;
    return app;
  };

  const signAccessToken = (grant: Grant, expiresAtMs: number): string => {
    const nowSeconds = Math.floor(clock.nowMs() / 1000);
    const header = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
    const payload = base64url(
      JSON.stringify({
        ver: 7,
        iss: 'zoom-emulator',
        jti: state.random.string(22),
        cid: grant.client_id,
        uid: grant.user_id,
        aid: grant.account_id,
        iat: nowSeconds,
        exp: Math.floor(expiresAtMs / 1000),
      }),
    );
    const signature = createHmac('sha256', state.jwtSecret)
      .update(`${header}.${payload}`)
      .digest('base64url');
    return `${header}.${payload}.${signature}`;
  };

  /** Issues a fresh access token and a fresh refresh token; the previous refresh token dies. */
  const rotate = (grant: Grant, app: App): TokenResponse => {
    state.grantIdByRefreshToken.delete(grant.refresh_token);
    grant.refresh_token = state.random.string(64);
    grant.refresh_expires_at_ms = clock.nowMs() + app.refresh_token_ttl_seconds * 1000;
    state.grantIdByRefreshToken.set(grant.refresh_token, grant.id);
    const expiresAtMs = clock.nowMs() + app.access_token_ttl_seconds * 1000;
    const accessToken = signAccessToken(grant, expiresAtMs);
    state.accessTokens.set(accessToken, {
      token: accessToken,
      grant_id: grant.id,
      expires_at_ms: expiresAtMs,
    });
    return {
      access_token: accessToken,
      token_type: 'bearer',
      refresh_token: grant.refresh_token,
      expires_in: app.access_token_ttl_seconds,
      scope: grant.scopes.join(' '),
      api_url: deps.apiUrl(),
    };
  };

  const endGrant = (grant: Grant, reason: string): void => {
    if (!grant.active) return;
    grant.active = false;
    grant.ended_reason = reason;
    state.grantIdByRefreshToken.delete(grant.refresh_token);
    for (const [token, record] of state.accessTokens) {
      if (record.grant_id === grant.id) state.accessTokens.delete(token);
    }
  };

  /** Zoom: re-authorizing invalidates the earlier grant (account-level apps: one per account). */
  const endEarlierGrants = (app: App, user: User): void => {
    for (const grant of state.grants.values()) {
      if (!grant.active || grant.app_id !== app.id) continue;
      const sameHolder =
        app.kind === 'account_level'
          ? grant.account_id === user.account_id
          : grant.user_id === user.id;
      if (sameHolder) endGrant(grant, 'reauthorized');
    }
  };

  const newGrant = (app: App, user: User): { tokens: TokenResponse; grant: Grant } => {
    const grant: Grant = {
      id: state.newId(),
      app_id: app.id,
      client_id: app.client_id,
      user_id: user.id,
      account_id: user.account_id,
      kind: app.kind,
      scopes: [...app.scopes],
      refresh_token: '',
      refresh_expires_at_ms: 0,
      active: true,
      ended_reason: null,
      created_at: clock.nowIso(),
    };
    state.grants.set(grant.id, grant);
    return { tokens: rotate(grant, app), grant };
  };

  const verifyPkce = (code: AuthorizationCode, verifier: string | undefined): boolean => {
    if (code.code_challenge === null) return true;
    if (!verifier) return false;
    const derived =
      code.code_challenge_method === 'S256'
        ? createHash('sha256').update(verifier).digest('base64url')
        : verifier;
    return sameSecret(derived, code.code_challenge);
  };

  return {
    authenticateClient,

    /** The consent step (browser page or admin call): validates the request and issues a code. */
    consent(request: ConsentRequest): ConsentResult {
      const app = state.appByClientId(request.client_id);
      if (!app) return { ok: false, error: 'invalid_client', message: 'Unknown client_id.' };
      if (!app.redirect_uris.includes(request.redirect_uri)) {
        return { ok: false, error: 'redirect_uri_mismatch', message: 'Redirect URI mismatch.' };
      }
      const user = state.users.get(request.user_id);
      if (user?.status !== 'active') {
        return { ok: false, error: 'invalid_user', message: 'No such active user.' };
      }
      if (app.kind === 'account_level' && user.role === 'member') {
        // Account-level (admin-managed) apps are installed by an owner or admin only.
        return {
          ok: false,
          error: 'access_denied',
          message: 'Only an account owner or admin can authorize an account-level app.',
        };
      }
      let method: 'S256' | 'plain' | null = null;
      if (request.code_challenge) {
        const given = request.code_challenge_method ?? 'plain';
        if (given !== 'S256' && given !== 'plain') {
          return {
            ok: false,
            error: 'invalid_request',
            message: 'code_challenge_method must be S256 or plain.',
          };
        }
        method = given;
      }
      const code = state.random.string(32);
      state.codes.set(code, {
        code,
        client_id: app.client_id,
        user_id: user.id,
        redirect_uri: request.redirect_uri,
        code_challenge: request.code_challenge ?? null,
        code_challenge_method: method,
        expires_at_ms: clock.nowMs() + CODE_LIFETIME_MS,
        used: false,
      });
      const redirect = new URL(request.redirect_uri);
      redirect.searchParams.set('code', code);
      if (request.state !== undefined) redirect.searchParams.set('state', request.state);
      return { ok: true, code, redirect: redirect.toString() };
    },

    exchangeCode(
      app: App,
      params: { code?: string; redirect_uri?: string; code_verifier?: string },
    ): OAuthResult {
      if (!params.code) return { ok: false, error: oauthErrors.invalidCode() };
      const code = state.codes.get(params.code);
      if (!code || code.used || code.client_id !== app.client_id) {
        return { ok: false, error: oauthErrors.invalidCode() };
      }
      if (code.expires_at_ms <= clock.nowMs()) {
        state.codes.delete(code.code);
        return { ok: false, error: oauthErrors.invalidCode() };
      }
      if (params.redirect_uri !== code.redirect_uri) {
        return { ok: false, error: oauthErrors.redirectMismatch() };
      }
      if (!verifyPkce(code, params.code_verifier)) {
        return { ok: false, error: oauthErrors.invalidCodeVerifier() };
      }
      code.used = true;
      const user = state.users.get(code.user_id);
      if (!user) return { ok: false, error: oauthErrors.invalidCode() };
      endEarlierGrants(app, user);
      return { ok: true, ...newGrant(app, user) };
    },

    /**
     * A grant given without the consent round trip, for seeding a large world (the admin bulk
     * endpoint). Only for users created in the same call: they hold no earlier grant to end, and
     * looking for one among every grant would make seeding quadratic.
     */
    grantToNewUser: (app: App, user: User) => newGrant(app, user),

    refresh(app: App, refreshToken: string | undefined): OAuthResult {
      if (!refreshToken) return { ok: false, error: oauthErrors.invalidRefreshToken() };
      const grantId = state.grantIdByRefreshToken.get(refreshToken);
      const grant = grantId ? state.grants.get(grantId) : undefined;
      if (
        !grant?.active ||
        grant.app_id !== app.id ||
        grant.refresh_expires_at_ms <= clock.nowMs()
      ) {
        return { ok: false, error: oauthErrors.invalidRefreshToken() };
      }
      return { ok: true, tokens: rotate(grant, app), grant };
    },

    /** Zoom's revoke uninstalls the app for that user: access and refresh tokens die together. */
    revoke(app: App, token: string | undefined): Grant | null {
      if (!token) return null;
      const grantId =
        state.accessTokens.get(token)?.grant_id ?? state.grantIdByRefreshToken.get(token);
      const grant = grantId ? state.grants.get(grantId) : undefined;
      if (!grant || grant.app_id !== app.id) return null;
      endGrant(grant, 'revoked');
      return grant;
    },

    deauthorize(app: App, userId: string): Grant[] {
      const ended: Grant[] = [];
      for (const grant of state.grants.values()) {
        if (grant.active && grant.app_id === app.id && grant.user_id === userId) {
          endGrant(grant, 'deauthorized');
          ended.push(grant);
        }
      }
      return ended;
    },

    endGrant,

    authenticateAccessToken(authorization: string | undefined): AuthenticatedCall | ZoomApiError {
      const token = authorization?.startsWith('Bearer ')
        ? authorization.slice(7).trim()
        : undefined;
      const record = token ? state.accessTokens.get(token) : undefined;
      if (!record) return apiErrors.invalidAccessToken();
      if (record.expires_at_ms <= clock.nowMs()) return apiErrors.expiredAccessToken();
      const grant = state.grants.get(record.grant_id);
      const app = grant ? state.apps.get(grant.app_id) : undefined;
      const user = grant ? state.users.get(grant.user_id) : undefined;
      if (!grant?.active || !app || !user) return apiErrors.invalidAccessToken();
      return { grant, app, user };
    },
  };
}

export type OAuthService = ReturnType<typeof createOAuthService>;
