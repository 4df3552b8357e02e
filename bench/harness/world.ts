/**
 * The Zoom world a scenario measures in, built with the black-box tests' own helpers
 * (test/support/zoom-world.ts) against child processes: an account at the emulator, its owner,
 * an app registered at Zoom and in Hostpass, a credential connected through the OAuth code flow.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { EmulatorAdminClient } from '../../emulator/admin-client.ts';
import type { AccountInput } from '../../emulator/admin-service.ts';
import { signedZoomEvent } from '../../test/support/scale-out.ts';
import {
  connectCredential,
  createZoomUser,
  eventually,
  registerApp,
} from '../../test/support/zoom-world.ts';
import {
  type Contender,
  contest,
  keepAlivePool,
  type LoadSpec,
  POSTGRES_BACKENDS,
  type RoundHooks,
  type RoundPlan,
} from './load.ts';
import type { Hostpass, Store } from './processes.ts';
import { round2 } from './report.ts';

/** Far above anything a bench sends: rate limits stay out of a measurement not about them. */
export const UNLIMITED = { per_second: 10_000_000, per_day: null };

export interface World {
  zoom: EmulatorAdminClient;
  hostpass: Hostpass;
}

/** A string field of an API answer; anything else is an error naming the answer. */
export function text(body: unknown, name: string): string {
  const value = typeof body === 'object' && body !== null ? Reflect.get(body, name) : undefined;
  if (typeof value !== 'string') throw new Error(`no string "${name}" in ${JSON.stringify(body)}`);
  return value;
}

/** `init`'s call to Hostpass, which must answer `status`; returns the parsed body. */
export async function expectApi(
  hostpass: Hostpass,
  route: string,
  status: number,
  init: Parameters<Hostpass['api']>[1] = {},
): Promise<unknown> {
  const answer = await hostpass.api(route, init);
  if (answer.status !== status)
    throw new Error(`${init.method ?? 'GET'} ${route} → ${answer.status} ${answer.text}`);
  return answer.body;
}

/**
 * A new Zoom account (`account`: plan, rate limits) whose owner grants an app of `kind`,
 * connected in Hostpass with the authorization code.
 */
export async function connectHost(
  world: World,
  options: {
    account: AccountInput;
    kind?: 'user_level' | 'account_level';
    meeting?: { waiting_room: boolean };
  },
) {
  const account = await world.zoom.createAccount(options.account);
  const owner = await createZoomUser(world, 'owner', account.id);
  const meeting = options.meeting
    ? await world.zoom.createMeeting({ host_id: owner.id, ...options.meeting })
    : null;
  const app = await registerApp(world, options.kind ?? 'user_level');
  const credential = await connectCredential(world, app, owner.id);
  if (credential.status !== 201)
    throw new Error(`connecting: ${credential.status} ${credential.text}`);
  return { app, accountId: account.id, owner, meeting, credentialId: text(credential.body, 'id') };
}

export type ConnectedHost = Awaited<ReturnType<typeof connectHost>>;

/** Waits for the credential's first meeting sync (the server's workers run it). */
export async function waitForSync(hostpass: Hostpass, credentialId: string, timeoutMs = 60_000) {
  const route = `/api/v2/zoom-oauth-credentials/${credentialId}/`;
  await eventually(
    async () => {
      const status = text(await expectApi(hostpass, route, 200), 'meeting_sync_status');
      return status === 'completed' ? status : undefined;
    },
    `the meeting sync of ${credentialId}`,
    timeoutMs,
  );
}

/** The credential's current Zoom access token, from Hostpass. */
export async function accessToken(hostpass: Hostpass, credentialId: string) {
  const route = `/api/v2/zoom-oauth-credentials/${credentialId}/access-token/`;
  const body = await expectApi(hostpass, route, 200);
  return { token: text(body, 'token'), expiresAt: text(body, 'expires_at') };
}

