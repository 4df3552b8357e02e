import type { OpenAPIV3_1 } from 'openapi-types';
import { EVENT_DESCRIPTIONS, EVENT_EXAMPLES, EVENT_TYPES } from './catalog.ts';

const HEADERS = [
  ['webhook-id', 'The message id: the same on every attempt of a delivery (deduplicate on it).'],
  ['webhook-timestamp', 'Unix seconds when this attempt was signed.'],
  [
    'webhook-signature',
    '`v1,<base64 HMAC-SHA256 over "{webhook-id}.{webhook-timestamp}.{body}">`, space-separated when two secrets sign (24 h after a rotation).',
  ],
] as const;

type Webhooks = NonNullable<OpenAPIV3_1.Document['webhooks']>;

/** The OpenAPI 3.1 `webhooks` of every event type, with an example body each. */
export function eventWebhooksDocument(): Webhooks {
  return Object.fromEntries(
    EVENT_TYPES.map((type) => [
      type,
      {
        post: {
          summary: type,
          description: `${EVENT_DESCRIPTIONS[type].summary} \`data\` is the ${EVENT_DESCRIPTIONS[type].object} as the REST API returns it, plus what changed. Signed with Standard Webhooks: verify with any of its libraries and the endpoint's secret.`,
          tags: ['Webhooks'],
          parameters: HEADERS.map(([name, description]) => ({
            name,
            in: 'header' as const,
            required: true,
            description,
            schema: { type: 'string' as const },
          })),
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: {
                  type: 'object' as const,
                  required: ['type', 'timestamp', 'data'],
                  properties: {
                    type: { type: 'string' as const, enum: [type] },
                    timestamp: { type: 'string' as const, format: 'date-time' },
                    data: { type: 'object' as const, additionalProperties: true },
                  },
                },
                example: {
                  type,
                  timestamp: '2026-11-30T17:02:12.345Z',
                  data: EVENT_EXAMPLES[type],
                },
              },
            },
          },
          responses: {
            '2XX': { description: 'Received. Any other answer (or none in 10 s) is retried.' },
          },
        },
      },
    ]),
  );
}
