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

const CREDENTIAL_EXAMPLE = {
  id: '01936f5e-8a7b-7c3d-9e2f-1a2b3c4d5e6f',
  oauth_app: '01936f5d-1111-7222-8333-444455556666',
  status: 'healthy',
  status_reason: null,
  user_id: 'KdYKjnimT4KPd8FFgQt9FQ',
  account_id: null,
  access_token_callback_url: null,
  scopes: ['meeting:read:meeting', 'user:read:user', 'user:read:zak'],
  meeting_sync_status: 'in_progress',
  created_at: '2026-11-30T16:20:00.123Z',
};

const UNHEALTHY_REASON =
  'The Zoom user removed the app (deauthorized at 2026-11-30T17:02:11Z). To restore access, send the Zoom user a Connect link to reconnect (or POST a new authorization code to /api/v2/zoom-oauth-credentials/); the credential keeps its id.';

/** One example `data` per event type (README and OpenAPI). */
export const EVENT_EXAMPLES: Record<EventType, Record<string, unknown>> = {
  'credential.created': { ...CREDENTIAL_EXAMPLE, sequence: 1 },
  'credential.reauthorized': {
    ...CREDENTIAL_EXAMPLE,
    meeting_sync_status: 'in_progress',
    sequence: 4,
  },
  'credential.unhealthy': {
    ...CREDENTIAL_EXAMPLE,
    status: 'unhealthy',
    status_reason: UNHEALTHY_REASON,
    previous_status: 'healthy',
    sequence: 3,
  },
  'credential.healthy': {
    ...CREDENTIAL_EXAMPLE,
    meeting_sync_status: 'completed',
    previous_status: 'unhealthy',
    sequence: 5,
  },
  'credential.deleted': { ...CREDENTIAL_EXAMPLE, meeting_sync_status: 'completed', sequence: 6 },
  'credential.sync.completed': {
    ...CREDENTIAL_EXAMPLE,
    meeting_sync_status: 'completed',
    meetings_mapped: 42,
    users_seen: 1,
    zoom_calls: 3,
    sequence: 2,
  },
  'credential.sync.failed': {
    ...CREDENTIAL_EXAMPLE,
    meeting_sync_status: 'failed',
    reason: 'Zoom refused the access token (124: Invalid access token).',
    sequence: 2,
  },
  'app.webhook_validated': {
    id: '01936f5d-1111-7222-8333-444455556666',
    kind: 'user_level',
    client_id: 'Zx9yW8vU7tS6rQ5pO4nM',
    client_secret: '****************cdef',
    webhook_secret: '****************wxyz',
    webhook_url:
      'https://hostpass.example.com/api/v2/zoom-oauth-apps/01936f5d-1111-7222-8333-444455556666/webhook',
    webhook_last_validation: '2026-11-30T16:19:58.004Z',
    connect_return_origins: null,
    created_at: '2026-11-30T16:10:00.000Z',
  },
  'bot.status_changed': {
    id: '01936f60-aaaa-7bbb-8ccc-dddd0000eeee',
    meeting_url: 'https://us05web.zoom.us/j/81234567890',
    bot_name: 'Meeting Notetaker',
    join_at: null,
    metadata: { customer: 'acme' },
    variant: { zoom: 'web' },
    join_plan: null,
    status_changes: [
      {
        code: 'joining_call',
        sub_code: null,
        message: null,
        created_at: '2026-11-30T16:30:00.010Z',
      },
    ],
    created_at: '2026-11-30T16:29:59.900Z',
    code: 'joining_call',
    sub_code: null,
    message: null,
    sequence: 1,
  },
  'webhook.test': {
    id: '01936f61-0000-7111-8222-333344445555',
    url: 'https://hooks.example.com/hostpass',
    description: 'ops pager',
    event_types: null,
    disabled: false,
    disabled_reason: null,
    created_at: '2026-11-30T16:00:00.000Z',
  },
};
