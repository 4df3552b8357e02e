import { BadRequestError, fieldError, NotFoundError } from '../errors.ts';
import type { SyncStore } from '../sync/store.ts';
import { parseMeetingReference } from '../zoom/meeting-url.ts';
import type { MintedToken, Minter, MintFailure, TokenKind } from './minter.ts';
import { TOKEN_KINDS } from './minter.ts';

export interface TokenRequest {
  meeting_url?: string;
  meeting_id?: number;
  kinds?: TokenKind[];
  bypass_waiting_room?: boolean;
  obf_user_id?: string;
  variant?: 'web' | 'native';
}

export interface TokenAnswer {
  meeting_id: number;
  credential: string;
  join_token: MintedToken | null;
  third_party_recording_token: MintedToken | null;
  zak: MintedToken | null;
  obf: MintedToken | null;
  errors: Partial<Record<TokenKind, MintFailure>>;
}

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

export const tokenServiceFactory = (deps: {
  syncs: SyncStore;
  minter: Minter;
  /** Per-request deadline for all of Zoom's answers. */
  deadlineMs: number;
  now: () => number;
}) => {
  const { syncs, minter } = deps;

  /** The meeting a request names: an id, or a URL (a `/my/{vanity}` link through the synced names). */
  async function meetingIdOf(
    workspaceId: string,
    request: Pick<TokenRequest, 'meeting_url' | 'meeting_id'>,
  ): Promise<number> {
    if (request.meeting_id !== undefined && request.meeting_url !== undefined) {
      throw new BadRequestError('Give meeting_url or meeting_id, not both.');
    }
    if (request.meeting_id !== undefined) return request.meeting_id;
    if (request.meeting_url === undefined)
      throw new BadRequestError('Give meeting_url or meeting_id.');
    const reference = parseMeetingReference(request.meeting_url);
    if ('error' in reference) throw fieldError('meeting_url', reference.error);
    if (reference.kind === 'id') return reference.meetingId;
    const host = await syncs.findHostByVanity(workspaceId, reference.vanityName);
    if (!host?.pmi) {
      throw new NotFoundError(
        `No synced Zoom user has the personal link name "${reference.vanityName}".`,
        { code: 'meeting_not_found' },
      );
    }
    return host.pmi;
  }

  return {
    meetingIdOf,

    async mint(workspaceId: string, request: TokenRequest): Promise<TokenAnswer> {
      const deadline = deps.now() + deps.deadlineMs;
      const meetingId = await meetingIdOf(workspaceId, request);
      const mapping = await syncs.resolveCredential(workspaceId, meetingId);
      if (!mapping) throw new NoCredentialForMeetingError(meetingId);
      const { credential } = mapping;
      const kinds = request.kinds ?? [...TOKEN_KINDS];
      const { tokens, errors } = await minter.mint(
        {
          credential,
          meetingId,
          hostUserId: mapping.host_user_id,
          bypassWaitingRoom: request.bypass_waiting_room ?? true,
          variant: request.variant ?? 'web',
          obfUserId: request.obf_user_id ?? null,
          deadline,
        },
        [...new Set(kinds)],
      );
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
  };
};

export type TokenService = ReturnType<typeof tokenServiceFactory>;
