import { describe, expect, it } from 'vitest';
import { zoomUserProfile } from './user-profile.ts';

describe('zoomUserProfile', () => {
  it('takes the display name and email Zoom sends', () => {
    expect(
      zoomUserProfile({ email: 'ada@example.com', display_name: 'Ada L.', first_name: 'Ada' }),
    ).toEqual({ email: 'ada@example.com', displayName: 'Ada L.' });
  });

  it('builds the display name from both name parts when Zoom sends no display_name', () => {
    expect(zoomUserProfile({ first_name: 'Ada', last_name: 'Lovelace' })).toEqual({
      email: null,
      displayName: 'Ada Lovelace',
    });
    expect(zoomUserProfile({ first_name: 'Ada' }).displayName).toBeNull();
  });

  it('treats anything but a reasonable string as unknown', () => {
    expect(
      zoomUserProfile({ email: 42, display_name: '  ', first_name: {}, last_name: 'x' }),
    ).toEqual({ email: null, displayName: null });
    expect(zoomUserProfile({ email: `${'a'.repeat(400)}@example.com` }).email).toBeNull();
  });
});
