// Zoom's webhook cryptography: the `x-zm-signature` header and the endpoint.url_validation
// answer. Pure functions, so tests check them against the reference vector.

import { createHmac } from 'node:crypto';

/** `v0=hex(HMAC_SHA256(secret, "v0:" + timestamp + ":" + body))`, timestamp in SECONDS. */
export function zoomSignature(secret: string, timestampSeconds: string, body: string): string {
  const digest = createHmac('sha256', secret)
    .update(`v0:${timestampSeconds}:${body}`)
    .digest('hex');
  return `v0=${digest}`;
}

/** The `encryptedToken` a receiver must echo for endpoint.url_validation. */
export function urlValidationToken(secret: string, plainToken: string): string {
  return createHmac('sha256', secret).update(plainToken).digest('hex');
}
