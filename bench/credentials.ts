/**
 * Credentials benchmarks (issue 4), against a real Hostpass server process
 * (`node dist/src/main.js serve`, what `npm start` runs) on 127.0.0.1:
 *
 * 1. Webhook ingest: signed `meeting.created` events durably stored per second, as a ratio to a
 *    verify-only handler in the same run (target ≥ 0.8 on PostgreSQL). The verify-only handler is
 *    this file started with `--verify-only-server`: its own process with the server's Fastify
 *    options, error handlers, metrics hook and the project's own webhook route plugin (same
 *    raw-body parser, schemas and `verifyZoomWebhook`), behind a service that verifies, parses and
 *    shape-checks the body but stores nothing.
 * 2. `GET /api/v2/zoom-oauth-credentials/{id}/access-token/` p50/p99 at 64 in flight with a fresh
 *    token (the emulator must see no `/oauth/token` call) against `GET /healthz` of the same server.
 *
 *   npx node bench/credentials.ts [--write-docs] [--rounds 3] [--events 4000] [--pglite-events 1000]
 *                                 [--token-requests 10000] [--skip-pglite]
 *
 * `--write-docs` replaces the "Credentials (issue 4)" section of docs/benchmarks.md.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyBaseLogger } from 'fastify';
import pg from 'pg';
import { Compile } from 'typebox/compile';
import { type Dispatcher, Pool } from 'undici';
import { type RunningEmulator, startEmulator, zoomSignature } from '../emulator/index.ts';
import { USER_LEVEL_SCOPES } from '../emulator/scopes.ts';
import { AuthenticationError, BadRequestError, NotFoundError } from '../src/errors.ts';
import { installErrorHandlers } from '../src/http/error-handler.ts';
import { installMetrics } from '../src/http/metrics.ts';
import { httpServerOptions } from '../src/http/server.ts';
import { createLogger } from '../src/logger.ts';
import { webhookRoutes } from '../src/webhooks/routes.ts';
import { ZoomEventBody } from '../src/webhooks/schemas.ts';
import type { WebhookService } from '../src/webhooks/service.ts';
import { verifyZoomWebhook } from '../src/zoom/webhook-signature.ts';
import {
  type Batch,
  buildServer,
  Cleanup,
  type CodeVersion,
  codeVersion,
  commandCpuMs,
  createDatabase,
  DOCS_FILE,
  describeError,
  HOST,
  type LoadSpec,
  loadAverage,
  log,
  type MachineInfo,
  machineCpuTicks,
  machineInfo,
  markdownTable,
  measuringCommand,
  median,
  percentile,
  postgresVersion,
  processCpuMs,
  ROOT,
  type RunningProcess,
  readPrintedSummary,
  renderCode,
  round2,
  runBatch,
  startProcess,
  stopProcess,
  temporaryDirectory,
  verdict,
  writeDocsSection,
} from './support.ts';

const SECTION_TITLE = '## Credentials (issue 4)';
const COMMAND = measuringCommand('bench/credentials.ts', process.argv.slice(2));
const VERIFY_ONLY_FLAG = '--verify-only-server';
const REDIRECT_URI = 'https://customer.example/oauth/zoom/callback/';
const INGEST_CONCURRENCY = 32;
const TOKEN_CONCURRENCY = 64;
const INGEST_WARMUP = 500;
const TOKEN_WARMUP = 2_000;
/** Upper bound on one measured batch, whatever the request count. */
const BATCH_TIME_LIMIT_MS = 60_000;
const INGEST_TARGET_RATIO = 0.8;
/** The server's body limit (its default), so the verify-only server refuses what it refuses. */
const BODY_LIMIT_BYTES = 1024 * 1024;
const STORED_ANSWER = '{"status":"stored"}';

type Engine = 'postgres' | 'pglite';

interface Options {
  rounds: number;
  events: number;
  pgliteEvents: number;
  tokenRequests: number;
  skipPglite: boolean;
  /** A log of an earlier run: re-render its tables (and docs) from its JSON without measuring. */
  renderFrom: string | null;
  writeDocs: boolean;
}

// ---------------------------------------------------------------------------------------------
// The verify-only server (child process)

/**
 * The webhook service of a server without storage: the same checks in the same order as
 * src/webhooks/service.ts (app known, signature and timestamp, JSON, event shape), then the
 * answer a stored event gets. The secret is in memory, so there is no app lookup either.
 */
function verifyOnlyService(appId: string, secret: string): WebhookService {
  const isZoomEventBody = Compile(ZoomEventBody);
  return {
    async receive(request) {
      if (request.appId !== appId) throw new NotFoundError();
      const check = verifyZoomWebhook(secret, request, Date.now());
      if (!check.ok) throw new AuthenticationError(check.message);
      let body: unknown;
      try {
        body = JSON.parse(request.body.toString('utf8'));
      } catch (error) {
        throw new BadRequestError(`JSON parse error - ${describeError(error)}`);
      }
      if (!isZoomEventBody.Check(body)) throw new BadRequestError('The body is not a Zoom event.');
      return { kind: 'event', status: 'stored' };
    },
  };
}

