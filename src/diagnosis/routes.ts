import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { API_KEY_SECURITY, authenticatedErrors } from '../http/schemas.ts';
import { DiagnosisAnswer, DiagnosisBody } from './schemas.ts';
import type { DiagnosisService } from './service.ts';

/** `POST /api/v2/zoom-meeting-diagnoses/`: behind the API key. */
export const diagnosisRoutes: FastifyPluginAsyncTypebox<{
  diagnosisService: DiagnosisService;
}> = async (app, { diagnosisService }) => {
  app.post(
    '/api/v2/zoom-meeting-diagnoses/',
    {
      schema: {
        tags: ['Tokens for bots'],
        security: API_KEY_SECURITY,
        description:
          "Will a bot record this meeting (or webinar) without asking the host, and if not, why? Runs the checks a join depends on (link, mapping, credential health, scopes, the meeting at Zoom, the host's local-recording setting, a dry-run mint of the join token, and for native bots on account-level apps the 3rd party recording token), each with a fix. The dry runs mint real tokens at Zoom and discard them: no token is ever in the answer.",
        body: DiagnosisBody,
        response: { 200: DiagnosisAnswer, ...authenticatedErrors },
      },
    },
    async (request, reply) => {
      reply.header('cache-control', 'no-store');
      return diagnosisService.diagnose(request.auth.workspaceId, request.body);
    },
  );
};
