import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { listPage } from '../http/pagination.ts';
import { API_KEY_SECURITY, authenticatedErrors, IdParams } from '../http/schemas.ts';
import { ApiKeyListQuery, ApiKeyPage, CreateApiKeyBody, CreatedApiKeyObject } from './schemas.ts';
import type { ApiKeyService, CreatedApiKey } from './service.ts';
import type { ApiKeyRow } from './store.ts';

export interface ApiKeyRoutesOptions {
  apiKeyService: ApiKeyService;
  publicUrl: string;
}

const tags = ['API keys'];

export function toApiKeyView(row: ApiKeyRow) {
  return { id: row.id, name: row.name, prefix: row.key_prefix, created_at: row.created_at };
}

export function toCreatedApiKeyView(created: CreatedApiKey) {
  return { ...toApiKeyView(created.record), key: created.key };
}

export const apiKeyRoutes: FastifyPluginAsyncTypebox<ApiKeyRoutesOptions> = async (
  app,
  { apiKeyService, publicUrl },
) => {
  const security = API_KEY_SECURITY;

  app.get(
    '/api/v2/api-keys/',
    {
      schema: {
        tags,
        security,
        querystring: ApiKeyListQuery,
        response: { 200: ApiKeyPage, ...authenticatedErrors },
      },
    },
    async (request) =>
      listPage(request, publicUrl, async (_filters, window) => {
        const page = await apiKeyService.list(request.auth.workspaceId, window);
        return { ...page, rows: page.rows.map(toApiKeyView) };
      }),
  );

  app.post(
    '/api/v2/api-keys/',
    {
      schema: {
        tags,
        security,
        body: CreateApiKeyBody,
        response: { 201: CreatedApiKeyObject, ...authenticatedErrors },
      },
    },
    async (request, reply) => {
      const created = await apiKeyService.create(
        request.auth.workspaceId,
        request.body?.name ?? 'API key',
      );
      return reply.code(201).send(toCreatedApiKeyView(created));
    },
  );

  app.delete(
    '/api/v2/api-keys/:id/',
    {
      schema: {
        tags,
        security,
        params: IdParams,
        response: { 204: Type.Null(), ...authenticatedErrors },
      },
    },
    async (request, reply) => {
      await apiKeyService.delete(request.auth.workspaceId, request.params.id);
      return reply.code(204).send(null);
    },
  );
};