/** Built like src/http/server.ts (options, error handlers, metrics hook), webhook route only. */
async function serveVerifyOnly(): Promise<void> {
  const { PORT, BENCH_APP_ID, BENCH_WEBHOOK_SECRET } = process.env;
  if (!PORT || !BENCH_APP_ID || !BENCH_WEBHOOK_SECRET)
    throw new Error('PORT, BENCH_APP_ID and BENCH_WEBHOOK_SECRET are required');
  const app = Fastify({
    loggerInstance: createLogger('warn') as FastifyBaseLogger,
    ...httpServerOptions({ bodyLimitBytes: BODY_LIMIT_BYTES }),
  }).withTypeProvider<TypeBoxTypeProvider>();
  installErrorHandlers(app, BODY_LIMIT_BYTES);
  installMetrics(app);
  app.get('/healthz', async () => ({ status: 'ok' }));
  await app.register(webhookRoutes, {
    webhookService: verifyOnlyService(BENCH_APP_ID, BENCH_WEBHOOK_SECRET),
  });
  await app.listen({ port: Number(PORT), host: HOST });
  process.once('SIGTERM', () => {
    void app.close().then(() => process.exit(0));
  });
}

// ---------------------------------------------------------------------------------------------
// Set-up: the same Zoom app at the emulator and in Hostpass, one connected credential

interface World {
  appId: string;
  clientId: string;
  webhookSecret: string;
  webhookPath: string;
  credentialId: string;
  zoomUserId: string;
  zoomAccountId: string;
  zoomEmail: string;
}

interface HostpassServer {
  process: RunningProcess;
  apiKey: string;
}

async function api(
  server: HostpassServer,
  method: string,
  route: string,
  json?: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${server.process.url}${route}`, {
    method,
    headers: {
      authorization: `Token ${server.apiKey}`,
      ...(json === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(json === undefined ? {} : { body: JSON.stringify(json) }),
  });
  const text = await response.text();
  const parsed: unknown = text ? JSON.parse(text) : {};
  const body = typeof parsed === 'object' && parsed !== null ? { ...parsed } : {};
  return { status: response.status, body };
}

function stringField(body: Record<string, unknown>, name: string): string {
  const value = body[name];
  if (typeof value !== 'string') throw new Error(`no string "${name}" in ${JSON.stringify(body)}`);
  return value;
}

async function setUpWorld(emulator: RunningEmulator, server: HostpassServer): Promise<World> {
  const zoom = emulator.admin;
  const account = await zoom.createAccount({ plan: 'business' });
  const email = `bench-${randomBytes(4).toString('hex')}@example.com`;
  const user = await zoom.createUser({ account_id: account.id, email, role: 'owner' });
  // No event_url: the bench, not the emulator, sends the webhooks.
  const zoomApp = await zoom.createApp({
    kind: 'user_level',
    redirect_uris: [REDIRECT_URI],
    scopes: [...USER_LEVEL_SCOPES],
  });
  const app = await api(server, 'POST', '/api/v2/zoom-oauth-apps/', {
    kind: 'user_level',
    client_id: zoomApp.client_id,
    client_secret: zoomApp.client_secret,
    webhook_secret: zoomApp.webhook_secret,
  });
  if (app.status !== 201) throw new Error(`creating the app: ${app.status} ${JSON.stringify(app)}`);
  const { code } = await zoom.authorize({
    client_id: zoomApp.client_id,
    user_id: user.id,
    redirect_uri: REDIRECT_URI,
  });
  const appId = stringField(app.body, 'id');
  const credential = await api(server, 'POST', '/api/v2/zoom-oauth-credentials/', {
    oauth_app: appId,
    authorization_code: { code, redirect_uri: REDIRECT_URI },
  });
  if (credential.status !== 201)
    throw new Error(
      `connecting the credential: ${credential.status} ${JSON.stringify(credential)}`,
    );
  return {
    appId,
    clientId: zoomApp.client_id,
    webhookSecret: zoomApp.webhook_secret,
    webhookPath: new URL(stringField(app.body, 'webhook_url')).pathname,
    credentialId: stringField(credential.body, 'id'),
    zoomUserId: user.id,
    zoomAccountId: account.id,
    zoomEmail: email,
  };
}

// ---------------------------------------------------------------------------------------------
// Webhook ingest

let meetingSequence = 0;
const runNonce = randomBytes(4).toString('hex');

/** A compact `meeting.created` body in Zoom's key order; unique per call (meeting id and uuid). */
function meetingCreatedBody(world: World): string {
  meetingSequence += 1;
  const id = 80_000_000_000 + meetingSequence;
  const start = new Date(Date.now() + 86_400_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  return JSON.stringify({
    event: 'meeting.created',
    payload: {
      account_id: world.zoomAccountId,
      operator: world.zoomEmail,
      operator_id: world.zoomUserId,
      object: {
        uuid: `${runNonce}${randomBytes(12).toString('base64')}`,
        id,
        host_id: world.zoomUserId,
        topic: `Bench meeting ${meetingSequence}`,
        type: 2,
        start_time: start,
        duration: 60,
        timezone: 'UTC',
        join_url: `https://us05web.zoom.us/j/${id}?pwd=${randomBytes(16).toString('base64url')}`,
        password: randomBytes(3).toString('hex'),
        settings: { use_pmi: false, waiting_room: false },
      },
    },
    event_ts: Date.now(),
  });
}

/** Signed like Zoom signs: fresh timestamp (seconds), HMAC over the exact bytes sent. */
function webhookLoad(world: World): LoadSpec {
  return {
    next(): Dispatcher.RequestOptions {
      const body = meetingCreatedBody(world);
      const timestamp = String(Math.floor(Date.now() / 1000));
      return {
        method: 'POST',
        path: world.webhookPath,
        headers: {
          'content-type': 'application/json; charset=utf-8',
          'user-agent': 'Zoom Marketplace/1.0a',
          clientid: world.clientId,
          'x-zm-request-timestamp': timestamp,
          'x-zm-signature': zoomSignature(world.webhookSecret, timestamp, body),
        },
        body,
      };
    },
    ok: (status, body) => status === 200 && body === STORED_ANSWER,
  };
}

