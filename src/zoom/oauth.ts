import { ZoomOAuthTokens } from './answers.ts';
import { checkAnswer } from './api.ts';
import { parseJsonObject, type ZoomHttp } from './http.ts';

export interface ZoomTokenSet {
  accessToken: string;
  refreshToken: string;
  /** Seconds, from Zoom's answer: never assume an hour. */
  expiresIn: number;
  scopes: string[];
}

/**
 * Why Zoom refused a token request. `grant_dead` and `client_rejected` need a person to act;
 * `transient` (5xx, 429, timeouts, lost answers) is worth retrying.
 */
export type ZoomOAuthFailureKind =
  | 'invalid_code'
  | 'redirect_mismatch'
  | 'invalid_code_verifier'
  | 'grant_dead'
  | 'client_rejected'
  | 'transient'
  | 'unexpected';

export class ZoomOAuthError extends Error {
  readonly kind: ZoomOAuthFailureKind;
  readonly status: number | null;
  readonly zoomReason: string;
  constructor(kind: ZoomOAuthFailureKind, status: number | null, zoomReason: string) {
    super(`Zoom OAuth ${kind}${status ? ` (HTTP ${status})` : ''}: ${zoomReason}`);
    this.name = 'ZoomOAuthError';
    this.kind = kind;
    this.status = status;
    this.zoomReason = zoomReason;
  }
}

export interface ZoomClientCredentials {
  clientId: string;
  clientSecret: string;
}

function classify(status: number, body: Record<string, unknown> | null): ZoomOAuthFailureKind {
  if (status >= 500 || status === 429) return 'transient';
  const error = String(body?.error ?? '');
  const reason = String(body?.reason ?? '').toLowerCase();
  if (error === 'invalid_client' || status === 401) return 'client_rejected';
  if (reason.includes('redirect')) return 'redirect_mismatch';
  if (reason.includes('code_verifier')) return 'invalid_code_verifier';
  if (reason.includes('authorization code')) return 'invalid_code';
  if (error === 'invalid_grant') return 'grant_dead';
  return 'unexpected';
}

/** Zoom's 200: checked at the door like every REST answer (ZoomBadAnswerError when malformed). */
function tokenSetFrom(body: unknown): ZoomTokenSet {
  const answer = checkAnswer(ZoomOAuthTokens, 'POST /oauth/token', body);
  const expiresIn = Number(answer.expires_in);
  return {
    accessToken: answer.access_token,
    refreshToken: answer.refresh_token,
    expiresIn: Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn : 3600,
    scopes: (answer.scope ?? '').split(/[\s,]+/).filter(Boolean),
  };
}

/** Zoom's OAuth endpoints (`/oauth/token`, `/oauth/revoke`) under a configurable base. */
export function createZoomOAuthClient(deps: { http: ZoomHttp; oauthUrl: string }) {
  const { http, oauthUrl } = deps;
  const basicAuth = (client: ZoomClientCredentials) =>
    `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}`;

  async function tokenRequest(
    client: ZoomClientCredentials,
    form: Record<string, string>,
  ): Promise<ZoomTokenSet> {
    const response = await http.send({
      method: 'POST',
      url: `${oauthUrl}/oauth/token`,
      headers: {
        authorization: basicAuth(client),
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams(form).toString(),
    });
    const body = parseJsonObject(response.text);
    if (response.status === 200) return tokenSetFrom(body);
    throw new ZoomOAuthError(
      classify(response.status, body),
      response.status,
      String(body?.reason ?? body?.error ?? response.text.slice(0, 200)),
    );
  }

  return {
    exchangeCode(
      client: ZoomClientCredentials,
      grant: { code: string; redirectUri: string; codeVerifier?: string },
    ) {
      return tokenRequest(client, {
        grant_type: 'authorization_code',
        code: grant.code,
        redirect_uri: grant.redirectUri,
        ...(grant.codeVerifier !== undefined && { code_verifier: grant.codeVerifier }),
      });
    },

    refresh(client: ZoomClientCredentials, refreshToken: string) {
      return tokenRequest(client, { grant_type: 'refresh_token', refresh_token: refreshToken });
    },

    async revoke(client: ZoomClientCredentials, token: string): Promise<void> {
      await http.send({
        method: 'POST',
        url: `${oauthUrl}/oauth/revoke`,
        headers: {
          authorization: basicAuth(client),
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({ token }).toString(),
      });
    },
  };
}

export type ZoomOAuthClient = ReturnType<typeof createZoomOAuthClient>;
