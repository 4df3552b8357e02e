// Zoom's OAuth endpoints: the consent page (GET/POST /oauth/authorize), the token endpoint
// (Basic or form client auth; form body or query parameters, as Zoom accepts both) and revoke.

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { renderConsentPage, renderErrorPage } from './consent-page.ts';
import type { App } from './model.ts';
import type { ClientCredentials, OAuthService } from './oauth-service.ts';
import type { RequestNotes } from './request-notes.ts';
import type { EmulatorState } from './state.ts';
import { type OAuthError, oauthErrors } from './zoom-errors.ts';

type Params = Record<string, string | undefined>;

export interface OAuthRouteDeps {
  state: EmulatorState;
  oauth: OAuthService;
  notes: RequestNotes;
}

/** Zoom reads OAuth parameters from the form body and from the query string. */
function oauthParams(request: FastifyRequest): Params {
  const body = typeof request.body === 'object' && request.body !== null ? request.body : {};
  return { ...(request.query as Params), ...(body as Params) };
}

function clientCredentials(request: FastifyRequest, params: Params): ClientCredentials | null {
  const header = request.headers.authorization;
  if (header?.startsWith('Basic ')) {
    const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return null;
    return { client_id: decoded.slice(0, colon), client_secret: decoded.slice(colon + 1) };
  }
  if (params.client_id && params.client_secret) {
    return { client_id: params.client_id, client_secret: params.client_secret };
  }
  return null;
}

const sendOAuthError = (reply: FastifyReply, error: OAuthError) =>
  reply.code(error.status).header('cache-control', 'no-store').send(error.body);

export function registerOAuthRoutes(server: FastifyInstance, deps: OAuthRouteDeps): void {
  const { state, oauth, notes } = deps;

  const authenticate = (request: FastifyRequest, params: Params): App | null => {
    const credentials = clientCredentials(request, params);
    if (credentials) notes.add(request, { client_id: credentials.client_id });
    return oauth.authenticateClient(credentials);
  };

  server.post('/oauth/token', async (request, reply) => {
    const params = oauthParams(request);
    if (params.grant_type) notes.add(request, { grant_type: params.grant_type });
    const app = authenticate(request, params);
    if (!app) return sendOAuthError(reply, oauthErrors.invalidClient());
    let result: ReturnType<OAuthService['refresh']>;
    if (params.grant_type === 'authorization_code') {
      result = oauth.exchangeCode(app, {
        code: params.code,
        redirect_uri: params.redirect_uri,
        code_verifier: params.code_verifier,
      });
    } else if (params.grant_type === 'refresh_token') {
      result = oauth.refresh(app, params.refresh_token);
    } else {
      return sendOAuthError(reply, oauthErrors.unsupportedGrantType());
    }
    if (!result.ok) return sendOAuthError(reply, result.error);
    if (params.grant_type === 'refresh_token')
      notes.add(request, { refreshed_grant_id: result.grant.id });
    return reply.header('cache-control', 'no-store').send(result.tokens);
  });

  // Zoom's revoke uninstalls the app for the token's user (no app_deauthorized event is sent
  // for a revoke the app itself asked for). Unknown tokens are answered like known ones
  // (RFC 7009), so a retried revoke is harmless.
  server.post('/oauth/revoke', async (request, reply) => {
    const params = oauthParams(request);
    const app = authenticate(request, params);
    if (!app) return sendOAuthError(reply, oauthErrors.invalidClient());
    if (!params.token) return sendOAuthError(reply, oauthErrors.missingParameter('token'));
    oauth.revoke(app, params.token);
    return { status: 'success' };
  });

  server.get('/oauth/authorize', async (request, reply) => {
    const query = request.query as Params;
    const html = (status: number, body: string) =>
      reply.code(status).type('text/html; charset=utf-8').send(body);
    if (query.response_type !== 'code')
      return html(400, renderErrorPage('response_type must be "code".'));
    const app = query.client_id ? state.appByClientId(query.client_id) : undefined;
    if (!app) return html(400, renderErrorPage('Invalid client_id.'));
    // Never redirect to an unregistered URI: the error is shown here, as Zoom does (4709).
    if (!query.redirect_uri || !app.redirect_uris.includes(query.redirect_uri)) {
      return html(400, renderErrorPage('Redirect URI mismatch.'));
    }
    const users = [...state.users.values()].filter(
      (user) => user.status === 'active' && (app.kind === 'user_level' || user.role !== 'member'),
    );
    return html(
      200,
      renderConsentPage(app, users, {
        client_id: app.client_id,
        redirect_uri: query.redirect_uri,
        state: query.state,
        code_challenge: query.code_challenge,
        code_challenge_method: query.code_challenge_method,
      }),
    );
  });

  server.post('/oauth/authorize', async (request, reply) => {
    const form = oauthParams(request);
    const html = (status: number, body: string) =>
      reply.code(status).type('text/html; charset=utf-8').send(body);
    const app = form.client_id ? state.appByClientId(form.client_id) : undefined;
    if (!app || !form.redirect_uri || !app.redirect_uris.includes(form.redirect_uri)) {
      return html(400, renderErrorPage('Invalid client_id or redirect URI.'));
    }
    if (form.decision !== 'allow') {
      const denied = new URL(form.redirect_uri);
      denied.searchParams.set('error', 'access_denied');
      if (form.state !== undefined) denied.searchParams.set('state', form.state);
      return reply.redirect(denied.toString(), 302);
    }
    const result = oauth.consent({
      client_id: app.client_id,
      user_id: form.user_id ?? '',
      redirect_uri: form.redirect_uri,
      state: form.state,
      code_challenge: form.code_challenge,
      code_challenge_method: form.code_challenge_method,
    });
    if (!result.ok) return html(400, renderErrorPage(result.message));
    return reply.redirect(result.redirect, 302);
  });
}