interface RateRound {
  requests: number;
  errors: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** CPU time (user + system) of the serving process per request. */
  serverCpuMsPerRequest: number;
  /** Busy share of ALL the machine's cores during the batch (100 = every core busy). */
  machineBusyPercent: number;
  /** CPU time of every `postgres` process on the machine per request (PGlite: in the server). */
  postgresCpuMsPerRequest: number;
}

interface IngestResult {
  engine: Engine;
  workers: boolean;
  eventsPerRound: number;
  verifyOnly: RateRound[];
  hostpass: RateRound[];
  /** Per round: Hostpass events/s divided by verify-only events/s of the same round. */
  roundRatios: number[];
  ratioMedian: number;
  ratioMin: number;
  verifyOnlyMedianPerSecond: number;
  hostpassMedianPerSecond: number;
  /** Hostpass answers `{"status":"stored"}`, warm-up included. */
  storedAnswers: number;
  /** Workers on: CPU share of one core the server used over 5 s after the rounds, with the backlog queued. */
  backlogCpuPercent: number | null;
}

async function measuredBatch(
  pool: Pool,
  spec: LoadSpec,
  count: number,
  concurrency: number,
  pid: number,
): Promise<{ batch: Batch; round: RateRound }> {
  const latencies: number[] = [];
  const cpuBefore = await processCpuMs(pid);
  const postgresBefore = await commandCpuMs('postgres');
  const machineBefore = await machineCpuTicks();
  const batch = await runBatch(pool, spec, count, concurrency, BATCH_TIME_LIMIT_MS, latencies);
  const cpuAfter = await processCpuMs(pid);
  const postgresAfter = await commandCpuMs('postgres');
  const machineAfter = await machineCpuTicks();
  const sorted = latencies.sort((a, b) => a - b);
  return {
    batch,
    round: {
      requests: batch.requests,
      errors: batch.errors,
      perSecond: Math.round(batch.requests / batch.seconds),
      p50Ms: round2(percentile(sorted, 0.5)),
      p99Ms: round2(percentile(sorted, 0.99)),
      serverCpuMsPerRequest: round2((cpuAfter - cpuBefore) / batch.requests),
      postgresCpuMsPerRequest: round2((postgresAfter - postgresBefore) / batch.requests),
      machineBusyPercent: Math.round(
        (100 * (machineAfter.busy - machineBefore.busy)) /
          (machineAfter.total - machineBefore.total),
      ),
    },
  };
}

async function compareIngest(
  engine: Engine,
  workers: boolean,
  world: World,
  verifyOnly: RunningProcess,
  hostpass: RunningProcess,
  eventsPerRound: number,
  options: Options,
): Promise<IngestResult> {
  const verifyPool = new Pool(verifyOnly.url, { connections: INGEST_CONCURRENCY, pipelining: 1 });
  const hostpassPool = new Pool(hostpass.url, { connections: INGEST_CONCURRENCY, pipelining: 1 });
  const load = webhookLoad(world);
  const label = `${engine}, workers ${workers ? 'on' : 'off'}`;
  try {
    const warmVerify = await runBatch(
      verifyPool,
      load,
      INGEST_WARMUP,
      INGEST_CONCURRENCY,
      BATCH_TIME_LIMIT_MS,
      [],
    );
    const warmHostpass = await runBatch(
      hostpassPool,
      load,
      INGEST_WARMUP,
      INGEST_CONCURRENCY,
      BATCH_TIME_LIMIT_MS,
      [],
    );
    let storedAnswers = warmHostpass.requests - warmHostpass.errors;
    if (warmVerify.errors + warmHostpass.errors > 0)
      throw new Error(`ingest warm-up errors: ${warmVerify.errors} / ${warmHostpass.errors}`);
    const verifyRounds: RateRound[] = [];
    const hostpassRounds: RateRound[] = [];
    for (let round = 0; round < options.rounds; round += 1) {
      const baseline = await measuredBatch(
        verifyPool,
        load,
        eventsPerRound,
        INGEST_CONCURRENCY,
        verifyOnly.pid,
      );
      verifyRounds.push(baseline.round);
      const measured = await measuredBatch(
        hostpassPool,
        load,
        eventsPerRound,
        INGEST_CONCURRENCY,
        hostpass.pid,
      );
      storedAnswers += measured.batch.requests - measured.batch.errors;
      hostpassRounds.push(measured.round);
      log(
        `${label} round ${round + 1}: verify-only ${baseline.round.perSecond}/s ` +
          `(${baseline.round.serverCpuMsPerRequest} CPU ms/event, machine ${baseline.round.machineBusyPercent}% busy), ` +
          `Hostpass ${measured.round.perSecond}/s (${measured.round.serverCpuMsPerRequest} CPU ms/event, ` +
          `PostgreSQL ${measured.round.postgresCpuMsPerRequest} CPU ms/event, machine ${measured.round.machineBusyPercent}% busy, ${measured.round.errors} errors)`,
      );
    }
    let backlogCpuPercent: number | null = null;
    if (workers) {
      const before = await processCpuMs(hostpass.pid);
      await sleep(5_000);
      backlogCpuPercent = Math.round(((await processCpuMs(hostpass.pid)) - before) / 50);
    }
    const roundRatios = hostpassRounds.map((result, index) =>
      round2(result.perSecond / (verifyRounds[index]?.perSecond ?? Number.NaN)),
    );
    return {
      engine,
      workers,
      eventsPerRound,
      verifyOnly: verifyRounds,
      hostpass: hostpassRounds,
      roundRatios,
      ratioMedian: round2(median(roundRatios)),
      ratioMin: Math.min(...roundRatios),
      verifyOnlyMedianPerSecond: Math.round(median(verifyRounds.map((r) => r.perSecond))),
      hostpassMedianPerSecond: Math.round(median(hostpassRounds.map((r) => r.perSecond))),
      storedAnswers,
      backlogCpuPercent,
    };
  } finally {
    await Promise.all([verifyPool.close(), hostpassPool.close()]);
  }
}