/** What Zoom (the emulator) was asked since its request counts were last reset. */
export async function zoomCalls(zoom: EmulatorAdminClient, tokens: number, endpoint: string) {
  const summary = await zoom.requests();
  return {
    /** Tokens handed out in the window the calls were counted over. */
    tokens,
    /** Every request the emulator answered (token refreshes included). */
    total: summary.total,
    /** Requests to the endpoint that makes the token. */
    endpoint: summary.by_endpoint[endpoint] ?? 0,
    refreshes: summary.by_grant_type.refresh_token ?? 0,
  };
}

export type ZoomCalls = Awaited<ReturnType<typeof zoomCalls>>;

// ---------------------------------------------------------------------------------------------
// Minting: a host whose meeting Hostpass can mint for, and the two calls a mint is measured by

/** The Zoom endpoint a join-token mint calls, as the emulator counts it. */
export const JOINTOKEN = '/v2/meetings/{meetingId}/jointoken/local_recording';
/** Hostpass's own Zoom rate limits as high as it accepts: only the sync uses them, and it must not wait. */
export const UNLIMITED_SERVER_ENV = {
  HOSTPASS_ZOOM_RATE_LIGHT: '100000',
  HOSTPASS_ZOOM_RATE_MEDIUM: '100000',
};

/**
 * A business account without rate limits in the way, its owner's meeting (waiting room on),
 * connected and synced (`syncSeconds`: connect to sync completed), and the host's access token.
 */
export async function mintingHost(world: World) {
  const startedAt = performance.now();
  const host = await connectHost(world, {
    account: {
      plan: 'business',
      rate_limits: { light: UNLIMITED, medium: UNLIMITED, heavy: UNLIMITED },
    },
    meeting: { waiting_room: true },
  });
  await waitForSync(world.hostpass, host.credentialId);
  const syncSeconds = round2((performance.now() - startedAt) / 1000);
  const { meeting } = host;
  if (!meeting) throw new Error('no meeting');
  const { token } = await accessToken(world.hostpass, host.credentialId);
  return { ...host, meeting, syncSeconds, accessToken: token };
}

/** The bare Zoom call a mint makes: the emulator's jointoken with the host's access token. */
export function jointokenSpec(meetingId: number | string, token: string): LoadSpec {
  return {
    next: () => ({
      method: 'GET',
      path: `/v2/meetings/${meetingId}/jointoken/local_recording?bypass_waiting_room=true`,
      headers: { authorization: `Bearer ${token}` },
    }),
    ok: (status, body) => status === 200 && body.startsWith('{"token":'),
  };
}

/** `POST /api/v2/zoom-tokens/` with `request`; by default a success is a join token answered. */
export function mintSpec(
  hostpass: Hostpass,
  request: object,
  ok: LoadSpec['ok'] = (status, body) => status === 200 && body.includes('"join_token":{"token":'),
): LoadSpec {
  const body = JSON.stringify(request);
  const headers = { authorization: hostpass.authorization, 'content-type': 'application/json' };
  return { next: () => ({ method: 'POST', path: '/api/v2/zoom-tokens/', headers, body }), ok };
}

/**
 * Round hooks that count what Zoom was asked during each round of the contenders `counted`
 * picks (the emulator's counts reset before each): `rounds` holds one `ZoomCalls` per round.
 */
export function zoomCallCounter(zoom: EmulatorAdminClient, counted: (name: string) => boolean) {
  const rounds: ZoomCalls[] = [];
  const hooks: RoundHooks = {
    before: (contender) => (counted(contender.name) ? zoom.resetRequests() : undefined),
    after: async (contender, stats) => {
      if (counted(contender.name))
        rounds.push(await zoomCalls(zoom, stats.requests - stats.errors, `GET ${JOINTOKEN}`));
    },
  };
  return { rounds, hooks };
}

