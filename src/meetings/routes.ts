import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { buildPage, keysetWindowFrom } from '../http/pagination.ts';
import { API_KEY_SECURITY, authenticatedErrors } from '../http/schemas.ts';
import { MappingListQuery, MappingPage } from './schemas.ts';
import type { MeetingsService } from './service.ts';

export const meetingMappingRoutes: FastifyPluginAsyncTypebox<{
  meetingsService: MeetingsService;
  publicUrl: string;
}> = async (app, { meetingsService, publicUrl }) => {
  app.get(
    '/api/v2/zoom-meetings-to-credentials/',
    {
      schema: {
        tags: ['Meetings to credentials'],
        security: API_KEY_SECURITY,
        description:
          'Which credential (host grant) each known meeting maps to. Any meeting in this list can get tokens for bots.',
        querystring: MappingListQuery,
        response: { 200: MappingPage, ...authenticatedErrors },
      },
    },
    async (request) => {
      const { cursor, page_size, ordering, ...filters } = request.query;
      const orderColumn = ordering?.replace('-', '') === 'synced_at' ? 'synced_at' : 'created_at';
      const page = await meetingsService.listMappings(request.auth.workspaceId, filters, {
        ...keysetWindowFrom({ cursor, page_size, ordering }),
        orderColumn,
      });
      return buildPage(page, {
        publicUrl,
        requestUrl: request.url,
        position: (item) => item[orderColumn],
      });
    },
  );
};
