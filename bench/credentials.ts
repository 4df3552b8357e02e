/**
 * Credentials (issue 4): webhook ingest (signed `meeting.created` events stored per second) against
 * a verify-only server (this file with `--verify-only-server`: the server's Fastify set-up and
 * webhook route over a service that verifies, parses and shape-checks but stores nothing), and
 * access-token p50/p99 with a fresh token (no `/oauth/token` call) against `/healthz`.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyBaseLogger } from 'fastify';
import { Compile } from 'typebox/compile';
import { httpServerOptions } from '../src/app.ts';
import { AuthenticationError, BadRequestError, NotFoundError } from '../src/errors.ts';
import { installErrorHandlers } from '../src/http/error-handler.ts';
import { installMetrics } from '../src/http/metrics.ts';
import { createLogger } from '../src/logger.ts';
import { webhookRoutes } from '../src/webhooks/routes.ts';
import { ZoomEventBody } from '../src/webhooks/schemas.ts';
import type { WebhookService } from '../src/webhooks/service.ts';
import { verifyZoomWebhook } from '../src/zoom/webhook-signature.ts';
import {
  contest,
  getContender,
  keepAlivePool,
  logRounds,
  POSTGRES_BACKENDS,
  type RoundStats,
  type Series,
  series,
} from './harness/load.ts';
import {
  type Emulator,
  type Engine,
  engineLabel,
  HOST,
  type Hostpass,
  labelled,
  processCpuMs,
} from './harness/processes.ts';
import { describeError, type Fill, median, round2, verdict } from './harness/report.ts';
import { busy, type Common, defineScenario, main, type Run } from './harness/scenario.ts';
import {
  accessToken,
  type ConnectedHost,
  connectHost,
  ingestContest,
  type Server,
  storedEvents,
} from './harness/world.ts';

const VERIFY_ONLY = 'verify-only-server';
const CONCURRENCY = { ingestConcurrency: 32, tokenConcurrency: 64 };
const INGEST_CONCURRENCY = CONCURRENCY.ingestConcurrency;
const TOKEN_CONCURRENCY = CONCURRENCY.tokenConcurrency;
/** Warm-up requests per contender: 500 events and 2,000 token requests, never more than a round. */
const warmups = (sizes: Sizes) => ({
  ingestWarmup: Math.min(500, sizes.events, sizes.pgliteEvents),
  tokenWarmup: Math.min(2_000, sizes.tokenRequests),
});
type Sizes = Record<'rounds' | 'events' | 'pgliteEvents' | 'tokenRequests', number>;
type Settings = Sizes & ReturnType<typeof warmups>;
const INGEST_TARGET_RATIO = 0.8;
/** The server's body limit (its default), so the verify-only server refuses what it refuses. */
const BODY_LIMIT_BYTES = 1024 * 1024;

// ---------------------------------------------------------------------------------------------
// The verify-only server (child process)

/**
 * The webhook service of a server without storage: the same checks in the same order as
 * src/webhooks/service.ts (app known, signature and timestamp, JSON, event shape), then the
 * answer a stored event gets. The secret is in memory, so there is no app lookup either.
 */
