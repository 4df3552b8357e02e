import { describe, expect, it } from 'vitest';
import { createKeyring, generateEncryptionKey, parseEncryptionKeys } from '../crypto/keyring.ts';
import { signTokenUrl, tokenUrlVerifier } from './token-urls.ts';

const keyring = (id: string) => createKeyring(parseEncryptionKeys(generateEncryptionKey(id)).keys);
const claims = {
  id: '0192e1f4-aaaa-7bbb-8ccc-1234567890ab',
  kind: 'join_token' as const,
  workspaceId: '0192e1f4-bbbb-7bbb-8ccc-1234567890ab',
  meetingId: 85_746_065_432,
  expires: 2_000_000_000,
  bypassWaitingRoom: true,
  variant: 'web' as const,
  obfUserId: null,
};
const queryOf = (url: string) => Object.fromEntries(new URL(url).searchParams);

describe('a token URL verifier', () => {
  it('answers a URL it verified before as it did then, and nothing else', () => {
    const ring = keyring('k1');
    const verify = tokenUrlVerifier(ring);
    const query = queryOf(signTokenUrl(ring, 'https://h.example', claims));
    const now = 1_900_000_000;
    expect(verify(query, now)).toMatchObject({ ok: true, claims });
    // Again, from the memo: the same claims.
    expect(verify(query, now)).toMatchObject({ ok: true, claims });
    // The good signature on other claims, or another signature on the same claims: invalid.
    expect(verify({ ...query, meeting_id: '85746065433' }, now)).toEqual({
      ok: false,
      reason: 'invalid',
    });
    const other = `${query.sig?.slice(0, -1)}${query.sig?.endsWith('A') ? 'B' : 'A'}`;
    expect(verify({ ...query, sig: other }, now)).toEqual({ ok: false, reason: 'invalid' });
    expect(verify({ ...query, sig: `${query.sig}\nv2` }, now)).toEqual({
      ok: false,
      reason: 'invalid',
    });
    // The expiry is checked on every use, memo or not.
    expect(verify(query, claims.expires)).toEqual({ ok: false, reason: 'expired' });
  });

  it('refuses a kind it does not know and an appended empty on-behalf user, signature or not', () => {
    const ring = keyring('k2');
    const verify = tokenUrlVerifier(ring);
    const query = queryOf(signTokenUrl(ring, 'https://h.example', claims));
    const now = 1_900_000_000;
    expect(verify(query, now).ok).toBe(true);
    // Signed without an on-behalf user: `obf_user_id=` must not turn into a user named ''.
    expect(verify({ ...query, obf_user_id: '' }, now)).toEqual({ ok: false, reason: 'invalid' });
    const unknownKind = queryOf(
      signTokenUrl(ring, 'https://h.example', { ...claims, kind: 'webinar_token' as 'zak' }),
    );
    expect(verify(unknownKind, now)).toEqual({ ok: false, reason: 'invalid' });
  });

  it("refuses another keyring's URL with the same key id, even after verifying its own", () => {
    const [mine, theirs] = [keyring('same'), keyring('same')];
    const verify = tokenUrlVerifier(mine);
    const own = queryOf(signTokenUrl(mine, 'https://h.example', claims));
    const foreign = queryOf(signTokenUrl(theirs, 'https://h.example', claims));
    expect(verify(own, 1_900_000_000).ok).toBe(true);
    expect(tokenUrlVerifier(theirs)(foreign, 1_900_000_000).ok).toBe(true);
    expect(verify(foreign, 1_900_000_000)).toEqual({ ok: false, reason: 'invalid' });
  });
});
