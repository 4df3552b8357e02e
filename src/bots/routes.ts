import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { listPage } from '../http/pagination.ts';
import { API_KEY_SECURITY, authenticatedErrors, IdParams } from '../http/schemas.ts';
import { BotListQuery, BotObject, BotPage, CreateBotBody, StatusChangeBody } from './schemas.ts';
import type { BotService } from './service.ts';

const tags = ['Bots'];

export const botRoutes: FastifyPluginAsyncTypebox<{
  botService: BotService;
  publicUrl: string;
}> = async (app, { botService, publicUrl }) => {
  const security = API_KEY_SECURITY;

  app.post(
    '/api/v1/bot/',
    {
      schema: {
        tags,
        security,
        description:
          "Sends a bot to a meeting now or at join_at. At join time Hostpass builds the join plan (tokens from the caller's zoom.*_url, else minted from its credentials) and hands it to the configured bot runtime.",
        body: CreateBotBody,
        response: { 201: BotObject, ...authenticatedErrors },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await botService.create(request.auth.workspaceId, request.body)),
  );

  app.get(
    '/api/v1/bot/',
    {
      schema: {
        tags,
        security,
        querystring: BotListQuery,
        response: { 200: BotPage, ...authenticatedErrors },
      },
    },
    async (request) =>
      listPage(request, publicUrl, (_filters, window) =>
        botService.list(request.auth.workspaceId, window),
      ),
  );

  app.get(
    '/api/v1/bot/:id/',
    {
      schema: {
        tags,
        security,
        params: IdParams,
        response: { 200: BotObject, ...authenticatedErrors },
      },
    },
    async (request) => botService.get(request.auth.workspaceId, request.params.id),
  );

  app.post(
    '/api/v1/bot/:id/status-changes/',
    {
      schema: {
        tags,
        security,
        description: 'For bot runtimes: report a status change of the bot.',
        params: IdParams,
        body: StatusChangeBody,
        response: { 201: BotObject, ...authenticatedErrors },
      },
    },
    async (request, reply) =>
      reply
        .code(201)
        .send(
          await botService.reportStatus(request.auth.workspaceId, request.params.id, request.body),
        ),
  );
};
