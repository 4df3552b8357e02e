import { Type } from 'typebox';
import { listQueryProperties, pageSchema } from '../http/pagination.ts';
import { Timestamp, Uuid } from '../http/schemas.ts';

const MetadataKey = (description: string, fallback: string) =>
  Type.String({
    minLength: 1,
    maxLength: 100,
    pattern: '^[^\\s]+$',
    default: fallback,
    description,
  });

export const DEFAULT_OBF_USER_METADATA_KEY = 'zoom_user_id';
export const DEFAULT_ZAK_USER_METADATA_KEY = 'zak_zoom_user_id';

export const CreateAttendeeIntegrationBody = Type.Object(
  {
    signing_secret: Type.String({
      minLength: 1,
      maxLength: 200,
      description:
        'The webhook secret of the Attendee project (Attendee: Settings → Webhooks), base64 as Attendee shows it. It signs the callbacks; stored encrypted, never returned.',
    }),
    obf_user_metadata_key: Type.Optional(
      MetadataKey(
        "The key of the bot's `metadata` (Attendee's `bot_metadata`) naming the Zoom user the bot joins on behalf of: an on-behalf token is minted for that user (several users: comma-separated or a list, tried in order by Attendee).",
        DEFAULT_OBF_USER_METADATA_KEY,
      ),
    ),
    zak_user_metadata_key: Type.Optional(
      MetadataKey(
        "The key of the bot's `metadata` naming a Zoom user whose ZAK the bot signs in with (a ZAK makes the bot that user; leave the key out of the metadata to get none).",
        DEFAULT_ZAK_USER_METADATA_KEY,
      ),
    ),
    accept_legacy_signatures: Type.Optional(
      Type.Boolean({
        default: true,
        description:
          'Accept callbacks signed without X-Webhook-Timestamp (all that Attendee versions before timestamped signatures send). Such a request cannot be checked for freshness: set false once your Attendee sends X-Webhook-Timestamp.',
      }),
    ),
  },
  { additionalProperties: false },
);

export const AttendeeIntegrationObject = Type.Object({
  id: Uuid,
  signing_secret: Type.String({ description: 'Masked: only the last 4 characters are shown.' }),
  obf_user_metadata_key: Type.String(),
  zak_user_metadata_key: Type.String(),
  accept_legacy_signatures: Type.Boolean(),
  zoom_tokens_url: Type.String({
    description:
      "Paste into Attendee's Create Bot call as `callback_settings.zoom_tokens_url`. No API key: Attendee's signature authenticates each call.",
  }),
  created_at: Timestamp,
});

export const AttendeeIntegrationListQuery = Type.Object({
  ...listQueryProperties(['created_at', '-created_at']),
  created_at_after: Type.Optional(Timestamp),
  created_at_before: Type.Optional(Timestamp),
});
export const AttendeeIntegrationPage = pageSchema(AttendeeIntegrationObject);

const MaybeToken = Type.Union([Type.String(), Type.Null()]);
/** Attendee's contract (bots/external_callback_utils.py `get_zoom_tokens`): any may be null. */
export const ZoomTokensAnswer = Type.Object({
  zak_token: MaybeToken,
  join_token: MaybeToken,
  app_privilege_token: Type.Union([Type.String(), Type.Null()], {
    description: "The host's join token for local recording (the bot records without asking).",
  }),
  onbehalf_token: Type.Union([Type.String(), Type.Null()], {
    description: 'On-behalf tokens, comma-separated, in the order Attendee should try them.',
  }),
});

export const ZoomTokensQuery = Type.Object({ key: Type.Optional(Type.String({ maxLength: 200 })) });

// Any value: a wrong one is the verifier's to refuse (401), not the schema's (400).
export const AttendeeCallbackHeaders = Type.Object({
  'x-webhook-signature': Type.Optional(Type.String()),
  'x-webhook-timestamp': Type.Optional(Type.String()),
  'x-webhook-signature-legacy': Type.Optional(Type.String()),
});
