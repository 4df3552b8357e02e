import { createHmac, timingSafeEqual } from 'node:crypto';
import { setBounded } from '../bounded-map.ts';
import type { Keyring } from '../crypto/keyring.ts';
import type { Result } from '../result.ts';
import { isTokenKind, type TokenKind } from '../zoom/token-kinds.ts';

/**
 * Token URLs for bot runtimes that fetch tokens themselves (a hosted bot service's
 * `zoom.join_token_url`, or your own Meeting SDK bot): plain GETs with no Authorization header,
 * so the URL itself is the credential. It is bound to one meeting, one kind, one workspace and an
 * expiry by an HMAC over exactly those fields; any other query parameter a runtime appends is
 * ignored, so the URL keeps working when it is decorated. Its `id` names the set of URLs made
 * together, which can be revoked before it expires (token-url-service.ts).
 */
export interface TokenUrlClaims {
  /** The set's id; null only in URLs signed before sets had one (they cannot be revoked). */
  id: string | null;
  kind: TokenKind;
  workspaceId: string;
  meetingId: number;
  /** Epoch seconds. */
  expires: number;
  bypassWaitingRoom: boolean;
  variant: 'web' | 'native';
  obfUserId: string | null;
}

const PURPOSE = 'token-urls';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** Bounds a verifier's memo: an entry is one URL's signed text, a few hundred bytes. */
const VERIFIED_MAX_ENTRIES = 20_000;
export const TOKEN_URL_PATH = '/api/v2/zoom-token-urls/token';

function canonical(claims: TokenUrlClaims): string {
  return [
    ...(claims.id === null ? ['v1'] : ['v2', claims.id]),
    claims.kind,
    claims.workspaceId,
    claims.meetingId,
    claims.expires,
    claims.bypassWaitingRoom ? 1 : 0,
    claims.variant,
    claims.obfUserId ?? '',
  ].join('\n');
}

function sign(key: Buffer, claims: TokenUrlClaims): string {
  return hmac(key, canonical(claims));
}

const hmac = (key: Buffer, text: string) =>
  createHmac('sha256', key).update(text).digest('base64url');

export function signTokenUrl(keyring: Keyring, publicUrl: string, claims: TokenUrlClaims): string {
  const key = keyring.deriveKey(PURPOSE) as Buffer;
  const query = new URLSearchParams({
    ...(claims.id !== null && { id: claims.id }),
    kind: claims.kind,
    workspace: claims.workspaceId,
    meeting_id: String(claims.meetingId),
    expires: String(claims.expires),
    bypass_waiting_room: claims.bypassWaitingRoom ? '1' : '0',
    variant: claims.variant,
    ...(claims.obfUserId !== null && { obf_user_id: claims.obfUserId }),
    kid: keyring.activeKeyId,
    sig: sign(key, claims),
  });
  return `${publicUrl}${TOKEN_URL_PATH}?${query}`;
}

export type TokenUrlCheck = Result<{ claims: TokenUrlClaims }, { reason: 'invalid' | 'expired' }>;

/**
 * `verifyTokenUrl` with a memo of the signatures it found good: a bot fetches its URL again (or
 * many bots one URL), and a signature once matched matches for as long as the process's keys
 * stay the same, which they do (the keyring is read at start). The memo is this verifier's
 * alone (another keyring, another memo), holds only signatures that matched, and skips the HMAC,
 * never the expiry or the revocation check.
 */
export function tokenUrlVerifier(keyring: Keyring) {
  const verified = new Map<string, string>();
  return (query: Record<string, string | undefined>, nowSeconds: number): TokenUrlCheck =>
    verifyTokenUrl(keyring, query, nowSeconds, verified);
}

/** Verifies in constant time; an unknown key id, a missing field or any change is "invalid". */
export function verifyTokenUrl(
  keyring: Keyring,
  query: Record<string, string | undefined>,
  nowSeconds: number,
  verified?: Map<string, string>,
): TokenUrlCheck {
  const key = query.kid ? keyring.deriveKey(PURPOSE, query.kid) : null;
  const meetingId = Number(query.meeting_id);
  const expires = Number(query.expires);
  if (
    !key ||
    !query.sig ||
    !query.workspace ||
    (query.id !== undefined && !UUID.test(query.id)) ||
    !Number.isSafeInteger(meetingId) ||
    !Number.isSafeInteger(expires) ||
    (query.variant !== 'web' && query.variant !== 'native') ||
    (query.bypass_waiting_room !== '0' && query.bypass_waiting_room !== '1') ||
    !isTokenKind(query.kind) ||
    query.obf_user_id === ''
  ) {
    return { ok: false, reason: 'invalid' };
  }
  const claims: TokenUrlClaims = {
    id: query.id ?? null,
    kind: query.kind,
    workspaceId: query.workspace,
    meetingId,
    expires,
    bypassWaitingRoom: query.bypass_waiting_room === '1',
    variant: query.variant,
    obfUserId: query.obf_user_id ?? null,
  };
  const signed = canonical(claims);
  // A key id has no newline (it named a key of the keyring), so one memo key is one key and one
  // signed text, which have one good signature: the memo's value, compared in constant time.
  const memoKey = verified ? `${query.kid}\n${signed}` : null;
  const given = Buffer.from(query.sig);
  const expected = Buffer.from(verified?.get(memoKey ?? '') ?? hmac(key, signed));
  if (expected.length !== given.length || !timingSafeEqual(expected, given))
    return { ok: false, reason: 'invalid' };
  if (expires <= nowSeconds) return { ok: false, reason: 'expired' };
  if (memoKey !== null && verified) setBounded(verified, memoKey, query.sig, VERIFIED_MAX_ENTRIES);
  return { ok: true, claims };
}
