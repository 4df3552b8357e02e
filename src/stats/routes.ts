import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { API_KEY_SECURITY, authenticatedErrors } from '../http/schemas.ts';
import { StatsObject } from './schemas.ts';
import type { StatsService } from './service.ts';

const DESCRIPTION = `The fleet at a glance (the dashboard's Overview page): credentials by status
and by meeting-sync status; per hour for the last 24 hours, tokens minted per kind, token
refreshes (ok, transient failure, credential lost), Zoom webhooks received and refused, and bot
launches; and the 10 credentials that most recently turned unhealthy, with the reason. Hourly
counts come from counters each Hostpass process adds to about every second, so another
process's latest second may not be in yet; credential counts are kept up to date by the database.
The answer costs the same with 100 or 100,000 credentials.`;

export const statsRoutes: FastifyPluginAsyncTypebox<{ statsService: StatsService }> = async (
  app,
  { statsService },
) => {
  app.get(
    '/api/v2/stats/',
    {
      schema: {
        tags: ['Stats'],
        security: API_KEY_SECURITY,
        summary: 'Overview of the fleet',
        description: DESCRIPTION,
        response: { 200: StatsObject, ...authenticatedErrors },
      },
    },
    async (request) => statsService.overview(request.auth.workspaceId),
  );
};
