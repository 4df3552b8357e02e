import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { REDACTED, redactLinkSecrets, redactMeetingSecrets } from './meeting-secrets.ts';

describe('redactMeetingSecrets', () => {
  it("removes every passcode from a Zoom meeting event's payload, and nothing else", () => {
    const payload = {
      account_id: 'acc',
      operator: 'host@example.com',
      object: {
        id: 85_012_345_678,
        host_id: 'host1',
        topic: 'Weekly password review',
        join_url: 'https://us05web.zoom.us/j/85012345678?pwd=Secr3tPwd.1',
        start_url: 'https://us05web.zoom.us/s/85012345678?zak=eyJzYWsi&x=1',
        password: 'Secr3t',
        h323_password: '123456',
        pstn_password: 123456,
        encrypted_password: 'Secr3tPwd.1',
        recording_play_passcode: 'play-Secr3t',
        settings: { use_pmi: false, require_password_for_pmi_meetings: 'none', waiting_room: true },
        occurrences: [{ join_url: 'zoommtg://zoom.us/join?confno=1&pwd=Secr3t' }],
      },
      old_object: { id: 85_012_345_678, password: 'Old' },
    };
    const redacted = redactMeetingSecrets(payload);
    expect(redacted).toEqual({
      ...payload,
      object: {
        ...payload.object,
        join_url: 'https://us05web.zoom.us/j/85012345678?pwd=redacted',
        start_url: 'https://us05web.zoom.us/s/85012345678?zak=redacted&x=1',
        password: REDACTED,
        h323_password: REDACTED,
        pstn_password: REDACTED,
        encrypted_password: REDACTED,
        recording_play_passcode: REDACTED,
        occurrences: [{ join_url: 'zoommtg://zoom.us/join?confno=1&pwd=redacted' }],
      },
      old_object: { id: 85_012_345_678, password: REDACTED },
    });
    expect(JSON.stringify(redacted)).not.toMatch(/Secr3t|Old|eyJzYWsi/);
    // The input is left as it was.
    expect(payload.object.password).toBe('Secr3t');
  });

  it('leaves values without passcodes unchanged', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (value) => {
        fc.pre(!/pass(word|code)|pwd|zak/i.test(JSON.stringify(value)));
        expect(redactMeetingSecrets(value)).toEqual(value);
      }),
    );
  });

  it('redacts a passcode whatever characters it has', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), (secret) => {
        const link = `https://zoom.us/j/85012345678?pwd=${encodeURIComponent(secret)}`;
        expect(redactLinkSecrets(link)).toBe('https://zoom.us/j/85012345678?pwd=redacted');
        expect(redactMeetingSecrets({ passcode: secret })).toEqual({ passcode: REDACTED });
      }),
    );
  });
});
