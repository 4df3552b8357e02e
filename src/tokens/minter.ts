import type { CredentialRow } from '../credentials/store.ts';
import type { TokenManager } from '../credentials/token-manager.ts';
import type { StatsRecorder } from '../stats/metrics.ts';
import { type ZoomApiClient, ZoomApiError } from '../zoom/api.ts';
import { ZoomUnreachableError } from '../zoom/http.ts';

export const TOKEN_KINDS = ['join_token', 'third_party_recording_token', 'zak', 'obf'] as const;
export type TokenKind = (typeof TOKEN_KINDS)[number];

export interface MintedToken {
  token: string;
  expires_at: string;
}

export interface MintFailure {
  code: string;
  message: string;
  zoom_code?: number;
}

/** A kind that could not be minted, with a code a program can branch on and words a person reads. */
export class MintError extends Error {
  readonly failure: MintFailure;
  constructor(failure: MintFailure) {
    super(failure.message);
    this.name = 'MintError';
    this.failure = failure;
  }
}

export interface MintRequest {
  credential: CredentialRow;
  meetingId: number;
  hostUserId: string;
  bypassWaitingRoom: boolean;
  variant: 'web' | 'native';
  obfUserId: string | null;
  /** Epoch ms by which every kind must be answered. */
  deadline: number;
}

/** Zoom documents these lifetimes; its answers carry `expire_in` only for meeting tokens. */
const USER_TOKEN_LIFETIME_SECONDS = 2 * 3600;
export const THIRD_PARTY_SCOPE = 'meeting_token:read:admin:3rdpartyrecording';

function failureFrom(error: unknown, kind: TokenKind): MintFailure {
  if (error instanceof MintError) return error.failure;
  if (error instanceof ZoomApiError) {
    if (error.transient)
      return { code: 'zoom_unavailable', message: `Zoom did not answer (${error.zoomMessage}).` };
    return {
      code: 'zoom_refused',
      message: `Zoom refused the ${kind.replaceAll('_', ' ')}: ${error.zoomMessage}`,
      ...(error.code !== null && { zoom_code: error.code }),
    };
  }
  if (error instanceof ZoomUnreachableError)
    return { code: 'zoom_unavailable', message: error.message };
  if (error instanceof Error && error.name === 'CredentialUnhealthyError')
    return { code: 'credential_unhealthy', message: error.message };
  if (error instanceof Error && error.name === 'UpstreamUnavailableError')
    return { code: 'zoom_unavailable', message: error.message };
  throw error;
}

/**
 * One Zoom call per token (steady state): the access token comes from the credential's cache,
 * refreshed in the background, and the pool keeps connections alive. Zoom's 124 triggers one
 * forced refresh and one retry (TokenManager.callWithToken).
 */
export function createMinter(deps: {
  api: ZoomApiClient;
  tokenManager: TokenManager;
  /** Zoom's path for 3rd party recording tokens (closed beta, unconfirmed), `{meetingId}` templated. */
  thirdPartyRecordingPath: string;
  stats: StatsRecorder;
  now: () => number;
}) {
  const { api, tokenManager, now } = deps;

  function zoomGet<T>(request: MintRequest, path: string): Promise<T> {
    return tokenManager.callWithToken(request.credential, (token) =>
      api.get<T>(path, token, Math.max(1, request.deadline - now())),
    );
  }

  const expiresIn = (seconds: number) => new Date(now() + seconds * 1000).toISOString();
  const ownUser = (request: MintRequest, userId: string) =>
    request.credential.app_kind === 'user_level' && request.credential.zoom_user_id === userId
      ? 'me'
      : encodeURIComponent(userId);

  const mintKind: Record<TokenKind, (request: MintRequest) => Promise<MintedToken>> = {
    async join_token(request) {
      const answer = await zoomGet<{ token: string; expire_in?: number }>(
        request,
        `/meetings/${request.meetingId}/jointoken/local_recording?bypass_waiting_room=${request.bypassWaitingRoom}`,
      );
      return { token: answer.token, expires_at: expiresIn(answer.expire_in ?? 120) };
    },

    async third_party_recording_token(request) {
      if (request.credential.app_kind !== 'account_level') {
        throw new MintError({
          code: 'account_level_app_required',
          message: '3rd party recording tokens exist only for account-level (admin-managed) apps.',
        });
      }
      if (request.variant !== 'native') {
        throw new MintError({
          code: 'native_variant_required',
          message:
            '3rd party recording tokens work only for native (Meeting SDK) bots: ask with variant "native".',
        });
      }
      if (
        request.credential.scopes.length > 0 &&
        !request.credential.scopes.includes(THIRD_PARTY_SCOPE)
      ) {
        throw new MintError({
          code: 'missing_scope',
          message: `The grant lacks the scope ${THIRD_PARTY_SCOPE}.`,
        });
      }
      const path = deps.thirdPartyRecordingPath.replace('{meetingId}', String(request.meetingId));
      const answer = await zoomGet<{ token: string; expire_in?: number }>(request, path);
      return { token: answer.token, expires_at: expiresIn(answer.expire_in ?? 120) };
    },

    async zak(request) {
      const answer = await zoomGet<{ token: string }>(
        request,
        `/users/${ownUser(request, request.hostUserId)}/token?type=zak`,
      );
      return { token: answer.token, expires_at: expiresIn(USER_TOKEN_LIFETIME_SECONDS) };
    },

    async obf(request) {
      const userId = request.obfUserId ?? request.hostUserId;
      const answer = await zoomGet<{ token: string }>(
        request,
        `/users/${ownUser(request, userId)}/token?type=onbehalf&meeting_id=${request.meetingId}`,
      );
      return { token: answer.token, expires_at: expiresIn(USER_TOKEN_LIFETIME_SECONDS) };
    },
  };

  return {
    /** Mints each kind in parallel; a kind that fails is reported, the others still come back. */
    async mint(request: MintRequest, kinds: readonly TokenKind[]) {
      const results = await Promise.all(
        kinds.map(async (kind) => {
          const remaining = request.deadline - now();
          let timer: NodeJS.Timeout | undefined;
          const deadline = new Promise<never>((_resolve, reject) => {
            timer = setTimeout(
              () =>
                reject(
                  new MintError({
                    code: 'deadline_exceeded',
                    message: `Zoom did not answer within the ${Math.round(remaining)} ms left.`,
                  }),
                ),
              Math.max(0, remaining),
            );
          });
          try {
            return { kind, token: await Promise.race([mintKind[kind](request), deadline]) };
          } catch (error) {
            // The request's own timeout (set to the time left) and the race both mean the same.
            if (error instanceof ZoomUnreachableError && now() >= request.deadline - 10) {
              return {
                kind,
                failure: {
                  code: 'deadline_exceeded',
                  message: `Zoom did not answer within the ${Math.round(remaining)} ms left.`,
                },
              };
            }
            return { kind, failure: failureFrom(error, kind) };
          } finally {
            clearTimeout(timer);
          }
        }),
      );
      const tokens: Partial<Record<TokenKind, MintedToken>> = {};
      const errors: Partial<Record<TokenKind, MintFailure>> = {};
      for (const result of results) {
        if ('token' in result && result.token) tokens[result.kind] = result.token;
        else if ('failure' in result && result.failure) errors[result.kind] = result.failure;
      }
      for (const kind of Object.keys(tokens) as TokenKind[])
        deps.stats.count(request.credential.workspace_id, `tokens_minted.${kind}`);
      return { tokens, errors };
    },
  };
}

export type Minter = ReturnType<typeof createMinter>;
