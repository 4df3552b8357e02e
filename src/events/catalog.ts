/**
 * Every event type Hostpass sends, with what its `data` adds to the object it carries. The
 * README's list and the OpenAPI document's `webhooks` are written from this one table.
 */
export const EVENT_TYPES = [
  'credential.created',
  'credential.reauthorized',
  'credential.unhealthy',
  'credential.healthy',
  'credential.deleted',
  'credential.sync.completed',
  'credential.sync.failed',
  'app.webhook_validated',
  'bot.status_changed',
  'webhook.test',
] as const;

export type EventType = (typeof EVENT_TYPES)[number];

export function isEventType(value: string): value is EventType {
  return (EVENT_TYPES as readonly string[]).includes(value);
}

/** Which REST object an event's `data` is, and when it happens. */
export const EVENT_DESCRIPTIONS: Record<EventType, { object: string; summary: string }> = {
  'credential.created': {
    object: 'Zoom OAuth credential',
    summary: 'A Zoom user (account) connected: a new credential exists.',
  },
  'credential.reauthorized': {
    object: 'Zoom OAuth credential',
    summary:
      'The Zoom user (account) authorized the app again; the credential adopted the new grant and is healthy.',
  },
  'credential.unhealthy': {
    object: 'Zoom OAuth credential',
    summary:
      'The credential can no longer mint tokens (deauthorized, refresh refused, validation failed); `status_reason` says why and what to do.',
  },
  'credential.healthy': {
    object: 'Zoom OAuth credential',
    summary: 'An unhealthy credential works again (validated).',
  },
  'credential.deleted': {
    object: 'Zoom OAuth credential',
    summary: 'The credential was deleted; `data` is the object as it was.',
  },
  'credential.sync.completed': {
    object: 'Zoom OAuth credential',
    summary:
      'A meeting sync finished: `meetings_mapped`, `users_seen`, `zoom_calls` count what it did.',
  },
  'credential.sync.failed': {
    object: 'Zoom OAuth credential',
    summary: 'A meeting sync failed; `reason` says why.',
  },
  'app.webhook_validated': {
    object: 'Zoom OAuth app',
    summary: "Zoom validated the app's event endpoint (its webhook_url).",
  },
  'bot.status_changed': {
    object: 'bot',
    summary: 'A bot changed status: `code`, `sub_code` and `message` of the new status.',
  },
  'webhook.test': {
    object: 'webhook endpoint',
    summary: 'Sent by `POST /api/v2/webhook-endpoints/{id}/test/` only.',
  },
};