interface RowCount {
  total: number;
  distinctBodies: number;
  unprocessed: number;
  /**
   * Events the workers processed per second: processed rows over the span of their
   * `processed_at` (a backlog was waiting the whole time, so this is the steady rate).
   */
  processedPerSecond: number | null;
}

const ROW_COUNT_SQL = `SELECT count(*)::int AS total, count(DISTINCT body_sha256)::int AS distinct_bodies,
  count(*) FILTER (WHERE processed_at IS NULL)::int AS unprocessed,
  count(processed_at)::int AS processed,
  extract(epoch FROM max(processed_at) - min(processed_at))::float8 AS processing_seconds
  FROM zoom_webhook_events WHERE oauth_app_id = $1`;

interface RowCountRow {
  total: number;
  distinct_bodies: number;
  unprocessed: number;
  processed: number;
  processing_seconds: number | null;
}

function rowCount(row: RowCountRow | undefined): RowCount {
  if (!row) throw new Error('no row count');
  const seconds = row.processing_seconds;
  return {
    total: row.total,
    distinctBodies: row.distinct_bodies,
    unprocessed: row.unprocessed,
    processedPerSecond: seconds && seconds > 0 ? round2(row.processed / seconds) : null,
  };
}

async function countPostgresRows(databaseUrl: string, appId: string): Promise<RowCount> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return rowCount((await client.query<RowCountRow>(ROW_COUNT_SQL, [appId])).rows[0]);
  } finally {
    await client.end();
  }
}

/** Opens the data directory once the server has stopped (and released its lock). */
async function countPgliteRows(dataDir: string, appId: string): Promise<RowCount> {
  const { PGlite } = await import('@electric-sql/pglite');
  const db = await PGlite.create({ dataDir: path.join(dataDir, 'pgdata') });
  try {
    return rowCount((await db.query<RowCountRow>(ROW_COUNT_SQL, [appId])).rows[0]);
  } finally {
    await db.close();
  }
}

// ---------------------------------------------------------------------------------------------
// access-token against healthz

type LatencyRound = RateRound;

interface LatencySeries {
  rounds: LatencyRound[];
  p50MedianMs: number;
  p50MinMs: number;
  p99MedianMs: number;
  p99MinMs: number;
  perSecondMedian: number;
}

interface TokenResult {
  engine: Engine;
  requestsPerRound: number;
  healthz: LatencySeries;
  accessToken: LatencySeries;
  p50Ratio: number;
  p99Ratio: number;
  /** `POST /oauth/token` calls the emulator saw during the run (warm-up included): must be 0. */
  zoomTokenCalls: number;
  /** Seconds the token had left when the run started. */
  tokenSecondsLeft: number;
  tokenUnchanged: boolean;
}

function latencySeries(rounds: LatencyRound[]): LatencySeries {
  const p50 = rounds.map((round) => round.p50Ms);
  const p99 = rounds.map((round) => round.p99Ms);
  return {
    rounds,
    p50MedianMs: round2(median(p50)),
    p50MinMs: Math.min(...p50),
    p99MedianMs: round2(median(p99)),
    p99MinMs: Math.min(...p99),
    perSecondMedian: Math.round(median(rounds.map((round) => round.perSecond))),
  };
}

async function fetchToken(
  server: HostpassServer,
  world: World,
): Promise<{ token: string; expiresAt: string }> {
  const answer = await api(
    server,
    'GET',
    `/api/v2/zoom-oauth-credentials/${world.credentialId}/access-token/`,
  );
  if (answer.status !== 200) throw new Error(`access-token: ${answer.status}`);
  return {
    token: stringField(answer.body, 'token'),
    expiresAt: stringField(answer.body, 'expires_at'),
  };
}

function zoomTokenCalls(emulator: RunningEmulator): Promise<number> {
  return emulator.admin.requests().then((summary) => summary.by_endpoint['POST /oauth/token'] ?? 0);
}

