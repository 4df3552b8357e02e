/**
 * Token serving and webhook ingest against the simplest thing a team would write instead (issue
 * 14): an in-memory token server (`--in-memory-token-server`) beside the bare Zoom call and
 * Hostpass, token URL GET and mint, busy and serial, with and without Zoom latency; a CPU profile;
 * ingest against a per-event-transaction receiver (`--per-event-receiver`).
 */
import path from 'node:path';
import { type Pool, Pool as UndiciPool } from 'undici';
import { secretsEqual } from '../src/crypto/secrets.ts';
import { openPgliteDatabase } from '../src/db/pglite.ts';
import { openPostgresDatabase } from '../src/db/postgres.ts';
import { verifyZoomWebhook } from '../src/zoom/webhook-signature.ts';
import {
  type Contender,
  closePools,
  getContender,
  hostpassCpu,
  interleave,
  keepAlivePool,
  logRounds,
  type RoundStats,
  type Series,
  series,
  versus,
  warmUp,
} from './harness/load.ts';
import {
  type Answer,
  type Emulator,
  type Engine,
  engineLabel,
  type Hostpass,
  labelled,
  type Store,
  serveHttp,
} from './harness/processes.ts';
import { profileBatches } from './harness/profile.ts';
import { type Fill, round2, verdict } from './harness/report.ts';
import { type Common, defineScenario, main, type Run } from './harness/scenario.ts';
import {
  type ConnectedHost,
  ingestContest,
  JOINTOKEN,
  jointokenSpec,
  mintingHost,
  mintSpec,
  must,
  STORED_ANSWER,
  storedEvents,
  totalZoomCalls,
  UNLIMITED_SERVER_ENV,
  zoomCallCounter,
} from './harness/world.ts';

const IN_MEMORY = 'in-memory-token-server';
const PER_EVENT = 'per-event-receiver';
const CONCURRENCY = 64;
const INGEST_CONCURRENCY = 32;
const TARGET = {
  throughputRatio: 1.0,
  p50Ratio: 1.0,
  slowP50Ratio: 1.05,
  slowP99Ratio: 1.25,
  serialAddedMs: 0.5,
  ingestPostgres: 1.5,
  ingestPglite: 1.0,
} as const;
const CONTENDERS = ['bare', 'memoryGet', 'memoryMint', 'hostpassGet', 'hostpassMint'] as const;
type Name = (typeof CONTENDERS)[number];
const LABELS: Record<Name, string> = {
  bare: 'Zoom jointoken, bare',
  memoryGet: 'in-memory server, GET',
  memoryMint: 'in-memory server, POST',
  hostpassGet: 'Hostpass token URL GET',
  hostpassMint: 'Hostpass `POST /api/v2/zoom-tokens/`',
};
const HEALTHY: Answer = { status: 200, body: '{"status":"ok"}' };
const JSON_TYPE = { 'content-type': 'application/json' };

// ---------------------------------------------------------------------------------------------
// The two alternatives (child processes)

/**
 * What a team writes in an afternoon: the host's access token in a Map (meeting → token, filled
 * once at start from the grant), the Zoom call per request through a keep-alive pool, a shared
 * secret in the query. `GET /token?meeting_id=&secret=` answers the token as text (a token URL);
 * `POST /mint?secret=` with `{"meeting_id"}` answers `{"join_token": …}`.
 */
async function serveInMemory(): Promise<void> {
  const { ZOOM_API_URL = '', BENCH_SECRET = '', BENCH_TOKENS = '{}' } = process.env;
  const tokens = new Map<string, string>(Object.entries(JSON.parse(BENCH_TOKENS)));
  const zoom = new UndiciPool(new URL(ZOOM_API_URL).origin, { connections: 64 });
  const apiPath = new URL(ZOOM_API_URL).pathname;
  const joinToken = async (meetingId: string): Promise<Answer> => {
    const token = tokens.get(meetingId);
    if (!token) return { status: 404, body: '{"detail":"unknown meeting"}' };
    const zoomAnswer = await zoom.request({
      method: 'GET',
      path: `${apiPath}/meetings/${meetingId}/jointoken/local_recording?bypass_waiting_room=true`,
      headers: { authorization: `Bearer ${token}` },
    });
    const body = await zoomAnswer.body.text();
    return { status: zoomAnswer.statusCode === 200 ? 200 : 502, body };
  };
  serveHttp(async (request, body) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (url.pathname === '/healthz') return HEALTHY;
    if (!secretsEqual(url.searchParams.get('secret') ?? '', BENCH_SECRET))
      return { status: 401, body: '{}' };
    if (request.method === 'GET' && url.pathname === '/token') {
      const minted = await joinToken(url.searchParams.get('meeting_id') ?? '');
      if (minted.status !== 200) return minted;
      return { status: 200, body: JSON.parse(minted.body).token, type: 'text/plain' };
    }
    if (request.method === 'POST' && url.pathname === '/mint') {
      const minted = await joinToken(String(JSON.parse(body.toString('utf8')).meeting_id));
      if (minted.status !== 200) return minted;
      return { status: 200, body: `{"join_token":${minted.body}}` };
    }
    return { status: 404, body: '{}' };
  });
}

