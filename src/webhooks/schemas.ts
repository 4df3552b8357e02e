import { type Static, Type } from 'typebox';

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
