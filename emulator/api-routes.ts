// Zoom's REST surface under /v2. Every call: a valid, unexpired access token (124), the Zoom
// account's rate limit for the endpoint's category (429), the scopes (4711), then the user
// boundary (api-access.ts). Categories are listed in ROUTES and in docs/emulator.md.

import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  createResolver,
  requireAnyScope,
  requireReach,
  type ScopePair,
  scopePair,
} from './api-access.ts';
import type { EmulatorClock } from './clock.ts';
import type { Meeting, MeetingTokenKind, RateCategory, UserToken } from './model.ts';
import type { AuthenticatedCall, OAuthService } from './oauth-service.ts';
import type { Page, Paginator } from './pagination.ts';
import type { RateLimiter } from './rate-limits.ts';
import type { RequestNotes } from './request-notes.ts';
import type { EmulatorState } from './state.ts';
import { apiErrors, ZoomApiFailure } from './zoom-errors.ts';
import {
  meetingListItem,
  meetingResource,
  userListItem,
  userResource,
  userSettings,
  webinarListItem,
  webinarResource,
} from './zoom-shapes.ts';

const USER_READ = scopePair('user:read:user');
const LIST_USERS: ScopePair = { own: null, admin: 'user:read:list_users:admin' };
const LIST_MEETINGS = scopePair('meeting:read:list_meetings');
const READ_MEETING = scopePair('meeting:read:meeting');
const LOCAL_RECORDING_TOKEN = scopePair('meeting:read:local_recording_token');
const THIRD_PARTY_TOKEN: ScopePair = {
  own: null,
  admin: 'meeting_token:read:admin:3rdpartyrecording',
};
const LIST_WEBINARS = scopePair('webinar:read:list_webinars');
const READ_WEBINAR = scopePair('webinar:read:webinar');
const WEBINAR_LOCAL_RECORDING_TOKEN = scopePair('webinar:read:local_recording_token');
const READ_SETTINGS = scopePair('user:read:settings');
const READ_ZAK = scopePair('user:read:zak');
const READ_TOKEN = scopePair('user:read:token');

const MEETING_TOKEN_LIFETIME_S = 120;
const USER_TOKEN_LIFETIME_MS = 2 * 60 * 60_000;
const MEETING_LIST_TYPES = [
  'scheduled',
  'live',
  'upcoming',
  'upcoming_meetings',
  'previous_meetings',
];
const WEBINAR_LIST_TYPES = ['scheduled', 'upcoming'];
const USER_STATUSES = ['active', 'inactive', 'pending'];

type Query = Record<string, string | undefined>;
type Handler = (call: AuthenticatedCall, query: Query, params: Record<string, string>) => unknown;

export interface ApiRouteDeps {
  state: EmulatorState;
  clock: EmulatorClock;
  oauth: OAuthService;
  rateLimiter: RateLimiter;
  paginator: Paginator;
  notes: RequestNotes;
  /** Zoom-style template, e.g. `/v2/meetings/{meetingId}/jointoken/3rd_party_recording`. */
  thirdPartyRecordingPath: string;
}

/** `/v2/meetings/{meetingId}` → Fastify's `/v2/meetings/:meetingId`. */
export const toFastifyPath = (template: string): string => template.replace(/\{(\w+)\}/g, ':$1');

