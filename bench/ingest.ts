/**
 * Webhook ingest (issues 4 and 14): signed `meeting.created` events stored per second by Hostpass
 * against two baselines in the same interleaved rounds: a verify-only server (`--verify-only-server`:
 * the server's own Fastify set-up and webhook route, nothing stored) and a per-event-transaction
 * receiver (`--per-event-receiver`); Hostpass's workers on, then off; whether every event was
 * stored once, and how long the workers took to apply the rest.
 */
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyBaseLogger } from 'fastify';
import { Compile } from 'typebox/compile';
import { httpServerOptions } from '../src/app.ts';
import { openPgliteDatabase } from '../src/db/pglite.ts';
import { openPostgresDatabase } from '../src/db/postgres.ts';
import { AuthenticationError, BadRequestError, NotFoundError } from '../src/errors.ts';
import { installErrorHandlers } from '../src/http/error-handler.ts';
import { installMetrics } from '../src/http/metrics.ts';
import { createLogger } from '../src/logger.ts';
import { webhookRoutes } from '../src/webhooks/routes.ts';
import { ZoomEventBody } from '../src/webhooks/schemas.ts';
import type { WebhookService } from '../src/webhooks/service.ts';
import { verifyZoomWebhook } from '../src/zoom/webhook-signature.ts';
import * as h from './harness/index.ts';

const VERIFY_ONLY = 'verify-only-server';
const PER_EVENT = 'per-event-receiver';
const CONCURRENCY = 32;
/** Issue 4: ≥ 0.8× verify-only on PostgreSQL; issue 14: ≥ 1.5× (PostgreSQL), 1.0× (PGlite) the receiver. */
const TARGET = { verifyOnly: 0.8, perEvent: { postgres: 1.5, pglite: 1.0 } } as const;
/** The server's body limit (its default), so the verify-only server refuses what it refuses. */
const BODY_LIMIT_BYTES = 1024 * 1024;
const HEALTHY = { status: 200, body: '{"status":"ok"}' };

/** src/webhooks/service.ts's checks in its order (app, signature, JSON, shape), then "stored". */
function verifyOnlyService(
  appId: string,
  secret: string,
): Pick<WebhookService, 'receive' | 'refuseUnread'> {
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
        throw new BadRequestError(`JSON parse error - ${h.describeError(error)}`);
      }
      if (!isZoomEventBody.Check(body)) throw new BadRequestError('The body is not a Zoom event.');
      return { kind: 'event', status: 'stored' };
    },
    // The bench sends no body Fastify refuses unread.
    async refuseUnread() {},
  };
}

/** Built like src/app.ts (options, error handlers, metrics hook), webhook route only. */
async function serveVerifyOnly(): Promise<void> {
  const { PORT, BENCH_APP_ID = '', BENCH_WEBHOOK_SECRET = '' } = process.env;
  const app = Fastify({
    loggerInstance: createLogger('warn') as FastifyBaseLogger,
    ...httpServerOptions({ bodyLimitBytes: BODY_LIMIT_BYTES }),
  }).withTypeProvider<TypeBoxTypeProvider>();
  installErrorHandlers(app, BODY_LIMIT_BYTES);
  installMetrics(app);
  app.get('/healthz', async () => ({ status: 'ok' }));
  const webhookService = verifyOnlyService(BENCH_APP_ID, BENCH_WEBHOOK_SECRET);
  await app.register(webhookRoutes, { webhookService });
  await app.listen({ port: Number(PORT), host: h.HOST });
  process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
}

/**
 * A typical receiver: verify, parse, INSERT in its own transaction, answer. On the project's own
 * database layer (PostgreSQL with Hostpass's default pool of 10, or its own PGlite directory).
 */
