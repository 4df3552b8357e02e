import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { listPage } from '../http/pagination.ts';
import { API_KEY_SECURITY, authenticatedErrors } from '../http/schemas.ts';
import { WebhookEventListQuery, WebhookEventPage } from './schemas.ts';
import type { WebhookService } from './service.ts';

/** The stored Zoom events and where their processing stands (behind the API key). */
export const webhookEventRoutes: FastifyPluginAsyncTypebox<{
  webhookService: WebhookService;
  publicUrl: string;
}> = async (app, { webhookService, publicUrl }) => {
  app.get(
    '/api/v2/zoom-webhook-events/',
    {
      schema: {
        tags: ['Zoom OAuth Apps'],
        security: API_KEY_SECURITY,
        description:
          "Zoom events your apps' webhook endpoints stored, kept for HOSTPASS_WEBHOOK_EVENT_RETENTION_DAYS once processed (not the payloads). Events of one meeting or user are applied in the order received: a failing one is retried (`attempts`, `processing_error`) and holds back only the later events of its meeting or user; after its retries it is `failed`, with a line in the app's logs, and they go ahead.",
        querystring: WebhookEventListQuery,
        response: { 200: WebhookEventPage, ...authenticatedErrors },
      },
    },
    async (request) =>
      listPage(request, publicUrl, (filters, window) =>
        webhookService.listEvents(request.auth.workspaceId, filters, window),
      ),
  );
};
