import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { API_KEY_SECURITY, authenticatedErrors, ErrorDetail, IdParams } from '../http/schemas.ts';
import { MintAnswer, MintBody, TokenUrlQuery, TokenUrlsAnswer, TokenUrlsBody } from './schemas.ts';
import type { TokenService } from './service.ts';
import type { TokenUrlService } from './token-url-service.ts';
import { TOKEN_URL_PATH } from './token-urls.ts';

const tags = ['Tokens for bots'];

export interface TokenRoutesOptions {
  tokenService: TokenService;
  tokenUrlService: TokenUrlService;
}

/** `POST /api/v2/zoom-tokens/` and `/api/v2/zoom-token-urls/`: behind the API key. */
export const tokenRoutes: FastifyPluginAsyncTypebox<TokenRoutesOptions> = async (
  app,
  { tokenService, tokenUrlService },
) => {
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
        response: { 200: MintAnswer, ...authenticatedErrors, 502: ErrorDetail },
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
          "Signed URLs a bot runtime GETs (no Authorization header) for one token as text/plain; usable as a bot service's zoom.join_token_url / zak_url / obf_token_url. `DELETE /api/v2/zoom-token-urls/{id}/` revokes them before they expire.",
        body: TokenUrlsBody,
        response: { 200: TokenUrlsAnswer, ...authenticatedErrors },
      },
    },
    async (request) => tokenUrlService.create(request.auth.workspaceId, request.body),
  );

  app.delete(
    '/api/v2/zoom-token-urls/:id/',
    {
      schema: {
        tags,
        security,
        description:
          'Revokes the token URLs made together under this id (the `id` of the POST answer): from now on they answer 404, on every Hostpass process (on the others within milliseconds).',
        params: IdParams,
        response: { 204: Type.Null(), ...authenticatedErrors },
      },
    },
    async (request, reply) => {
      await tokenUrlService.revoke(request.auth.workspaceId, request.params.id);
      return reply.code(204).send(null);
    },
  );
};

/** The URLs themselves: no API key, the signature is the authorization. */
export const tokenUrlRoutes: FastifyPluginAsyncTypebox<TokenRoutesOptions> = async (
  app,
  { tokenUrlService },
) => {
  app.get(
    TOKEN_URL_PATH,
    {
      // Every GET mints (and a join token is single-use): a HEAD must not, so it is not a GET.
      exposeHeadRoute: false,
      schema: {
        tags,
        description:
          'A token URL made by POST /api/v2/zoom-token-urls/: the token as text/plain; 403 when altered or expired, 404 (with a `code`) when revoked or when no token can be made. HEAD answers 405 without minting.',
        querystring: TokenUrlQuery,
        response: { 200: Type.String(), 403: ErrorDetail, 404: ErrorDetail, 502: ErrorDetail },
      },
    },
    async (request, reply) => {
      reply.header('cache-control', 'no-store');
      const answer = await tokenUrlService.answer(request.query);
      if (!answer.ok) return reply.code(answer.status).send(answer.body);
      return reply.type('text/plain; charset=utf-8').send(answer.token);
    },
  );

  app.head(TOKEN_URL_PATH, { schema: { hide: true } }, async (request, reply) =>
    reply
      .code(405)
      .header('allow', 'GET')
      .send({ detail: `Method "${request.method}" not allowed.` }),
  );
};
