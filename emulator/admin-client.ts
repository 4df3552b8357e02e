// A small typed client over the admin API, so tests of the service read as a story
// ("create an account, a user, an app; authorize; advance the clock 6 minutes").

import type {
  AccountInput,
  AppInput,
  AppPatch,
  FleetGrant,
  MeetingInput,
  MeetingPatch,
  UserInput,
  UserPatch,
  WebinarInput,
  WebinarPatch,
} from './admin-service.ts';
import type { FaultInput, FaultView } from './faults.ts';
import type { JoinRequest, JoinResult } from './join-rules.ts';
import type { Account, App, Meeting, User, WebhookDelivery, Webinar } from './model.ts';
import type { ConsentRequest, TokenResponse } from './oauth-service.ts';
import type { RecentRequest } from './request-log.ts';
import type { EmulatorSnapshot } from './state.ts';
import type { UrlValidationResult } from './webhooks.ts';

export class EmulatorAdminError extends Error {
  readonly status: number;
  readonly body: unknown;
  constructor(status: number, body: unknown, what: string) {
    super(`${what} → ${status} ${JSON.stringify(body)}`);
    this.status = status;
    this.body = body;
  }
}

export interface RequestSummary {
  total: number;
  by_endpoint: Record<string, number>;
  by_grant_type: Record<string, number>;
  /** Per grant type: calls per second, keyed by epoch second (the last two hours). */
  by_grant_type_per_second: Record<string, Record<string, number>>;
  by_client: Record<string, number>;
  by_status: Record<string, number>;
  /** Grant id → when each successful refresh of it was answered (emulator time, ISO). */
  refreshes_by_grant: Record<string, string[]>;
  recent: RecentRequest[];
}

export interface ClockView {
  now: string;
  frozen: boolean;
}

