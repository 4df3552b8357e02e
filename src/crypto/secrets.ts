import { hash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A new random secret with a recognisable prefix (so secret scanners can find leaked ones). */
export function generateSecret(prefix: string, bytes = 24): string {
  return `${prefix}${randomBytes(bytes).toString('base64url')}`;
}

/** One-shot (`crypto.hash`): no Hash object per call, which the API key check pays per request. */
export function sha256Hex(value: string): string {
  return hash('sha256', value, 'hex');
}

/**
 * Constant-time string equality. Hashing first makes both sides the same length, so neither the
 * content nor the length of the expected secret leaks through timing.
 */
export function secretsEqual(provided: string, expected: string): boolean {
  const a = hash('sha256', provided, 'buffer');
  const b = hash('sha256', expected, 'buffer');
  return timingSafeEqual(a, b);
}

/** What a response may show of a secret: enough to recognise it, never enough to use it. */
export function lastFour(secret: string): string {
  // Short secrets would give away too large a share of themselves.
  return secret.length >= 12 ? secret.slice(-4) : '';
}

export function maskSecret(last4: string): string {
  return `****${last4}`;
}
