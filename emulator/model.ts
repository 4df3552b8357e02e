// The emulator's entities. Field names follow Zoom's where Zoom has them, so the admin API can
// return them as they are.

export type Plan = 'free' | 'pro' | 'business';
export type RateCategory = 'light' | 'medium' | 'heavy' | 'resource_intensive';
export const RATE_CATEGORIES: readonly RateCategory[] = [
  'light',
  'medium',
  'heavy',
  'resource_intensive',
];

/** `null` means "no limit of this kind". */
export interface RateLimitRule {
  per_second: number | null;
  per_minute: number | null;
  per_day: number | null;
}
export type RateLimitOverrides = Partial<Record<RateCategory, Partial<RateLimitRule>>>;

export interface Account {
  id: string;
  plan: Plan;
  third_party_recording: boolean;
  rate_limits: RateLimitOverrides;
  /** The account's vanity subdomain (`acme` for acme.zoom.us); its users' links use it. */
  vanity_subdomain: string | null;
  created_at: string;
}

export type UserRole = 'owner' | 'admin' | 'member';
export type UserStatus = 'active' | 'inactive' | 'pending';

export interface User {
  id: string;
  account_id: string;
  email: string;
  first_name: string;
  last_name: string;
  pmi: number;
  role: UserRole;
  status: UserStatus;
  /** Zoom user type: 1 basic, 2 licensed. */
  type: number;
  use_pmi: boolean;
  local_recording: boolean;
  /** The personal link name: `https://{account host}/my/{vanity_name}` opens the user's PMI. */
  vanity_name: string | null;
  timezone: string;
  created_at: string;
}

export interface Meeting {
  id: number;
  uuid: string;
  host_id: string;
  scheduled_by: string | null;
  topic: string;
  /** Zoom meeting type: 1 instant, 2 scheduled, 3 recurring (no fixed time), 8 recurring (fixed). */
  type: number;
  start_time: string | null;
  duration: number;
  timezone: string;
  password: string;
  waiting_room: boolean;
  /** Users currently in the meeting (admin API); an OBF token needs its user here. */
  participants: string[];
  created_at: string;
}

/**
 * A webinar has a meeting's fields (Zoom's shapes share them) with webinar types: 5 webinar,
 * 6 recurring (no fixed time), 9 recurring (fixed time). Its id is in the same number space as
 * meetings', but the meeting endpoints do not know it (3001): webinars have their own.
 */
export type Webinar = Meeting;

export type AppKind = 'user_level' | 'account_level';

export interface App {
  id: string;
  kind: AppKind;
  client_id: string;
  client_secret: string;
  webhook_secret: string;
  event_url: string | null;
  redirect_uris: string[];
  scopes: string[];
  published: boolean;
  access_token_ttl_seconds: number;
  refresh_token_ttl_seconds: number;
  created_at: string;
}

export interface Grant {
  id: string;
  app_id: string;
  client_id: string;
  user_id: string;
  account_id: string;
  kind: AppKind;
  scopes: string[];
  refresh_token: string;
  refresh_expires_at_ms: number;
  active: boolean;
  /** Why the grant ended: 'reauthorized', 'revoked', 'deauthorized'. */
  ended_reason: string | null;
  created_at: string;
}

export interface AccessTokenRecord {
  token: string;
  grant_id: string;
  expires_at_ms: number;
}

export interface AuthorizationCode {
  code: string;
  client_id: string;
  user_id: string;
  redirect_uri: string;
  code_challenge: string | null;
  code_challenge_method: 'S256' | 'plain' | null;
  expires_at_ms: number;
  used: boolean;
}

export type MeetingTokenKind = 'local_recording' | 'third_party_recording';

export interface MeetingToken {
  token: string;
  kind: MeetingTokenKind;
  meeting_id: number;
  bypass_waiting_room: boolean;
  expires_at_ms: number;
  used: boolean;
}

export type UserTokenKind = 'zak' | 'onbehalf';

export interface UserToken {
  token: string;
  kind: UserTokenKind;
  user_id: string;
  meeting_id: number | null;
  expires_at_ms: number;
}

export interface PageCursor {
  token: string;
  /** The listing this cursor continues (endpoint + filters), so it cannot jump between lists. */
  listing: string;
  offset: number;
  expires_at_ms: number;
}

export interface WebhookDelivery {
  id: string;
  event_id: string;
  app_id: string;
  event: string;
  url: string;
  attempt: number;
  /** HTTP status of the receiver's answer; null on timeout or connection error. */
  status: number | null;
  error: string | null;
  headers: Record<string, string>;
  body: string;
  at: string;
}

export interface PendingRetry {
  event_id: string;
  app_id: string;
  event: string;
  body: string;
  tracking_id: string;
  next_attempt: number;
  due_at_ms: number;
}

export interface Fault {
  id: string;
  path_pattern: string;
  method: string | null;
  status: number | null;
  /** Sent with `status` instead of Zoom's error shape; null: the error shape. */
  body: { json: unknown } | null;
  latency_ms: number;
  rate: number;
  drop_response_after_commit: boolean;
  /**
   * Handle the request completely, then hold its answer until the fault is released
   * (`POST /faults/{id}/release`): a response computed at one moment and received much later.
   */
  hold_response_after_commit: boolean;
  /** Fires this many more times, then is removed; null = until cleared. */
  remaining: number | null;
}
