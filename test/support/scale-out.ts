/**
 * The scale-out scenario (issue 11 part 6), shared by test/scale-out.test.ts (three processes,
 * one of them killed) and bench/scale-out.ts (throughput per process count): one Zoom account of
 * many users behind an account-level grant whose access tokens live seconds, a round-robin client
 * in front of several Hostpass processes on one PostgreSQL, a stream of signed meeting webhooks
 * that changes the emulator's meetings as it goes, and continuous mints.
 */
import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { EmulatorAdminClient } from '../../emulator/admin-client.ts';
import { meetingCreated, meetingDeleted, meetingUpdated } from '../../emulator/event-payloads.ts';
import type { Meeting, User } from '../../emulator/model.ts';
import type { EmulatorSnapshot } from '../../emulator/state.ts';
import { zoomSignature } from '../../emulator/webhook-signing.ts';
import { type ApiRequest, type ApiResponse, request } from './hostpass.ts';
import {
  type ConnectedApp,
  connectCredential,
  createZoomUser,
  registerApp,
  type WorldClients,
} from './zoom-world.ts';

/** Far above what the scenario asks: Zoom's limits are not what it is about. */
const UNLIMITED = { per_second: 100_000, per_day: null };
/** Admin calls in flight while the account is built. */
const SEED_CONCURRENCY = 32;

