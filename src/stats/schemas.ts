import { Type } from 'typebox';
import { Timestamp, Uuid } from '../http/schemas.ts';

const Count = Type.Integer({ minimum: 0 });
const NullableString = (description: string) =>
  Type.Union([Type.String(), Type.Null()], { description });

export const HOURS_SHOWN = 24;
export const UNHEALTHY_SHOWN = 10;

const Hour = Type.Object({
  hour: Timestamp,
  tokens_minted: Type.Object(
    { join_token: Count, third_party_recording_token: Count, zak: Count, obf: Count },
    { description: 'Tokens handed out, per kind (POST /api/v2/zoom-tokens/, token URLs, bots).' },
  ),
  refreshes: Type.Object(
    {
      ok: Count,
      transient_failure: Count,
      credential_lost: Count,
    },
    {
      description:
        'Token renewals at Zoom (or a customer-managed callback URL): new token, a failure Hostpass retries, or a grant that is gone (the credential turned unhealthy).',
    },
  ),
  webhooks: Type.Object(
    { received: Count, refused: Count },
    {
      description:
        "Zoom's signed events accepted (retries of a stored event included), and requests refused for a bad signature, timestamp or body.",
    },
  ),
  bot_launches: Type.Integer({
    minimum: 0,
    description: 'Bots handed to the bot runtime with their join plan.',
  }),
});

export const UnhealthyCredential = Type.Object({
  id: Uuid,
  oauth_app: Uuid,
  user_id: NullableString('Zoom user id (user-level apps).'),
  account_id: NullableString('Zoom account id (account-level apps).'),
  status_reason: NullableString('Why it is unhealthy and what to do (usually: reconnect).'),
  unhealthy_since: Timestamp,
});

export const StatsObject = Type.Object({
  generated_at: Timestamp,
  credentials: Type.Object({
    total: Count,
    by_status: Type.Object({ healthy: Count, unhealthy: Count }),
    by_meeting_sync_status: Type.Object({
      not_started: Count,
      in_progress: Count,
      completed: Count,
      failed: Count,
    }),
  }),
  hours: Type.Array(Hour, {
    minItems: HOURS_SHOWN,
    maxItems: HOURS_SHOWN,
    description:
      'The last 24 hours, oldest first; each starts at `hour` (UTC) and the last one is the current, partial hour.',
  }),
  recently_unhealthy: Type.Array(UnhealthyCredential, {
    maxItems: UNHEALTHY_SHOWN,
    description:
      'The unhealthy credentials that turned unhealthy most recently, newest first (a reconnected credential leaves the list).',
  }),
});
