import type { Static } from 'typebox';
import { BadGatewayError, BadRequestError, fieldError, NotFoundError } from '../errors.ts';
import type { MeetingKind, MeetingsService } from '../meetings/service.ts';
import type { Result } from '../result.ts';
import { parseMeetingReference } from '../zoom/meeting-url.ts';
import type { Minter } from './minter.ts';
import {
  type MintAnswer,
  type MintBody,
  type MintedToken,
  type MintFailure,
  TOKEN_KINDS,
} from './schemas.ts';

/** A mint request and its answer, as the API's schemas define them. */
export type TokenRequest = Static<typeof MintBody>;
export type TokenAnswer = Static<typeof MintAnswer>;

/**
 * No grant Hostpass holds reaches the meeting: 404 with a code a program can branch on. Every
 * 404 about a meeting has one: this, or `meeting_not_found` for a link Hostpass cannot resolve.
 */
export class NoCredentialForMeetingError extends NotFoundError {
  constructor(meetingId: number) {
    super(
      `No connected Zoom user or account hosts meeting ${meetingId}. Connect its host (or their account) and let the meeting sync run, or check the meeting id.`,
      { code: 'no_credential_for_meeting' },
    );
    this.name = 'NoCredentialForMeetingError';
  }
}

/** What `mintForUser` answers: the token, or why there is none; `credential` is the grant used. */
export type UserTokenAnswer = { credential: string | null } & Result<
  { token: MintedToken },
  { failure: MintFailure }
>;

/**
 * Nothing minted, and only because Zoom's answers were malformed: that is Zoom's failure, not the
 * request's, so the whole mint answers 502 (`zoom_bad_answer`, naming the endpoint) rather than a
 * 200 with nothing in it. With other kinds minted, the bad one is in `errors` like any failure.
 */
function badAnswersOnly(minted: number, failures: readonly (MintFailure | undefined)[]): void {
  const first = failures[0];
  if (minted > 0 || !first || !failures.every((failure) => failure?.code === 'zoom_bad_answer'))
    return;
  throw new BadGatewayError(first.message, { code: 'zoom_bad_answer' });
}

export const tokenServiceFactory = (deps: {
  meetings: Pick<
    MeetingsService,
    'resolveCredential' | 'findCredentialForUser' | 'findHostByVanity'
  >;
  minter: Minter;
  /** Per-request deadline for all of Zoom's answers. */
  deadlineMs: number;
  now: () => number;
}) => {
  const { meetings, minter } = deps;
  /** A look-up at Zoom (a meeting no sync has seen) may use half the time; minting needs the rest. */
  const lookupDeadline = () => deps.now() + deps.deadlineMs / 2;

  /**
   * The meeting a request names: an id, or a URL (a `/my/{vanity}` link through the synced
   * names); `kind` is what the link says it is (`/w/` links: a webinar; anything else: a meeting).
   */
  async function referenceOf(
    workspaceId: string,
    request: Pick<TokenRequest, 'meeting_url' | 'meeting_id'>,
  ): Promise<{ meetingId: number; kind: MeetingKind }> {
    if (request.meeting_id !== undefined && request.meeting_url !== undefined) {
      throw new BadRequestError('Give meeting_url or meeting_id, not both.');
    }
    if (request.meeting_id !== undefined) return { meetingId: request.meeting_id, kind: 'meeting' };
    if (request.meeting_url === undefined)
      throw new BadRequestError('Give meeting_url or meeting_id.');
    const reference = parseMeetingReference(request.meeting_url);
    if (!reference.ok) throw fieldError('meeting_url', reference.error);
    if (reference.kind === 'id') {
      return { meetingId: reference.meetingId, kind: reference.webinar ? 'webinar' : 'meeting' };
    }
    const host = await meetings.findHostByVanity(workspaceId, reference.vanityName);
    if (!host?.pmi) {
      throw new NotFoundError(
        `No synced Zoom user has the personal link name "${reference.vanityName}".`,
        { code: 'meeting_not_found' },
      );
    }
    return { meetingId: host.pmi, kind: 'meeting' };
  }

  return {
    referenceOf,
    meetingIdOf: async (
      workspaceId: string,
      request: Pick<TokenRequest, 'meeting_url' | 'meeting_id'>,
    ): Promise<number> => (await referenceOf(workspaceId, request)).meetingId,

    async mint(workspaceId: string, request: TokenRequest): Promise<TokenAnswer> {
      const deadline = deps.now() + deps.deadlineMs;
      const { meetingId, kind } = await referenceOf(workspaceId, request);
      const mapping = await meetings.resolveCredential(
        workspaceId,
        meetingId,
        lookupDeadline(),
        kind,
      );
      if (!mapping) throw new NoCredentialForMeetingError(meetingId);
      const { credential } = mapping;
      const kinds = request.kinds ?? [...TOKEN_KINDS];
      const { tokens, errors } = await minter.mint(
        {
          credential,
          meetingId,
          kind: mapping.kind,
          hostUserId: mapping.host_user_id,
          bypassWaitingRoom: request.bypass_waiting_room ?? true,
          variant: request.variant ?? 'web',
          obfUserId: request.obf_user_id ?? null,
          deadline,
        },
        [...new Set(kinds)],
      );
      badAnswersOnly(Object.keys(tokens).length, Object.values(errors));
      return {
        meeting_id: meetingId,
        credential: credential.id,
        join_token: tokens.join_token ?? null,
        third_party_recording_token: tokens.third_party_recording_token ?? null,
        zak: tokens.zak ?? null,
        obf: tokens.obf ?? null,
        errors,
      };
    },

    /**
     * A user's own token for a meeting (on-behalf or ZAK), minted with the grant that reaches the
     * user: their own user-level grant, or an account-level grant whose sync has seen them. An
     * on-behalf token is what lets a bot join a meeting of ANOTHER Zoom account, so the meeting's
     * host need not be connected; only when no grant reaches the user is the meeting's grant
     * tried (an account-level grant reaches every user of its account).
     */
    async mintForUser(
      workspaceId: string,
      request: { meetingId: number; userId: string; kind: 'obf' | 'zak' },
    ): Promise<UserTokenAnswer> {
      const deadline = deps.now() + deps.deadlineMs;
      const { meetingId, userId, kind } = request;
      const credential =
        (await meetings.findCredentialForUser(workspaceId, userId)) ??
        (await meetings.resolveCredential(workspaceId, meetingId, lookupDeadline()))?.credential;
      if (!credential) {
        return {
          ok: false,
          credential: null,
          failure: {
            code: 'no_credential_for_user',
            message: `No connected Zoom user or account reaches the Zoom user ${userId}.`,
          },
        };
      }
      const { tokens, errors } = await minter.mint(
        {
          credential,
          meetingId,
          hostUserId: userId,
          bypassWaitingRoom: true,
          variant: 'web',
          obfUserId: userId,
          deadline,
        },
        [kind],
      );
      const token = tokens[kind];
      return token
        ? { ok: true, credential: credential.id, token }
        : {
            ok: false,
            credential: credential.id,
            failure: errors[kind] ?? { code: 'zoom_refused', message: 'Zoom gave no token.' },
          };
    },
  };
};

export type TokenService = ReturnType<typeof tokenServiceFactory>;
