// Binds a Connect attempt to the browser that started it (login CSRF, RFC 6749 §10.12): opening
// the link sets a short-lived cookie whose SHA-256 is stored with the attempt's state, and the
// callback must bring it back. A callback URL replayed in another browser (leaked from a log,
// sent to a victim) carries the state but not the cookie, and fails.

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Long enough to sign in to Zoom (password, 2FA, SSO) and consent; the attempt's state is worth
 * nothing without the cookie after that.
 */
export const BINDING_LIFETIME_SECONDS = 15 * 60;

/** One cookie per link, so two links open in one browser do not undo each other. */
export const bindingCookieName = (linkId: string) =>
  `hostpass_connect_${linkId.replaceAll('-', '')}`;

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

export function newBinding(): { value: string; hash: string } {
  const value = randomBytes(32).toString('base64url');
  return { value, hash: digest(value).toString('hex') };
}

/** Constant-time: the presented cookie's SHA-256 against the one stored with the attempt. */
export function bindingMatches(presented: string | undefined, storedHash: string | null): boolean {
  if (presented === undefined || storedHash === null) return false;
  const expected = Buffer.from(storedHash, 'hex');
  const actual = digest(presented);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

export interface BindingCookieScope {
  /** The callback's path as the browser sees it (PUBLIC_URL may carry a prefix). */
  path: string;
  /** PUBLIC_URL is https: the cookie never travels in clear. */
  secure: boolean;
}

/**
 * A `Set-Cookie` value: HttpOnly (no script reads it), SameSite=Lax (sent on Zoom's top-level
 * redirect back, never on cross-site subrequests), scoped to the callback path. An empty value
 * with max age 0 removes it.
 */
export function bindingCookie(
  linkId: string,
  value: string,
  maxAgeSeconds: number,
  scope: BindingCookieScope,
): string {
  return [
    `${bindingCookieName(linkId)}=${value}`,
    `Max-Age=${maxAgeSeconds}`,
    `Path=${scope.path}`,
    'HttpOnly',
    'SameSite=Lax',
    ...(scope.secure ? ['Secure'] : []),
  ].join('; ');
}

/** One cookie's value from a `Cookie` request header (our values are base64url: no quoting). */
export function readCookie(header: string | undefined, name: string): string | undefined {
  for (const pair of header?.split(';') ?? []) {
    const separator = pair.indexOf('=');
    if (separator !== -1 && pair.slice(0, separator).trim() === name)
      return pair.slice(separator + 1).trim();
  }
  return undefined;
}
