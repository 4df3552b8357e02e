import { type Static, Type } from 'typebox';

/*
 * What Hostpass reads from Zoom's REST answers, checked at the one door to Zoom (api.ts): a field
 * Hostpass relies on that is missing or of the wrong type is Zoom's malformed answer
 * (ZoomBadAnswerError), never an `undefined` that travels on. Objects stay open: Zoom adds fields.
 */

/** Zoom sends PMIs as numbers; older answers and some webhooks carry them as strings. */
const Pmi = Type.Union([Type.Number(), Type.String()]);

/** `GET /users/me` and each user of `GET /users`. */
export const ZoomUser = Type.Object({
  id: Type.String({ minLength: 1 }),
  account_id: Type.Optional(Type.String()),
  email: Type.Optional(Type.String()),
  // Names are for people, read leniently by zoomUserProfile: an odd one is no name, not a bad answer.
  display_name: Type.Optional(Type.Unknown()),
  first_name: Type.Optional(Type.Unknown()),
  last_name: Type.Optional(Type.Unknown()),
  pmi: Type.Optional(Pmi),
  vanity_url: Type.Optional(Type.String()),
  type: Type.Optional(Type.Number()),
  status: Type.Optional(Type.String()),
});
export type ZoomUser = Static<typeof ZoomUser>;

/** `GET /users/me` read to identify a grant's holder: the account is what account-level grants key on. */
export const ZoomGrantHolder = Type.Intersect([
  ZoomUser,
  Type.Object({ account_id: Type.String({ minLength: 1 }) }),
]);
export type ZoomGrantHolder = Static<typeof ZoomGrantHolder>;

/** `GET /users`: one page of an account's users (`next_page_token` is empty on the last page). */
export const ZoomUsersPage = Type.Object({
  users: Type.Array(ZoomUser),
  next_page_token: Type.Optional(Type.String()),
});

/** A meeting or webinar as the hosts' lists give it. */
const ZoomListedMeeting = Type.Object({
  id: Type.Union([Type.Integer(), Type.String({ pattern: '^[0-9]+$' })]),
  host_id: Type.Optional(Type.String()),
});
export type ZoomListedMeeting = Static<typeof ZoomListedMeeting>;

/** `GET /users/{userId}/meetings`: one page of a host's meetings. */
export const ZoomMeetingsPage = Type.Object({
  meetings: Type.Array(ZoomListedMeeting),
  next_page_token: Type.Optional(Type.String()),
});

/** `GET /users/{userId}/webinars`: one page of a host's webinars. */
export const ZoomWebinarsPage = Type.Object({
  webinars: Type.Array(ZoomListedMeeting),
  next_page_token: Type.Optional(Type.String()),
});

/** `GET /meetings/{meetingId}` and `GET /webinars/{webinarId}`: only the host is read. */
export const ZoomMeeting = Type.Object({
  host_id: Type.Optional(Type.String()),
});

/** `GET /users/{userId}/settings`: only the recording section's local-recording switch is read. */
export const ZoomUserSettings = Type.Object({
  recording: Type.Optional(Type.Object({ local_recording: Type.Optional(Type.Boolean()) })),
});

/** The jointoken endpoints: a token that lives `expire_in` seconds. */
export const ZoomMeetingToken = Type.Object({
  token: Type.String({ minLength: 1 }),
  expire_in: Type.Optional(Type.Number({ minimum: 0 })),
});

/** `GET /users/{userId}/token` (ZAK, on-behalf): a token, its lifetime documented, not sent. */
export const ZoomUserToken = Type.Object({
  token: Type.String({ minLength: 1 }),
});

/** `POST /oauth/token`: a grant's tokens (the code exchange and every refresh). */
export const ZoomOAuthTokens = Type.Object({
  access_token: Type.String({ minLength: 1 }),
  refresh_token: Type.String({ minLength: 1 }),
  expires_in: Type.Optional(Type.Unknown()),
  scope: Type.Optional(Type.String()),
});