/** Runs `work` over `items`, `concurrency` at a time. */
async function eachLimited<T>(
  items: readonly T[],
  concurrency: number,
  work: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next;
      next += 1;
      await work(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

/** A small seeded generator (mulberry32): a failing run can be replayed with its seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

// ---------------------------------------------------------------------------------------------
// The client in front of the processes

export interface RoundRobin {
  readonly urls: readonly string[];
  /**
   * Sends to the next process in turn. A request that got no answer (refused, or cut when its
   * process died) is sent again to the next one, as a load balancer's client would.
   */
  send(path: string, init?: ApiRequest): Promise<ApiResponse>;
  /** Requests that got no answer, by the process they were sent to. */
  readonly lost: Map<string, number>;
}

export function roundRobin(urls: readonly string[]): RoundRobin {
  let next = 0;
  const lost = new Map<string, number>();
  return {
    urls,
    lost,
    async send(path, init) {
      for (let attempt = 1; ; attempt += 1) {
        const url = urls[next % urls.length] as string;
        next += 1;
        try {
          return await request(`${url}${path}`, init);
        } catch (error) {
          lost.set(url, (lost.get(url) ?? 0) + 1);
          if (attempt >= urls.length * 5) throw error;
        }
      }
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The Zoom account

export interface ScaleOutAccount {
  connected: ConnectedApp;
  credentialId: string;
  /** Every user of the account; the first is the admin who authorized the app. */
  users: User[];
  /** The meetings the account had before the credential was connected. */
  meetings: Meeting[];
}

/**
 * An account of `users` users (half of them with a scheduled meeting) whose admin authorizes an
 * account-level app with `accessTokenSeconds`-second access tokens; connected in Hostpass, which
 * starts its initial meeting sync.
 */
export async function scaleOutAccount(
  clients: WorldClients,
  options: { users: number; accessTokenSeconds: number },
): Promise<ScaleOutAccount> {
  const { zoom } = clients;
  const account = await zoom.createAccount({
    plan: 'pro',
    rate_limits: { light: UNLIMITED, medium: UNLIMITED, heavy: UNLIMITED },
  });
  const admin = await createZoomUser(clients, 'admin', account.id);
  const users: User[] = [admin];
  const others = Array.from({ length: options.users - 1 }, (_, index) => index);
  await eachLimited(others, SEED_CONCURRENCY, async (index) => {
    users[index + 1] = await zoom.createUser({
      account_id: account.id,
      // Unique per account: the bench makes one account per process count on one emulator.
      email: `member${index}-${account.id}@scale-out.example`,
    });
  });
  const meetings: Meeting[] = [];
  await eachLimited(
    users.filter((_, index) => index % 2 === 0),
    SEED_CONCURRENCY,
    async (user) => {
      meetings.push(await zoom.createMeeting({ host_id: user.id }));
    },
  );
  const connected = await registerApp(clients, 'account_level', {
    access_token_ttl_seconds: options.accessTokenSeconds,
  });
  const credential = await connectCredential(clients, connected, admin.id);
  if (credential.status !== 201)
    throw new Error(`connecting the account failed: ${credential.status} ${credential.text}`);
  return { connected, credentialId: credential.body.id, users, meetings };
}

// ---------------------------------------------------------------------------------------------
// Webhooks

/** A Zoom event delivery: the bytes and headers Zoom sends (as the emulator's dispatcher does). */
export function signedZoomEvent(
  app: { client_id: string; webhook_secret: string },
  event: string,
  payload: object,
): { body: string; headers: Record<string, string> } {
  // Compact JSON in Zoom's key order: event, payload, event_ts (milliseconds).
  const body = JSON.stringify({ event, payload, event_ts: Date.now() });
  const timestamp = String(Math.floor(Date.now() / 1000));
  return {
    body,
    headers: {
      'content-type': 'application/json; charset=utf-8',
      'user-agent': 'Zoom Marketplace/1.0a',
      clientid: app.client_id,
      'x-zm-request-timestamp': timestamp,
      'x-zm-signature': zoomSignature(app.webhook_secret, timestamp, body),
    },
  };
}

export interface WebhookDelivery {
  event: string;
  meetingId: number;
  /** SHA-256 (hex) of the body as sent: Hostpass keeps one event per distinct body. */
  bodySha256: string;
  /** Hostpass's answer: `stored`, or `already_stored` for a body it had (a retry). */
  status: string;
}

export interface StreamResult {
  /** Every delivery that got a 200, in the order answered. */
  delivered: WebhookDelivery[];
  /** Answers other than 200 (each delivery was sent again until it got one). */
  refused: { status: number; text: string }[];
  /** Milliseconds each delivery took, retries included. */
  latencies: number[];
}

/**
 * Until `running()` turns false, `workers` loops each change one meeting at Zoom (the emulator)
 * and then deliver the event Zoom sends about it through `client`, waiting for a 200 before the
 * next change: one meeting's events reach Hostpass in order, as from Zoom. Each loop owns its
 * own meetings (a share of the existing ones and those it creates): created, retitled,
 * transferred to another user of the account, deleted.
 */
export async function streamMeetingEvents(options: {
  zoom: EmulatorAdminClient;
  client: RoundRobin;
  account: ScaleOutAccount;
  workers: number;
  running: () => boolean;
  seed?: number;
}): Promise<StreamResult> {
  const { zoom, client, account } = options;
  const { zoomApp, app } = account.connected;
  const path = new URL(app.webhook_url).pathname;
  const users = new Map(account.users.map((user) => [user.id, user]));
  const result: StreamResult = { delivered: [], refused: [], latencies: [] };

  const deliver = async (event: string, payload: object, meetingId: number) => {
    const { body, headers } = signedZoomEvent(zoomApp, event, payload);
    const startedAt = performance.now();
    for (;;) {
      const answer = await client.send(path, { method: 'POST', body, headers });
      if (answer.status === 200) {
        result.latencies.push(performance.now() - startedAt);
        result.delivered.push({
          event,
          meetingId,
          bodySha256: createHash('sha256').update(body).digest('hex'),
          status: String(answer.body?.status),
        });
        return;
      }
      // Zoom retries an event that did not get a 2xx; so does this client, at once.
      result.refused.push({ status: answer.status, text: answer.text.slice(0, 300) });
      if (result.refused.length > 100) throw new Error(`webhooks refused: ${answer.text}`);
    }
  };

  const worker = async (index: number) => {
    const random = seededRandom((options.seed ?? 1) * 1000 + index);
    const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)] as T;
    const owned = account.meetings.filter((_, position) => position % options.workers === index);
    while (options.running()) {
      const roll = random();
      if (owned.length === 0 || roll < 0.4) {
        const host = pick(account.users);
        const created = await zoom.createMeeting({ host_id: host.id });
        owned.push(created);
        await deliver('meeting.created', meetingCreated(created, host, host), Number(created.id));
        continue;
      }
      const position = Math.floor(random() * owned.length);
      const before = owned[position] as Meeting;
      const host = users.get(before.host_id) as User;
      if (roll < 0.8) {
        // Half the updates transfer the meeting to another user: its mapping must follow.
        const patch =
          roll < 0.6
            ? { topic: `Retitled ${Math.floor(random() * 1e9)}` }
            : { host_id: pick(account.users).id };
        const after = await zoom.updateMeeting(before.id, patch);
        owned[position] = after;
        await deliver(
          'meeting.updated',
          meetingUpdated(before, after, host, host, Date.now()),
          Number(before.id),
        );
        continue;
      }
      await zoom.deleteMeeting(before.id);
      owned.splice(position, 1);
      await deliver('meeting.deleted', meetingDeleted(before, host, host), Number(before.id));
    }
  };
  await Promise.all(Array.from({ length: options.workers }, (_, index) => worker(index)));
  return result;
}

// ---------------------------------------------------------------------------------------------
// Mints

export interface MintResult {
  ok: number;
  /** Answers that were not a 200 with the token: status and body. */
  failures: { status: number; text: string }[];
  latencies: number[];
}

/** Until `running()` turns false, `workers` loops each mint a join token for one of `meetingIds`. */
export async function mintContinuously(options: {
  client: RoundRobin;
  authorization: string;
  meetingIds: readonly number[];
  workers: number;
  running: () => boolean;
}): Promise<MintResult> {
  const result: MintResult = { ok: 0, failures: [], latencies: [] };
  let next = 0;
  const worker = async () => {
    while (options.running()) {
      const meetingId = options.meetingIds[next % options.meetingIds.length];
      next += 1;
      const startedAt = performance.now();
      const answer = await options.client.send('/api/v2/zoom-tokens/', {
        method: 'POST',
        headers: { authorization: options.authorization },
        json: { meeting_id: meetingId, kinds: ['join_token'] },
      });
      result.latencies.push(performance.now() - startedAt);
      const minted =
        answer.status === 200 &&
        typeof answer.body?.join_token?.token === 'string' &&
        Object.keys(answer.body.errors ?? {}).length === 0;
      if (minted) result.ok += 1;
      else result.failures.push({ status: answer.status, text: answer.text.slice(0, 300) });
    }
  };
  await Promise.all(Array.from({ length: options.workers }, worker));
  return result;
}

// ---------------------------------------------------------------------------------------------
// What Zoom has, what Hostpass has

/** `meeting id → host user id` for every meeting (PMIs included) of the account at Zoom now. */
export async function zoomTruth(
  emulatorUrl: string,
  accountId: string,
): Promise<Map<number, string>> {
  const response = await fetch(`${emulatorUrl}/_emulator/state`);
  const state = (await response.json()) as EmulatorSnapshot;
  const truth = new Map<number, string>();
  const members = new Set<string>();
  for (const user of state.users) {
    if (user.account_id !== accountId) continue;
    members.add(user.id);
    if (user.pmi !== null && user.pmi !== undefined) truth.set(Number(user.pmi), user.id);
  }
  for (const meeting of state.meetings)
    if (members.has(meeting.host_id)) truth.set(Number(meeting.id), meeting.host_id);
  return truth;
}

/** `meeting id → host user id` of every mapping Hostpass holds for the credential. */
export async function hostpassMappings(
  client: RoundRobin,
  authorization: string,
  credentialId: string,
): Promise<Map<number, string>> {
  const found = new Map<number, string>();
  let path: string | null =
    `/api/v2/zoom-meetings-to-credentials/?credential=${credentialId}&page_size=200`;
  while (path) {
    const page = await client.send(path, { headers: { authorization } });
    if (page.status !== 200) throw new Error(`listing mappings: ${page.status} ${page.text}`);
    for (const item of page.body.results as { meeting_id: number; host_user_id: string }[])
      found.set(item.meeting_id, item.host_user_id);
    path = page.body.next
      ? new URL(String(page.body.next)).pathname + new URL(String(page.body.next)).search
      : null;
  }
  return found;
}

/** The entries of two maps that differ, for a readable failure. */
export function mapDifference(
  expected: Map<number, string>,
  actual: Map<number, string>,
): {
  missing: [number, string][];
  extra: [number, string][];
  wrongHost: [number, string, string][];
} {
  const missing: [number, string][] = [];
  const wrongHost: [number, string, string][] = [];
  for (const [id, host] of expected) {
    const found = actual.get(id);
    if (found === undefined) missing.push([id, host]);
    else if (found !== host) wrongHost.push([id, host, found]);
  }
  const extra = [...actual].filter(([id]) => !expected.has(id));
  return { missing, extra, wrongHost };
}

/** Gaps (seconds) between consecutive refreshes of each grant, from the emulator's log. */
export async function refreshGaps(zoom: EmulatorAdminClient) {
  const { refreshes_by_grant: byGrant } = await zoom.requests();
  return Object.entries(byGrant).map(([grantId, times]) => {
    const at = times.map((time) => Date.parse(time)).sort((a, b) => a - b);
    const gaps = at.slice(1).map((time, index) => (time - (at[index] as number)) / 1000);
    return { grantId, refreshes: at.length, minGapSeconds: gaps.length ? Math.min(...gaps) : null };
  });
}