async function compareTokenLatency(
  engine: Engine,
  emulator: RunningEmulator,
  server: HostpassServer,
  world: World,
  options: Options,
): Promise<TokenResult> {
  const before = await fetchToken(server, world);
  const tokenSecondsLeft = Math.round((Date.parse(before.expiresAt) - Date.now()) / 1000);
  const callsBefore = await zoomTokenCalls(emulator);
  const pool = new Pool(server.process.url, { connections: TOKEN_CONCURRENCY, pipelining: 1 });
  const routes: LoadSpec[] = [
    { next: () => ({ method: 'GET', path: '/healthz' }), ok: (status) => status === 200 },
    {
      next: () => ({
        method: 'GET',
        path: `/api/v2/zoom-oauth-credentials/${world.credentialId}/access-token/`,
        headers: { authorization: `Token ${server.apiKey}` },
      }),
      ok: (status, body) => status === 200 && body.includes(before.token),
    },
  ];
  const results: LatencyRound[][] = routes.map(() => []);
  try {
    for (const spec of routes)
      await runBatch(pool, spec, TOKEN_WARMUP, TOKEN_CONCURRENCY, BATCH_TIME_LIMIT_MS, []);
    for (let round = 0; round < options.rounds; round += 1) {
      for (const [index, spec] of routes.entries()) {
        const { round: measured } = await measuredBatch(
          pool,
          spec,
          options.tokenRequests,
          TOKEN_CONCURRENCY,
          server.process.pid,
        );
        results[index]?.push(measured);
      }
      const [healthz, token] = results.map((rounds) => rounds.at(-1));
      log(
        `${engine} access-token round ${round + 1}: healthz p50/p99 ${healthz?.p50Ms}/${healthz?.p99Ms} ms, ` +
          `access-token ${token?.p50Ms}/${token?.p99Ms} ms (${token?.errors} errors)`,
      );
    }
  } finally {
    await pool.close();
  }
  const after = await fetchToken(server, world);
  const healthz = latencySeries(results[0] ?? []);
  const accessToken = latencySeries(results[1] ?? []);
  return {
    engine,
    requestsPerRound: options.tokenRequests,
    healthz,
    accessToken,
    p50Ratio: round2(accessToken.p50MedianMs / healthz.p50MedianMs),
    p99Ratio: round2(accessToken.p99MedianMs / healthz.p99MedianMs),
    zoomTokenCalls: (await zoomTokenCalls(emulator)) - callsBefore,
    tokenSecondsLeft,
    tokenUnchanged: after.token === before.token,
  };
}

// ---------------------------------------------------------------------------------------------
// One engine

interface EngineResult {
  engine: Engine;
  ingest: IngestResult[];
  accessToken: TokenResult;
  rows: RowCount;
  /** Hostpass `stored` answers over every phase: what `rows.total` must equal. */
  storedAnswers: number;
  everyEventStoredOnce: boolean;
}

async function measureEngine(
  engine: Engine,
  emulator: RunningEmulator,
  options: Options,
  cleanup: Cleanup,
): Promise<EngineResult> {
  let storage: Record<string, string>;
  let countRows: (appId: string) => Promise<RowCount>;
  if (engine === 'postgres') {
    const databaseUrl = await createDatabase(cleanup, 'credentials');
    storage = { DATABASE_URL: databaseUrl };
    countRows = (appId) => countPostgresRows(databaseUrl, appId);
  } else {
    const dataDir = path.join(await temporaryDirectory(cleanup, 'hostpass-bench-'), 'data');
    storage = { HOSTPASS_DATA_DIR: dataDir };
    countRows = (appId) => countPgliteRows(dataDir, appId);
  }
  const apiKey = `hp_bench_${randomBytes(18).toString('base64url')}`;
  const env = {
    ...storage,
    HOSTPASS_ENCRYPTION_KEYS: `bench1:${randomBytes(32).toString('base64')}`,
    HOSTPASS_BOOTSTRAP_API_KEY: apiKey,
    ZOOM_OAUTH_URL: emulator.url,
    ZOOM_API_URL: `${emulator.url}/v2`,
  };
  const start = async (workers: boolean): Promise<HostpassServer> => ({
    process: await startProcess(
      {
        args: ['dist/src/main.js', 'serve'],
        cwd: ROOT,
        env: { ...env, HOSTPASS_WORKERS: String(workers) },
        readyPath: '/readyz',
      },
      cleanup,
    ),
    apiKey,
  });
  const events = engine === 'postgres' ? options.events : options.pgliteEvents;

  let server = await start(true);
  const world = await setUpWorld(emulator, server);
  log(`${engine}: app ${world.appId}, credential ${world.credentialId}`);
  const verifyOnly = await startProcess(
    {
      args: [path.join('bench', 'credentials.ts'), VERIFY_ONLY_FLAG],
      cwd: ROOT,
      env: { BENCH_APP_ID: world.appId, BENCH_WEBHOOK_SECRET: world.webhookSecret },
      readyPath: '/healthz',
    },
    cleanup,
  );
  const ingest: IngestResult[] = [];
  let accessToken: TokenResult;
  try {
    // access-token first, before any webhook backlog exists for the workers.
    accessToken = await compareTokenLatency(engine, emulator, server, world, options);
    ingest.push(
      await compareIngest(engine, true, world, verifyOnly, server.process, events, options),
    );
    await stopProcess(server.process, cleanup);
    server = await start(false);
    ingest.push(
      await compareIngest(engine, false, world, verifyOnly, server.process, events, options),
    );
  } finally {
    await stopProcess(verifyOnly, cleanup);
    await stopProcess(server.process, cleanup);
  }
  const rows = await countRows(world.appId);
  const storedAnswers = ingest.reduce((sum, result) => sum + result.storedAnswers, 0);
  return {
    engine,
    ingest,
    accessToken,
    rows,
    storedAnswers,
    everyEventStoredOnce: rows.total === storedAnswers && rows.distinctBodies === rows.total,
  };
}

// ---------------------------------------------------------------------------------------------
// Reporting

interface Summary {
  date: string;
  machine: MachineInfo;
  /** 1-minute load average before and after the run (other work on the machine shows here). */
  loadAverage: { before: number; after: number };
  code: CodeVersion;
  settings: Options & {
    ingestConcurrency: number;
    tokenConcurrency: number;
    ingestWarmup: number;
    tokenWarmup: number;
  };
  engines: EngineResult[];
  skipped: Record<string, string>;
}

function engineLabel(engine: Engine): string {
  return engine === 'pglite' ? 'PGlite (embedded)' : 'PostgreSQL 127.0.0.1';
}

const medianOf = (rounds: RateRound[], pick: (round: RateRound) => number) =>
  median(rounds.map(pick));

