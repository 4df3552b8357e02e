// The emulator's in-memory state: entity maps with the indexes the hot paths need, and the
// JSON snapshot that saves and restores all of it (PRNG state and clock included, so a reloaded
// emulator continues exactly where it stopped).

import type { ClockState } from './clock.ts';
import type {
  AccessTokenRecord,
  Account,
  App,
  AuthorizationCode,
  Fault,
  Grant,
  Meeting,
  MeetingToken,
  PageCursor,
  PendingRetry,
  User,
  UserToken,
  WebhookDelivery,
  Webinar,
} from './model.ts';
import { createSeededRandom, type SeededRandom } from './random.ts';

export const SNAPSHOT_VERSION = 1;

export interface EmulatorSnapshot {
  version: number;
  random_state: number;
  jwt_secret: string;
  clock: ClockState;
  accounts: Account[];
  users: User[];
  meetings: Meeting[];
  /** Absent in snapshots older than webinars. */
  webinars?: Webinar[];
  apps: App[];
  grants: Grant[];
  access_tokens: AccessTokenRecord[];
  codes: AuthorizationCode[];
  meeting_tokens: MeetingToken[];
  user_tokens: UserToken[];
  page_cursors: PageCursor[];
  webhook_log: WebhookDelivery[];
  pending_retries: PendingRetry[];
  faults: Fault[];
}

export interface EmulatorState {
  random: SeededRandom;
  jwtSecret: string;
  accounts: Map<string, Account>;
  users: Map<string, User>;
  meetings: Map<number, Meeting>;
  webinars: Map<number, Webinar>;
  apps: Map<string, App>;
  grants: Map<string, Grant>;
  /** Only the CURRENT refresh token of each active grant is here: rotation deletes the old key. */
  grantIdByRefreshToken: Map<string, string>;
  accessTokens: Map<string, AccessTokenRecord>;
  codes: Map<string, AuthorizationCode>;
  meetingTokens: Map<string, MeetingToken>;
  userTokens: Map<string, UserToken>;
  pageCursors: Map<string, PageCursor>;
  webhookLog: WebhookDelivery[];
  pendingRetries: PendingRetry[];
  faults: Fault[];
  /** A Zoom-shaped id: 22 URL-safe characters. */
  newId(): string;
  appByClientId(clientId: string): App | undefined;
  /** `idOrEmail` as Zoom's `{userId}` path parameter accepts it (id or email). */
  userByIdOrEmail(idOrEmail: string): User | undefined;
  userByPmi(pmi: number): User | undefined;
  /**
   * Stores a new user, or re-indexes one whose email or PMI changed: the email and PMI lookups
   * read indexes, not every user (seeding 100,000 users would otherwise be quadratic).
   */
  putUser(user: User): void;
  unusedMeetingNumber(digits: number): number;
  toSnapshot(clock: ClockState): EmulatorSnapshot;
}

const byKey = <K, V>(items: V[], key: (item: V) => K): Map<K, V> =>
  new Map(items.map((item) => [key(item), item]));

export function createEmulatorState(seed: number, snapshot?: EmulatorSnapshot): EmulatorState {
  const random = createSeededRandom(snapshot ? snapshot.random_state : seed);
  const jwtSecret = snapshot ? snapshot.jwt_secret : random.string(43);
  const apps = byKey(snapshot?.apps ?? [], (app) => app.id);
  const users = byKey(snapshot?.users ?? [], (user) => user.id);
  const meetings = byKey(snapshot?.meetings ?? [], (meeting) => meeting.id);
  const webinars = byKey(snapshot?.webinars ?? [], (webinar) => webinar.id);
  const grants = byKey(snapshot?.grants ?? [], (grant) => grant.id);
  const grantIdByRefreshToken = new Map<string, string>();
  for (const grant of grants.values()) {
    if (grant.active) grantIdByRefreshToken.set(grant.refresh_token, grant.id);
  }

  // Indexes that may hold stale entries (a user whose PMI or email changed since): a hit counts
  // only if the user still has that value, and every change re-indexes the user (putUser).
  const byPmi = new Map<number, User>();
  const byEmail = new Map<string, User>();
  const index = (user: User) => {
    byPmi.set(user.pmi, user);
    byEmail.set(user.email, user);
  };
  for (const user of users.values()) {
    if (!byPmi.has(user.pmi)) byPmi.set(user.pmi, user);
    if (!byEmail.has(user.email)) byEmail.set(user.email, user);
  }
  const userByPmi = (pmi: number): User | undefined => {
    const user = byPmi.get(pmi);
    return user?.pmi === pmi ? user : undefined;
  };

  const state: EmulatorState = {
    random,
    jwtSecret,
    accounts: byKey(snapshot?.accounts ?? [], (account) => account.id),
    users,
    meetings,
    webinars,
    apps,
    grants,
    grantIdByRefreshToken,
    accessTokens: byKey(snapshot?.access_tokens ?? [], (record) => record.token),
    codes: byKey(snapshot?.codes ?? [], (code) => code.code),
    meetingTokens: byKey(snapshot?.meeting_tokens ?? [], (token) => token.token),
    userTokens: byKey(snapshot?.user_tokens ?? [], (token) => token.token),
    pageCursors: byKey(snapshot?.page_cursors ?? [], (cursor) => cursor.token),
    webhookLog: snapshot?.webhook_log ?? [],
    pendingRetries: snapshot?.pending_retries ?? [],
    faults: snapshot?.faults ?? [],
    newId: () => random.string(22),
    appByClientId(clientId) {
      for (const app of apps.values()) if (app.client_id === clientId) return app;
      return undefined;
    },
    userByIdOrEmail(idOrEmail) {
      const direct = users.get(idOrEmail);
      if (direct) return direct;
      const email = idOrEmail.toLowerCase();
      const user = byEmail.get(email);
      return user?.email === email ? user : undefined;
    },
    userByPmi,
    putUser(user) {
      users.set(user.id, user);
      index(user);
    },
    unusedMeetingNumber(digits) {
      for (;;) {
        const candidate = random.digits(digits);
        if (!meetings.has(candidate) && !webinars.has(candidate) && !userByPmi(candidate))
          return candidate;
      }
    },
    toSnapshot(clock) {
      return {
        version: SNAPSHOT_VERSION,
        random_state: random.state(),
        jwt_secret: jwtSecret,
        clock,
        accounts: [...state.accounts.values()],
        users: [...users.values()],
        meetings: [...meetings.values()],
        webinars: [...webinars.values()],
        apps: [...apps.values()],
        grants: [...grants.values()],
        access_tokens: [...state.accessTokens.values()],
        codes: [...state.codes.values()],
        meeting_tokens: [...state.meetingTokens.values()],
        user_tokens: [...state.userTokens.values()],
        page_cursors: [...state.pageCursors.values()],
        webhook_log: state.webhookLog,
        pending_retries: state.pendingRetries,
        faults: state.faults,
      };
    },
  };
  return state;
}
