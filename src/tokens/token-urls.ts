import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Keyring } from '../crypto/keyring.ts';
import type { Result } from '../result.ts';
import type { TokenKind } from './schemas.ts';

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
  return createHmac('sha256', key).update(canonical(claims)).digest('base64url');
}

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

/** Verifies in constant time; an unknown key id, a missing field or any change is "invalid". */
export function verifyTokenUrl(
  keyring: Keyring,
  query: Record<string, string | undefined>,
  nowSeconds: number,
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
    (query.bypass_waiting_room !== '0' && query.bypass_waiting_room !== '1')
  ) {
    return { ok: false, reason: 'invalid' };
  }
  const claims: TokenUrlClaims = {
    id: query.id ?? null,
    kind: query.kind as TokenKind,
    workspaceId: query.workspace,
    meetingId,
    expires,
    bypassWaitingRoom: query.bypass_waiting_room === '1',
    variant: query.variant,
    obfUserId: query.obf_user_id ?? null,
  };
  const expected = Buffer.from(sign(key, claims));
  const given = Buffer.from(query.sig);
  if (expected.length !== given.length || !timingSafeEqual(expected, given))
    return { ok: false, reason: 'invalid' };
  if (expires <= nowSeconds) return { ok: false, reason: 'expired' };
  return { ok: true, claims };
}
