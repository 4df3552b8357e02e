// Request bodies of the admin API. Strict (unknown fields are refused), so a typo in a test's
// set-up fails loudly instead of being ignored.

import { type Static, Type } from 'typebox';

const strict = { additionalProperties: false } as const;
const Opt = Type.Optional;
/** Every field optional, unknown fields still refused (TypeBox's Partial drops that flag). */
const strictPartial = <T extends Parameters<typeof Type.Object>[0]>(fields: T) =>
  Type.Object(Type.Partial(Type.Object(fields)).properties, strict);

const RateRule = Type.Object(
  {
    per_second: Opt(Type.Union([Type.Integer({ minimum: 0 }), Type.Null()])),
    per_minute: Opt(Type.Union([Type.Integer({ minimum: 0 }), Type.Null()])),
    per_day: Opt(Type.Union([Type.Integer({ minimum: 0 }), Type.Null()])),
  },
  strict,
);

const Plan = Type.Union([Type.Literal('free'), Type.Literal('pro'), Type.Literal('business')]);
const Role = Type.Union([Type.Literal('owner'), Type.Literal('admin'), Type.Literal('member')]);
const Status = Type.Union([
  Type.Literal('active'),
  Type.Literal('inactive'),
  Type.Literal('pending'),
]);

// `null` removes the value in a patch.
const VanitySubdomain = Type.Union([
  Type.String({ pattern: '^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$' }),
  Type.Null(),
]);
// Zoom's personal link rule: 5 to 40 characters, a letter first, then letters, digits, periods.
const VanityName = Type.Union([
  Type.String({ pattern: '^[A-Za-z][A-Za-z0-9.]{4,39}$' }),
  Type.Null(),
]);

const accountFields = {
  plan: Plan,
  third_party_recording: Opt(Type.Boolean()),
  vanity_subdomain: Opt(VanitySubdomain),
  rate_limits: Opt(
    Type.Object(
      {
        light: Opt(RateRule),
        medium: Opt(RateRule),
        heavy: Opt(RateRule),
        resource_intensive: Opt(RateRule),
      },
      strict,
    ),
  ),
};
export const AccountBody = Type.Object(accountFields, strict);
export const AccountPatch = strictPartial(accountFields);

const Pmi = Type.Integer({ minimum: 1_000_000_000, maximum: 9_999_999_999 });
const userFields = {
  email: Type.String({ minLength: 3 }),
  pmi: Opt(Pmi),
  role: Opt(Role),
  local_recording: Opt(Type.Boolean()),
  first_name: Opt(Type.String()),
  last_name: Opt(Type.String()),
  status: Opt(Status),
  type: Opt(Type.Integer({ minimum: 1, maximum: 99 })),
  timezone: Opt(Type.String()),
  vanity_name: Opt(VanityName),
};
export const UserBody = Type.Object({ account_id: Type.String(), ...userFields }, strict);
export const UserPatch = strictPartial({ ...userFields, use_pmi: Type.Boolean() });

const meetingFields = {
  topic: Opt(Type.String()),
  type: Opt(Type.Union([Type.Literal(1), Type.Literal(2), Type.Literal(3), Type.Literal(8)])),
  start_time: Opt(Type.String({ format: 'date-time' })),
  duration: Opt(Type.Integer({ minimum: 0 })),
  timezone: Opt(Type.String()),
  waiting_room: Opt(Type.Boolean()),
  password: Opt(Type.String()),
};
export const MeetingBody = Type.Object(
  { host_id: Type.String(), scheduled_by: Opt(Type.String()), ...meetingFields },
  strict,
);
export const MeetingPatch = Type.Object(
  // host_id: the meeting is transferred to another user (Zoom's "transfer meeting").
  { operator_id: Opt(Type.String()), host_id: Opt(Type.String()), ...meetingFields },
  strict,
);

