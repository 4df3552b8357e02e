import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  decodeAttendeeSecret,
  pythonCanonicalJson,
  pythonNumber,
  verifyAttendeeCallback,
} from './signature.ts';

// Vectors printed by Attendee's documented verifier (docs/webhooks.md `sign_payload`, Python 3):
// secret = base64(bytes 0..31), the payload parsed with json.loads from BODY.
const SECRET = 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=';
const BODY = String.raw`{"bot_id": "bot_abc", "bot_metadata": {"zoom_user_id": "u1", "weight": 1.0, "big": 12345678901234567890, "tiny": 0.00001, "huge": 1e16, "name": "Zo\u00eb \u2603 \ud83d\ude00", "ctl": "a\tb\u0001", "\uff01": 1, "\ud83d\ude00": 2, "list": [3, 2.50, -0.0, 1E2]}, "callback_type": "zoom_tokens", "meeting_url": "https://zoom.us/j/85012345678?pwd=x"}`;
const PYTHON_CANONICAL =
  '{"bot_id":"bot_abc","bot_metadata":{"big":12345678901234567890,"ctl":"a\\tb\\u0001","huge":1e+16,"list":[3,2.5,-0.0,100.0],"name":"Zoë ☃ 😀","tiny":1e-05,"weight":1.0,"zoom_user_id":"u1","！":1,"😀":2},"callback_type":"zoom_tokens","meeting_url":"https://zoom.us/j/85012345678?pwd=x"}';
const PYTHON_LEGACY_SIGNATURE = 'FCrTAOZA3p6MmHHCIeVFF6CMfs8rPBgddH6YAJAHigU=';

const key = decodeAttendeeSecret(SECRET) as Buffer;
const NOW = 1_767_225_600_000;
const timestamped = (timestamp: string, body: string) =>
  createHmac('sha256', key).update(`${timestamp}.${body}`).digest('base64');

describe('pythonCanonicalJson', () => {
  it("prints what Python's json.dumps(sort_keys, ensure_ascii=False, compact) prints", () => {
    expect(pythonCanonicalJson(BODY)).toBe(PYTHON_CANONICAL);
  });

  it("prints numbers as Python's repr does", () => {
    const cases: [string, string][] = [
      ['1e16', '1e+16'],
      ['1e15', '1000000000000000.0'],
      ['1234567890123456.0', '1234567890123456.0'],
      ['0.0001', '0.0001'],
      ['0.00001', '1e-05'],
      ['1.5e-7', '1.5e-07'],
      ['123.456', '123.456'],
      ['1e22', '1e+22'],
      ['-2.5e-5', '-2.5e-05'],
      ['100.0', '100.0'],
      ['5e-324', '5e-324'],
      ['1.7976931348623157e308', '1.7976931348623157e+308'],
      ['0.30000000000000004', '0.30000000000000004'],
      ['1e400', 'Infinity'],
      ['-0', '0'],
      ['-0.0', '-0.0'],
      ['98765432109876543210', '98765432109876543210'],
    ];
    for (const [source, python] of cases) expect(pythonNumber(source), source).toBe(python);
  });

  it('answers null for anything that is not JSON, or is nested deeper than any payload', () => {
    expect(pythonCanonicalJson('{"a":')).toBeNull();
    expect(pythonCanonicalJson('')).toBeNull();
    expect(pythonCanonicalJson(`${'['.repeat(100)}${']'.repeat(100)}`)).toBeNull();
  });
});

describe('decodeAttendeeSecret', () => {
  it("takes the base64 secret Attendee's dashboard shows, with or without padding", () => {
    expect(decodeAttendeeSecret(SECRET)).toEqual(
      Buffer.from(Array.from({ length: 32 }, (_, i) => i)),
    );
    expect(decodeAttendeeSecret(SECRET.replace(/=+$/, ''))?.length).toBe(32);
  });

  it('refuses what is not base64, or too short to be a secret', () => {
    for (const bad of ['not base64!', 'c2hvcnQ=', '', 'a'.repeat(21)])
      expect(decodeAttendeeSecret(bad), bad).toBeNull();
  });
});

describe('verifyAttendeeCallback', () => {
  const body = Buffer.from(BODY);
  const options = { acceptLegacy: true };

  it('accepts the timestamped signature over "{timestamp}.{raw body}"', () => {
    const timestamp = String(NOW / 1000 - 10);
    expect(
      verifyAttendeeCallback(
        key,
        { signature: timestamped(timestamp, BODY), timestamp, legacySignature: undefined, body },
        NOW,
        options,
      ),
    ).toEqual({ ok: true, form: 'timestamped' });
  });

  it('refuses a timestamp more than 5 minutes away, even with a matching legacy signature', () => {
    for (const [offset, problem] of [
      [-301, 'timestamp_too_old'],
      [301, 'timestamp_in_future'],
    ] as const) {
      const timestamp = String(NOW / 1000 + offset);
      const check = verifyAttendeeCallback(
        key,
        {
          signature: timestamped(timestamp, BODY),
          timestamp,
          legacySignature: PYTHON_LEGACY_SIGNATURE,
          body,
        },
        NOW,
        options,
      );
      expect(check).toMatchObject({ ok: false, problem });
    }
  });

  it('accepts the legacy signature when no timestamp comes (older Attendee), in either header', () => {
    const legacy = (signature: string | undefined, legacySignature: string | undefined) => ({
      signature,
      legacySignature,
      timestamp: undefined,
      body,
    });
    for (const request of [
      legacy(PYTHON_LEGACY_SIGNATURE, undefined),
      legacy(undefined, PYTHON_LEGACY_SIGNATURE),
    ]) {
      expect(verifyAttendeeCallback(key, request, NOW, options)).toEqual({
        ok: true,
        form: 'legacy',
      });
      expect(verifyAttendeeCallback(key, request, NOW, { acceptLegacy: false })).toMatchObject({
        ok: false,
        problem: 'legacy_refused',
      });
    }
  });

  it('refuses forged, altered, missing and malformed signatures', () => {
    const timestamp = String(NOW / 1000);
    const good = timestamped(timestamp, BODY);
    const altered = Buffer.from(BODY.replace('bot_abc', 'bot_abd'));
    const cases: [Parameters<typeof verifyAttendeeCallback>[1], string][] = [
      [
        { signature: good, timestamp, legacySignature: undefined, body: altered },
        'signature_mismatch',
      ],
      [
        {
          signature: timestamped(String(NOW / 1000 + 1), BODY),
          timestamp,
          legacySignature: undefined,
          body,
        },
        'signature_mismatch',
      ],
      [
        { signature: good.slice(1), timestamp, legacySignature: undefined, body },
        'signature_mismatch',
      ],
      [{ signature: undefined, timestamp, legacySignature: undefined, body }, 'missing_signature'],
      [
        { signature: good, timestamp: '17e8', legacySignature: undefined, body },
        'malformed_timestamp',
      ],
      [
        {
          signature: PYTHON_LEGACY_SIGNATURE,
          timestamp: undefined,
          legacySignature: undefined,
          body: altered,
        },
        'signature_mismatch',
      ],
      [
        {
          signature: 'x',
          timestamp: undefined,
          legacySignature: undefined,
          body: Buffer.from('not json'),
        },
        'signature_mismatch',
      ],
    ];
    for (const [request, problem] of cases)
      expect(verifyAttendeeCallback(key, request, NOW, options)).toMatchObject({
        ok: false,
        problem,
      });
  });
});
