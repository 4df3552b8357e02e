import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import { Type } from 'typebox';
import { API_KEY_SECURITY, authenticatedErrors, IdParams } from '../http/schemas.ts';
import { readCookie } from './browser-binding.ts';
import { ConnectLinkObject, CreateConnectLinkBody } from './schemas.ts';
import type { ConnectOutcome, ConnectService } from './service.ts';

const tags = ['Hosted Connect flow'];

/** `POST/GET /api/v2/zoom-connect-links/`: behind the API key. */
export const connectLinkRoutes: FastifyPluginAsyncTypebox<{
  connectService: ConnectService;
}> = async (app, { connectService }) => {
  const security = API_KEY_SECURITY;
  app.post(
    '/api/v2/zoom-connect-links/',
    {
      schema: {
        tags,
        security,
        description:
          'A link to send an end user through Zoom authorization. Register `{PUBLIC_URL}/oauth/zoom/callback` as a redirect URL of the Zoom app. The link stays usable until a credential is committed through it (created, or an existing one healed) or it expires; each opening is bound to its browser by a cookie.',
        body: CreateConnectLinkBody,
        response: { 201: ConnectLinkObject, ...authenticatedErrors },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await connectService.create(request.auth.workspaceId, request.body)),
  );

  app.get(
    '/api/v2/zoom-connect-links/:id/',
    {
      schema: {
        tags,
        security,
        params: IdParams,
        response: { 200: ConnectLinkObject, ...authenticatedErrors },
      },
    },
    async (request) => connectService.get(request.auth.workspaceId, request.params.id),
  );
};

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (char) =>
      ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char] as string,
  );

function sendOutcome(reply: FastifyReply, outcome: ConnectOutcome): FastifyReply {
  // The state and codes in these URLs must not leak to other sites through the Referer header.
  reply.header('referrer-policy', 'no-referrer').header('cache-control', 'no-store');
  if (outcome.cookie) reply.header('set-cookie', outcome.cookie);
  if ('redirect' in outcome) return reply.redirect(outcome.redirect, 302);
  const { status, title, message } = outcome.page;
  return reply
    .code(status)
    .type('text/html; charset=utf-8')
    .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'")
    .send(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">` +
        `<title>${escapeHtml(title)}</title><style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;color:#1f2933}</style>` +
        `</head><body><h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p></body></html>`,
    );
}

/** The end user's side: opened in a browser, no API key; the link token and OAuth state are the auth. */
export const connectBrowserRoutes: FastifyPluginAsyncTypebox<{
  connectService: ConnectService;
}> = async (app, { connectService }) => {
  app.get(
    '/oauth/zoom/connect/:token',
    {
      schema: {
        hide: true,
        params: Type.Object({ token: Type.String({ minLength: 1, maxLength: 200 }) }),
      },
    },
    async (request, reply) => sendOutcome(reply, await connectService.start(request.params.token)),
  );

  app.get(
    '/oauth/zoom/callback',
    {
      schema: {
        hide: true,
        querystring: Type.Object({
          code: Type.Optional(Type.String({ maxLength: 2000 })),
          state: Type.Optional(Type.String({ maxLength: 500 })),
          error: Type.Optional(Type.String({ maxLength: 200 })),
          error_description: Type.Optional(Type.String({ maxLength: 2000 })),
        }),
      },
    },
    async (request, reply) =>
      sendOutcome(
        reply,
        await connectService.complete(request.query, (name) =>
          readCookie(request.headers.cookie, name),
        ),
      ),
  );
};
