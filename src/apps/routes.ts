import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { listPage } from '../http/pagination.ts';
import { API_KEY_SECURITY, authenticatedErrors, IdParams } from '../http/schemas.ts';
import {
  APP_READ_ONLY_FIELDS,
  AppListQuery,
  AppLogListQuery,
  AppLogPage,
  AppObject,
  AppPage,
  CreateAppBody,
  UpdateAppBody,
} from './schemas.ts';
import type { AppService } from './service.ts';

export interface AppRoutesOptions {
  appService: AppService;
  publicUrl: string;
}

const tags = ['Zoom OAuth Apps'];

export const appRoutes: FastifyPluginAsyncTypebox<AppRoutesOptions> = async (
  app,
  { appService, publicUrl },
) => {
  const security = API_KEY_SECURITY;

  app.post(
    '/api/v2/zoom-oauth-apps/',
    {
      schema: {
        tags,
        security,
        body: CreateAppBody,
        response: { 201: AppObject, ...authenticatedErrors },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await appService.create(request.auth.workspaceId, request.body)),
  );

  app.get(
    '/api/v2/zoom-oauth-apps/',
    {
      schema: {
        tags,
        security,
        querystring: AppListQuery,
        response: { 200: AppPage, ...authenticatedErrors },
      },
    },
    async (request) =>
      listPage(request, publicUrl, (filters, window) =>
        appService.list(request.auth.workspaceId, filters, window),
      ),
  );

  app.get(
    '/api/v2/zoom-oauth-apps/:id/',
    {
      schema: {
        tags,
        security,
        params: IdParams,
        response: { 200: AppObject, ...authenticatedErrors },
      },
    },
    async (request) => appService.get(request.auth.workspaceId, request.params.id),
  );

  app.patch(
    '/api/v2/zoom-oauth-apps/:id/',
    {
      config: { readOnlyFields: APP_READ_ONLY_FIELDS },
      schema: {
        tags,
        security,
        params: IdParams,
        body: UpdateAppBody,
        response: { 200: AppObject, ...authenticatedErrors },
      },
    },
    async (request) => appService.update(request.auth.workspaceId, request.params.id, request.body),
  );

  app.delete(
    '/api/v2/zoom-oauth-apps/:id/',
    {
      schema: {
        tags,
        security,
        params: IdParams,
        response: { 204: Type.Null(), ...authenticatedErrors },
      },
    },
    async (request, reply) => {
      await appService.delete(request.auth.workspaceId, request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/api/v2/zoom-oauth-app-logs/',
    {
      schema: {
        tags,
        security,
        description: 'Warnings, errors and changes related to your Zoom OAuth apps.',
        querystring: AppLogListQuery,
        response: { 200: AppLogPage, ...authenticatedErrors },
      },
    },
    async (request) =>
      listPage(request, publicUrl, (filters, window) =>
        appService.listLogs(request.auth.workspaceId, filters, window),
      ),
  );
};