const webinarFields = {
  ...meetingFields,
  type: Opt(Type.Union([Type.Literal(5), Type.Literal(6), Type.Literal(9)])),
};
export const WebinarBody = Type.Object({ host_id: Type.String(), ...webinarFields }, strict);
export const WebinarPatch = Type.Object(
  { operator_id: Opt(Type.String()), host_id: Opt(Type.String()), ...webinarFields },
  strict,
);

export const ParticipantBody = Type.Object({ user_id: Type.String() }, strict);

export const JoinBody = Type.Object(
  {
    variant: Type.Union([Type.Literal('web'), Type.Literal('native')]),
    join_token: Opt(Type.String()),
    third_party_recording_token: Opt(Type.String()),
    zak: Opt(Type.String()),
    obf: Opt(Type.String()),
  },
  strict,
);

const appFields = {
  client_secret: Opt(Type.String({ minLength: 1 })),
  webhook_secret: Opt(Type.String({ minLength: 1 })),
  event_url: Opt(Type.Union([Type.String({ minLength: 1 }), Type.Null()])),
  redirect_uris: Type.Array(Type.String({ minLength: 1 })),
  scopes: Type.Array(Type.String({ minLength: 1 })),
  published: Opt(Type.Boolean()),
  access_token_ttl_seconds: Opt(Type.Integer({ minimum: 1 })),
  refresh_token_ttl_seconds: Opt(Type.Integer({ minimum: 1 })),
};
export const AppBody = Type.Object(
  {
    kind: Type.Union([Type.Literal('user_level'), Type.Literal('account_level')]),
    client_id: Opt(Type.String({ minLength: 1 })),
    ...appFields,
  },
  strict,
);
export const AppPatch = strictPartial(appFields);
export const ValidateBody = Type.Object({ url: Opt(Type.String()) }, strict);

export const AuthorizeBody = Type.Object(
  {
    client_id: Type.String(),
    user_id: Type.String(),
    redirect_uri: Type.String(),
    state: Opt(Type.String()),
    code_challenge: Opt(Type.String()),
    code_challenge_method: Opt(Type.String()),
  },
  strict,
);
/** Seeding a large world at once: accounts, their users, and each user's grant of one app. */
export const FleetBody = Type.Object(
  {
    client_id: Type.String(),
    accounts: Type.Integer({ minimum: 1, maximum: 100_000 }),
    users_per_account: Type.Integer({ minimum: 1, maximum: 1000 }),
    /** Emails are `<prefix>-<account>-<user>@fleet.example`; a prefix must not be reused. */
    email_prefix: Type.String({ pattern: '^[a-z0-9-]{1,40}$' }),
  },
  strict,
);
export const DeauthorizeBody = Type.Object(
  {
    client_id: Type.String(),
    user_id: Type.String(),
    // The user allowed the app to keep their data (Zoom's `user_data_retention`).
    user_data_retention: Type.Optional(Type.Boolean()),
  },
  strict,
);

export const ClockBody = Type.Object(
  { advance_seconds: Opt(Type.Number({ minimum: 0 })), freeze: Opt(Type.Boolean()) },
  strict,
);

export const FaultBody = Type.Object(
  {
    path_pattern: Type.String({ minLength: 1 }),
    method: Opt(Type.String()),
    status: Opt(Type.Integer({ minimum: 100, maximum: 599 })),
    body: Opt(Type.Unknown()),
    latency_ms: Opt(Type.Integer({ minimum: 0, maximum: 60_000 })),
    rate: Opt(Type.Number({ minimum: 0, maximum: 1 })),
    drop_response_after_commit: Opt(Type.Boolean()),
    hold_response_after_commit: Opt(Type.Boolean()),
    times: Opt(Type.Integer({ minimum: 1 })),
  },
  strict,
);

export const IdParams = Type.Object({ id: Type.String() });

export type TAccountBody = Static<typeof AccountBody>;
export type TUserBody = Static<typeof UserBody>;
export type TMeetingBody = Static<typeof MeetingBody>;
export type TAppBody = Static<typeof AppBody>;
export type TFaultBody = Static<typeof FaultBody>;