export function createAdminClient(baseUrl: string) {
  const call = async <T>(
    method: string,
    path: string,
    body?: unknown,
    okStatuses = [200, 201, 204],
  ): Promise<T> => {
    const response = await fetch(`${baseUrl}/_emulator${path}`, {
      method,
      ...(body === undefined
        ? {}
        : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
    const text = await response.text();
    const parsed: unknown = text ? JSON.parse(text) : undefined;
    if (!okStatuses.includes(response.status))
      throw new EmulatorAdminError(response.status, parsed, `${method} ${path}`);
    return parsed as T;
  };
  const enc = encodeURIComponent;

  return {
    createAccount: (input: AccountInput) => call<Account>('POST', '/accounts', input),
    updateAccount: (id: string, patch: Partial<AccountInput>) =>
      call<Account>('PATCH', `/accounts/${enc(id)}`, patch),
    createUser: (input: UserInput) => call<User>('POST', '/users', input),
    updateUser: (id: string, patch: UserPatch) => call<User>('PATCH', `/users/${enc(id)}`, patch),
    getUser: (id: string) => call<User>('GET', `/users/${enc(id)}`),
    createMeeting: (input: MeetingInput) => call<Meeting>('POST', '/meetings', input),
    getMeeting: (id: number | string) => call<Meeting>('GET', `/meetings/${id}`),
    updateMeeting: (id: number | string, patch: MeetingPatch) =>
      call<Meeting>('PATCH', `/meetings/${id}`, patch),
    deleteMeeting: (id: number | string) => call<void>('DELETE', `/meetings/${id}`),
    createWebinar: (input: WebinarInput) => call<Webinar>('POST', '/webinars', input),
    getWebinar: (id: number | string) => call<Webinar>('GET', `/webinars/${id}`),
    updateWebinar: (id: number | string, patch: WebinarPatch) =>
      call<Webinar>('PATCH', `/webinars/${id}`, patch),
    deleteWebinar: (id: number | string) => call<void>('DELETE', `/webinars/${id}`),
    addParticipant: (meetingId: number | string, userId: string) =>
      call<Meeting>('POST', `/meetings/${meetingId}/participants`, { user_id: userId }),
    removeParticipant: (meetingId: number | string, userId: string) =>
      call<Meeting>('DELETE', `/meetings/${meetingId}/participants/${enc(userId)}`),
    /** Resolves with the outcome also when the join is refused (HTTP 403). */
    join: (meetingId: number | string, request: JoinRequest) =>
      call<JoinResult>('POST', `/meetings/${meetingId}/join`, request, [200, 403]),
    createApp: (input: AppInput) => call<App>('POST', '/apps', input),
    getApp: (id: string) => call<App>('GET', `/apps/${enc(id)}`),
    updateApp: (id: string, patch: AppPatch) => call<App>('PATCH', `/apps/${enc(id)}`, patch),
    validateApp: (id: string, url?: string) =>
      call<UrlValidationResult>(
        'POST',
        `/apps/${enc(id)}/validate`,
        url === undefined ? {} : { url },
      ),
    /** Accounts, users and one grant each of a user-level app, in one call (see seedFleet). */
    seedFleet: (input: {
      client_id: string;
      accounts: number;
      users_per_account: number;
      email_prefix: string;
    }) => call<{ grants: FleetGrant[] }>('POST', '/fleet', input),
    authorize: (request: ConsentRequest) =>
      call<{ code: string; redirect: string }>('POST', '/authorize', request),
    /**
     * Consent without a browser, then the code exchanged at the real /oauth/token (so it counts
     * as one `authorization_code` call). Throws with Zoom's answer if the exchange fails.
     */
    async connect(
      app: Pick<App, 'client_id' | 'client_secret'>,
      userId: string,
      redirectUri: string,
    ) {
      const { code } = await call<{ code: string }>('POST', '/authorize', {
        client_id: app.client_id,
        user_id: userId,
        redirect_uri: redirectUri,
      });
      const basic = Buffer.from(`${app.client_id}:${app.client_secret}`).toString('base64');
      const response = await fetch(`${baseUrl}/oauth/token`, {
        method: 'POST',
        headers: { authorization: `Basic ${basic}` },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          code,
          redirect_uri: redirectUri,
        }),
      });
      const body: unknown = await response.json();
      if (response.status !== 200)
        throw new EmulatorAdminError(response.status, body, 'POST /oauth/token');
      return body as TokenResponse;
    },
    deauthorize: (
      clientId: string,
      userId: string,
      options: { userDataRetention?: boolean } = {},
    ) =>
      call<{ deauthorized: string[] }>('POST', '/deauthorize', {
        client_id: clientId,
        user_id: userId,
        ...(options.userDataRetention !== undefined && {
          user_data_retention: options.userDataRetention,
        }),
      }),
    advanceClock: (seconds: number) =>
      call<ClockView>('POST', '/clock', { advance_seconds: seconds }),
    freezeClock: (frozen = true) => call<ClockView>('POST', '/clock', { freeze: frozen }),
    clock: () => call<ClockView>('GET', '/clock'),
    requests: () => call<RequestSummary>('GET', '/requests'),
    resetRequests: () => call<void>('DELETE', '/requests'),
    webhooks: () => call<WebhookDelivery[]>('GET', '/webhooks'),
    clearWebhooks: () => call<void>('DELETE', '/webhooks'),
    addFault: (fault: FaultInput) => call<FaultView>('POST', '/faults', fault),
    faults: () => call<FaultView[]>('GET', '/faults'),
    /** Removes a fault and sends the answers it held (`hold_response_after_commit`). */
    releaseFault: (id: string) =>
      call<{ released: number }>('POST', `/faults/${encodeURIComponent(id)}/release`),
    clearFaults: () => call<void>('DELETE', '/faults'),
    state: () => call<EmulatorSnapshot>('GET', '/state'),
    saveSnapshot: () => call<{ path: string; saved_at: string }>('POST', '/snapshot'),
  };
}

export type EmulatorAdminClient = ReturnType<typeof createAdminClient>;