/**
 * A typical webhook receiver: verify the Zoom signature, parse, INSERT in its own transaction,
 * answer. On the project's own database layer (PostgreSQL with Hostpass's default pool of 10, or
 * its own PGlite directory), so both sides use the same driver.
 */
async function servePerEvent(): Promise<void> {
  const { BENCH_WEBHOOK_SECRET = '', DATABASE_URL, BENCH_PGLITE_DIR = '' } = process.env;
  const db = DATABASE_URL
    ? openPostgresDatabase(DATABASE_URL, 10)
    : await openPgliteDatabase(path.join(BENCH_PGLITE_DIR, 'pgdata'));
  await db.query(`CREATE TABLE IF NOT EXISTS bench_received_events (
    id bigserial PRIMARY KEY, received_at timestamptz NOT NULL DEFAULT now(), body jsonb NOT NULL)`);
  const count = 'SELECT count(*)::int AS total, count(DISTINCT body)::int AS distinct';
  serveHttp(async (request, body) => {
    if (request.url === '/healthz') return HEALTHY;
    if (request.url === '/count') {
      const { rows } = await db.query(`${count} FROM bench_received_events`);
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
    return { status: 200, body: STORED_ANSWER };
  });
}

// ---------------------------------------------------------------------------------------------
// Measuring

type Settings = Record<
  'rounds' | 'requests' | 'warmup' | 'serialRequests' | 'zoomLatencyMs' | 'events' | 'pgliteEvents',
  number
>;

type Targets = Record<'accessToken' | 'tokenUrlPath' | 'secret', string> & { meetingId: number };

/** The five contenders, or only those `names` names (each group of servers with its own pool). */
function contenders(
  emulator: Emulator,
  memoryUrl: string,
  hostpass: Hostpass,
  target: Targets,
  names: readonly Name[] = CONTENDERS,
): Contender[] {
  const pools: Record<string, Pool> = {};
  const pool = (url: string) => (pools[url] ??= keepAlivePool(url, CONCURRENCY));
  const token = (body: string) => body.length > 20;
  const secret = `secret=${target.secret}`;
  const mint = mintSpec(hostpass, { meeting_id: target.meetingId, kinds: ['join_token'] });
  const memoryMint = () => ({ ...mint.next(), path: `/mint?${secret}`, headers: JSON_TYPE });
  const memoryGet = `/token?meeting_id=${target.meetingId}&${secret}`;
  const hostpassUrl = hostpass.process.url;
  const specs: Record<Name, () => Contender> = {
    bare: () => ({
      name: 'bare',
      pool: pool(emulator.url),
      spec: jointokenSpec(target.meetingId, target.accessToken),
    }),
    memoryGet: () => getContender('memoryGet', pool(memoryUrl), memoryGet, {}, token),
    memoryMint: () => ({
      name: 'memoryMint',
      pool: pool(memoryUrl),
      spec: { ...mint, next: memoryMint },
    }),
    hostpassGet: () =>
      getContender('hostpassGet', pool(hostpassUrl), target.tokenUrlPath, {}, token),
    hostpassMint: () => ({ name: 'hostpassMint', pool: pool(hostpassUrl), spec: mint }),
  };
  return names.map((name) => specs[name]());
}

/** Every contender's series, and Hostpass ÷ in-memory and ÷ bare per round. */
function compared(rounds: Record<string, RoundStats[]>) {
  const all = Object.fromEntries(CONTENDERS.map((name) => [name, series(rounds[name] ?? [])]));
  return {
    series: all as Record<Name, Series>,
    getVsMemory: versus(rounds, 'hostpassGet', 'memoryGet'),
    mintVsMemory: versus(rounds, 'hostpassMint', 'memoryMint'),
    getVsBare: versus(rounds, 'hostpassGet', 'bare'),
    mintVsBare: versus(rounds, 'hostpassMint', 'bare'),
  };
}

type Comparison = ReturnType<typeof compared>;

async function measureTokens(
  run: Run,
  engine: Engine,
  emulator: Emulator,
  settings: Settings,
  loadPerRound: number[],
) {
  const store = await run.store(engine);
  const start = (nodeFlags: string[] = []) =>
    run.hostpass(store, { emulator, nodeFlags, env: UNLIMITED_SERVER_ENV });
  const hostpass = await start();
  const host = await mintingHost({ zoom: emulator.zoom, hostpass });
  const meetingId = Number(host.meeting.id);
  const urls = await must(
    hostpass.client.POST('/api/v2/zoom-token-urls/', {
      body: { meeting_id: meetingId, kinds: ['join_token'], ttl_seconds: 86_400 },
    }),
  );
  const joinUrl = new URL(urls.join_token_url ?? '');
  const target: Targets = {
    meetingId,
    accessToken: host.accessToken,
    tokenUrlPath: `${joinUrl.pathname}${joinUrl.search}`,
    secret: 'bench-shared-secret-0123456789abcdef',
  };
  // The in-memory server's Map, filled once from the grant Hostpass holds.
  const memory = await run.start({
    args: ['bench/token-server.ts', `--${IN_MEMORY}`],
    env: {
      ZOOM_API_URL: `${emulator.url}/v2`,
      BENCH_SECRET: target.secret,
      BENCH_TOKENS: JSON.stringify({ [String(meetingId)]: target.accessToken }),
    },
    readyPath: '/healthz',
  });
  const cpu = hostpassCpu(hostpass, { memory: memory.pid, emulator: emulator.process.pid });
  const routes = contenders(emulator, memory.url, hostpass, target);
  const counter = zoomCallCounter(emulator.zoom, (name) => name.startsWith('hostpass'));
  const results: Record<string, Comparison> = {};
  const measure = async (name: string, concurrency: number, count: number, logged = false) => {
    const plan = { count, concurrency, cpu };
    const afterRound = logged ? logRounds(`${engine} ${name}`, loadPerRound) : undefined;
    const hooks = { ...counter.hooks, ...(afterRound && { afterRound }) };
    results[name] = compared(await interleave(routes, settings.rounds, plan, hooks));
  };
  try {
    await warmUp(routes, settings.warmup, CONCURRENCY);
    await measure('busy', CONCURRENCY, settings.requests, true);
    await measure('serial', 1, settings.serialRequests, true);
    // Zoom answers in tens of milliseconds: the same with a fixed delay on every jointoken.
    await emulator.zoom.addFault({ path_pattern: JOINTOKEN, latency_ms: settings.zoomLatencyMs });
    await measure('slowBusy', CONCURRENCY, settings.requests);
    await measure('slowSerial', 1, Math.max(1, Math.floor(settings.serialRequests / 5)));
    await emulator.zoom.clearFaults();
  } finally {
    await closePools(routes);
    await run.stop(hostpass);
  }
  // Where Hostpass's CPU goes: the same store under --cpu-prof, token URL and mint batches.
  const profile = await profileBatches(
    run,
    start,
    (server) => contenders(emulator, memory.url, server, target, ['hostpassGet', 'hostpassMint']),
    { warmup: settings.warmup, count: settings.requests, concurrency: CONCURRENCY },
  );
  await run.stop({ process: memory });
  const { tokens, total, endpoint: jointoken, refreshes } = totalZoomCalls(counter.rounds);
  return { engine, results, calls: { tokens, total, jointoken, refreshes }, profile, store, host };
}

/** The per-event receiver for `host`'s events, on `store`'s engine (its own table or directory). */
export async function startPerEventReceiver(run: Run, store: Store, host: ConnectedHost) {
  return run.start({
    args: ['bench/token-server.ts', `--${PER_EVENT}`],
    env: {
      BENCH_WEBHOOK_SECRET: host.app.zoomApp.webhook_secret,
      ...(store.databaseUrl
        ? { DATABASE_URL: store.databaseUrl }
        : { BENCH_PGLITE_DIR: await run.tempDir('hostpass-bench-receiver-') }),
    },
    readyPath: '/healthz',
  });
}

/** Hostpass's webhook route against the per-event receiver, on the same engine. */
async function measureIngest(
  run: Run,
  engine: Engine,
  emulator: Emulator,
  measured: { store: Store; host: ConnectedHost },
  settings: Settings,
) {
  const { store, host } = measured;
  const hostpass = await run.hostpass(store, { emulator });
  const receiver = await startPerEventReceiver(run, store, host);
  const events = engine === 'postgres' ? settings.events : settings.pgliteEvents;
  const plan = { rounds: settings.rounds, count: events, concurrency: INGEST_CONCURRENCY };
  const { baseline, answered, ...measuredIngest } = await ingestContest(
    host,
    { baseline: receiver, hostpass: hostpass.process },
    { ...plan, warmup: Math.min(200, events) },
    `${engine} ingest`,
  );
  const counted = await fetch(`${receiver.url}/count`);
  const receiverRows = (await counted.json()) as { total: number; distinct: number };
  await run.stop({ process: receiver });
  await run.stop(hostpass);
  const { total, distinct } = await storedEvents(store, host.app.app.id);
  return {
    engine,
    eventsPerRound: events,
    receiver: baseline,
    ...measuredIngest,
    answered: { receiver: answered.baseline, hostpass: answered.hostpass },
    rows: { receiver: receiverRows, hostpass: { total, distinct } },
  };
}

type TokenResult = Omit<Awaited<ReturnType<typeof measureTokens>>, 'store' | 'host'>;
type IngestResult = Awaited<ReturnType<typeof measureIngest>>;

type Summary = Common<unknown> & {
  tokens: TokenResult[];
  ingest: IngestResult[];
  loadPerRound: number[];
  target: typeof TARGET;
};

// ---------------------------------------------------------------------------------------------
// Reporting

const MEASUREMENTS = {
  busy: `${CONCURRENCY} in flight`,
  serial: '1 in flight',
  slowBusy: `${CONCURRENCY} in flight, Zoom +latency`,
  slowSerial: '1 in flight, Zoom +latency',
} as const;

/** One row per engine and measurement (busy, serial…) that `row` makes rows of. */
function eachMeasurement<T>(
  summary: Summary,
  row: (comparison: Comparison, base: { engine: string; load: string }, result: TokenResult) => T[],
): T[] {
  return summary.tokens.flatMap((result) =>
    Object.entries(MEASUREMENTS).flatMap(([key, load]) => {
      const comparison = result.results[key];
      return comparison
        ? row(comparison, { engine: engineLabel(result.engine), load }, result)
        : [];
    }),
  );
}

function tokenRows(summary: Summary, fill: Fill) {
  return eachMeasurement(summary, (comparison, base, result) =>
    CONTENDERS.map((name) => {
      const value = comparison.series[name];
      const cpu = value.cpuMsPerRequestMedian;
      const own = name === 'bare' ? null : name.startsWith('memory') ? cpu.memory : cpu.hostpass;
      return {
        ...value,
        ...base,
        contender: LABELS[name],
        latency: fill('latency', value),
        serverCpu: own ?? 'n/a',
        postgresCpu: result.engine === 'pglite' ? 'in Hostpass' : (cpu.postgres ?? 'n/a'),
        emulatorCpu: cpu.emulator ?? 'n/a',
      };
    }),
  );
}

function ratioRows(summary: Summary) {
  return eachMeasurement(summary, (comparison, base) =>
    (
      [
        ['token URL GET', comparison.getVsMemory, comparison.getVsBare],
        ['mint POST', comparison.mintVsMemory, comparison.mintVsBare],
      ] as const
    ).map(([route, memory, bare]) => ({
      ...base,
      route,
      perSecondVsMemory: memory.perSecondRatio.median,
      p50VsMemory: memory.p50Ratio.median,
      p50VsBare: bare.p50Ratio.median,
      p99VsBare: bare.p99Ratio.median,
    })),
  );
}

/** The worse of the token URL GET and the mint POST: `worst` of their `pick`ed ratio medians. */
function worse(
  comparison: Comparison | undefined,
  against: 'Memory' | 'Bare',
  pick: 'perSecondRatio' | 'p50Ratio' | 'p99Ratio',
  worst: (...values: number[]) => number,
): number {
  if (!comparison) return Number.NaN;
  const [get, mint] = [comparison[`getVs${against}`], comparison[`mintVs${against}`]];
  return worst(get[pick].median, mint[pick].median);
}

/** The in-memory server's p99 ÷ the bare call's (worse of GET and POST), per round, median. */
function memoryP99VsBare({ series: all }: Comparison): number {
  const rounds = { bare: all.bare.rounds, get: all.memoryGet.rounds, mint: all.memoryMint.rounds };
  return Math.max(
    versus(rounds, 'get', 'bare').p99Ratio.median,
    versus(rounds, 'mint', 'bare').p99Ratio.median,
  );
}

function targetLines(summary: Summary, fill: Fill): string {
  const lines = summary.tokens.map((result) => {
    const { busy, serial, slowBusy } = result.results;
    const throughput = worse(busy, 'Memory', 'perSecondRatio', Math.min);
    const p50 = worse(busy, 'Memory', 'p50Ratio', Math.max);
    const slowP50 = worse(slowBusy, 'Bare', 'p50Ratio', Math.max);
    const slowP99 = worse(slowBusy, 'Bare', 'p99Ratio', Math.max);
    // The floor under that p99: the simplest server's own, from the same rounds.
    const memorySlowP99 = slowBusy ? memoryP99VsBare(slowBusy) : Number.NaN;
    const { hostpassMint, bare } = serial?.series ?? {};
    const added = round2((hostpassMint?.p50.median ?? Number.NaN) - (bare?.p50.median ?? 0));
    const { calls } = result;
    const cpu = busy?.series.hostpassMint.cpuMsPerRequestMedian.hostpass ?? Number.NaN;
    const memoryCpu = busy?.series.memoryMint.cpuMsPerRequestMedian.memory ?? Number.NaN;
    return fill('targets', {
      ...labelled(result),
      target: summary.target,
      throughput: round2(throughput),
      throughputMet: verdict(throughput >= TARGET.throughputRatio),
      p50,
      p50Met: verdict(p50 <= TARGET.p50Ratio),
      slowP50,
      slowP50Met: verdict(slowP50 <= TARGET.slowP50Ratio),
      slowP99,
      slowP99Met: verdict(slowP99 <= TARGET.slowP99Ratio),
      memorySlowP99,
      added,
      addedMet:
        result.engine === 'postgres' ? verdict(added <= TARGET.serialAddedMs) : '(PostgreSQL only)',
      callsMet: verdict(calls.jointoken === calls.tokens && calls.total === calls.tokens),
      cpu,
      memoryCpu,
      cpuRatio: round2(cpu / memoryCpu),
    });
  });
  const ingest = summary.ingest.map((result) => {
    const target = result.engine === 'postgres' ? TARGET.ingestPostgres : TARGET.ingestPglite;
    const ratio = result.perSecondRatio.median;
    const { hostpass } = result.rows;
    const exact =
      hostpass.total === result.answered.hostpass && hostpass.distinct === hostpass.total;
    const values = { ...labelled(result), target, ratio, exact: verdict(exact) };
    return fill('ingest-target', { ...values, met: verdict(ratio >= target) });
  });
  return [...lines, ...ingest].join('\n');
}

export const scenario = defineScenario({
  name: 'token-server',
  options: {
    rounds: 3,
    requests: 3_000,
    warmup: 500,
    serialRequests: 300,
    zoomLatencyMs: 50,
    events: 3_000,
    pgliteEvents: 1_000,
  },
  quick: { rounds: 1, requests: 100, warmup: 20, serialRequests: 10, events: 50, pgliteEvents: 50 },
  engines: ['postgres', 'pglite'],
  servers: { [IN_MEMORY]: serveInMemory, [PER_EVENT]: servePerEvent },
  async measure(run, settings) {
    const emulator = await run.emulator();
    const loadPerRound: number[] = [];
    const tokens: TokenResult[] = [];
    const ingest = await run.eachEngine(async (engine) => {
      const measured = await measureTokens(run, engine, emulator, settings, loadPerRound);
      const { store, host, ...result } = measured;
      tokens.push(result);
      return measureIngest(run, engine, emulator, { store, host }, settings);
    });
    return { tokens, ingest, loadPerRound, target: TARGET };
  },
  // Printed in this order, and named so in the template.
  tables: (summary, fill) => ({
    tokenTable: fill.table('token-table', tokenRows(summary, fill)),
    ratioTable: fill.table('ratio-table', ratioRows(summary)),
    ingestTable: fill.table(
      'ingest-table',
      summary.ingest.map((result) => ({
        ...labelled(result),
        receiverLatency: fill('latency', result.receiver),
        hostpassLatency: fill('latency', result.hostpass),
        receiverCpu: result.receiver.cpuMsPerRequestMedian.server,
        hostpassCpu: result.hostpass.cpuMsPerRequestMedian.server,
      })),
    ),
    profileTable: fill.table(
      'profile-table',
      summary.tokens.flatMap((result) =>
        result.profile.byArea
          .slice(0, 10)
          .map((area) => ({ ...labelled(result), ...area, busy: result.profile.busyMs })),
      ),
    ),
    targets: targetLines(summary, fill),
  }),
  section: (summary) => ({
    perRound: summary.loadPerRound.join(', '),
    topFunctions: summary.tokens
      .map((result) => {
        const busiest = result.profile.topFunctions.slice(0, 6);
        const list = busiest.map(({ where, ms }) => `\`${where}\` ${ms}`).join(', ');
        return `${engineLabel(result.engine)}: ${list}`;
      })
      .join('; '),
  }),
});

await main(import.meta.url, scenario);
