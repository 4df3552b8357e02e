// The granular scopes the emulator checks, as an app of each kind would request them
// (../shared/reference/zoom.md). `:admin` variants belong to account-level apps only.

export const USER_LEVEL_SCOPES: readonly string[] = [
  'user:read:user',
  'meeting:read:list_meetings',
  'meeting:read:meeting',
  'meeting:read:local_recording_token',
  'user:read:zak',
  'user:read:token',
];

export const ACCOUNT_LEVEL_SCOPES: readonly string[] = [
  'user:read:user:admin',
  'user:read:list_users:admin',
  'meeting:read:list_meetings:admin',
  'meeting:read:meeting:admin',
  'meeting:read:local_recording_token:admin',
  'meeting_token:read:admin:3rdpartyrecording',
  'user:read:zak:admin',
  'user:read:token:admin',
];

/**
 * What an app that also serves webinars adds (granular names, as for meetings). Not in the lists
 * above: a grant without them still syncs and mints meetings, and webinars are skipped.
 */
export const USER_LEVEL_WEBINAR_SCOPES: readonly string[] = [
  'webinar:read:list_webinars',
  'webinar:read:webinar',
  'webinar:read:local_recording_token',
  'user:read:settings',
];
export const ACCOUNT_LEVEL_WEBINAR_SCOPES: readonly string[] = USER_LEVEL_WEBINAR_SCOPES.map(
  (scope) => `${scope}:admin`,
);
