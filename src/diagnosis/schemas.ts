import { type Static, Type } from 'typebox';
import { Timestamp, Uuid } from '../http/schemas.ts';

export const CHECK_NAMES = [
  'link_parses',
  'mapping_exists',
  'credential_healthy',
  'local_recording_scope',
  'zoom_reports_meeting',
  'host_allows_local_recording',
  'join_token_dry_run',
  'third_party_recording_token',
] as const;

export const DiagnosisBody = Type.Object(
  {
    meeting_url: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 2000,
        description: 'Any Zoom meeting or webinar link (or a meeting id).',
      }),
    ),
    meeting_id: Type.Optional(Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER })),
    variant: Type.Optional(
      Type.Enum(['web', 'native'], {
        description:
          'The bot that will join: "native" (Meeting SDK) bots on account-level apps are also checked for the 3rd party recording token. Default "web".',
      }),
    ),
  },
  { additionalProperties: false },
);
export type DiagnosisRequest = Static<typeof DiagnosisBody>;

export const Check = Type.Object({
  name: Type.Enum([...CHECK_NAMES]),
  ok: Type.Boolean(),
  detail: Type.String({ description: 'What Hostpass found.' }),
  fix: Type.Union([Type.String(), Type.Null()], {
    description: 'What to do about a failed check; null when it passed.',
  }),
});
export type DiagnosisCheck = Static<typeof Check>;

export const DiagnosisAnswer = Type.Object({
  meeting_id: Type.Union([Type.Integer(), Type.Null()], {
    description: 'Null when the link names no meeting Hostpass can read.',
  }),
  kind: Type.Union([Type.Enum(['meeting', 'webinar']), Type.Null()]),
  credential: Type.Union([Uuid, Type.Null()], {
    description: 'The grant a bot would get its tokens from.',
  }),
  verdict: Type.Enum(['records_without_asking', 'asks_host', 'cannot_tell'], {
    description:
      '`records_without_asking`: a join token (or, for native bots, a 3rd party recording token) was minted just now; `asks_host`: a bot joins but must ask the host to record (see the failed checks); `cannot_tell`: Zoom did not answer, or the link names no meeting.',
  }),
  checks: Type.Array(Check, {
    description: 'In the order they ran; a blocking failure ends the list.',
  }),
  checked_at: Timestamp,
});
export type Diagnosis = Static<typeof DiagnosisAnswer>;
