import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { listPage } from '../http/pagination.ts';
import { API_KEY_SECURITY, authenticatedErrors, ErrorDetail, IdParams } from '../http/schemas.ts';
import {
  AccessTokenObject,
  CreateCredentialBody,
  CredentialListQuery,
  CredentialLogListQuery,
  CredentialLogPage,
  CredentialObject,
  CredentialPage,
} from './schemas.ts';
import type { CredentialService } from './service.ts';

export interface CredentialRoutesOptions {
  credentialService: CredentialService;
  publicUrl: string;
}

const tags = ['Zoom OAuth Credentials'];
const errors = { ...authenticatedErrors, 502: ErrorDetail, 503: ErrorDetail };

export const credentialRoutes: FastifyPluginAsyncTypebox<CredentialRoutesOptions> = async (
  app,
  { credentialService, publicUrl },
) => {
  const security = API_KEY_SECURITY;
  const base = '/api/v2/zoom-oauth-credentials';

  app.post(
    `${base}/`,
    {
      schema: {
        tags,
        security,
        description:
          'Connects a Zoom user (user-level app) or account (account-level app) to an OAuth app. ' +
          'If they have a credential for the app already, it adopts the new grant (same id, healthy ' +
          "again, meetings resynced) and the answer is seed 002's 400 conflict body plus " +
          '`existing_credential_id` and `reauthorized: true`: the credential works, do not delete it.',
        body: CreateCredentialBody,
        response: { 201: CredentialObject, ...errors },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await credentialService.create(request.auth.workspaceId, request.body)),
  );

  app.get(
    `${base}/`,
    {
      schema: {
        tags,
        security,
        querystring: CredentialListQuery,
        response: { 200: CredentialPage, ...errors },
      },
    },
    async (request) =>
      listPage(request, publicUrl, (filters, window) =>
        credentialService.list(request.auth.workspaceId, filters, window),
      ),
  );

  app.get(
    `${base}/:id/`,
    {
      schema: { tags, security, params: IdParams, response: { 200: CredentialObject, ...errors } },
    },
    async (request) => credentialService.get(request.auth.workspaceId, request.params.id),
  );

  app.delete(
    `${base}/:id/`,
    { schema: { tags, security, params: IdParams, response: { 204: Type.Null(), ...errors } } },
    async (request, reply) => {
      await credentialService.delete(request.auth.workspaceId, request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.get(
    `${base}/:id/access-token/`,
    {
      schema: {
        tags,
        security,
        description:
          "A working Zoom access token for the credential's user or account, refreshed when needed.",
        params: IdParams,
        response: { 200: AccessTokenObject, ...errors },
      },
    },
    async (request, reply) => {
      reply.header('cache-control', 'no-store');
      const token = await credentialService.accessToken(
        request.auth.workspaceId,
        request.params.id,
      );
      return { token: token.token, expires_at: token.expiresAt };
    },
  );

  app.post(
    `${base}/:id/validate/`,
    {
      schema: {
        tags,
        security,
        description:
          'Checks the grant end to end now and sets the status to match (healthy again once the cause is fixed).',
        params: IdParams,
        response: { 200: CredentialObject, ...errors },
      },
    },
    async (request) => credentialService.validate(request.auth.workspaceId, request.params.id),
  );

  app.post(
    `${base}/:id/sync-meetings/`,
    {
      schema: {
        tags,
        security,
        description: "Starts a resync of the credential's meetings in the background.",
        params: IdParams,
        response: { 200: CredentialObject, ...errors },
      },
    },
    async (request) => credentialService.requestSync(request.auth.workspaceId, request.params.id),
  );

  app.get(
    '/api/v2/zoom-oauth-credential-logs/',
    {
      schema: {
        tags,
        security,
        querystring: CredentialLogListQuery,
        response: { 200: CredentialLogPage, ...errors },
      },
    },
    async (request) =>
      listPage(request, publicUrl, (filters, window) =>
        credentialService.listLogs(request.auth.workspaceId, filters, window),
      ),
  );
};
