import { Type } from 'typebox';
import { listQueryProperties, pageSchema } from '../http/pagination.ts';
import { NullableTimestamp, Timestamp, Uuid } from '../http/schemas.ts';
import { logSchemas } from '../logs/schemas.ts';

const AppKind = Type.Enum(['user_level', 'account_level'], {
  description: '`user_level` (user-managed) or `account_level` (admin-managed) Zoom app.',
});
const AppString = (description: string) =>
  Type.String({ minLength: 1, maxLength: 200, description });
// Null first: with type coercion on, a null would otherwise be coerced into `[""]`.
const ConnectReturnOrigins = Type.Union(
  [Type.Null(), Type.Array(Type.String({ maxLength: 300 }), { minItems: 1, maxItems: 50 })],
  {
    description:
      "Origins (`https://app.example.com`) a Connect link's return_url may use for this app; null: any (within HOSTPASS_CONNECT_RETURN_ORIGINS when set).",
  },
);

export const CreateAppBody = Type.Object(
  {
    kind: AppKind,
    client_id: AppString("The Zoom app's Client ID."),
    client_secret: AppString("The Zoom app's Client Secret. Stored encrypted, never returned."),
    webhook_secret: AppString(
      "The Zoom app's Secret Token (event subscriptions). Stored encrypted, never returned.",
    ),
    connect_return_origins: Type.Optional(ConnectReturnOrigins),
  },
  { additionalProperties: false },
);

export const UpdateAppBody = Type.Object(
  {
    client_secret: Type.Optional(CreateAppBody.properties.client_secret),
    webhook_secret: Type.Optional(CreateAppBody.properties.webhook_secret),
    connect_return_origins: Type.Optional(ConnectReturnOrigins),
  },
  { additionalProperties: false },
);
export const APP_READ_ONLY_FIELDS = [
  'id',
  'kind',
  'client_id',
  'webhook_url',
  'webhook_last_validation',
  'created_at',
];

export const AppObject = Type.Object({
  id: Uuid,
  kind: AppKind,
  client_id: Type.String(),
  client_secret: Type.String({ description: 'Masked: only the last 4 characters are shown.' }),
  webhook_secret: Type.String({ description: 'Masked: only the last 4 characters are shown.' }),
  webhook_url: Type.String({
    description:
      "Paste into the Zoom app's Event notification endpoint URL (and deauthorization URL).",
  }),
  webhook_last_validation: NullableTimestamp,
  connect_return_origins: ConnectReturnOrigins,
  created_at: Timestamp,
});

export const AppListQuery = Type.Object({
  ...listQueryProperties(['created_at', '-created_at']),
  client_id: Type.Optional(Type.String({ maxLength: 200 })),
  kind: Type.Optional(AppKind),
  created_at_after: Type.Optional(Timestamp),
  created_at_before: Type.Optional(Timestamp),
  webhook_last_validation_after: Type.Optional(Timestamp),
  webhook_last_validation_before: Type.Optional(Timestamp),
});
export const AppPage = pageSchema(AppObject);

const appLogSchemas = logSchemas('oauth_app');
export const AppLogObject = appLogSchemas.entry;
export const AppLogListQuery = appLogSchemas.listQuery;
export const AppLogPage = pageSchema(AppLogObject);