async function servePerEvent(): Promise<void> {
  const { BENCH_WEBHOOK_SECRET = '', DATABASE_URL, BENCH_PGLITE_DIR = '' } = process.env;
  const db = DATABASE_URL
    ? openPostgresDatabase(DATABASE_URL, 10)
    : await openPgliteDatabase(path.join(BENCH_PGLITE_DIR, 'pgdata'));
  await db.query(`CREATE TABLE IF NOT EXISTS bench_received_events (
    id bigserial PRIMARY KEY, received_at timestamptz NOT NULL DEFAULT now(), body jsonb NOT NULL)`);
  h.serveHttp(async (request, body) => {
    if (request.url === '/healthz') return HEALTHY;
    if (request.url === '/count') {
      const { rows } = await db.query(
        'SELECT count(*)::int AS total, count(DISTINCT body)::int AS distinct FROM bench_received_events',
      );
      return { status: 200, body: JSON.stringify(rows[0]) };
    }
    const header = (name: string) => String(request.headers[name] ?? '') || undefined;
    const [signature, timestamp] = [header('x-zm-signature'), header('x-zm-request-timestamp')];
    if (!verifyZoomWebhook(BENCH_WEBHOOK_SECRET, { signature, timestamp, body }, Date.now()).ok)
      return { status: 401, body: '{}' };
    const text = body.toString('utf8');
    JSON.parse(text);
    const insert = 'INSERT INTO bench_received_events (body) VALUES ($1)';
    await db.transaction((tx) => tx.query(insert, [text]));
    return { status: 200, body: h.STORED_ANSWER };
  });
}

type Settings = Record<'rounds' | 'events' | 'pgliteEvents' | 'warmup' | 'drainSeconds', number>;
const SIDES = ['verifyOnly', 'perEvent', 'hostpass'] as const;

/** The three servers in interleaved rounds; with workers on, then the wait for their backlog. */
async function contestOnce(
  workers: boolean,
  host: h.ConnectedHost,
  store: h.Store,
  servers: Record<(typeof SIDES)[number], { url: string; pid: number }>,
  settings: Settings,
) {
  const route = new URL(host.app.app.webhook_url).pathname;
  const contenders = SIDES.map((name) => ({
    name,
    pool: h.keepAlivePool(servers[name].url, CONCURRENCY),
    cpu: { server: servers[name].pid, postgres: h.POSTGRES_BACKENDS },
    spec: {
      next: () => h.meetingCreatedRequest(host, route),
      ok: (status: number, body: string) => status === 200 && body === h.STORED_ANSWER,
    },
  }));
  const count = store.engine === 'postgres' ? settings.events : settings.pgliteEvents;
  const plan = { count, rounds: settings.rounds, warmup: Math.min(settings.warmup, count) };
  const label = `${h.engineLabel(store.engine)}, workers ${workers ? 'on' : 'off'}`;
  const { answered, rounds } = await h.contest(
    contenders,
    { ...plan, concurrency: CONCURRENCY },
    { afterRound: h.logRounds(label) },
  );
  // The backlog the workers were left: PostgreSQL polls until it is applied (at most
  // --drain-seconds); PGlite's store is locked by the server, so 5 s. How much of a core?
  let drain = null;
  if (workers) {
    const [cpuBefore, startedAt] = [await h.processCpuMs(servers.hostpass.pid), Date.now()];
    let unapplied: number | null = null;
    do {
      await sleep(store.databaseUrl ? 500 : 5_000);
      if (store.databaseUrl) unapplied = (await h.storedEvents(store, host.app.app.id)).unprocessed;
    } while (unapplied && Date.now() - startedAt < settings.drainSeconds * 1000);
    const ms = Date.now() - startedAt;
    const cpuMs = (await h.processCpuMs(servers.hostpass.pid)) - cpuBefore;
    drain = {
      seconds: h.round2(ms / 1000),
      unapplied,
      backlogCpuPercent: Math.round((100 * cpuMs) / ms),
    };
  }
  const side = (name: (typeof SIDES)[number]) => h.series(rounds[name] ?? []);
  return {
    engine: store.engine,
    workers,
    eventsPerRound: count,
    verifyOnly: side('verifyOnly'),
    perEvent: side('perEvent'),
    hostpass: side('hostpass'),
    vsVerifyOnly: h.versus(rounds, 'hostpass', 'verifyOnly'),
    vsPerEvent: h.versus(rounds, 'hostpass', 'perEvent'),
    /** `{"status":"stored"}` answers, warm-up included. */
    answered,
    /** Workers on: the wait after the rounds, what was still unapplied (PostgreSQL), CPU % of a core. */
    drain,
  };
}