export function registerApiRoutes(app: FastifyInstance, deps: ApiRouteDeps): void {
  const { state, clock, paginator } = deps;
  const resolve = createResolver({ state });
  const calls = new WeakMap<FastifyRequest, AuthenticatedCall>();
  // Users a call can see all belong to its grant's account (other accounts do not exist for it).
  const callerAccount = (call: AuthenticatedCall) => state.accounts.get(call.grant.account_id);

  const route = (path: string, category: RateCategory, handler: Handler): void => {
    app.get(toFastifyPath(path), {
      onRequest: async (request, reply) => {
        const call = deps.oauth.authenticateAccessToken(request.headers.authorization);
        if ('status' in call) return reply.code(call.status).send(call.body);
        deps.notes.add(request, { client_id: call.grant.client_id });
        const account = callerAccount(call);
        if (account) {
          const decision = deps.rateLimiter.take(account, category);
          reply.headers(decision.headers);
          if (!decision.allowed) return reply.code(429).send(decision.body);
        }
        calls.set(request, call);
      },
      handler: async (request, reply) => {
        const call = calls.get(request);
        if (!call) throw new Error('authenticated call missing');
        try {
          return handler(call, request.query as Query, request.params as Record<string, string>);
        } catch (error) {
          if (error instanceof ZoomApiFailure) {
            return reply.code(error.failure.status).send(error.failure.body);
          }
          throw error;
        }
      },
    });
  };

  const issueMeetingToken = (kind: MeetingTokenKind, meeting: Meeting, bypass: boolean) => {
    sweepExpired(state.meetingTokens, clock.nowMs());
    const token = state.random.string(64);
    state.meetingTokens.set(token, {
      token,
      kind,
      meeting_id: meeting.id,
      bypass_waiting_room: bypass,
      expires_at_ms: clock.nowMs() + MEETING_TOKEN_LIFETIME_S * 1000,
      used: false,
    });
    return { token, expire_in: MEETING_TOKEN_LIFETIME_S };
  };

  const issueUserToken = (kind: UserToken['kind'], userId: string, meetingId: number | null) => {
    sweepExpired(state.userTokens, clock.nowMs());
    const token = state.random.string(64);
    state.userTokens.set(token, {
      token,
      kind,
      user_id: userId,
      meeting_id: meetingId,
      expires_at_ms: clock.nowMs() + USER_TOKEN_LIFETIME_MS,
    });
    return { token };
  };

  route('/v2/users/me', 'light', (call) => {
    requireAnyScope(call, [USER_READ]);
    return userResource(call.user, callerAccount(call));
  });

  route('/v2/users', 'medium', (call, query) => {
    requireAnyScope(call, [LIST_USERS]);
    const status = query.status ?? 'active';
    requireOneOf(status, USER_STATUSES, 'status');
    const users = [...state.users.values()].filter(
      (user) => user.account_id === call.grant.account_id && user.status === status,
    );
    const page = paginator.page(`users:${call.grant.account_id}:${status}`, users, query);
    const account = callerAccount(call);
    return listAnswer(page, 'users', (user) => userListItem(user, account));
  });

  route('/v2/users/{userId}', 'light', (call, _query, params) => {
    requireAnyScope(call, [USER_READ]);
    const user = resolve.user(call, params.userId ?? '');
    requireReach(call, user, [USER_READ]);
    return userResource(user, callerAccount(call));
  });

  route('/v2/users/{userId}/meetings', 'medium', (call, query, params) => {
    requireAnyScope(call, [LIST_MEETINGS]);
    const user = resolve.user(call, params.userId ?? '');
    requireReach(call, user, [LIST_MEETINGS]);
    const type = query.type ?? 'scheduled';
    requireOneOf(type, MEETING_LIST_TYPES, 'type');
    const now = clock.nowMs();
    const meetings = [...state.meetings.values()].filter(
      (meeting) => meeting.host_id === user.id && meetingMatchesListType(meeting, type, now),
    );
    const page = paginator.page(`meetings:${user.id}:${type}`, meetings, query);
    return listAnswer(page, 'meetings', meetingListItem);
  });

  route('/v2/meetings/{meetingId}', 'light', (call, _query, params) => {
    requireAnyScope(call, [READ_MEETING]);
    const { meeting, host } = resolve.meeting(call, params.meetingId ?? '');
    requireReach(call, host, [READ_MEETING]);
    return meetingResource(meeting, host);
  });

  // Zoom: the token must come from the host or an admin of the host's account; the host must
  // allow local recording; the token is single-use, for this meeting only, and lives 120 s.
  route('/v2/meetings/{meetingId}/jointoken/local_recording', 'medium', (call, query, params) => {
    requireAnyScope(call, [LOCAL_RECORDING_TOKEN]);
    const { meeting, host } = resolve.meeting(call, params.meetingId ?? '');
    requireReach(call, host, [LOCAL_RECORDING_TOKEN]);
    const bypass = parseBoolean(query.bypass_waiting_room, 'bypass_waiting_room');
    if (!host.local_recording) throw new ZoomApiFailure(apiErrors.localRecordingDisabled());
    return issueMeetingToken('local_recording', meeting, bypass);
  });

  // Closed beta on Zoom: account-level apps only, and the account must allow 3rd-party recording.
  route(deps.thirdPartyRecordingPath, 'medium', (call, _query, params) => {
    requireAnyScope(call, [THIRD_PARTY_TOKEN]);
    if (call.grant.kind !== 'account_level') throw new ZoomApiFailure(apiErrors.noPermission());
    const { meeting } = resolve.meeting(call, params.meetingId ?? '');
    const account = callerAccount(call);
    if (!account?.third_party_recording)
      throw new ZoomApiFailure(apiErrors.thirdPartyRecordingDisabled());
    return issueMeetingToken('third_party_recording', meeting, false);
  });

  // The host's settings; `recording.local_recording` decides whether join tokens can be minted.
  route('/v2/users/{userId}/settings', 'medium', (call, _query, params) => {
    requireAnyScope(call, [READ_SETTINGS]);
    const user = resolve.user(call, params.userId ?? '');
    requireReach(call, user, [READ_SETTINGS]);
    return userSettings(user);
  });

  route('/v2/users/{userId}/webinars', 'medium', (call, query, params) => {
    requireAnyScope(call, [LIST_WEBINARS]);
    const user = resolve.user(call, params.userId ?? '');
    requireReach(call, user, [LIST_WEBINARS]);
    const type = query.type ?? 'scheduled';
    requireOneOf(type, WEBINAR_LIST_TYPES, 'type');
    const now = clock.nowMs();
    const webinars = [...state.webinars.values()].filter(
      (webinar) =>
        webinar.host_id === user.id &&
        (type === 'scheduled' || meetingMatchesListType(webinar, 'upcoming', now)),
    );
    const page = paginator.page(`webinars:${user.id}:${type}`, webinars, query);
    return listAnswer(page, 'webinars', webinarListItem);
  });

  route('/v2/webinars/{webinarId}', 'light', (call, _query, params) => {
    requireAnyScope(call, [READ_WEBINAR]);
    const { webinar, host } = resolve.webinar(call, params.webinarId ?? '');
    requireReach(call, host, [READ_WEBINAR]);
    return webinarResource(webinar, host);
  });

  // As for meetings: the host's (or an admin's) grant, the host's local recording allowed.
  route('/v2/webinars/{webinarId}/jointoken/local_recording', 'medium', (call, _query, params) => {
    requireAnyScope(call, [WEBINAR_LOCAL_RECORDING_TOKEN]);
    const { webinar, host } = resolve.webinar(call, params.webinarId ?? '');
    requireReach(call, host, [WEBINAR_LOCAL_RECORDING_TOKEN]);
    if (!host.local_recording) throw new ZoomApiFailure(apiErrors.localRecordingDisabled());
    return issueMeetingToken('local_recording', webinar, false);
  });

  route('/v2/users/me/zak', 'light', (call) => {
    requireAnyScope(call, [READ_ZAK]);
    return issueUserToken('zak', call.user.id, null);
  });

  route('/v2/users/{userId}/token', 'light', (call, query, params) => {
    const type = query.type;
    if (type !== 'zak' && type !== 'onbehalf') {
      throw new ZoomApiFailure(apiErrors.invalidField('Invalid field: type.'));
    }
    const scopes = type === 'zak' ? [READ_ZAK, READ_TOKEN] : [READ_TOKEN];
    requireAnyScope(call, scopes);
    const user = resolve.user(call, params.userId ?? '');
    requireReach(call, user, scopes);
    let meetingId: number | null = null;
    if (type === 'onbehalf' && query.meeting_id) {
      meetingId = resolve.anyMeeting(query.meeting_id).id;
    }
    return issueUserToken(type, user.id, meetingId);
  });
}

