import { type Static, Type } from 'typebox';
import { listQueryProperties, pageSchema } from '../http/pagination.ts';
import { NullableTimestamp, Timestamp, Uuid } from '../http/schemas.ts';

/** What every Zoom event body has; the payload's shape depends on the event. */
export const ZoomEventBody = Type.Object({
  event: Type.String({ minLength: 1, maxLength: 200 }),
  event_ts: Type.Optional(Type.Integer({ minimum: 0 })),
  payload: Type.Record(Type.String(), Type.Unknown()),
});
export type ZoomEventBody = Static<typeof ZoomEventBody>;

export const UrlValidationPayload = Type.Object({
  plainToken: Type.String({ minLength: 1, maxLength: 1000 }),
});

export const UrlValidationAnswer = Type.Object({
  plainToken: Type.String(),
  encryptedToken: Type.String({ description: 'hex(HMAC-SHA256(webhook_secret, plainToken))' }),
});

export const EventReceipt = Type.Object({
  status: Type.Enum(['stored', 'already_stored'], {
    description: '`already_stored`: a retry or replay of an event Hostpass already has.',
  }),
});

export const WebhookHeaders = Type.Object({
  'x-zm-signature': Type.Optional(Type.String({ description: '`v0=<hex HMAC-SHA256>`' })),
  'x-zm-request-timestamp': Type.Optional(Type.String({ description: 'Unix time in seconds.' })),
});

export const WebhookEventStatus = Type.Enum(['pending', 'processed', 'failed'], {
  description:
    '`pending`: not applied yet (maybe waiting for a retry: see `processing_error`); `processed`: applied; `failed`: given up after its retries (`processing_error` says why), the later events of its meeting or user went ahead.',
});

export const WebhookEventObject = Type.Object({
  id: Uuid,
  oauth_app: Uuid,
  event: Type.String({ description: "Zoom's event name, e.g. `meeting.created`." }),
  event_ts: Type.Union([Type.Integer(), Type.Null()], {
    description: "The body's `event_ts` (milliseconds).",
  }),
  status: WebhookEventStatus,
  attempts: Type.Integer({ description: 'Processing attempts so far, failed ones included.' }),
  processing_error: Type.Union([Type.String(), Type.Null()], {
    description: "The last failed attempt's error; null once applied.",
  }),
  processed_at: NullableTimestamp,
  created_at: Timestamp,
});
export type WebhookEventView = Static<typeof WebhookEventObject>;

export const WebhookEventListQuery = Type.Object({
  ...listQueryProperties(['created_at', '-created_at']),
  oauth_app: Type.Optional(Uuid),
  status: Type.Optional(WebhookEventStatus),
});
export const WebhookEventPage = pageSchema(WebhookEventObject);
