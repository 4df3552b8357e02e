// Zoom's webhook cryptography, Svix-verifier style: pure, total (every input gives an answer,
// never an exception), and nothing else lives here.

import { createHmac, timingSafeEqual } from 'node:crypto';
import { plural } from '../plural.ts';
import type { Result } from '../result.ts';

/** Zoom's guidance: refuse requests whose timestamp is more than 5 minutes away (replays). */
export const DEFAULT_TIMESTAMP_TOLERANCE_SECONDS = 300;

export interface SignedRequest {
  /** The `x-zm-signature` header: `v0=<hex>`. */
  signature: string | undefined;
  /** The `x-zm-request-timestamp` header, in SECONDS (the body's `event_ts` is milliseconds). */
  timestamp: string | undefined;
  /** The body exactly as received. */
  body: Uint8Array | string;
}

export type SignatureProblem =
  | 'missing_signature'
  | 'missing_timestamp'
  | 'malformed_timestamp'
  | 'signature_mismatch'
  | 'timestamp_too_old'
  | 'timestamp_in_future';

export type SignatureCheck = Result<
  { signedForm: 'raw' | 'reserialized' },
  { problem: SignatureProblem; message: string }
>;

/** `v0=hex(HMAC_SHA256(secret, "v0:" + timestamp + ":" + body))`. */
export function zoomWebhookSignature(
  secret: string,
  timestampSeconds: string,
  body: Uint8Array | string,
): string {
  const hmac = createHmac('sha256', secret).update(`v0:${timestampSeconds}:`);
  return `v0=${hmac.update(body).digest('hex')}`;
}

/** Zoom's `endpoint.url_validation` challenge answer. */
export function urlValidationResponse(
  secret: string,
  plainToken: string,
): { plainToken: string; encryptedToken: string } {
  return {
    plainToken,
    encryptedToken: createHmac('sha256', secret).update(plainToken).digest('hex'),
  };
}

function constantTimeEqual(provided: string, expected: string): boolean {
  const a = Buffer.from(provided, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  // The length of a v0 signature is public; only its content must not leak through timing.
  return a.length === b.length && timingSafeEqual(a, b);
}

/** `JSON.stringify(JSON.parse(body))`, or null when the body is not JSON. */
function reserialized(body: Uint8Array | string): string | null {
  try {
    const text = typeof body === 'string' ? body : Buffer.from(body).toString('utf8');
    return JSON.stringify(JSON.parse(text));
  } catch {
    return null;
  }
}

/**
 * Checks a Zoom webhook request. The raw body is what a correct sender signs; Zoom's own sample
 * receivers hash `JSON.stringify(req.body)` instead, so senders built from them (and relays that
 * re-format the JSON) sign the compact re-serialization: that form is accepted too. The
 * signature is checked before the timestamp so that the log says "stale" only for requests
 * that really came from the secret's holder.
 */
export function verifyZoomWebhook(
  secret: string,
  request: SignedRequest,
  nowMs: number,
  toleranceSeconds = DEFAULT_TIMESTAMP_TOLERANCE_SECONDS,
): SignatureCheck {
  const { signature, timestamp, body } = request;
  if (!signature) {
    return {
      ok: false,
      problem: 'missing_signature',
      message: 'The x-zm-signature header is missing.',
    };
  }
  if (!timestamp) {
    return {
      ok: false,
      problem: 'missing_timestamp',
      message: 'The x-zm-request-timestamp header is missing.',
    };
  }
  if (!/^\d{1,15}$/.test(timestamp)) {
    return {
      ok: false,
      problem: 'malformed_timestamp',
      message: 'The x-zm-request-timestamp header is not a Unix time in seconds.',
    };
  }
  let signedForm: 'raw' | 'reserialized' | null = null;
  if (constantTimeEqual(signature, zoomWebhookSignature(secret, timestamp, body))) {
    signedForm = 'raw';
  } else {
    const compact = reserialized(body);
    if (
      compact !== null &&
      constantTimeEqual(signature, zoomWebhookSignature(secret, timestamp, compact))
    )
      signedForm = 'reserialized';
  }
  if (signedForm === null) {
    return {
      ok: false,
      problem: 'signature_mismatch',
      message:
        "The x-zm-signature header does not match the body: check that the app's webhook_secret is the Zoom app's Secret Token.",
    };
  }
  const skewSeconds = Number(timestamp) - nowMs / 1000;
  if (skewSeconds < -toleranceSeconds) {
    return {
      ok: false,
      problem: 'timestamp_too_old',
      message: `The x-zm-request-timestamp is more than ${plural(toleranceSeconds, 'second')} old (a replayed or delayed request).`,
    };
  }
  if (skewSeconds > toleranceSeconds) {
    return {
      ok: false,
      problem: 'timestamp_in_future',
      message: `The x-zm-request-timestamp is more than ${plural(toleranceSeconds, 'second')} in the future (it must be in seconds, and the sender's clock right).`,
    };
  }
  return { ok: true, signedForm };
}
