import type { Static } from 'typebox';
import type { Keyring } from '../crypto/keyring.ts';
import { NotFoundError } from '../errors.ts';
import { uuidv7 } from '../ids.ts';
import type { Result } from '../result.ts';
import type { TokenUrlsBody } from './schemas.ts';
import { TOKEN_KINDS, type TokenKind } from './schemas.ts';
import type { TokenService } from './service.ts';
import type { TokenUrlStore } from './token-url-store.ts';
import { signTokenUrl, tokenUrlVerifier } from './token-urls.ts';

const URL_FIELDS = {
  join_token: 'join_token_url',
  third_party_recording_token: 'third_party_recording_token_url',
  zak: 'zak_url',
  obf: 'obf_token_url',
} as const satisfies Record<TokenKind, string>;

type UrlField = (typeof URL_FIELDS)[TokenKind];

export type TokenUrlSet = { id: string; meeting_id: number; expires_at: string } & Record<
  UrlField,
  string | null
>;

/** What a token URL answers: the token, or a refusal in the API's error shape. */
export type TokenUrlAnswer = Result<
  { token: string },
  { status: 403 | 404; body: { detail: string; code?: string } }
>;

/**
 * Signed URLs a bot runtime GETs for one token (token-urls.ts), made in sets that can be revoked:
 * a URL answers only while its set's row exists, checked on every use (from memory while no
 * process deleted one: src/hot-path/), so a revocation holds at once on the process that made it
 * and within milliseconds on every other.
 */
export const tokenUrlServiceFactory = (deps: {
  tokenService: Pick<TokenService, 'meetingIdOf' | 'mint'>;
  urls: TokenUrlStore;
  keyring: Keyring;
  publicUrl: string;
  now: () => number;
}) => {
  const { tokenService, urls, keyring, now } = deps;
  const verify = tokenUrlVerifier(keyring);

  return {
    async create(workspaceId: string, request: Static<typeof TokenUrlsBody>): Promise<TokenUrlSet> {
      const { ttl_seconds = 3600, kinds = [...TOKEN_KINDS], ...rest } = request;
      const meetingId = await tokenService.meetingIdOf(workspaceId, rest);
      const id = uuidv7();
      const expires = Math.floor(now() / 1000) + ttl_seconds;
      const expiresAt = new Date(expires * 1000).toISOString();
      await urls.insert({ id, workspaceId, meetingId, expiresAt });
      const set: TokenUrlSet = {
        id,
        meeting_id: meetingId,
        join_token_url: null,
        third_party_recording_token_url: null,
        zak_url: null,
        obf_token_url: null,
        expires_at: expiresAt,
      };
      for (const kind of kinds) {
        set[URL_FIELDS[kind]] = signTokenUrl(keyring, deps.publicUrl, {
          id,
          kind,
          workspaceId,
          meetingId,
          expires,
          bypassWaitingRoom: rest.bypass_waiting_room ?? true,
          variant: rest.variant ?? 'web',
          obfUserId: rest.obf_user_id ?? null,
        });
      }
      return set;
    },

    async revoke(workspaceId: string, id: string): Promise<void> {
      if (!(await urls.deleteInWorkspace(workspaceId, id))) throw new NotFoundError();
    },

    /** A runtime fetched a URL: check it, then mint its one token. */
    async answer(query: Record<string, string | undefined>): Promise<TokenUrlAnswer> {
      const check = verify(query, Math.floor(now() / 1000));
      if (!check.ok) {
        const detail =
          check.reason === 'expired'
            ? 'This token URL has expired.'
            : 'This token URL is not valid (it was altered or signed by another server).';
        return { ok: false, status: 403, body: { detail } };
      }
      const { claims } = check;
      if (claims.id !== null && !(await urls.isLive(claims.workspaceId, claims.id))) {
        return {
          ok: false,
          status: 404,
          body: { detail: 'This token URL was revoked.', code: 'token_url_revoked' },
        };
      }
      try {
        const minted = await tokenService.mint(claims.workspaceId, {
          meeting_id: claims.meetingId,
          kinds: [claims.kind],
          bypass_waiting_room: claims.bypassWaitingRoom,
          variant: claims.variant,
          ...(claims.obfUserId !== null && { obf_user_id: claims.obfUserId }),
        });
        const token = minted[claims.kind];
        if (token) return { ok: true, token: token.token };
        const failure = minted.errors[claims.kind];
        return {
          ok: false,
          status: 404,
          body: { detail: failure?.message ?? 'No token.', code: failure?.code ?? 'no_token' },
        };
      } catch (error) {
        // Only "no token for this meeting" is the runtime's business; anything else is ours (5xx).
        if (!(error instanceof NotFoundError)) throw error;
        const code = typeof error.extra.code === 'string' ? error.extra.code : 'meeting_not_found';
        return { ok: false, status: 404, body: { detail: error.message, code } };
      }
    },
  };
};

export type TokenUrlService = ReturnType<typeof tokenUrlServiceFactory>;
