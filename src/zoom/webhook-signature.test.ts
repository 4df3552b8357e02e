import { describe, expect, it } from 'vitest';
import {
  type SignedRequest,
  urlValidationResponse,
  verifyZoomWebhook,
  zoomWebhookSignature,
} from './webhook-signature.ts';

// Computed outside this code: printf '%s' 'v0:1700000000:<BODY>' | openssl dgst -sha256 -hmac <SECRET>
const SECRET = 'hostpass-test-secret';
const TIMESTAMP = '1700000000';
const BODY = '{"event":"meeting.created","payload":{"account_id":"acc"},"event_ts":1700000000123}';
const SIGNATURE = 'v0=4de78e6f2d86495d5169a09f8fc1f9f676ee63837c6d2714d7c6dfe40fb2f530';
const NOW_MS = 1_700_000_000_000;

const signed = (overrides: Partial<SignedRequest> = {}): SignedRequest => ({
  signature: SIGNATURE,
  timestamp: TIMESTAMP,
  body: BODY,
  ...overrides,
});

describe('urlValidationResponse', () => {
  it("matches Zoom's reference test vector", () => {
    expect(urlValidationResponse('secretValueTest', 'qgg8vlvZRS6UYooatFL8Aw')).toEqual({
      plainToken: 'qgg8vlvZRS6UYooatFL8Aw',
      encryptedToken: '70c1f2e2e6ca2d39297490d1f9142c7d701415ea8e6151f6562a08fa657a40ff',
    });
  });
});

describe('zoomWebhookSignature', () => {
  it('signs "v0:" + timestamp + ":" + body, from a string or from bytes', () => {
    expect(zoomWebhookSignature(SECRET, TIMESTAMP, BODY)).toBe(SIGNATURE);
    expect(zoomWebhookSignature(SECRET, TIMESTAMP, Buffer.from(BODY))).toBe(SIGNATURE);
  });
});

describe('verifyZoomWebhook', () => {
  it('accepts the raw body, as a string or as bytes', () => {
    expect(verifyZoomWebhook(SECRET, signed(), NOW_MS)).toEqual({ ok: true, signedForm: 'raw' });
    expect(verifyZoomWebhook(SECRET, signed({ body: Buffer.from(BODY) }), NOW_MS)).toEqual({
      ok: true,
      signedForm: 'raw',
    });
  });

  it('accepts a body whose compact re-serialization was signed (Zoom sample receivers)', () => {
    const pretty = JSON.stringify(JSON.parse(BODY), null, 2);
    expect(verifyZoomWebhook(SECRET, signed({ body: pretty }), NOW_MS)).toEqual({
      ok: true,
      signedForm: 'reserialized',
    });
  });

  it.each([
    ['missing_signature', { signature: undefined }],
    ['missing_signature', { signature: '' }],
    ['missing_timestamp', { timestamp: undefined }],
    ['malformed_timestamp', { timestamp: '2023-11-14T22:13:20Z' }],
    ['malformed_timestamp', { timestamp: '-1700000000' }],
    ['signature_mismatch', { signature: SIGNATURE.replace(/.$/, '1') }],
    ['signature_mismatch', { signature: 'v0=short' }],
    ['signature_mismatch', { signature: SIGNATURE.toUpperCase() }],
    ['signature_mismatch', { body: BODY.replace('acc', 'acd') }],
    ['signature_mismatch', { body: 'not json' }],
    ['signature_mismatch', { timestamp: '1700000001' }],
  ] as const)('refuses %s (%j)', (problem, overrides) => {
    expect(verifyZoomWebhook(SECRET, signed(overrides), NOW_MS)).toMatchObject({
      ok: false,
      problem,
    });
  });

  it('refuses another secret', () => {
    expect(verifyZoomWebhook('another-secret', signed(), NOW_MS)).toMatchObject({
      ok: false,
      problem: 'signature_mismatch',
    });
  });

  it('accepts timestamps within the tolerance either way and refuses beyond it', () => {
    const at = (offsetSeconds: number, tolerance?: number) =>
      verifyZoomWebhook(SECRET, signed(), NOW_MS + offsetSeconds * 1000, tolerance);
    expect(at(300).ok).toBe(true);
    expect(at(-300).ok).toBe(true);
    expect(at(301)).toMatchObject({ ok: false, problem: 'timestamp_too_old' });
    expect(at(-301)).toMatchObject({ ok: false, problem: 'timestamp_in_future' });
    expect(at(301, 600).ok).toBe(true);
    expect(at(11, 10)).toMatchObject({ ok: false, problem: 'timestamp_too_old' });
  });

  it('refuses a timestamp in milliseconds as far in the future', () => {
    const timestamp = '1700000000000';
    const request = signed({ timestamp, signature: zoomWebhookSignature(SECRET, timestamp, BODY) });
    expect(verifyZoomWebhook(SECRET, request, NOW_MS)).toMatchObject({
      ok: false,
      problem: 'timestamp_in_future',
    });
  });
});
