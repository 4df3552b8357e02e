import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { toCreatedApiKeyView } from '../api-keys/routes.ts';
import { CreatedApiKeyObject } from '../api-keys/schemas.ts';
import { adminAuthentication } from '../http/auth.ts';
import { ErrorDetail, Timestamp, Uuid } from '../http/schemas.ts';
import type { WorkspaceService } from './service.ts';

export interface AdminRoutesOptions {
  workspaceService: WorkspaceService;
  adminToken: string | null;
}

const WorkspaceObject = Type.Object({ id: Uuid, name: Type.String(), created_at: Timestamp });

export const adminRoutes: FastifyPluginAsyncTypebox<AdminRoutesOptions> = async (
  app,
  { workspaceService, adminToken },
) => {
  app.addHook('onRequest', adminAuthentication(adminToken));

  app.post(
    '/admin/workspaces',
    {
      schema: {
        tags: ['Operator'],
        description:
          'Creates a workspace and its first API key. Enabled only when HOSTPASS_ADMIN_TOKEN is set.',
        security: [{ AdminToken: [] }],
        body: Type.Object(
          { name: Type.String({ minLength: 1, maxLength: 200 }) },
          { additionalProperties: false },
        ),
        response: {
          201: Type.Object({ workspace: WorkspaceObject, api_key: CreatedApiKeyObject }),
          400: ErrorDetail,
          401: ErrorDetail,
          404: ErrorDetail,
        },
      },
    },
    async (request, reply) => {
      const created = await workspaceService.create(request.body.name);
      return reply
        .code(201)
        .send({ workspace: created.workspace, api_key: toCreatedApiKeyView(created.apiKey) });
    },
  );
};
