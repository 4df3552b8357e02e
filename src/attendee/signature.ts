// Attendee's callback signatures, Svix-verifier style: pure, total (every input gets an answer,
// never an exception), and nothing else lives here. The rules, from Attendee's own code
// (attendee-labs/attendee): the project's webhook secret is 32 random bytes that its dashboard
// shows base64-encoded (bots/models.py `WebhookSecret`, docs/webhooks.md decodes it with
// `base64.b64decode`); `X-Webhook-Signature` is base64(HMAC-SHA256(secret, timestamp + "." + raw
// body)) with `X-Webhook-Timestamp` in Unix seconds (bots/external_callback_utils.py
// `make_signed_callback_request`); `X-Webhook-Signature-Legacy` is base64(HMAC-SHA256(secret,
// json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":")))), no timestamp
// (bots/webhook_utils.py `sign_payload`) — and older self-hosted versions send only that form, in
// `X-Webhook-Signature`.

import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Result } from '../result.ts';

/** How far a timestamp may be from now: Attendee's callbacks are answered at once. */
export const ATTENDEE_TIMESTAMP_TOLERANCE_SECONDS = 300;
/** Attendee's secrets are 32 bytes; shorter keys are refused as a pasting mistake. */
const MIN_SECRET_BYTES = 16;
/** Deeper JSON is no Attendee payload; refusing it keeps the re-serialization bounded. */
const MAX_JSON_DEPTH = 64;

export interface AttendeeSignedRequest {
  /** `X-Webhook-Signature`. */
  signature: string | undefined;
  /** `X-Webhook-Timestamp`, Unix seconds; absent from older Attendee versions. */
  timestamp: string | undefined;
  /** `X-Webhook-Signature-Legacy`. */
  legacySignature: string | undefined;
  /** The body exactly as received. */
  body: Buffer;
}

export type AttendeeSignatureProblem =
  | 'missing_signature'
  | 'malformed_timestamp'
  | 'signature_mismatch'
  | 'timestamp_too_old'
  | 'timestamp_in_future'
  | 'legacy_refused';

export type AttendeeSignatureCheck = Result<
  { form: 'timestamped' | 'legacy' },
  { problem: AttendeeSignatureProblem; message: string }
>;

/** The secret as Attendee's dashboard shows it (base64) → the HMAC key; null if it is not one. */
export function decodeAttendeeSecret(secret: string): Buffer | null {
  const trimmed = secret.trim();
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(trimmed) || trimmed.replace(/=+$/, '').length % 4 === 1)
    return null;
  const key = Buffer.from(trimmed, 'base64');
  return key.length >= MIN_SECRET_BYTES ? key : null;
}

export function attendeeSignature(key: Buffer, message: string | Buffer): string {
  return createHmac('sha256', key).update(message).digest('base64');
}