/** `rounds`' Zoom calls added up. */
export function totalZoomCalls(rounds: ZoomCalls[]): ZoomCalls {
  const sum = (pick: (round: ZoomCalls) => number) =>
    rounds.reduce((total, round) => total + pick(round), 0);
  return {
    tokens: sum((round) => round.tokens),
    total: sum((round) => round.total),
    endpoint: sum((round) => round.endpoint),
    refreshes: sum((round) => round.refreshes),
  };
}

// ---------------------------------------------------------------------------------------------
// Zoom's webhooks

/** What Hostpass answers an event it stored. */
export const STORED_ANSWER = '{"status":"stored"}';

let meetingSequence = 0;
const runNonce = randomBytes(4).toString('hex');

/** A signed `meeting.created` delivery for `host`'s app, unique per call (meeting id and uuid). */
export function meetingCreatedRequest(host: ConnectedHost, path: string) {
  meetingSequence += 1;
  const id = 80_000_000_000 + meetingSequence;
  const start = new Date(Date.now() + 86_400_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const { body, headers } = signedZoomEvent(host.app.zoomApp, 'meeting.created', {
    account_id: host.accountId,
    operator: host.owner.email,
    operator_id: host.owner.id,
    object: {
      uuid: `${runNonce}${randomBytes(12).toString('base64')}`,
      id,
      host_id: host.owner.id,
      topic: `Bench meeting ${meetingSequence}`,
      type: 2,
      start_time: start,
      duration: 60,
      timezone: 'UTC',
      join_url: `https://us05web.zoom.us/j/${id}?pwd=${randomBytes(16).toString('base64url')}`,
      password: randomBytes(3).toString('hex'),
      settings: { use_pmi: false, waiting_room: false },
    },
  });
  return { method: 'POST' as const, path, headers, body };
}

/**
 * Signed `meeting.created` events for `host`'s app to the server at `url` (`pid`: whose CPU and
 * every PostgreSQL backend's the rounds account); a success is the answer of a stored event.
 */
export function webhookContender(
  name: string,
  server: { url: string; pid: number },
  host: ConnectedHost,
  concurrency: number,
): Contender {
  const path = new URL(host.app.app.webhook_url).pathname;
  return {
    name,
    pool: keepAlivePool(server.url, concurrency),
    cpu: { server: server.pid, postgres: POSTGRES_BACKENDS },
    spec: {
      next: () => meetingCreatedRequest(host, path),
      ok: (status, body) => status === 200 && body === STORED_ANSWER,
    },
  };
}

/**
 * Signed `meeting.created` events for `host` to each of `servers`, warm-up then rounds
 * interleaved in their order: the rounds by server name, and how many events each answered as
 * stored (warm-up included).
 */
export async function ingestContest(
  host: ConnectedHost,
  servers: Array<{ name: string; url: string; pid: number }>,
  plan: RoundPlan & { rounds: number; warmup: number },
  hooks: RoundHooks = {},
) {
  const contenders = servers.map((server) =>
    webhookContender(server.name, server, host, plan.concurrency),
  );
  const { warm, rounds } = await contest(contenders, plan, hooks);
  const stored = (name: string) =>
    (rounds[name] ?? []).reduce(
      (sum, round) => sum + round.requests - round.errors,
      warm[name] ?? 0,
    );
  return { rounds, answered: Object.fromEntries(servers.map(({ name }) => [name, stored(name)])) };
}

/** The events of `appId` Hostpass stored in `store`: all, distinct bodies, processed or not. */
export async function storedEvents(store: Store, appId: string) {
  const [row] = await store.query<{
    total: number;
    distinct: number;
    unprocessed: number;
    processed: number;
    processing_seconds: number | null;
  }>(
    `SELECT count(*)::int AS total, count(DISTINCT body_sha256)::int AS distinct,
       count(*) FILTER (WHERE processed_at IS NULL)::int AS unprocessed,
       count(processed_at)::int AS processed,
       extract(epoch FROM max(processed_at) - min(processed_at))::float8 AS processing_seconds
     FROM zoom_webhook_events WHERE oauth_app_id = $1`,
    [appId],
  );
  if (!row) throw new Error('no row count');
  return row;
}
