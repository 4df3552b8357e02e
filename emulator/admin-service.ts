// The admin API's business rules: creating and changing the emulated Zoom world, and the events
// Zoom would send about those changes. Every method that emits events resolves only after the
// first delivery attempts finished, so a test sees deliveries as soon as its admin call returns.

import { findMeeting, findWebinar } from './api-access.ts';
import type { EmulatorClock } from './clock.ts';
import * as events from './event-payloads.ts';
import { createJoinRules, type JoinRequest, type JoinResult } from './join-rules.ts';
import type {
  Account,
  App,
  AppKind,
  Meeting,
  Plan,
  RateLimitOverrides,
  User,
  UserRole,
  UserStatus,
  Webinar,
} from './model.ts';
import type { ConsentRequest, ConsentResult, OAuthService } from './oauth-service.ts';
import { ALPHANUMERIC } from './random.ts';
import type { EmulatorState } from './state.ts';
import type { UrlValidationResult, WebhookDispatcher } from './webhooks.ts';

export class AdminFailure extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

const notFound = (what: string, id: string | number) =>
  new AdminFailure(404, 'not_found', `${what} ${id} does not exist.`);

export interface AccountInput {
  plan: Plan;
  third_party_recording?: boolean | undefined;
  rate_limits?: RateLimitOverrides | undefined;
  vanity_subdomain?: string | null | undefined;
}

export interface UserInput {
  account_id: string;
  email: string;
  pmi?: number | undefined;
  role?: UserRole | undefined;
  local_recording?: boolean | undefined;
  first_name?: string | undefined;
  last_name?: string | undefined;
  status?: UserStatus | undefined;
  type?: number | undefined;
  timezone?: string | undefined;
  vanity_name?: string | null | undefined;
}
export type UserPatch = Partial<Omit<UserInput, 'account_id'>> & { use_pmi?: boolean | undefined };

export interface MeetingInput {
  host_id: string;
  scheduled_by?: string | undefined;
  topic?: string | undefined;
  type?: number | undefined;
  start_time?: string | undefined;
  duration?: number | undefined;
  timezone?: string | undefined;
  waiting_room?: boolean | undefined;
  password?: string | undefined;
}
export type MeetingPatch = Partial<Omit<MeetingInput, 'scheduled_by'>> & {
  operator_id?: string | undefined;
};

/** A webinar: a meeting's fields, types 5 (default), 6 or 9; `waiting_room` is ignored. */
export type WebinarInput = Omit<MeetingInput, 'scheduled_by'>;
export type WebinarPatch = Partial<WebinarInput> & { operator_id?: string | undefined };

export interface AppInput {
  kind: AppKind;
  client_id?: string | undefined;
  client_secret?: string | undefined;
  webhook_secret?: string | undefined;
  event_url?: string | null | undefined;
  redirect_uris: string[];
  scopes: string[];
  published?: boolean | undefined;
  access_token_ttl_seconds?: number | undefined;
  refresh_token_ttl_seconds?: number | undefined;
}
export type AppPatch = Partial<Omit<AppInput, 'kind' | 'client_id'>>;

/** A seeded user's grant: its tokens as /oauth/token answers them, and the user as /users/me shows it. */
export interface FleetGrant {
  user: { id: string; account_id: string; email: string; first_name: string; last_name: string };
  access_token: string;
  refresh_token: string;
  expires_in: number;
  scope: string;
}

const DEFAULT_REFRESH_TTL_S = 90 * 86_400;

