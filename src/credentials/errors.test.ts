import { describe, expect, it } from 'vitest';
import { ZoomApiError } from '../zoom/api.ts';
import { CredentialUnhealthyError, validationFailureReason } from './errors.ts';

describe('validationFailureReason', () => {
  it('says to reconnect when Zoom refuses a fresh token or the grant lacks a scope', () => {
    expect(
      validationFailureReason(
        new ZoomApiError(401, 124, 'Invalid access token.', null),
        'user_level',
      ),
    ).toBe(
      "Zoom refused the credential's freshly issued token (Invalid access token.). To restore access, send the Zoom user a Connect link to reconnect (or POST a new authorization code to /api/v2/zoom-oauth-credentials/); the credential keeps its id.",
    );
    const scopes = validationFailureReason(
      new ZoomApiError(
        400,
        4711,
        'Invalid access token, does not contain scopes:[user:read:user:admin].',
        null,
      ),
      'account_level',
    );
    expect(scopes).toContain(
      'Add it to the Zoom app (Scopes). To restore access, send an admin of the Zoom account a Connect link',
    );
  });

  it('keeps any other reason as it was given', () => {
    expect(
      validationFailureReason(new CredentialUnhealthyError('the grant is gone.'), 'user_level'),
    ).toBe('the grant is gone.');
    expect(
      validationFailureReason(
        new ZoomApiError(404, 1001, 'User does not exist.', null),
        'user_level',
      ),
    ).toBe('Zoom API HTTP 404 code 1001: User does not exist.');
  });
});