function renderIngestTable(summary: Summary): string {
  const header = [
    'Engine',
    'Workers',
    'verify-only events/s',
    'Hostpass stored/s',
    'ratio: median (min)',
    'Hostpass p50 / p99',
    'server CPU ms/event: verify-only, Hostpass',
    'PostgreSQL CPU ms/event',
    'machine busy: verify-only, Hostpass',
    'errors',
  ];
  const middle = (rounds: RateRound[], pick: (round: RateRound) => number) =>
    round2(medianOf(rounds, pick));
  const rows = summary.engines.flatMap((result) =>
    result.ingest.map((ingest) => [
      engineLabel(result.engine),
      ingest.workers ? 'on' : 'off',
      String(ingest.verifyOnlyMedianPerSecond),
      String(ingest.hostpassMedianPerSecond),
      `${ingest.ratioMedian} (${ingest.ratioMin})`,
      `${middle(ingest.hostpass, (r) => r.p50Ms)} / ${middle(ingest.hostpass, (r) => r.p99Ms)} ms`,
      `${middle(ingest.verifyOnly, (r) => r.serverCpuMsPerRequest)}, ${middle(ingest.hostpass, (r) => r.serverCpuMsPerRequest)}`,
      result.engine === 'postgres'
        ? String(middle(ingest.hostpass, (r) => r.postgresCpuMsPerRequest))
        : 'in server',
      `${middle(ingest.verifyOnly, (r) => r.machineBusyPercent)} %, ${middle(ingest.hostpass, (r) => r.machineBusyPercent)} %`,
      String(ingest.hostpass.reduce((sum, r) => sum + r.errors, 0)),
    ]),
  );
  return markdownTable(header, rows, [false, false, ...header.slice(2).map(() => true)]);
}

function renderTokenTable(summary: Summary): string {
  const header = [
    'Engine',
    'healthz p50 / p99: median (min)',
    'access-token p50 / p99: median (min)',
    'p50 ratio',
    'p99 ratio',
    'access-token req/s',
    'Zoom token calls',
  ];
  const pair = (series: LatencySeries) =>
    `${series.p50MedianMs} (${series.p50MinMs}) / ${series.p99MedianMs} (${series.p99MinMs}) ms`;
  const rows = summary.engines.map(({ engine, accessToken }) => [
    engineLabel(engine),
    pair(accessToken.healthz),
    pair(accessToken.accessToken),
    `${accessToken.p50Ratio}×`,
    `${accessToken.p99Ratio}×`,
    String(accessToken.accessToken.perSecondMedian),
    String(accessToken.zoomTokenCalls),
  ]);
  return markdownTable(header, rows, [false, true, true, true, true, true, true]);
}

function renderTargets(summary: Summary): string[] {
  const lines: string[] = [];
  const postgres = summary.engines.find((result) => result.engine === 'postgres');
  if (postgres) {
    for (const ingest of postgres.ingest) {
      lines.push(
        `- Webhook ingest on PostgreSQL ≥ ${INGEST_TARGET_RATIO} × verify-only, workers ${ingest.workers ? 'on (the default)' : 'off'}: ` +
          `${verdict(ingest.ratioMedian >= INGEST_TARGET_RATIO)} (${ingest.ratioMedian}; ` +
          `${ingest.hostpassMedianPerSecond} vs ${ingest.verifyOnlyMedianPerSecond} events/s, median of ${ingest.hostpass.length} rounds).`,
      );
    }
  } else {
    lines.push(`- Webhook ingest on PostgreSQL: not measured (${summary.skipped.postgres}).`);
  }
  for (const result of summary.engines) {
    lines.push(
      `- Every event stored exactly once (${engineLabel(result.engine)}): ${verdict(result.everyEventStoredOnce)} ` +
        `(${result.rows.total} rows, ${result.rows.distinctBodies} distinct bodies, ${result.storedAnswers} \`stored\` answers).`,
    );
  }
  for (const { engine, accessToken } of summary.engines) {
    lines.push(
      `- access-token with a fresh token makes no Zoom call (${engineLabel(engine)}): ` +
        `${verdict(accessToken.zoomTokenCalls === 0 && accessToken.tokenUnchanged)} ` +
        `(${accessToken.zoomTokenCalls} \`/oauth/token\` calls during the run). The issue sets no latency figure: ` +
        `p50 ${accessToken.p50Ratio}× and p99 ${accessToken.p99Ratio}× those of \`/healthz\`.`,
    );
  }
  return lines;
}