/** Zoom's list envelope: counts, the next page token ('' on the last page), then the items. */
function listAnswer<T, K extends string, R>(page: Page<T>, key: K, shape: (item: T) => R) {
  return {
    page_count: Math.ceil(page.total_records / page.page_size),
    page_number: 1,
    page_size: page.page_size,
    total_records: page.total_records,
    next_page_token: page.next_page_token,
    ...({ [key]: page.items.map(shape) } as Record<K, R[]>),
  };
}

function requireOneOf(value: string, allowed: readonly string[], field: string): void {
  if (!allowed.includes(value))
    throw new ZoomApiFailure(apiErrors.invalidField(`Invalid field: ${field}.`));
}

function parseBoolean(raw: string | undefined, field: string): boolean {
  if (raw === undefined || raw === '' || raw === 'false') return false;
  if (raw === 'true') return true;
  throw new ZoomApiFailure(apiErrors.invalidField(`Invalid field: ${field}.`));
}

function meetingMatchesListType(meeting: Meeting, type: string, nowMs: number): boolean {
  const endMs =
    meeting.start_time === null ? null : Date.parse(meeting.start_time) + meeting.duration * 60_000;
  switch (type) {
    case 'live':
      return meeting.participants.length > 0;
    case 'upcoming':
    case 'upcoming_meetings':
      return endMs === null || endMs >= nowMs;
    case 'previous_meetings':
      return endMs !== null && endMs < nowMs;
    default:
      return meeting.type !== 1;
  }
}

const SWEEP_THRESHOLD = 10_000;
const nextSweepAtSize = new WeakMap<Map<string, unknown>, number>();

/**
 * Keeps token maps bounded under load (benchmarks mint tens of thousands): sweeps expired
 * tokens whenever the map has doubled since the last sweep, so the cost stays amortised O(1).
 */
function sweepExpired<T extends { expires_at_ms: number }>(
  tokens: Map<string, T>,
  nowMs: number,
): void {
  if (tokens.size < (nextSweepAtSize.get(tokens) ?? SWEEP_THRESHOLD)) return;
  for (const [key, token] of tokens) if (token.expires_at_ms <= nowMs) tokens.delete(key);
  nextSweepAtSize.set(tokens, Math.max(SWEEP_THRESHOLD, tokens.size * 2));
}