export function createAdminService(deps: {
  state: EmulatorState;
  clock: EmulatorClock;
  oauth: OAuthService;
  webhooks: WebhookDispatcher;
}) {
  const { state, clock, oauth, webhooks } = deps;
  const joinRules = createJoinRules({ state, clock });

  const account = (id: string): Account => {
    const found = state.accounts.get(id);
    if (!found) throw notFound('Account', id);
    return found;
  };
  const user = (id: string): User => {
    const found = state.userByIdOrEmail(id);
    if (!found) throw notFound('User', id);
    return found;
  };
  const meeting = (id: string): Meeting => {
    const found = state.meetings.get(Number(id));
    if (!found) throw notFound('Meeting', id);
    return found;
  };
  const webinar = (id: string): Webinar => {
    const found = state.webinars.get(Number(id));
    if (!found) throw notFound('Webinar', id);
    return found;
  };
  const app = (idOrClientId: string): App => {
    const found = state.apps.get(idOrClientId) ?? state.appByClientId(idOrClientId);
    if (!found) throw notFound('App', idOrClientId);
    return found;
  };

  /** A new meeting or webinar of `host`; `floating`: the type that has no start time. */
  const newHosted = (
    host: User,
    input: Omit<MeetingInput, 'host_id' | 'scheduled_by' | 'type' | 'waiting_room'>,
    fixed: {
      type: number;
      floating: number;
      topic: string;
      scheduledBy: string | null;
      waitingRoom: boolean;
    },
  ): Meeting => ({
    id: state.unusedMeetingNumber(11),
    uuid: `${state.random.string(22)}==`,
    host_id: host.id,
    scheduled_by: fixed.scheduledBy,
    topic: input.topic ?? fixed.topic,
    type: fixed.type,
    start_time:
      input.start_time ??
      (fixed.type === fixed.floating
        ? null
        : new Date(clock.nowMs() + 3_600_000).toISOString().replace(/\.\d+Z$/, 'Z')),
    duration: input.duration ?? 60,
    timezone: input.timezone ?? host.timezone,
    password: input.password ?? state.random.string(10, ALPHANUMERIC),
    waiting_room: fixed.waitingRoom,
    participants: [],
    created_at: clock.nowIso(),
  });

  const emitFor = (host: User, event: string, payload: object) =>
    webhooks.emit(event, payload, { account_id: host.account_id, user_id: host.id });

  /** Meetings and webinars change and go the same way; only their events' names and shapes differ. */
  const HOSTED = {
    meeting: {
      items: state.meetings,
      updated: events.meetingUpdated,
      deleted: events.meetingDeleted,
    },
    webinar: {
      items: state.webinars,
      updated: events.webinarUpdated,
      deleted: events.webinarDeleted,
    },
  } as const;

  async function updateHosted(
    kind: keyof typeof HOSTED,
    target: Meeting,
    patch: MeetingPatch,
  ): Promise<Meeting> {
    const host = user(target.host_id);
    const operator = patch.operator_id ? user(patch.operator_id) : host;
    const before = { ...target };
    const { operator_id: _operator, ...fields } = patch;
    if (fields.host_id !== undefined) user(fields.host_id);
    Object.assign(
      target,
      Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)),
    );
    const payload = HOSTED[kind].updated(before, target, host, operator, clock.nowMs());
    await emitFor(host, `${kind}.updated`, payload);
    return target;
  }

  async function deleteHosted(kind: keyof typeof HOSTED, target: Meeting, operatorId?: string) {
    const host = user(target.host_id);
    const operator = operatorId ? user(operatorId) : host;
    HOSTED[kind].items.delete(target.id);
    await emitFor(host, `${kind}.deleted`, HOSTED[kind].deleted(target, host, operator));
  }

  const assertPmiFree = (pmi: number, owner: string | null): void => {
    if (!/^\d{10}$/.test(String(pmi)))
      throw new AdminFailure(400, 'invalid_request', 'A PMI has 10 digits.');
    const holder = state.userByPmi(pmi);
    if ((holder && holder.id !== owner) || state.meetings.has(pmi)) {
      throw new AdminFailure(409, 'conflict', `PMI ${pmi} is taken.`);
    }
  };

  const assertVanityNameFree = (name: string | null | undefined, owner: string | null): void => {
    if (!name) return;
    // Personal links are unique across Zoom, whatever their case.
    const wanted = name.toLowerCase();
    for (const other of state.users.values()) {
      if (other.id !== owner && other.vanity_name?.toLowerCase() === wanted)
        throw new AdminFailure(409, 'conflict', `Personal link name ${name} is taken.`);
    }
  };

  const assertScopesFit = (kind: AppKind, scopes: readonly string[]): void => {
    // Zoom offers `:admin` scopes to account-level (admin-managed) apps only.
    if (kind === 'user_level' && scopes.some((scope) => scope.includes(':admin'))) {
      throw new AdminFailure(400, 'invalid_request', 'A user-level app cannot have :admin scopes.');
    }
  };

  const validateEventUrl = async (target: App, url: string): Promise<void> => {
    // Zoom refuses to save an endpoint that fails endpoint.url_validation.
    const result = await webhooks.validateEndpoint(target, url);
    if (!result.ok) {
      throw new AdminFailure(
        400,
        'url_validation_failed',
        `Event URL validation failed: ${result.detail}`,
      );
    }
  };

  return {
    account,
    user,
    meeting,
    webinar,
    app,

    createAccount(input: AccountInput): Account {
      const created: Account = {
        id: state.newId(),
        plan: input.plan,
        third_party_recording: input.third_party_recording ?? false,
        rate_limits: input.rate_limits ?? {},
        vanity_subdomain: input.vanity_subdomain ?? null,
        created_at: clock.nowIso(),
      };
      state.accounts.set(created.id, created);
      return created;
    },

    updateAccount(id: string, patch: Partial<AccountInput>): Account {
      const target = account(id);
      if (patch.plan !== undefined) target.plan = patch.plan;
      if (patch.third_party_recording !== undefined)
        target.third_party_recording = patch.third_party_recording;
      if (patch.rate_limits !== undefined) target.rate_limits = patch.rate_limits;
      // Links change with it, but Zoom sends no user.updated for an account setting.
      if (patch.vanity_subdomain !== undefined) target.vanity_subdomain = patch.vanity_subdomain;
      return target;
    },

    /** `emailIsNew`: the caller knows no user has this email (seedFleet), so no scan of every user. */
    createUser(input: UserInput, emailIsNew = false): User {
      account(input.account_id);
      const email = input.email.toLowerCase();
      if (!emailIsNew && state.userByIdOrEmail(email))
        throw new AdminFailure(409, 'conflict', `User ${email} exists.`);
      if (input.pmi !== undefined) assertPmiFree(input.pmi, null);
      assertVanityNameFree(input.vanity_name, null);
      const [local] = email.split('@');
      const created: User = {
        id: state.newId(),
        account_id: input.account_id,
        email,
        first_name: input.first_name ?? local ?? email,
        last_name: input.last_name ?? 'Emulated',
        pmi: input.pmi ?? state.unusedMeetingNumber(10),
        role: input.role ?? 'member',
        status: input.status ?? 'active',
        type: input.type ?? 2,
        use_pmi: false,
        local_recording: input.local_recording ?? true,
        timezone: input.timezone ?? 'UTC',
        vanity_name: input.vanity_name ?? null,
        created_at: clock.nowIso(),
      };
      state.putUser(created);
      return created;
    },

    async updateUser(id: string, patch: UserPatch): Promise<User> {
      const target = user(id);
      const before = { ...target };
      if (patch.pmi !== undefined) assertPmiFree(patch.pmi, target.id);
      assertVanityNameFree(patch.vanity_name, target.id);
      if (patch.email !== undefined) patch.email = patch.email.toLowerCase();
      Object.assign(
        target,
        Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined)),
      );
      state.putUser(target);
      const payload = events.userUpdated(
        before,
        target,
        target,
        state.accounts.get(target.account_id),
        clock.nowMs(),
      );
      if (Object.keys(payload.object).length > 1) {
        await webhooks.emit('user.updated', payload, {
          account_id: target.account_id,
          user_id: target.id,
        });
      }
      return target;
    },

    async createMeeting(input: MeetingInput): Promise<Meeting> {
      const host = user(input.host_id);
      const operator = input.scheduled_by ? user(input.scheduled_by) : host;
      const created = newHosted(host, input, {
        type: input.type ?? 2,
        floating: 3,
        topic: 'Zoom Meeting',
        scheduledBy: input.scheduled_by ? operator.id : null,
        waitingRoom: input.waiting_room ?? false,
      });
      state.meetings.set(created.id, created);
      await emitFor(host, 'meeting.created', events.meetingCreated(created, host, operator));
      return created;
    },

    updateMeeting: (id: string, patch: MeetingPatch): Promise<Meeting> =>
      updateHosted('meeting', meeting(id), patch),

    deleteMeeting: (id: string, operatorId?: string): Promise<void> =>
      deleteHosted('meeting', meeting(id), operatorId),

    async createWebinar(input: WebinarInput): Promise<Webinar> {
      const host = user(input.host_id);
      const created = newHosted(host, input, {
        type: input.type ?? 5,
        floating: 6,
        topic: 'Zoom Webinar',
        scheduledBy: null,
        waitingRoom: false,
      });
      state.webinars.set(created.id, created);
      await emitFor(host, 'webinar.created', events.webinarCreated(created, host, host));
      return created;
    },

    // Webinars have no waiting room: a patch's is ignored.
    updateWebinar: (id: string, { waiting_room: _ignored, ...patch }: WebinarPatch) =>
      updateHosted('webinar', webinar(id), patch),

    deleteWebinar: (id: string, operatorId?: string): Promise<void> =>
      deleteHosted('webinar', webinar(id), operatorId),

    addParticipant(meetingId: string, userId: string): Meeting {
      const target = meeting(meetingId);
      const participant = user(userId);
      if (!target.participants.includes(participant.id)) target.participants.push(participant.id);
      return target;
    },

    removeParticipant(meetingId: string, userId: string): Meeting {
      const target = meeting(meetingId);
      target.participants = target.participants.filter((id) => id !== userId);
      return target;
    },

    join(meetingId: string, request: JoinRequest): JoinResult {
      const id = /^\d+$/.test(meetingId) ? Number(meetingId) : null;
      const found = id === null ? null : findMeeting(state, id);
      if (found) return joinRules.join(found.meeting, found.host, request);
      // A webinar joins by the same rules (its join token is bound to the webinar's id).
      const asWebinar = id === null ? null : findWebinar(state, id);
      if (!asWebinar) throw notFound('Meeting', meetingId);
      return joinRules.join(asWebinar.webinar, asWebinar.host, request);
    },

    async createApp(input: AppInput): Promise<App> {
      assertScopesFit(input.kind, input.scopes);
      if (input.client_id && state.appByClientId(input.client_id)) {
        throw new AdminFailure(409, 'conflict', `client_id ${input.client_id} exists.`);
      }
      const created: App = {
        id: state.newId(),
        kind: input.kind,
        client_id: input.client_id ?? state.random.string(22, ALPHANUMERIC),
        client_secret: input.client_secret ?? state.random.string(32, ALPHANUMERIC),
        webhook_secret: input.webhook_secret ?? state.random.string(22),
        event_url: null,
        redirect_uris: input.redirect_uris,
        scopes: input.scopes,
        published: input.published ?? false,
        access_token_ttl_seconds: input.access_token_ttl_seconds ?? 3600,
        refresh_token_ttl_seconds: input.refresh_token_ttl_seconds ?? DEFAULT_REFRESH_TTL_S,
        created_at: clock.nowIso(),
      };
      if (input.event_url) await validateEventUrl(created, input.event_url);
      created.event_url = input.event_url ?? null;
      state.apps.set(created.id, created);
      return created;
    },

    async updateApp(id: string, patch: AppPatch): Promise<App> {
      const target = app(id);
      if (patch.scopes) assertScopesFit(target.kind, patch.scopes);
      const { event_url: eventUrl, ...fields } = patch;
      Object.assign(
        target,
        Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)),
      );
      if (eventUrl !== undefined && eventUrl !== target.event_url) {
        if (eventUrl) await validateEventUrl(target, eventUrl);
        target.event_url = eventUrl;
      }
      return target;
    },

    validateApp(id: string, url?: string): Promise<UrlValidationResult> {
      const target = app(id);
      const endpoint = url ?? target.event_url;
      if (!endpoint) throw new AdminFailure(400, 'invalid_request', 'The app has no event_url.');
      return webhooks.validateEndpoint(target, endpoint);
    },

    authorize(request: ConsentRequest): ConsentResult {
      return oauth.consent(request);
    },

    /**
     * Seeds a fleet in one call: `accounts` accounts (plan pro) of `users_per_account` users each
     * (the first one the owner), every user with a grant of the app, as if each had gone through
     * consent and the code exchange. Answers each grant's tokens with the user as /users/me shows
     * it: exactly what Hostpass's `credentials import` reads. Growing to 100,000 users through
     * the consent flow would take longer than the benchmark that needs them.
     */
    seedFleet(input: {
      client_id: string;
      accounts: number;
      users_per_account: number;
      email_prefix: string;
    }) {
      const target = app(input.client_id);
      if (target.kind !== 'user_level')
        throw new AdminFailure(400, 'invalid_request', 'Fleets are seeded for user-level apps.');
      const total = input.accounts * input.users_per_account;
      if (total > 100_000)
        throw new AdminFailure(400, 'invalid_request', 'At most 100,000 users per call.');
      if (state.userByIdOrEmail(`${input.email_prefix}-0-0@fleet.example`))
        throw new AdminFailure(409, 'conflict', `Users with prefix ${input.email_prefix} exist.`);
      const grants: FleetGrant[] = [];
      for (let a = 0; a < input.accounts; a += 1) {
        const owner = this.createAccount({ plan: 'pro' });
        for (let u = 0; u < input.users_per_account; u += 1) {
          const created = this.createUser(
            {
              account_id: owner.id,
              email: `${input.email_prefix}-${a}-${u}@fleet.example`,
              role: u === 0 ? 'owner' : 'member',
            },
            true,
          );
          const { tokens } = oauth.grantToNewUser(target, created);
          grants.push({
            user: {
              id: created.id,
              account_id: created.account_id,
              email: created.email,
              first_name: created.first_name,
              last_name: created.last_name,
            },
            access_token: tokens.access_token,
            refresh_token: tokens.refresh_token,
            expires_in: tokens.expires_in,
            scope: tokens.scope,
          });
        }
      }
      return { grants };
    },

    /** The user removes the app in Zoom: the grant ends; published apps hear app_deauthorized. */
    async deauthorize(clientId: string, userId: string, userDataRetention = false) {
      const target = app(clientId);
      const ended = oauth.deauthorize(target, user(userId).id);
      if (ended.length === 0)
        throw new AdminFailure(404, 'not_found', 'No active grant for that app and user.');
      if (target.published) {
        await Promise.all(
          ended.map((grant) =>
            webhooks.emitToApp(
              target,
              'app_deauthorized',
              events.appDeauthorized(grant, target, clock.nowIso(), userDataRetention),
            ),
          ),
        );
      }
      return { deauthorized: ended.map((grant) => grant.id) };
    },
  };
}

export type AdminService = ReturnType<typeof createAdminService>;