function renderNotes(summary: Summary): string[] {
  const notes: string[] = [];
  for (const result of summary.engines) {
    const on = result.ingest.find((ingest) => ingest.workers);
    const off = result.ingest.find((ingest) => !ingest.workers);
    const rate = result.rows.processedPerSecond;
    if (!on || !off) continue;
    notes.push(
      `- Workers, ${engineLabel(result.engine)}: with \`HOSTPASS_WORKERS=true\` (the default) every stored event is ` +
        'also a pg-boss job that the same process applies later (look the event up, mark it processed). They processed ' +
        `${rate ?? '?'} events/s (processed rows over the span of their \`processed_at\`, with a backlog waiting throughout), ` +
        `against ${on.hostpassMedianPerSecond} events/s stored, so ${result.rows.unprocessed} of ${result.rows.total} events were ` +
        'still unprocessed at the end (stored durably; they are applied later). While that backlog was being worked off (after the rounds) ' +
        `the server used ${on.backlogCpuPercent ?? '?'} % of one core; during the rounds that work competes with ingest for the same ` +
        `cores: stored/s was ${on.hostpassMedianPerSecond} with workers on and ${off.hostpassMedianPerSecond} with workers off.`,
    );
  }
  const budget = ingestCpuBudget(summary);
  if (budget) notes.push(budget);
  notes.push(
    "- What the ratio isolates: the verify-only process answers through the project's own webhook route plugin " +
      '(raw-body parser, schemas, `verifyZoomWebhook`, error handlers, metrics hook, same Fastify options and logger), ' +
      'but holds the secret in memory. Hostpass additionally looks the app up (one query and unsealing the webhook secret, ' +
      'cached per app for 30 s, so about once per app per 30 s) and stores the event with group commit: the events that arrive while ' +
      'a batch is being written are stored together in the next transaction (BEGIN, one multi-row INSERT … ON CONFLICT DO NOTHING, ' +
      'one pg-boss insert of their jobs, COMMIT; up to 200 events each, 2 such transactions at a time on PostgreSQL and 1 on PGlite), and each request is ' +
      'answered once its batch has committed. ' +
      'The verify-only child runs this file with type stripping, Hostpass its compiled build; after start-up both run the same JIT-compiled JavaScript. ' +
      '_server CPU ms/event_ is the serving process alone; _PostgreSQL CPU ms/event_ is every `postgres` process on the machine ' +
      '(so anything else using that server counts too); _machine busy_ is all cores (driver, emulator, servers, PostgreSQL).',
  );
  const pglite = summary.engines.find((result) => result.engine === 'pglite');
  if (pglite) {
    notes.push(
      `- PGlite (${pglite.ingest[0]?.eventsPerRound ?? '?'} events per round): the database runs on the server's own thread, ` +
        'so every query competes with HTTP handling for one core.',
    );
  }
  const busy = summary.loadAverage.before > summary.machine.cpus / 2;
  notes.push(
    `- Load: 1-minute load average ${summary.loadAverage.before} before and ${summary.loadAverage.after} after the run ` +
      `on ${summary.machine.cpus} cores. ${busy ? 'Other work shared the machine at the start, so absolute rates are pessimistic. ' : ''}` +
      'Rounds alternate verify-only and Hostpass (and healthz and access-token) so drift hits both; the JSON has every round.',
    '- The load generator, the emulator, the servers and PostgreSQL share the same cores: absolute rates are a floor, ' +
      'the ratios within a run are the figures to compare.',
  );
  return notes;
}

/**
 * Whether the ingest target fits this machine at all: the cores that storing 0.8 × the
 * verify-only rate would take, from the CPU each side was measured to spend per event.
 */
function ingestCpuBudget(summary: Summary): string | null {
  const postgres = summary.engines.find((result) => result.engine === 'postgres');
  const off = postgres?.ingest.find((ingest) => !ingest.workers);
  if (!off) return null;
  const { cpus } = summary.machine;
  // Everything the machine did per verify-only event: driver, HTTP handling, verification.
  const requestMs = medianOf(
    off.verifyOnly,
    (round) => (round.machineBusyPercent / 100) * cpus * (1000 / round.perSecond),
  );
  const storeMs = medianOf(off.hostpass, (round) => round.postgresCpuMsPerRequest);
  const serverExtraMs = Math.max(
    0,
    medianOf(off.hostpass, (round) => round.serverCpuMsPerRequest) -
      medianOf(off.verifyOnly, (round) => round.serverCpuMsPerRequest),
  );
  const targetRate = INGEST_TARGET_RATIO * off.verifyOnlyMedianPerSecond;
  const cores = (ms: number) => round2((ms * targetRate) / 1000);
  const total = cores(requestMs + storeMs + serverExtraMs);
  return (
    `- CPU budget of the target, PostgreSQL, workers off: ${INGEST_TARGET_RATIO} × ${off.verifyOnlyMedianPerSecond} = ` +
    `${Math.round(targetRate)} events/s. At that rate the requests themselves (driver, HTTP, verification: ` +
    `${round2(requestMs)} CPU ms per event across the machine in the verify-only rounds) take ${cores(requestMs)} cores, ` +
    `PostgreSQL storing them (${round2(storeMs)} CPU ms per event, measured) ${cores(storeMs)} cores, and Hostpass's own ` +
    `extra work per event (${round2(serverExtraMs)} ms: app lookup, batching, the INSERT's parameters) ${cores(serverExtraMs)} cores: ` +
    `${total} cores in all, on a ${cpus}-core machine. ` +
    (total > cpus
      ? 'The target cannot be reached on this machine by any store whose CPU per event is above ' +
        `${round2(Math.max(0, (cpus * 1000) / targetRate - requestMs))} ms (Hostpass and PostgreSQL together): ` +
        'the ratio compares a durable write with an HTTP answer that does almost nothing, on the same cores.'
      : 'It fits: the limit is elsewhere (latency of the batch transactions).')
  );
}

function renderMachine(summary: Summary): string {
  const { machine } = summary;
  const postgres = machine.postgres ? `, PostgreSQL ${machine.postgres} on the same machine` : '';
  return (
    `${machine.cpus} cores (${machine.cpuModel}), ${machine.memoryGiB} GiB RAM, Node ${machine.node}${postgres}. ` +
    `1-minute load average: ${summary.loadAverage.before} before the run, ${summary.loadAverage.after} after.`
  );
}

