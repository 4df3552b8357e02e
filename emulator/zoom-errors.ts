// Zoom's error answers, in one place. REST errors are `{code, message}`; OAuth token errors are
// `{reason, error}` (see ../shared/reference/zoom.md). Where Zoom's exact text is unconfirmed the
// wording is ours and docs/emulator.md says so.

/** An error answer: HTTP status and Zoom's body. */
export interface ErrorAnswer<Body> {
  status: number;
  body: Body;
}

export type ZoomApiError = ErrorAnswer<{ code: number; message: string }>;

const apiError = (status: number, code: number, message: string): ZoomApiError => ({
  status,
  body: { code, message },
});

export const apiErrors = {
  invalidAccessToken: () => apiError(401, 124, 'Invalid access token.'),
  expiredAccessToken: () => apiError(401, 124, 'Access token is expired.'),
  missingScopes: (scopes: readonly string[]) =>
    apiError(400, 4711, `Invalid access token, does not contain scopes:[${scopes.join(', ')}].`),
  userNotFound: (userId: string) => apiError(404, 1001, `User does not exist: ${userId}.`),
  meetingNotFound: (meetingId: string) =>
    apiError(404, 3001, `Meeting does not exist: ${meetingId}.`),
  webinarNotFound: (webinarId: string) =>
    apiError(404, 3001, `Webinar does not exist: ${webinarId}.`),
  invalidMeetingId: () => apiError(400, 300, 'Invalid meeting ID.'),
  invalidField: (message: string) => apiError(400, 300, message),
  invalidPageToken: () => apiError(400, 300, 'The next page token is invalid or expired.'),
  localRecordingDisabled: () =>
    apiError(400, 3000, 'Local recording is disabled for the host of this meeting.'),
  thirdPartyRecordingDisabled: () =>
    apiError(400, 3000, 'Third-party recording is not enabled for this account.'),
  noPermission: () => apiError(400, 200, 'No permission.'),
} as const;

export type OAuthError = ErrorAnswer<{ reason: string; error: string }>;

const oauthError = (status: number, reason: string, error: string): OAuthError => ({
  status,
  body: { reason, error },
});

export const oauthErrors = {
  invalidClient: () => oauthError(401, 'Invalid client_id or client_secret', 'invalid_client'),
  invalidCode: () => oauthError(400, 'Invalid authorization code', 'invalid_grant'),
  invalidRefreshToken: () => oauthError(400, 'Invalid Token!', 'invalid_grant'),
  redirectMismatch: () => oauthError(400, 'Redirect URI mismatch.', 'invalid_request'),
  invalidCodeVerifier: () => oauthError(400, 'Invalid code_verifier', 'invalid_grant'),
  unsupportedGrantType: () => oauthError(400, 'Unsupported grant type', 'unsupported_grant_type'),
  missingParameter: (name: string) =>
    oauthError(400, `Missing required parameter: ${name}`, 'invalid_request'),
} as const;

export class ZoomApiFailure extends Error {
  readonly failure: ZoomApiError;
  constructor(failure: ZoomApiError) {
    super(failure.body.message);
    this.failure = failure;
  }
}
