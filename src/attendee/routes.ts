import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { listPage } from '../http/pagination.ts';
import { keepRawJsonBody } from '../http/raw-json-body.ts';
import { API_KEY_SECURITY, authenticatedErrors, ErrorDetail, IdParams } from '../http/schemas.ts';
import {
  AttendeeCallbackHeaders,
  AttendeeIntegrationListQuery,
  AttendeeIntegrationObject,
  AttendeeIntegrationPage,
  CreateAttendeeIntegrationBody,
  ZoomTokensAnswer,
  ZoomTokensQuery,
} from './schemas.ts';
import type { AttendeeService } from './service.ts';

const tags = ['Attendee'];
const PATH = '/api/v2/integrations/attendee/';
/** Attendee's callback is a few hundred bytes plus the bot's metadata. */
export const CALLBACK_BODY_LIMIT_BYTES = 64 * 1024;

export interface AttendeeRoutesOptions {
  attendeeService: AttendeeService;
  publicUrl: string;
}

/** `/api/v2/integrations/attendee/`: behind the API key. */
export const attendeeIntegrationRoutes: FastifyPluginAsyncTypebox<AttendeeRoutesOptions> = async (
  app,
  { attendeeService, publicUrl },
) => {
  const security = API_KEY_SECURITY;

  app.post(
    PATH,
    {
      schema: {
        tags,
        security,
        description:
          "Connects an Attendee project: its bots then fetch their Zoom tokens from the returned zoom_tokens_url (Attendee's `callback_settings.zoom_tokens_url`).",
        body: CreateAttendeeIntegrationBody,
        response: { 201: AttendeeIntegrationObject, ...authenticatedErrors },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await attendeeService.create(request.auth.workspaceId, request.body)),
  );

  app.get(
    PATH,
    {
      schema: {
        tags,
        security,
        querystring: AttendeeIntegrationListQuery,
        response: { 200: AttendeeIntegrationPage, ...authenticatedErrors },
      },
    },
    async (request) =>
      listPage(request, publicUrl, (filters, window) =>
        attendeeService.list(request.auth.workspaceId, filters, window),
      ),
  );

  app.get(
    `${PATH}:id/`,
    {
      schema: {
        tags,
        security,
        params: IdParams,
        response: { 200: AttendeeIntegrationObject, ...authenticatedErrors },
      },
    },
    async (request) => attendeeService.get(request.auth.workspaceId, request.params.id),
  );

  app.delete(
    `${PATH}:id/`,
    {
      schema: {
        tags,
        security,
        description: 'Its zoom_tokens_url stops answering (404) at once.',
        params: IdParams,
        response: { 204: Type.Null(), ...authenticatedErrors },
      },
    },
    async (request, reply) => {
      await attendeeService.delete(request.auth.workspaceId, request.params.id);
      return reply.code(204).send(null);
    },
  );
};

const CALLBACK_DESCRIPTION = `Attendee's \`zoom_tokens\` callback: the \`zoom_tokens_url\` of an integration. No API
key: the URL's \`key\` makes it unguessable, and Attendee's signature (\`X-Webhook-Signature\`, base64
HMAC-SHA256 with the project's webhook secret over \`{X-Webhook-Timestamp}.{body}\`, the timestamp within
5 minutes; or, from older Attendee versions without a timestamp, the legacy signature over the
sorted-key JSON) authenticates each call. Answers the tokens for the body's \`meeting_url\`; a token
that cannot be minted (or a meeting no grant reaches) is null, with a line in the logs.`;

/** The callback: its own plugin, so its JSON parser keeps the raw bytes the signature covers. */
export const attendeeCallbackRoutes: FastifyPluginAsyncTypebox<AttendeeRoutesOptions> = async (
  app,
  { attendeeService },
) => {
  keepRawJsonBody(app, CALLBACK_BODY_LIMIT_BYTES);

  app.post(
    `${PATH}:id/zoom-tokens/`,
    {
      bodyLimit: CALLBACK_BODY_LIMIT_BYTES,
      schema: {
        tags,
        summary: "Attendee's zoom_tokens_url",
        description: CALLBACK_DESCRIPTION,
        security: [],
        params: IdParams,
        querystring: ZoomTokensQuery,
        headers: AttendeeCallbackHeaders,
        response: {
          200: ZoomTokensAnswer,
          400: ErrorDetail,
          401: ErrorDetail,
          404: ErrorDetail,
          413: ErrorDetail,
          415: ErrorDetail,
        },
      },
    },
    async (request, reply) => {
      reply.header('cache-control', 'no-store');
      return attendeeService.answerZoomTokens({
        integrationId: request.params.id,
        key: request.query.key,
        signature: request.headers['x-webhook-signature'],
        timestamp: request.headers['x-webhook-timestamp'],
        legacySignature: request.headers['x-webhook-signature-legacy'],
        body: Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0),
      });
    },
  );
};
