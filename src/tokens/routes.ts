import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Keyring } from '../crypto/keyring.ts';
import { NotFoundError } from '../errors.ts';
import { API_KEY_SECURITY, authenticatedErrors, ErrorDetail } from '../http/schemas.ts';
import { TOKEN_KINDS, type TokenKind } from './minter.ts';
import { MintAnswer, MintBody, TokenUrlsAnswer, TokenUrlsBody } from './schemas.ts';
import type { TokenService } from './service.ts';
import { signTokenUrl, TOKEN_URL_PATH, verifyTokenUrl } from './token-urls.ts';

const tags = ['Tokens for bots'];
const URL_FIELDS: Record<
  TokenKind,
  'join_token_url' | 'third_party_recording_token_url' | 'zak_url' | 'obf_token_url'
> = {
  join_token: 'join_token_url',
  third_party_recording_token: 'third_party_recording_token_url',
  zak: 'zak_url',
  obf: 'obf_token_url',
};

export interface TokenRoutesOptions {
  tokenService: TokenService;
  keyring: Keyring;
  publicUrl: string;
  now: () => number;
}

/** `POST /api/v2/zoom-tokens/` and `POST /api/v2/zoom-token-urls/`: behind the API key. */
export const tokenRoutes: FastifyPluginAsyncTypebox<TokenRoutesOptions> = async (app, options) => {
  const { tokenService, keyring, publicUrl, now } = options;
  const security = API_KEY_SECURITY;

  app.post(
    '/api/v2/zoom-tokens/',
    {
      schema: {
        tags,
        security,
        description:
          "Every token the host's grant allows for a meeting, minted in parallel: the join token for local recording (waiting room bypassed), the 3rd party recording token, a ZAK, an on-behalf token.",
        body: MintBody,
        response: { 200: MintAnswer, ...authenticatedErrors },
      },
    },
    async (request, reply) => {
      reply.header('cache-control', 'no-store');
      return tokenService.mint(request.auth.workspaceId, request.body);
    },
  );

  app.post(
    '/api/v2/zoom-token-urls/',
    {
      schema: {
        tags,
        security,
        description:
          "Signed URLs a bot runtime GETs (no Authorization header) for one token as text/plain; usable as a bot service's zoom.join_token_url / zak_url / obf_token_url.",
        body: TokenUrlsBody,
        response: { 200: TokenUrlsAnswer, ...authenticatedErrors },
      },
    },
    async (request) => {
      const { ttl_seconds = 3600, kinds = [...TOKEN_KINDS], ...rest } = request.body;
      const meetingId = await tokenService.meetingIdOf(request.auth.workspaceId, rest);
      const expires = Math.floor(now() / 1000) + ttl_seconds;
      const urls: Record<(typeof URL_FIELDS)[TokenKind], string | null> = {
        join_token_url: null,
        third_party_recording_token_url: null,
        zak_url: null,
        obf_token_url: null,
      };
      for (const kind of kinds) {
        urls[URL_FIELDS[kind]] = signTokenUrl(keyring, publicUrl, {
          kind,
          workspaceId: request.auth.workspaceId,
          meetingId,
          expires,
          bypassWaitingRoom: rest.bypass_waiting_room ?? true,
          variant: rest.variant ?? 'web',
          obfUserId: rest.obf_user_id ?? null,
        });
      }
      return { meeting_id: meetingId, ...urls, expires_at: new Date(expires * 1000).toISOString() };
    },
  );
};

/** The URLs themselves: no API key, the signature is the authorization. */
export const tokenUrlRoutes: FastifyPluginAsyncTypebox<TokenRoutesOptions> = async (
  app,
  options,
) => {
  const { tokenService, keyring, now } = options;
  app.get(
    TOKEN_URL_PATH,
    {
      schema: {
        tags,
        description:
          'A token URL made by POST /api/v2/zoom-token-urls/: the token as text/plain, 404 when none can be made.',
        querystring: Type.Record(Type.String(), Type.String()),
        response: { 200: Type.String(), 403: ErrorDetail, 404: Type.String() },
      },
    },
    async (request, reply) => {
      reply.header('cache-control', 'no-store');
      const check = verifyTokenUrl(keyring, request.query, Math.floor(now() / 1000));
      if (!check.ok) {
        return reply.code(403).send({
          detail:
            check.reason === 'expired'
              ? 'This token URL has expired.'
              : 'This token URL is not valid (it was altered or signed by another server).',
        });
      }
      const { claims } = check;
      const answer = await tokenService
        .mint(claims.workspaceId, {
          meeting_id: claims.meetingId,
          kinds: [claims.kind],
          bypass_waiting_room: claims.bypassWaitingRoom,
          variant: claims.variant,
          ...(claims.obfUserId !== null && { obf_user_id: claims.obfUserId }),
        })
        .catch((error: unknown) => {
          // Only "no token for this meeting" is the runtime's business; anything else is ours (5xx).
          if (error instanceof NotFoundError) return { failure: error.message };
          throw error;
        });
      const minted = 'failure' in answer ? null : answer[claims.kind];
      if (!minted) {
        const reason =
          'failure' in answer
            ? answer.failure
            : (answer.errors[claims.kind]?.message ?? 'No token.');
        return reply.code(404).type('text/plain; charset=utf-8').send(reason);
      }
      return reply.type('text/plain; charset=utf-8').send(minted.token);
    },
  );
};