/** One store: the two baselines started once, Hostpass with workers on, then restarted off. */
async function measureEngine(
  run: h.Run,
  engine: h.Engine,
  emulator: h.Emulator,
  settings: Settings,
) {
  const store = await run.store(engine);
  const start = (workers: boolean) =>
    run.hostpass(store, { emulator, env: { HOSTPASS_WORKERS: String(workers) } });
  let server = await start(true);
  const host = await h.connectHost(
    { zoom: emulator.zoom, hostpass: server },
    { account: { plan: 'business' } },
  );
  const secret = host.app.zoomApp.webhook_secret;
  const role = (flag: string, env: Record<string, string>) =>
    run.start({ args: ['bench/ingest.ts', `--${flag}`], env, readyPath: '/healthz' });
  const verifyOnly = await role(VERIFY_ONLY, {
    BENCH_APP_ID: host.app.app.id,
    BENCH_WEBHOOK_SECRET: secret,
  });
  const perEvent = await role(PER_EVENT, {
    BENCH_WEBHOOK_SECRET: secret,
    ...(store.databaseUrl
      ? { DATABASE_URL: store.databaseUrl }
      : { BENCH_PGLITE_DIR: await run.tempDir('hostpass-bench-receiver-') }),
  });
  const runs: Awaited<ReturnType<typeof contestOnce>>[] = [];
  try {
    for (const workers of [true, false]) {
      if (!workers) {
        await run.stop(server);
        server = await start(false);
      }
      const servers = { verifyOnly, perEvent, hostpass: server.process };
      runs.push(await contestOnce(workers, host, store, servers, settings));
    }
  } finally {
    await run.stop(verifyOnly);
    await run.stop(server);
  }
  const counted = await fetch(`${perEvent.url}/count`);
  const receiverRows = (await counted.json()) as { total: number; distinct: number };
  await run.stop(perEvent);
  const row = await h.storedEvents(store, host.app.app.id);
  const seconds = row.processing_seconds;
  const answered = (side: 'perEvent' | 'hostpass') =>
    runs.reduce((sum, result) => sum + (result.answered[side] ?? 0), 0);
  return {
    engine,
    runs,
    rows: {
      total: row.total,
      distinctBodies: row.distinct,
      unprocessed: row.unprocessed,
      processedPerSecond: seconds && seconds > 0 ? h.round2(row.processed / seconds) : null,
      receiver: receiverRows,
    },
    storedAnswers: answered('hostpass'),
    everyEventStoredOnce: row.total === answered('hostpass') && row.distinct === row.total,
    receiverStoredOnce:
      receiverRows.total === answered('perEvent') && receiverRows.distinct === receiverRows.total,
  };
}

type Summary = h.Common<unknown> & { engines: Awaited<ReturnType<typeof measureEngine>>[] };

/**
 * Whether issue 4's target fits this machine: the cores its rate takes, from the CPU each part
 * spent per event with workers off (all the machine did per verify-only event; the store;
 * Hostpass's extra server CPU).
 */
