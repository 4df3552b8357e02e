import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyError } from 'fastify';
import { Type } from 'typebox';
import { Compile } from 'typebox/compile';
import { keepRawJsonBody } from '../http/raw-json-body.ts';
import { ErrorDetail, IdParams } from '../http/schemas.ts';
import { EventReceipt, UrlValidationAnswer, WebhookHeaders } from './schemas.ts';
import type { WebhookService } from './service.ts';

export interface WebhookRoutesOptions {
  webhookService: Pick<WebhookService, 'receive' | 'refuseUnread'>;
}

/** Zoom's events are a few KiB; anything near this is not from Zoom. */
export const WEBHOOK_BODY_LIMIT_BYTES = 256 * 1024;

const DESCRIPTION = `Zoom's event notification endpoint for this app (paste the app's \`webhook_url\`
into the Zoom app as the event notification endpoint and the deauthorization endpoint). No API key:
Zoom's \`x-zm-signature\` over the body, made with the app's \`webhook_secret\`, authenticates
the request, and \`x-zm-request-timestamp\` must be within 5 minutes (by default). Answers
\`endpoint.url_validation\`; stores every other event before answering 200, once per distinct
body (Zoom's retries answer 200 without being stored again). Refusals are logged in the app's logs,
at most 10 lines per app per minute (per server process) plus a summary of the rest. Body: \`application/json\`.`;

const isIdParams = Compile(IdParams);

/** Why Fastify refused a request before the route read its body, as the app's log says it. */
const UNREAD_REFUSALS: Record<string, string> = {
  FST_ERR_CTP_BODY_TOO_LARGE: `its body is larger than the ${WEBHOOK_BODY_LIMIT_BYTES / 1024} KiB limit`,
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'its Content-Type is not application/json',
};

/**
 * Registered outside the API-key hook. Its own plugin, so that its JSON parser (which keeps the
 * raw bytes the signature covers) and its body limit apply to this route alone.
 */
export const webhookRoutes: FastifyPluginAsyncTypebox<WebhookRoutesOptions> = async (
  app,
  { webhookService },
) => {
  keepRawJsonBody(app, WEBHOOK_BODY_LIMIT_BYTES);
  // A body refused unread (413, 415) is a refused webhook request like a bad signature: the
  // Overview's count and the app's log must show a sender whose every request bounces.
  app.addHook('onError', async (request, _reply, error: FastifyError) => {
    const why = UNREAD_REFUSALS[error.code];
    if (why && isIdParams.Check(request.params)) {
      await webhookService.refuseUnread(request.params.id, why).catch((failure) => {
        request.log.warn({ err: failure }, 'recording a refused webhook request failed');
      });
    }
  });

  app.post(
    '/api/v2/zoom-oauth-apps/:id/webhook',
    {
      bodyLimit: WEBHOOK_BODY_LIMIT_BYTES,
      schema: {
        tags: ['Zoom OAuth Apps'],
        summary: "Zoom's webhook endpoint",
        description: DESCRIPTION,
        security: [],
        params: IdParams,
        headers: WebhookHeaders,
        response: {
          200: Type.Union([UrlValidationAnswer, EventReceipt]),
          400: ErrorDetail,
          401: ErrorDetail,
          404: ErrorDetail,
          413: ErrorDetail,
          415: ErrorDetail,
        },
      },
    },
    async (request) => {
      const outcome = await webhookService.receive({
        appId: request.params.id,
        signature: request.headers['x-zm-signature'],
        timestamp: request.headers['x-zm-request-timestamp'],
        body: Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0),
      });
      return outcome.kind === 'url_validation' ? outcome.answer : { status: outcome.status };
    },
  );
};
