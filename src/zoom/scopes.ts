/**
 * What Hostpass needs a grant to allow, and which Zoom scopes allow it. Granular scopes (apps
 * made since April 2024) and the legacy ones are both accepted; each capability is met by any
 * one of its scopes.
 */
interface Capability {
  purpose: string;
  anyOf: readonly string[];
}

const USER_LEVEL: readonly Capability[] = [
  {
    purpose: "read the user's PMI",
    anyOf: ['user:read:user', 'user:read', 'user:read:admin', 'user:read:user:admin'],
  },
  {
    purpose: "list the user's meetings",
    anyOf: [
      'meeting:read:list_meetings',
      'meeting:read',
      'meeting:read:admin',
      'meeting:read:list_meetings:admin',
    ],
  },
  {
    purpose: 'get join tokens for local recording',
    anyOf: [
      'meeting:read:local_recording_token',
      'meeting:read',
      'meeting:read:local_recording_token:admin',
      'meeting:read:admin',
    ],
  },
];

const ACCOUNT_LEVEL: readonly Capability[] = [
  {
    purpose: "list the account's users and their PMIs",
    anyOf: ['user:read:list_users:admin', 'user:read:admin'],
  },
  {
    purpose: "list every user's meetings",
    anyOf: ['meeting:read:list_meetings:admin', 'meeting:read:admin'],
  },
  {
    purpose: 'get join tokens for local recording',
    anyOf: ['meeting:read:local_recording_token:admin', 'meeting:read:admin'],
  },
];

/** The scope names to add for every capability the granted scopes do not cover. */
export function missingScopes(
  kind: 'user_level' | 'account_level',
  granted: readonly string[],
): string[] {
  const capabilities = kind === 'user_level' ? USER_LEVEL : ACCOUNT_LEVEL;
  return capabilities
    .filter((capability) => !capability.anyOf.some((scope) => granted.includes(scope)))
    .map((capability) => `${capability.anyOf[0]} (to ${capability.purpose})`);
}

/**
 * Scopes that let a grant list its users' webinars (granular, then legacy). Webinars are
 * optional: a grant without any of these syncs meetings only, and costs no webinar calls.
 */
const WEBINAR_LIST_SCOPES: Record<'user_level' | 'account_level', readonly string[]> = {
  user_level: [
    'webinar:read:list_webinars',
    'webinar:read',
    'webinar:read:list_webinars:admin',
    'webinar:read:admin',
  ],
  account_level: ['webinar:read:list_webinars:admin', 'webinar:read:admin'],
};

export function canListWebinars(
  kind: 'user_level' | 'account_level',
  granted: readonly string[],
): boolean {
  return WEBINAR_LIST_SCOPES[kind].some((scope) => granted.includes(scope));
}

/** The scopes that allow a local-recording join token, per app kind and meeting kind. */
export const LOCAL_RECORDING_TOKEN_SCOPES: Record<
  'user_level' | 'account_level',
  Record<'meeting' | 'webinar', readonly string[]>
> = {
  user_level: {
    meeting: [
      'meeting:read:local_recording_token',
      'meeting:read',
      'meeting:read:local_recording_token:admin',
      'meeting:read:admin',
    ],
    webinar: [
      'webinar:read:local_recording_token',
      'webinar:read',
      'webinar:read:local_recording_token:admin',
      'webinar:read:admin',
    ],
  },
  account_level: {
    meeting: ['meeting:read:local_recording_token:admin', 'meeting:read:admin'],
    webinar: ['webinar:read:local_recording_token:admin', 'webinar:read:admin'],
  },
};