function renderDocsSection(summary: Summary): string {
  const { settings } = summary;
  return [
    SECTION_TITLE,
    '',
    'Webhook ingest (signed `meeting.created` events durably stored per second, against a verify-only',
    'handler in the same run) and `access-token` latency with a fresh token (against `/healthz`), on a',
    'real `node dist/src/main.js serve` child process on 127.0.0.1 with `LOG_LEVEL=warn`, pointed at the',
    'Zoom emulator (in the bench process) for the app, user and credential set-up.',
    '',
    '```sh',
    COMMAND,
    '```',
    '',
    `Measured ${summary.date.slice(0, 10)} on: ${renderMachine(summary)}`,
    '',
    `Code measured: ${renderCode(summary.code)}.`,
    '',
    '### Webhook ingest',
    '',
    renderIngestTable(summary),
    '',
    `- ${settings.events} events per round on PostgreSQL (${settings.pgliteEvents} on PGlite), ${settings.rounds} rounds alternating`,
    `  verify-only and Hostpass, after ${settings.ingestWarmup} warm-up events each; undici \`Pool\`, keep-alive,`,
    `  ${settings.ingestConcurrency} requests in flight. Each body is a compact Zoom-shaped \`meeting.created\` (unique meeting`,
    '  id and uuid, so none is a replay), with a fresh `x-zm-request-timestamp` and `x-zm-signature` made with',
    '  the app\'s webhook secret. A success is a 200 `{"status":"stored"}`; anything else counts as an error.',
    '- _events/s_: median over rounds; _ratio_: Hostpass / verify-only per round, median and min.',
    '',
    '### access-token latency',
    '',
    renderTokenTable(summary),
    '',
    `- ${settings.tokenRequests} requests per route per round, ${settings.rounds} rounds alternating \`/healthz\` and`,
    `  \`GET /api/v2/zoom-oauth-credentials/{id}/access-token/\`, ${settings.tokenConcurrency} in flight, after`,
    `  ${settings.tokenWarmup} warm-up requests each; p50/p99 per round, then median (min) over rounds; ratios of the medians.`,
    '  The token had about an hour left (the emulator default), so no refresh was due; _Zoom token calls_ is the',
    "  emulator's `POST /oauth/token` count during the run. access-token checks the API key (one query), reads",
    '  the credential (one query) and unseals the token; `/healthz` touches no database.',
    '',
    '### Targets (issue 4)',
    '',
    ...renderTargets(summary),
    '',
    '### Notes',
    '',
    ...renderNotes(summary),
    '',
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------
// Main

function parseOptions(): Options {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string', default: '3' },
      events: { type: 'string', default: '4000' },
      'pglite-events': { type: 'string', default: '1000' },
      'token-requests': { type: 'string', default: '10000' },
      'skip-pglite': { type: 'boolean', default: false },
      'render-from': { type: 'string' },
      'write-docs': { type: 'boolean', default: false },
    },
  });
  const positive = (name: string, value: string): number => {
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < 1)
      throw new Error(`--${name} must be a positive integer`);
    return parsed;
  };
  return {
    rounds: positive('rounds', values.rounds),
    events: positive('events', values.events),
    pgliteEvents: positive('pglite-events', values['pglite-events']),
    tokenRequests: positive('token-requests', values['token-requests']),
    skipPglite: values['skip-pglite'],
    renderFrom: values['render-from'] ?? null,
    writeDocs: values['write-docs'],
  };
}

/** Builds, starts and measures everything; children and databases are gone when it returns. */
async function measureAll(options: Options): Promise<Summary> {
  buildServer(ROOT);
  const loadBefore = loadAverage();
  const code = codeVersion(ROOT);
  const cleanup = new Cleanup();
  // Ctrl-C must still kill the children and drop the databases.
  process.once('SIGINT', () => {
    void cleanup.run().finally(() => process.exit(130));
  });
  try {
    const skipped: Record<string, string> = {};
    const postgres = await postgresVersion().catch((error: unknown) => {
      skipped.postgres = `PostgreSQL at 127.0.0.1:5432 unreachable: ${describeError(error)}`;
      return null;
    });
    const emulator = await startEmulator({ port: 0, host: HOST, seed: 4 });
    cleanup.defer(() => emulator.close());
    const engines: EngineResult[] = [];
    if (postgres !== null)
      engines.push(await measureEngine('postgres', emulator, options, cleanup));
    if (options.skipPglite) skipped.pglite = '--skip-pglite';
    else engines.push(await measureEngine('pglite', emulator, options, cleanup));

    return {
      date: new Date().toISOString(),
      machine: machineInfo(postgres),
      loadAverage: { before: loadBefore, after: loadAverage() },
      code,
      settings: {
        ...options,
        ingestConcurrency: INGEST_CONCURRENCY,
        tokenConcurrency: TOKEN_CONCURRENCY,
        ingestWarmup: INGEST_WARMUP,
        tokenWarmup: TOKEN_WARMUP,
      },
      engines,
      skipped,
    };
  } finally {
    await cleanup.run();
  }
}

async function main(): Promise<void> {
  const options = parseOptions();
  const summary = options.renderFrom
    ? await readPrintedSummary<Summary>(options.renderFrom)
    : await measureAll(options);
  console.log(JSON.stringify(summary, null, 2));
  console.log();
  console.log(renderIngestTable(summary));
  console.log();
  console.log(renderTokenTable(summary));
  console.log();
  console.log(renderTargets(summary).join('\n'));
  if (options.writeDocs) {
    writeDocsSection(SECTION_TITLE, renderDocsSection(summary));
    log(`wrote the "${SECTION_TITLE.slice(3)}" section of ${path.relative(ROOT, DOCS_FILE)}`);
  }
}

if (process.argv.includes(VERIFY_ONLY_FLAG)) await serveVerifyOnly();
else await main();
