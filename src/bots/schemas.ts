import { Type } from 'typebox';
import { listQueryProperties, pageSchema } from '../http/pagination.ts';
import { NullableTimestamp, Timestamp, Uuid } from '../http/schemas.ts';

const Variant = Type.Enum(['web', 'web_4_core', 'native']);
const Url = Type.String({ minLength: 1, maxLength: 2000 });

export const CreateBotBody = Type.Object(
  {
    meeting_url: Url,
    bot_name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    join_at: Type.Optional(Timestamp),
    metadata: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    variant: Type.Optional(
      Type.Object({ zoom: Type.Optional(Variant) }, { additionalProperties: false }),
    ),
    zoom: Type.Optional(
      Type.Object(
        {
          join_token_url: Type.Optional(Url),
          zak_url: Type.Optional(Url),
          obf_token_url: Type.Optional(Url),
          user_email: Type.Optional(Type.String({ maxLength: 320 })),
        },
        {
          additionalProperties: false,
          description:
            'Token URLs the bot fetches instead of Hostpass minting from its credentials.',
        },
      ),
    ),
  },
  // Other Create Bot fields of the hosted API (recording settings and so on) are accepted and ignored.
  { additionalProperties: true },
);

const StatusChange = Type.Object({
  code: Type.String(),
  sub_code: Type.Union([Type.String(), Type.Null()]),
  message: Type.Union([Type.String(), Type.Null()]),
  created_at: Timestamp,
});

export const BotObject = Type.Object({
  id: Uuid,
  meeting_url: Type.String(),
  bot_name: Type.String(),
  join_at: NullableTimestamp,
  metadata: Type.Record(Type.String(), Type.Unknown()),
  variant: Type.Object({ zoom: Variant }),
  join_plan: Type.Union([
    Type.Object({
      meeting_id: Type.Integer(),
      tokens: Type.Array(Type.String()),
      source: Type.String(),
      credential: Type.Union([Uuid, Type.Null()]),
      fallback: Type.Union([Type.String(), Type.Null()]),
    }),
    Type.Null(),
  ]),
  launched_at: Type.Union([Timestamp, Type.Null()], {
    description:
      'When the bot runtime accepted the join plan (a 2xx); null until then. A launch is tried again after a runtime timeout or 5xx and after a Hostpass crash, and happens once.',
  }),
  status_changes: Type.Array(StatusChange),
  created_at: Timestamp,
});

export const BotListQuery = Type.Object(listQueryProperties(['created_at', '-created_at']));
export const BotPage = pageSchema(BotObject);

export const StatusChangeBody = Type.Object(
  {
    code: Type.String({
      minLength: 1,
      maxLength: 100,
      description: 'e.g. in_call_recording, call_ended, done, fatal',
    }),
    sub_code: Type.Optional(Type.String({ maxLength: 200 })),
    message: Type.Optional(Type.String({ maxLength: 2000 })),
  },
  { additionalProperties: false },
);