function budgetNote(summary: Summary, fill: h.Fill) {
  const postgres = summary.engines.find((result) => result.engine === 'postgres');
  const off = postgres?.runs.find((result) => !result.workers);
  if (!off) return null;
  const { cpus } = summary.machine;
  const cpu = (side: h.Series, name: string) =>
    h.median(side.rounds.map((round) => round.cpuMsPerRequest[name] ?? Number.NaN));
  const machineMs = (round: h.RoundStats) =>
    (round.machineBusyPercent / 100) * cpus * (1000 / round.perSecond);
  const ms = {
    request: h.median(off.verifyOnly.rounds.map(machineMs)),
    store: cpu(off.hostpass, 'postgres'),
    extra: Math.max(0, cpu(off.hostpass, 'server') - cpu(off.verifyOnly, 'server')),
  };
  const rate = TARGET.verifyOnly * off.verifyOnly.perSecondMedian;
  const cores = (value: number) => h.round2((value * rate) / 1000);
  const totalCores = cores(ms.request + ms.store + ms.extra);
  // Else: the CPU per event left for everything but the request's own at that rate.
  const spareMs = h.round2(Math.max(0, (cpus * 1000) / rate - ms.request));
  return fill('note-budget', {
    target: TARGET.verifyOnly,
    verifyOnly: off.verifyOnly.perSecondMedian,
    rate: Math.round(rate),
    ms: { request: h.round2(ms.request), store: h.round2(ms.store), extra: h.round2(ms.extra) },
    budget: {
      request: cores(ms.request),
      store: cores(ms.store),
      extra: cores(ms.extra),
      totalCores,
    },
    cpus,
    verdict: totalCores <= cpus ? fill('budget-fits') : fill('budget-misses', { spareMs }),
  });
}

export const scenario = h.defineScenario({
  name: 'ingest',
  options: { rounds: 3, events: 4_000, pgliteEvents: 1_000, warmup: 500, drainSeconds: 60 },
  quick: { rounds: 1, events: 200, pgliteEvents: 100, warmup: 50, drainSeconds: 5 },
  engines: ['postgres', 'pglite'],
  servers: { [VERIFY_ONLY]: serveVerifyOnly, [PER_EVENT]: servePerEvent },
  async measure(run, settings) {
    const emulator = await run.emulator();
    const engines = await run.eachEngine((engine) =>
      measureEngine(run, engine, emulator, settings),
    );
    return { fixed: { concurrency: CONCURRENCY }, engines };
  },
  // Printed in this order, and named so in the template.
  tables: (summary, fill) => {
    const runs = summary.engines
      .flatMap((result) => result.runs)
      .map((result) => ({ ...h.labelled(result), onOff: result.workers ? 'on' : 'off' }));
    return {
      ingestTable: fill.table(
        'ingest-table',
        runs.map((result) => ({
          ...result,
          latency: fill('latency', result.hostpass),
          postgresCpu: result.engine === 'postgres' ? fill('postgres-cpu', result) : 'in server',
          drain: result.drain
            ? fill(result.drain.unapplied === null ? 'waited' : 'unapplied', result.drain)
            : 'workers off',
        })),
      ),
      targets: [
        ...runs.map((result) =>
          fill('target-ingest', {
            ...result,
            target: { verifyOnly: TARGET.verifyOnly, perEvent: TARGET.perEvent[result.engine] },
            verifyOnlyMet:
              result.engine === 'postgres'
                ? h.verdict(result.vsVerifyOnly.perSecondRatio.median >= TARGET.verifyOnly)
                : fill('no-target'),
            perEventMet: h.verdict(
              result.vsPerEvent.perSecondRatio.median >= TARGET.perEvent[result.engine],
            ),
          }),
        ),
        ...summary.engines.map((result) =>
          fill('target-stored-once', {
            ...h.labelled(result),
            met: h.verdict(result.everyEventStoredOnce),
            receiverMet: h.verdict(result.receiverStoredOnce),
          }),
        ),
      ].join('\n'),
    };
  },
  section(summary, fill) {
    const workers = summary.engines.flatMap((result) => {
      const [on, off] = [true, false].map((on) => result.runs.find((run) => run.workers === on));
      return on && off ? [fill('note-workers', { ...h.labelled(result), on, off })] : [];
    });
    const pglite = summary.engines.find((result) => result.engine === 'pglite');
    const notes = [
      ...workers,
      budgetNote(summary, fill),
      fill('note-isolates'),
      pglite && fill('note-pglite', { events: pglite.runs[0]?.eventsPerRound ?? null }),
      fill('note-load', { ...summary, busy: h.busy(summary, fill) }),
    ];
    return { notes: notes.filter(Boolean).join('\n') };
  },
});

await h.main(import.meta.url, scenario);