function constantTimeEqual(provided: string, expected: string): boolean {
  const a = Buffer.from(provided, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  // A signature's length is public (44 characters); only its content must not leak through timing.
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Checks an Attendee callback. With `X-Webhook-Timestamp`, only the timestamped signature counts
 * (a stale one is refused even if its legacy signature matches: that header travels with it, and
 * would otherwise make every captured request replayable). Without a timestamp, the legacy
 * signature (in either header) is accepted when `acceptLegacy`: that is all older Attendee
 * versions send, and nothing in it can be checked for freshness.
 */
export function verifyAttendeeCallback(
  key: Buffer,
  request: AttendeeSignedRequest,
  nowMs: number,
  options: { acceptLegacy: boolean; toleranceSeconds?: number },
): AttendeeSignatureCheck {
  const tolerance = options.toleranceSeconds ?? ATTENDEE_TIMESTAMP_TOLERANCE_SECONDS;
  const { signature, timestamp, legacySignature, body } = request;
  if (!signature && !legacySignature) {
    return {
      ok: false,
      problem: 'missing_signature',
      message: 'The X-Webhook-Signature header is missing.',
    };
  }
  if (timestamp !== undefined) {
    if (!/^\d{1,15}$/.test(timestamp)) {
      return {
        ok: false,
        problem: 'malformed_timestamp',
        message: 'The X-Webhook-Timestamp header is not a Unix time in seconds.',
      };
    }
    const expected = attendeeSignature(key, Buffer.concat([Buffer.from(`${timestamp}.`), body]));
    if (!signature || !constantTimeEqual(signature, expected)) return mismatch();
    const skewSeconds = Number(timestamp) - nowMs / 1000;
    if (skewSeconds < -tolerance) {
      return {
        ok: false,
        problem: 'timestamp_too_old',
        message: `The X-Webhook-Timestamp is more than ${tolerance} seconds old (a replayed or delayed request).`,
      };
    }
    if (skewSeconds > tolerance) {
      return {
        ok: false,
        problem: 'timestamp_in_future',
        message: `The X-Webhook-Timestamp is more than ${tolerance} seconds in the future (check the Attendee server's clock).`,
      };
    }
    return { ok: true, form: 'timestamped' };
  }
  const canonical = pythonCanonicalJson(body.toString('utf8'));
  const expected = canonical === null ? null : attendeeSignature(key, canonical);
  const matches = [signature, legacySignature].some(
    (candidate) =>
      candidate !== undefined && expected !== null && constantTimeEqual(candidate, expected),
  );
  if (!matches) return mismatch();
  if (!options.acceptLegacy) {
    return {
      ok: false,
      problem: 'legacy_refused',
      message:
        'This integration refuses signatures without X-Webhook-Timestamp (accept_legacy_signatures is false): upgrade Attendee.',
    };
  }
  return { ok: true, form: 'legacy' };
}

function mismatch(): AttendeeSignatureCheck {
  return {
    ok: false,
    problem: 'signature_mismatch',
    message:
      "The X-Webhook-Signature header does not match the body: check that the integration's signing_secret is the webhook secret of the Attendee project that sends the bots.",
  };
}

/** A JSON number exactly as written, so it can be printed the way Python prints what it parsed. */
class JsonNumber {
  readonly source: string;
  constructor(source: string) {
    this.source = source;
  }
}

type Reviver = (key: string, value: unknown, context?: { source?: string }) => unknown;
/** `JSON.parse` with its reviver's `context` (Node 22: the source text of each primitive). */
const parseWithSource = JSON.parse as (text: string, reviver: Reviver) => unknown;

/**
 * What Python's `json.dumps(json.loads(text), sort_keys=True, ensure_ascii=False,
 * separators=(",", ":"))` prints, or null for text that is not JSON (or is nested deeper than any
 * Attendee payload). Numbers are printed from their source text, as Python would print what it
 * parsed (exact integers, `1.0` stays `1.0`, `1e+16`), never through a JavaScript double.
 */
export function pythonCanonicalJson(text: string): string | null {
  try {
    const parsed = parseWithSource(text, (_key, value, context) =>
      typeof value === 'number' ? new JsonNumber(context?.source ?? String(value)) : value,
    );
    return printPython(parsed, 0);
  } catch {
    return null;
  }
}

function printPython(value: unknown, depth: number): string {
  if (depth > MAX_JSON_DEPTH) throw new RangeError('JSON nested too deeply');
  if (value === null) return 'null';
  if (value === true) return 'true';
  if (value === false) return 'false';
  // Python escapes exactly what JSON.stringify escapes when ensure_ascii is off.
  if (typeof value === 'string') return JSON.stringify(value);
  if (value instanceof JsonNumber) return pythonNumber(value.source);
  if (Array.isArray(value))
    return `[${value.map((item) => printPython(item, depth + 1)).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) =>
    compareCodePoints(a, b),
  );
  return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${printPython(item, depth + 1)}`).join(',')}}`;
}

/** Python sorts strings by code point; JavaScript's default sort goes by UTF-16 unit. */
function compareCodePoints(a: string, b: string): number {
  const left = Array.from(a);
  const right = Array.from(b);
  for (let index = 0; index < Math.min(left.length, right.length); index += 1) {
    const difference = (left[index]?.codePointAt(0) ?? 0) - (right[index]?.codePointAt(0) ?? 0);
    if (difference !== 0) return difference;
  }
  return left.length - right.length;
}

/** A JSON number literal as Python prints it after `json.loads`: an int, or a float's `repr`. */
export function pythonNumber(source: string): string {
  if (!/[.eE]/.test(source)) return BigInt(source).toString();
  return pythonFloatRepr(Number(source));
}

/** Python's `repr(float)`: the shortest round-tripping digits, exponent below 1e-4 and from 1e16. */
function pythonFloatRepr(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? 'Infinity' : '-Infinity';
  if (value === 0) return Object.is(value, -0) ? '-0.0' : '0.0';
  const sign = value < 0 ? '-' : '';
  const [mantissa = '', exponent = '0'] = Math.abs(value).toExponential().split('e');
  const digits = mantissa.replace('.', '');
  // The decimal point's place after the first digit, as Python's dtoa counts it.
  const point = Number(exponent) + 1;
  if (point > -4 && point <= 16) {
    if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`;
    if (point >= digits.length) return `${sign}${digits}${'0'.repeat(point - digits.length)}.0`;
    return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
  }
  const shown = digits.length === 1 ? digits : `${digits[0]}.${digits.slice(1)}`;
  const power = point - 1;
  return `${sign}${shown}e${power < 0 ? '-' : '+'}${String(Math.abs(power)).padStart(2, '0')}`;
}
