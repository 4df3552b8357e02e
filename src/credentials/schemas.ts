import { Type } from 'typebox';
import { listQueryProperties, pageSchema } from '../http/pagination.ts';
import { Timestamp, Uuid } from '../http/schemas.ts';
import { logSchemas } from '../logs/schemas.ts';

const Status = Type.Enum(['healthy', 'unhealthy']);
const SyncStatus = Type.Enum(['not_started', 'in_progress', 'completed', 'failed']);

export const CreateCredentialBody = Type.Object(
  {
    oauth_app: Uuid,
    authorization_code: Type.Optional(
      Type.Object(
        {
          code: Type.String({ minLength: 1, maxLength: 2000 }),
          redirect_uri: Type.String({
            minLength: 1,
            maxLength: 2000,
            description: 'Exactly as registered in the Zoom app, trailing slash included.',
          }),
          code_verifier: Type.Optional(
            Type.String({
              minLength: 1,
              maxLength: 200,
              description: 'PKCE verifier, when the authorize URL carried a code_challenge.',
            }),
          ),
        },
        {
          additionalProperties: false,
          description: 'Managed OAuth: Hostpass exchanges the code and keeps the tokens alive.',
        },
      ),
    ),
    access_token_callback_url: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 2000,
        description:
          'Customer-managed OAuth: an https URL Hostpass GETs for an access token (plain text, valid ≥ 120 s, within 5 s).',
      }),
    ),
  },
  { additionalProperties: false },
);

export const CredentialObject = Type.Object({
  id: Uuid,
  oauth_app: Uuid,
  status: Status,
  status_reason: Type.Union([Type.String(), Type.Null()], {
    description: 'Why the credential is unhealthy and what to do.',
  }),
  user_id: Type.Union([Type.String(), Type.Null()], {
    description: 'Zoom user id (user-level apps).',
  }),
  account_id: Type.Union([Type.String(), Type.Null()], {
    description: 'Zoom account id (account-level apps).',
  }),
  zoom_user: Type.Object(
    {
      email: Type.Union([Type.String(), Type.Null()], {
        description: 'Email of the Zoom user who authorized; null until Zoom has said.',
      }),
      display_name: Type.Union([Type.String(), Type.Null()], {
        description: "The Zoom user's display name; null until Zoom has said.",
      }),
    },
    {
      description:
        'Who authorized the grant, as Zoom names them (read from /users/me at connect and on every meeting sync, refreshed by user.updated events). For account-level apps: the admin who authorized.',
    },
  ),
  access_token_callback_url: Type.Union([Type.String(), Type.Null()], { description: 'Masked.' }),
  scopes: Type.Array(Type.String()),
  meeting_sync_status: SyncStatus,
  created_at: Timestamp,
});

export const CredentialListQuery = Type.Object({
  ...listQueryProperties(['created_at', '-created_at']),
  oauth_app: Type.Optional(Uuid),
  user_id: Type.Optional(Type.String({ maxLength: 200 })),
  account_id: Type.Optional(Type.String({ maxLength: 200 })),
  status: Type.Optional(Status),
  meeting_sync_status: Type.Optional(SyncStatus),
  created_at_after: Type.Optional(Timestamp),
  created_at_before: Type.Optional(Timestamp),
});
export const CredentialPage = pageSchema(CredentialObject);

export const AccessTokenObject = Type.Object({
  token: Type.String(),
  expires_at: Timestamp,
});

const credentialLogSchemas = logSchemas('credential');
export const CredentialLogObject = credentialLogSchemas.entry;
export const CredentialLogListQuery = credentialLogSchemas.listQuery;
export const CredentialLogPage = pageSchema(CredentialLogObject);
