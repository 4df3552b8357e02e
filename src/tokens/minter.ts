import type { Static, TSchema } from 'typebox';
import { CredentialUnhealthyError } from '../credentials/errors.ts';
import type { CredentialRow } from '../credentials/service.ts';
import type { TokenManager } from '../credentials/token-manager.ts';
import { UpstreamUnavailableError } from '../errors.ts';
import type { MeetingKind } from '../meetings/service.ts';
import type { StatsRecorder } from '../stats/metrics.ts';
import { ZoomMeetingToken, ZoomUserToken } from '../zoom/answers.ts';
import { type ZoomApiClient, ZoomApiError, ZoomBadAnswerError } from '../zoom/api.ts';
import { ZoomUnreachableError } from '../zoom/http.ts';
import type { MintedToken, MintFailure, TokenKind } from './schemas.ts';

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
  /** A webinar's tokens come from Zoom's webinar endpoints. Default 'meeting'. */
  kind?: MeetingKind;
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
  if (error instanceof ZoomBadAnswerError)
    return { code: 'zoom_bad_answer', message: error.message };
  if (error instanceof ZoomUnreachableError)
    return { code: 'zoom_unavailable', message: error.message };
  if (error instanceof CredentialUnhealthyError)
    return { code: 'credential_unhealthy', message: error.message };
  if (error instanceof UpstreamUnavailableError)
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

  function zoomGet<S extends TSchema>(
    request: MintRequest,
    schema: S,
    path: string,
  ): Promise<Static<S>> {
    return tokenManager.callWithToken(request.credential, (token) =>
      api.get(schema, path, token, Math.max(1, request.deadline - now())),
    );
  }

  const expiresIn = (seconds: number) => new Date(now() + seconds * 1000).toISOString();
  const ownUser = (request: MintRequest, userId: string) =>
    request.credential.app_kind === 'user_level' && request.credential.zoom_user_id === userId
      ? 'me'
      : encodeURIComponent(userId);

  const mintKind: Record<TokenKind, (request: MintRequest) => Promise<MintedToken>> = {
    async join_token(request) {
      // Webinars have no waiting room to bypass: Zoom's webinar endpoint takes no parameter.
      const path =
        request.kind === 'webinar'
          ? `/webinars/${request.meetingId}/jointoken/local_recording`
          : `/meetings/${request.meetingId}/jointoken/local_recording?bypass_waiting_room=${request.bypassWaitingRoom}`;
      const answer = await zoomGet(request, ZoomMeetingToken, path);
      return { token: answer.token, expires_at: expiresIn(answer.expire_in ?? 120) };
    },

    async third_party_recording_token(request) {
      if (request.kind === 'webinar') {
        throw new MintError({
          code: 'meetings_only',
          message:
            '3rd party recording tokens exist for meetings only; a webinar takes its join token for local recording.',
        });
      }
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
      const answer = await zoomGet(request, ZoomMeetingToken, path);
      return { token: answer.token, expires_at: expiresIn(answer.expire_in ?? 120) };
    },

    async zak(request) {
      const answer = await zoomGet(
        request,
        ZoomUserToken,
        `/users/${ownUser(request, request.hostUserId)}/token?type=zak`,
      );
      return { token: answer.token, expires_at: expiresIn(USER_TOKEN_LIFETIME_SECONDS) };
    },

    async obf(request) {
      const userId = request.obfUserId ?? request.hostUserId;
      const answer = await zoomGet(
        request,
        ZoomUserToken,
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
            const token = await Promise.race([mintKind[kind](request), deadline]);
            return { ok: true as const, kind, token };
          } catch (error) {
            // The request's own timeout (set to the time left) and the race both mean the same.
            if (error instanceof ZoomUnreachableError && now() >= request.deadline - 10) {
              return {
                ok: false as const,
                kind,
                failure: {
                  code: 'deadline_exceeded',
                  message: `Zoom did not answer within the ${Math.round(remaining)} ms left.`,
                },
              };
            }
            return { ok: false as const, kind, failure: failureFrom(error, kind) };
          } finally {
            clearTimeout(timer);
          }
        }),
      );
      const tokens: Partial<Record<TokenKind, MintedToken>> = {};
      const errors: Partial<Record<TokenKind, MintFailure>> = {};
      for (const result of results) {
        if (result.ok) tokens[result.kind] = result.token;
        else errors[result.kind] = result.failure;
      }
      for (const kind of Object.keys(tokens) as TokenKind[])
        deps.stats.count(request.credential.workspace_id, `tokens_minted.${kind}`);
      return { tokens, errors };
    },
  };
}

export type Minter = ReturnType<typeof createMinter>;
