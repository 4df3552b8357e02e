import { type Static, Type } from 'typebox';
import { Timestamp, Uuid } from '../http/schemas.ts';
import { TOKEN_KINDS } from '../zoom/token-kinds.ts';

export { TOKEN_KINDS, type TokenKind } from '../zoom/token-kinds.ts';

const Kind = Type.Enum([...TOKEN_KINDS]);
const MintedToken = Type.Object({ token: Type.String(), expires_at: Timestamp });
export type MintedToken = Static<typeof MintedToken>;
const Minted = Type.Union([MintedToken, Type.Null()]);
/** A kind that could not be minted: a code a program can branch on and words a person reads. */
const Failure = Type.Object({
  code: Type.String({
    description:
      'e.g. credential_unhealthy, zoom_refused, zoom_bad_answer, native_variant_required, deadline_exceeded',
  }),
  message: Type.String(),
  zoom_code: Type.Optional(Type.Integer()),
});
export type MintFailure = Static<typeof Failure>;

const meetingFields = {
  meeting_url: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 2000,
      description: 'Any Zoom meeting link (or a meeting id).',
    }),
  ),
  meeting_id: Type.Optional(Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER })),
  kinds: Type.Optional(
    Type.Array(Kind, { minItems: 1, maxItems: 4, description: 'Default: every kind.' }),
  ),
  bypass_waiting_room: Type.Optional(Type.Boolean({ default: true })),
  obf_user_id: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 200,
      description: 'Whose on-behalf token (default: the host).',
    }),
  ),
  variant: Type.Optional(
    Type.Enum(['web', 'native'], { description: '3rd party recording tokens need "native".' }),
  ),
};

export const MintBody = Type.Object(meetingFields, { additionalProperties: false });

export const MintAnswer = Type.Object({
  meeting_id: Type.Integer(),
  credential: Uuid,
  join_token: Minted,
  third_party_recording_token: Minted,
  zak: Minted,
  obf: Minted,
  errors: Type.Record(Type.String(), Failure, {
    description: 'Why a requested kind could not be minted.',
  }),
});

export const TokenUrlsBody = Type.Object(
  {
    ...meetingFields,
    ttl_seconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 7 * 86_400, default: 3600 })),
  },
  { additionalProperties: false },
);

const MaybeUrl = Type.Union([Type.String(), Type.Null()]);
export const TokenUrlsAnswer = Type.Object({
  id: Type.String({
    format: 'uuid',
    description: 'The id of these URLs: `DELETE /api/v2/zoom-token-urls/{id}/` revokes them.',
  }),
  meeting_id: Type.Integer(),
  join_token_url: MaybeUrl,
  third_party_recording_token_url: MaybeUrl,
  zak_url: MaybeUrl,
  obf_token_url: MaybeUrl,
  expires_at: Timestamp,
});

const Signed = (description: string) => Type.Optional(Type.String({ maxLength: 200, description }));

/**
 * A token URL's query, exactly as POST /api/v2/zoom-token-urls/ wrote it (token-urls.ts checks
 * it); anything a runtime appends is ignored. Strings all: the signature covers the text.
 */
export const TokenUrlQuery = Type.Object(
  {
    id: Signed('The id of the set of URLs (for revocation).'),
    kind: Signed('The token this URL answers.'),
    workspace: Signed('The workspace whose credentials mint it.'),
    meeting_id: Signed('The meeting.'),
    expires: Signed('Unix time (seconds) after which the URL answers 403.'),
    bypass_waiting_room: Signed('1 or 0.'),
    variant: Signed('web or native.'),
    obf_user_id: Signed('Whose on-behalf token.'),
    kid: Signed('The encryption key the signature was derived from.'),
    sig: Signed('HMAC-SHA256 over the fields above.'),
  },
  { additionalProperties: Type.String() },
);
