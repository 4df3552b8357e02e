import { Type } from 'typebox';
import { Timestamp, Uuid } from '../http/schemas.ts';

export const CreateConnectLinkBody = Type.Object(
  {
    oauth_app: Uuid,
    return_url: Type.String({
      format: 'uri',
      pattern: '^https?://',
      maxLength: 2000,
      description:
        "Where the end user lands afterwards, with `credential_id` (and `reconnected=true` when an existing credential was healed) or `error` and `error_description` added. Its origin must be allowed by HOSTPASS_CONNECT_RETURN_ORIGINS and the app's `connect_return_origins` when they are set.",
    }),
    metadata: Type.Optional(
      Type.Record(Type.String(), Type.Unknown(), { description: 'Yours, returned on the link.' }),
    ),
    expires_in_seconds: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 7 * 86_400, default: 3600 }),
    ),
  },
  { additionalProperties: false },
);

export const ConnectLinkObject = Type.Object({
  id: Uuid,
  oauth_app: Uuid,
  url: Type.Union([Type.String(), Type.Null()], {
    description: 'The link for the end user; shown only at creation.',
  }),
  return_url: Type.String(),
  metadata: Type.Record(Type.String(), Type.Unknown()),
  expires_at: Timestamp,
  used_at: Type.Union([Timestamp, Type.Null()], {
    description:
      'When a credential was created (or an existing one healed) through the link; failed attempts leave it null and the link usable.',
  }),
  credential: Type.Union([Uuid, Type.Null()], {
    description: 'The credential created or healed through the link.',
  }),
  created_at: Timestamp,
});