function verifyOnlyService(appId: string, secret: string): Pick<WebhookService, 'receive'> {
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

/** Built like src/app.ts (options, error handlers, metrics hook), webhook route only. */
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

async function compareIngest(
  engine: Engine,
  workers: boolean,
  host: ConnectedHost,
  servers: { baseline: Server; hostpass: Server },
  plan: { count: number; rounds: number; warmup: number },
) {
  const label = `${engineLabel(engine)}, workers ${workers ? 'on' : 'off'}`;
  const contest = { ...plan, concurrency: INGEST_CONCURRENCY };
  const { baseline, answered, ...measured } = await ingestContest(host, servers, contest, label);
  // With workers, the backlog the rounds queued is worked off now: how much of one core?
  let backlogCpuPercent: number | null = null;
  if (workers) {
    const before = await processCpuMs(servers.hostpass.pid);
    await sleep(5_000);
    backlogCpuPercent = Math.round(((await processCpuMs(servers.hostpass.pid)) - before) / 50);
  }
  return {
    engine,
    workers,
    eventsPerRound: plan.count,
    verifyOnly: baseline,
    /** Hostpass's series, and events/s ÷ verify-only events/s per round (and the p50/p99 ratios). */
    ...measured,
    /** Hostpass answers `{"status":"stored"}`, warm-up included. */
    storedAnswers: answered.hostpass,
    backlogCpuPercent,
  };
}

/** access-token with a fresh token against `/healthz` of the same server, rounds alternating. */
async function compareTokenLatency(
  engine: Engine,
  emulator: Emulator,
  server: Hostpass,
  credentialId: string,
  settings: Settings,
) {
  const before = await accessToken(server, credentialId);
  const tokenSecondsLeft = Math.round((Date.parse(before.expires_at) - Date.now()) / 1000);
  const tokenCalls = async () =>
    (await emulator.zoom.requests()).by_endpoint['POST /oauth/token'] ?? 0;
  const callsBefore = await tokenCalls();
  const pool = keepAlivePool(server.process.url, TOKEN_CONCURRENCY);
  const route = `/api/v2/zoom-oauth-credentials/${credentialId}/access-token/`;
  const headers = { authorization: server.authorization };
  const { rounds: results } = await contest(
    [
      getContender('healthz', pool, '/healthz'),
      getContender('accessToken', pool, route, headers, (body) => body.includes(before.token)),
    ],
    {
      rounds: settings.rounds,
      warmup: settings.tokenWarmup,
      count: settings.tokenRequests,
      concurrency: TOKEN_CONCURRENCY,
      cpu: { server: server.process.pid, postgres: POSTGRES_BACKENDS },
    },
    { afterRound: logRounds(`${engineLabel(engine)} access-token`) },
  );
  const after = await accessToken(server, credentialId);
  const healthz = series(results.healthz ?? []);
  const token = series(results.accessToken ?? []);
  return {
    requestsPerRound: settings.tokenRequests,
    healthz,
    accessToken: token,
    p50Ratio: round2(token.p50.median / healthz.p50.median),
    p99Ratio: round2(token.p99.median / healthz.p99.median),
    zoomTokenCalls: (await tokenCalls()) - callsBefore,
    tokenSecondsLeft,
    tokenUnchanged: after.token === before.token,
  };
}

/** One store: access-token, then ingest with workers on and (restarted) off, then the rows. */
async function measureEngine(run: Run, engine: Engine, emulator: Emulator, settings: Settings) {
  const store = await run.store(engine);
  const start = (workers: boolean) =>
    run.hostpass(store, { emulator, env: { HOSTPASS_WORKERS: String(workers) } });
  let server = await start(true);
  const world = { zoom: emulator.zoom, hostpass: server };
  const host = await connectHost(world, { account: { plan: 'business' } });
  const verifyOnly = await run.start({
    args: ['bench/credentials.ts', `--${VERIFY_ONLY}`],
    env: { BENCH_APP_ID: host.app.app.id, BENCH_WEBHOOK_SECRET: host.app.zoomApp.webhook_secret },
    readyPath: '/healthz',
  });
  const count = engine === 'postgres' ? settings.events : settings.pgliteEvents;
  const plan = { count, rounds: settings.rounds, warmup: settings.ingestWarmup };
  const ingest: Awaited<ReturnType<typeof compareIngest>>[] = [];
  let token: Awaited<ReturnType<typeof compareTokenLatency>>;
  try {
    // access-token first, before any webhook backlog exists for the workers.
    token = await compareTokenLatency(engine, emulator, server, host.credentialId, settings);
    for (const workers of [true, false]) {
      if (!workers) {
        await run.stop(server);
        server = await start(false);
      }
      const servers = { baseline: verifyOnly, hostpass: server.process };
      ingest.push(await compareIngest(engine, workers, host, servers, plan));
    }
  } finally {
    await run.stop({ process: verifyOnly });
    await run.stop(server);
  }
  const row = await storedEvents(store, host.app.app.id);
  const seconds = row.processing_seconds;
  const rows = {
    total: row.total,
    distinctBodies: row.distinct,
    unprocessed: row.unprocessed,
    processedPerSecond: seconds && seconds > 0 ? round2(row.processed / seconds) : null,
  };
  const storedAnswers = ingest.reduce((sum, result) => sum + result.storedAnswers, 0);
  return {
    engine,
    ingest,
    accessToken: { engine, ...token },
    rows,
    storedAnswers,
    everyEventStoredOnce: rows.total === storedAnswers && rows.distinctBodies === rows.total,
  };
}

type Summary = Common<unknown> & { engines: Awaited<ReturnType<typeof measureEngine>>[] };

/** The target lines, printed after the tables and written in the docs. */
function targets(summary: Summary, fill: Fill): string {
  const postgres = summary.engines.find((result) => result.engine === 'postgres');
  const ingest = (postgres?.ingest ?? []).map((run) =>
    fill('target-ingest', {
      ...run,
      target: INGEST_TARGET_RATIO,
      workersLabel: run.workers ? fill('workers-on') : 'off',
      met: verdict(run.perSecondRatio.median >= INGEST_TARGET_RATIO),
    }),
  );
  const skipped = fill('target-ingest-skipped', { reason: summary.skipped.postgres ?? null });
  return [
    ...(postgres ? ingest : [skipped]),
    ...summary.engines.map((result) =>
      fill('target-stored-once', {
        ...labelled(result),
        met: verdict(result.everyEventStoredOnce),
      }),
    ),
    ...summary.engines.map(({ accessToken: token }) =>
      fill('target-no-zoom-call', {
        ...labelled(token),
        met: verdict(token.zoomTokenCalls === 0 && token.tokenUnchanged),
      }),
    ),
  ].join('\n');
}

/**
 * Whether the ingest target fits this machine at all: the cores its rate takes, from the CPU each
 * part spent per event (everything the machine did per verify-only event: driver, HTTP,
 * verification; the store; Hostpass's extra server CPU), with workers off.
 */
function budgetNote(summary: Summary, fill: Fill) {
  const off = summary.engines
    .find((result) => result.engine === 'postgres')
    ?.ingest.find((run) => !run.workers);
  if (!off) return null;
  const { cpus } = summary.machine;
  const cpu = (side: Series, name: string) =>
    median(side.rounds.map((round) => round.cpuMsPerRequest[name] ?? Number.NaN));
  const machineMs = (round: RoundStats) =>
    (round.machineBusyPercent / 100) * cpus * (1000 / round.perSecond);
  const ms = {
    request: median(off.verifyOnly.rounds.map(machineMs)),
    store: cpu(off.hostpass, 'postgres'),
    extra: Math.max(0, cpu(off.hostpass, 'server') - cpu(off.verifyOnly, 'server')),
  };
  const rate = INGEST_TARGET_RATIO * off.verifyOnly.perSecondMedian;
  const cores = (value: number) => round2((value * rate) / 1000);
  const totalCores = cores(ms.request + ms.store + ms.extra);
  const budget = {
    cores: { request: cores(ms.request), store: cores(ms.store), extra: cores(ms.extra) },
    totalCores,
  };
  // Else: the CPU per event left for everything but the request's own at that rate.
  const spareMs = round2(Math.max(0, (cpus * 1000) / rate - ms.request));
  return fill('note-budget', {
    target: INGEST_TARGET_RATIO,
    verifyOnly: off.verifyOnly.perSecondMedian,
    rate: Math.round(rate),
    ms: { request: round2(ms.request), store: round2(ms.store), extra: round2(ms.extra) },
    budget,
    cpus,
    verdict: totalCores <= cpus ? fill('budget-fits') : fill('budget-misses', { spareMs }),
  });
}

export const scenario = defineScenario({
  name: 'credentials',
  options: { rounds: 3, events: 4_000, pgliteEvents: 1_000, tokenRequests: 10_000 },
  quick: { rounds: 1, events: 200, pgliteEvents: 100, tokenRequests: 200 },
  engines: ['postgres', 'pglite'],
  servers: { [VERIFY_ONLY]: serveVerifyOnly },
  async measure(run, settings) {
    const emulator = await run.emulator();
    const engines = await run.eachEngine((engine) =>
      measureEngine(run, engine, emulator, { ...settings, ...warmups(settings) }),
    );
    return { fixed: { ...warmups(settings), ...CONCURRENCY }, engines };
  },
  // Printed in this order, and named so in the template.
  tables: (summary, fill) => ({
    ingestTable: fill.table(
      'ingest-table',
      summary.engines.flatMap((result) =>
        result.ingest.map((run) => ({
          ...labelled(run),
          onOff: run.workers ? 'on' : 'off',
          postgresCpu:
            run.engine === 'postgres' ? run.hostpass.cpuMsPerRequestMedian.postgres : 'in server',
        })),
      ),
    ),
    tokenTable: fill.table(
      'token-table',
      summary.engines.map((result) => labelled(result.accessToken)),
    ),
    targets: targets(summary, fill),
  }),
  section(summary, fill) {
    const workers = summary.engines.flatMap((result) => {
      const [on, off] = [true, false].map((on) => result.ingest.find((run) => run.workers === on));
      return on && off ? [fill('note-workers', { ...labelled(result), on, off })] : [];
    });
    const pglite = summary.engines.find((result) => result.engine === 'pglite');
    const notes = [
      ...workers,
      budgetNote(summary, fill),
      fill('note-isolates'),
      pglite && fill('note-pglite', { events: pglite.ingest[0]?.eventsPerRound ?? null }),
      fill('note-load', { ...summary, busy: busy(summary, fill) }),
    ];
    return { notes: notes.filter(Boolean).join('\n') };
  },
});

await main(import.meta.url, scenario);
