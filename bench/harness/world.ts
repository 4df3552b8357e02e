/**
 * The Zoom world a scenario measures in, built with the black-box tests' own helpers
 * (test/support/zoom-world.ts): an account at the emulator, its owner, an app registered at Zoom
 * and in Hostpass, a credential connected through the OAuth code flow; and the requests scenarios
 * race: the bare Zoom call, a mint, a signed webhook.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { EmulatorAdminClient } from '../../emulator/admin-client.ts';
import type { AccountInput } from '../../emulator/admin-service.ts';
import { signedZoomEvent } from '../../test/support/scale-out.ts';
import {
  connectCredential,
  createZoomUser,
  firstSync,
  registerApp,
} from '../../test/support/zoom-world.ts';
import type { LoadSpec, RoundHooks } from './load.ts';
import type { Hostpass, Store } from './processes.ts';
import { round2 } from './report.ts';

/** Far above anything a bench sends: rate limits stay out of a measurement not about them. */
export const UNLIMITED = { per_second: 10_000_000, per_day: null };
/** Hostpass's own Zoom rate limits as high as it accepts: only the sync uses them. */
export const UNLIMITED_SERVER_ENV = {
  HOSTPASS_ZOOM_RATE_LIGHT: '100000',
  HOSTPASS_ZOOM_RATE_MEDIUM: '100000',
};
/** The Zoom endpoint a join-token mint calls, as the emulator counts it. */
export const JOINTOKEN = '/v2/meetings/{meetingId}/jointoken/local_recording';
/** What Hostpass answers an event it stored. */
export const STORED_ANSWER = '{"status":"stored"}';

export type World = { zoom: EmulatorAdminClient; hostpass: Hostpass };

/** The data of a typed client's answer; an error answer is an error naming the request. */
export async function must<T>(
  call: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<T> {
  const { data, error, response } = await call;
  if (data === undefined)
    throw new Error(`${response.url} → ${response.status} ${JSON.stringify(error)}`);
  return data;
}

/** A new Zoom account whose owner grants an app of `kind`, connected in Hostpass with the code. */
export async function connectHost(
  world: World,
  options: { account: AccountInput; meeting?: { waiting_room: boolean } },
) {
  const account = await world.zoom.createAccount(options.account);
  const owner = await createZoomUser(world, 'owner', account.id);
  const meeting = options.meeting
    ? await world.zoom.createMeeting({ host_id: owner.id, ...options.meeting })
    : null;
  const app = await registerApp(world, 'user_level');
  const credential = await connectCredential(world, app, owner.id);
  if (credential.status !== 201)
    throw new Error(`connecting: ${credential.status} ${credential.text}`);
  const credentialId: string = credential.body.id;
  return { app, accountId: account.id, owner, meeting, credentialId };
}

export type ConnectedHost = Awaited<ReturnType<typeof connectHost>>;

/** The credential's current Zoom access token, from Hostpass. */
export const accessToken = (hostpass: Hostpass, id: string) =>
  must(
    hostpass.client.GET('/api/v2/zoom-oauth-credentials/{id}/access-token/', {
      params: { path: { id } },
    }),
  );

/**
 * A business account without rate limits in the way, its owner's meeting (waiting room on),
 * connected and synced (`syncSeconds`: connect to sync completed), and the host's access token.
 */
export async function mintingHost(world: World) {
  const startedAt = performance.now();
  const rate_limits = { light: UNLIMITED, medium: UNLIMITED, heavy: UNLIMITED };
  const host = await connectHost(world, {
    account: { plan: 'business', rate_limits },
    meeting: { waiting_room: true },
  });
  await firstSync(world, host.credentialId, 60_000);
  const syncSeconds = round2((performance.now() - startedAt) / 1000);
  const { meeting } = host;
  if (!meeting) throw new Error('no meeting');
  const { token } = await accessToken(world.hostpass, host.credentialId);
  return { ...host, meeting, syncSeconds, accessToken: token };
}

/** The bare Zoom call a mint makes: the emulator's jointoken with the host's access token. */
export const jointokenSpec = (meetingId: number | string, token: string): LoadSpec => ({
  next: () => ({
    method: 'GET',
    path: `/v2/meetings/${meetingId}/jointoken/local_recording?bypass_waiting_room=true`,
    headers: { authorization: `Bearer ${token}` },
  }),
  ok: (status, body) => status === 200 && body.startsWith('{"token":'),
});

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

/** What Zoom was asked: tokens handed out, every request, the jointoken endpoint, refreshes. */
export type ZoomCalls = Record<'tokens' | 'total' | 'jointoken' | 'refreshes', number>;
const NO_CALLS: ZoomCalls = { tokens: 0, total: 0, jointoken: 0, refreshes: 0 };
const addCalls = (a: ZoomCalls, b: ZoomCalls): ZoomCalls => ({
  tokens: a.tokens + b.tokens,
  total: a.total + b.total,
  jointoken: a.jointoken + b.jointoken,
  refreshes: a.refreshes + b.refreshes,
});

/** What Zoom was asked during the rounds of all the contenders `names` names. */
export const sumZoomCalls = (calls: Record<string, ZoomCalls>, names: readonly string[]) =>
  names.reduce((sum, name) => addCalls(sum, calls[name] ?? NO_CALLS), NO_CALLS);

/**
 * Round hooks that add up, per contender named in `counted`, what Zoom was asked during its
 * rounds (the emulator's counts are reset before each).
 */
export function zoomCallCounter(zoom: EmulatorAdminClient, counted: readonly string[]) {
  const calls: Record<string, ZoomCalls> = {};
  const hooks: RoundHooks = {
    before: ({ name }) => (counted.includes(name) ? zoom.resetRequests() : undefined),
    async after({ name }, stats) {
      if (!counted.includes(name)) return;
      const { total, by_endpoint, by_grant_type } = await zoom.requests();
      calls[name] = addCalls(calls[name] ?? NO_CALLS, {
        tokens: stats.requests - stats.errors,
        total,
        jointoken: by_endpoint[`GET ${JOINTOKEN}`] ?? 0,
        refreshes: by_grant_type.refresh_token ?? 0,
      });
    },
  };
  return { calls, hooks };
}

let meetingSequence = 0;
const runNonce = randomBytes(4).toString('hex');

/** A signed `meeting.created` delivery to `path` for `host`'s app, unique per call. */
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

/** The events of `appId` Hostpass stored in `store`: all, distinct bodies, processed or not. */
export async function storedEvents(store: Store, appId: string) {
  type Counts = Record<'total' | 'distinct' | 'unprocessed' | 'processed', number>;
  const [row] = await store.query<Counts & { processing_seconds: number | null }>(
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
