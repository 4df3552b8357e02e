/**
 * Token serving and webhook ingest against the simplest thing a team would write instead, in one
 * run, rounds interleaved, on PostgreSQL and PGlite (issue 14):
 *
 * 1. An in-memory token server (this file with `--in-memory-token-server`: Node `http`, the
 *    host's access token in a Map filled once from the grant, one Zoom call per request, a shared
 *    secret in the query) next to the bare Zoom call and Hostpass, for a token URL GET and
 *    `POST /api/v2/zoom-tokens/` (join token), at 64 and 1 in flight, with and without
 *    `--zoom-latency-ms` added to Zoom's answer. Throughput, p50, p99, CPU per request of each
 *    process, Zoom calls per Hostpass token.
 * 2. Where Hostpass's CPU goes: the same store restarted under `--cpu-prof`, token URL and mint
 *    batches at 64 in flight.
 * 3. Webhook ingest against the straightforward receiver (`--per-event-receiver`: verify the
 *    signature, INSERT the event in its own transaction, then answer), same database engine and
 *    server, same run; every event counted in both stores afterwards.
 *
 *   npx node bench/token-server.ts [--rounds 3] [--requests 3000] [--serial-requests 300]
 *     [--events 3000] [--zoom-latency-ms 50] [--skip-pglite] [--quick] [--write-docs]
 */
import { timingSafeEqual } from 'node:crypto';
import path from 'node:path';
import pg from 'pg';
import { type Pool, Pool as UndiciPool } from 'undici';
import { verifyZoomWebhook } from '../src/zoom/webhook-signature.ts';
import {
  type Contender,
  closePools,
  interleave,
  keepAlivePool,
  POSTGRES_BACKENDS,
  type RoundStats,
  type Series,
  series,
  versus,
  warmUp,
} from './harness/load.ts';
import {
  type Emulator,
  type Engine,
  engineLabel,
  type Hostpass,
  labelled,
  serveHttp,
} from './harness/processes.ts';
import { profileBatches } from './harness/profile.ts';
import { type Fill, loadAverage, log, round2, verdict } from './harness/report.ts';
import { type Common, defineScenario, main, type Run } from './harness/scenario.ts';
import {
  type ConnectedHost,
  expectApi,
  ingestContest,
  JOINTOKEN,
  jointokenSpec,
  mintingHost,
  mintSpec,
  STORED_ANSWER,
  storedEvents,
  text,
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

// ---------------------------------------------------------------------------------------------
// The in-memory token server (child process)

/**
 * What a team writes in an afternoon: the host's access token in a Map (meeting → token, filled
 * once at start from the grant), the Zoom call per request through a keep-alive pool, a shared
 * secret in the query. `GET /token?meeting_id=&secret=` answers the token as text (a token URL);
 * `POST /mint?secret=` with `{"meeting_id"}` answers `{"join_token": …}`.
 */
async function serveInMemory(): Promise<void> {
  const { ZOOM_API_URL, BENCH_SECRET, BENCH_TOKENS } = process.env;
  if (!ZOOM_API_URL || !BENCH_SECRET || !BENCH_TOKENS)
    throw new Error('ZOOM_API_URL, BENCH_SECRET and BENCH_TOKENS are required');
  const tokens = new Map<string, string>(Object.entries(JSON.parse(BENCH_TOKENS)));
  const zoom = new UndiciPool(new URL(ZOOM_API_URL).origin, { connections: 64 });
  const apiPath = new URL(ZOOM_API_URL).pathname;
  const secret = Buffer.from(BENCH_SECRET);
  const secretOk = (given: string | null) =>
    given !== null &&
    Buffer.byteLength(given) === secret.length &&
    timingSafeEqual(Buffer.from(given), secret);
  const joinToken = async (meetingId: string): Promise<{ status: number; body: string }> => {
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
    if (url.pathname === '/healthz') return { status: 200, body: '{"status":"ok"}' };
    if (!secretOk(url.searchParams.get('secret'))) return { status: 401, body: '{}' };
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

// ---------------------------------------------------------------------------------------------
// The per-event-transaction webhook receiver (child process)

interface EventStore {
  insertInOwnTransaction(body: string): Promise<void>;
  count(): Promise<{ total: number; distinct: number }>;
}

async function openEventStore(): Promise<EventStore> {
  const table = `CREATE TABLE IF NOT EXISTS bench_received_events (
    id bigserial PRIMARY KEY, received_at timestamptz NOT NULL DEFAULT now(), body jsonb NOT NULL)`;
  const countSql =
    'SELECT count(*)::int AS total, count(DISTINCT body)::int AS distinct FROM bench_received_events';
  const insert = 'INSERT INTO bench_received_events (body) VALUES ($1)';
  const { DATABASE_URL, BENCH_PGLITE_DIR } = process.env;
  if (DATABASE_URL) {
    // Hostpass's default pool size, so both sides have the same number of connections.
    const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 10 });
    await pool.query(table);
    return {
      async insertInOwnTransaction(body) {
        const client = await pool.connect();
        try {
          await client.query('BEGIN');
          await client.query(insert, [body]);
          await client.query('COMMIT');
        } catch (error) {
          await client.query('ROLLBACK');
          throw error;
        } finally {
          client.release();
        }
      },
      async count() {
        return (await pool.query(countSql)).rows[0];
      },
    };
  }
  if (!BENCH_PGLITE_DIR) throw new Error('DATABASE_URL or BENCH_PGLITE_DIR is required');
  const { PGlite } = await import('@electric-sql/pglite');
  const db = await PGlite.create({ dataDir: path.join(BENCH_PGLITE_DIR, 'pgdata') });
  await db.exec(table);
  return {
    async insertInOwnTransaction(body) {
      await db.transaction(async (tx) => {
        await tx.query(insert, [body]);
      });
    },
    async count() {
      const { rows } = await db.query<{ total: number; distinct: number }>(countSql);
      return rows[0] ?? { total: 0, distinct: 0 };
    },
  };
}

/** Verify the Zoom signature, parse, INSERT in its own transaction, answer: a typical receiver. */
async function servePerEvent(): Promise<void> {
  const { BENCH_WEBHOOK_SECRET } = process.env;
  if (!BENCH_WEBHOOK_SECRET) throw new Error('BENCH_WEBHOOK_SECRET is required');
  const store = await openEventStore();
  serveHttp(async (request, body) => {
    if (request.url === '/healthz') return { status: 200, body: '{"status":"ok"}' };
    if (request.url === '/count') return { status: 200, body: JSON.stringify(await store.count()) };
    const header = (name: string) => {
      const value = request.headers[name];
      return typeof value === 'string' ? value : undefined;
    };
    const check = verifyZoomWebhook(
      BENCH_WEBHOOK_SECRET,
      { signature: header('x-zm-signature'), timestamp: header('x-zm-request-timestamp'), body },
      Date.now(),
    );
    if (!check.ok) return { status: 401, body: '{}' };
    const text = body.toString('utf8');
    JSON.parse(text);
    await store.insertInOwnTransaction(text);
    return { status: 200, body: STORED_ANSWER };
  });
}

// ---------------------------------------------------------------------------------------------
// Measuring

type Settings = Record<
  'rounds' | 'requests' | 'warmup' | 'serialRequests' | 'zoomLatencyMs' | 'events' | 'pgliteEvents',
  number
>;

interface Targets {
  meetingId: number;
  accessToken: string;
  tokenUrlPath: string;
  secret: string;
}

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
  const tokenText = (status: number, body: string) => status === 200 && body.length > 20;
  const request = { meeting_id: target.meetingId, kinds: ['join_token'] };
  const secret = `secret=${target.secret}`;
  const specs: Record<Name, () => Omit<Contender, 'name'>> = {
    bare: () => ({
      pool: pool(emulator.url),
      spec: jointokenSpec(target.meetingId, target.accessToken),
    }),
    memoryGet: () => ({
      pool: pool(memoryUrl),
      spec: {
        next: () => ({ method: 'GET', path: `/token?meeting_id=${target.meetingId}&${secret}` }),
        ok: tokenText,
      },
    }),
    memoryMint: () => {
      const { spec } = specs.hostpassMint();
      const headers = { 'content-type': 'application/json' };
      const next = () => ({ ...spec.next(), path: `/mint?${secret}`, headers });
      return { pool: pool(memoryUrl), spec: { ...spec, next } };
    },
    hostpassGet: () => ({
      pool: pool(hostpass.process.url),
      spec: { next: () => ({ method: 'GET', path: target.tokenUrlPath }), ok: tokenText },
    }),
    hostpassMint: () => ({ pool: pool(hostpass.process.url), spec: mintSpec(hostpass, request) }),
  };
  return names.map((name) => ({ name, ...specs[name]() }));
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
  const urls = await expectApi(hostpass, '/api/v2/zoom-token-urls/', 200, {
    method: 'POST',
    json: { meeting_id: meetingId, kinds: ['join_token'], ttl_seconds: 86_400 },
  });
  const joinUrl = new URL(text(urls, 'join_token_url'));
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
  const cpu = {
    hostpass: hostpass.process.pid,
    memory: memory.pid,
    emulator: emulator.process.pid,
    postgres: POSTGRES_BACKENDS,
    driver: 'self' as const,
  };
  const routes = contenders(emulator, memory.url, hostpass, target);
  const counter = zoomCallCounter(emulator.zoom, (name) => name.startsWith('hostpass'));
  const results: Record<string, Comparison> = {};
  const measure = async (name: string, concurrency: number, count: number, logged = false) => {
    const plan = { count, concurrency, cpu };
    const afterRound = logged ? logRound(engine, name, loadPerRound) : undefined;
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

const logRound =
  (engine: Engine, name: string, loadPerRound: number[]) =>
  (round: number, latest: Record<string, RoundStats>) => {
    loadPerRound.push(loadAverage());
    const each = CONTENDERS.map(
      (contender) =>
        `${contender} ${latest[contender]?.perSecond}/s p50 ${latest[contender]?.p50Ms}`,
    );
    log(`${engine} ${name} round ${round + 1} (load ${loadAverage()}): ${each.join(', ')}`);
  };

/** Hostpass's webhook route against the per-event receiver, on the same engine. */
async function measureIngest(
  run: Run,
  engine: Engine,
  emulator: Emulator,
  measured: { store: Awaited<ReturnType<Run['store']>>; host: ConnectedHost },
  settings: Settings,
) {
  const { store, host } = measured;
  const hostpass = await run.hostpass(store, { emulator });
  const receiver = await run.start({
    args: ['bench/token-server.ts', `--${PER_EVENT}`],
    env: {
      BENCH_WEBHOOK_SECRET: host.app.zoomApp.webhook_secret,
      ...(store.databaseUrl
        ? { DATABASE_URL: store.databaseUrl }
        : { BENCH_PGLITE_DIR: await run.tempDir('hostpass-bench-receiver-') }),
    },
    readyPath: '/healthz',
  });
  const events = engine === 'postgres' ? settings.events : settings.pgliteEvents;
  const { rounds, answered } = await ingestContest(
    host,
    [
      { name: 'receiver', ...receiver },
      { name: 'hostpass', ...hostpass.process },
    ],
    {
      rounds: settings.rounds,
      warmup: Math.min(200, events),
      count: events,
      concurrency: INGEST_CONCURRENCY,
    },
    {
      afterRound: (round, latest) =>
        log(
          `${engine} ingest round ${round + 1} (load ${loadAverage()}): receiver ${latest.receiver?.perSecond}/s, Hostpass ${latest.hostpass?.perSecond}/s`,
        ),
    },
  );
  const counted = await fetch(`${receiver.url}/count`);
  const receiverRows = (await counted.json()) as { total: number; distinct: number };
  await run.stop({ process: receiver });
  await run.stop(hostpass);
  const { total, distinct } = await storedEvents(store, host.app.app.id);
  const [receiverAnswers = 0, hostpassAnswers = 0] = [answered.receiver, answered.hostpass];
  return {
    engine,
    eventsPerRound: events,
    receiver: series(rounds.receiver ?? []),
    hostpass: series(rounds.hostpass ?? []),
    ...versus(rounds, 'hostpass', 'receiver'),
    answered: { receiver: receiverAnswers, hostpass: hostpassAnswers },
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

function targetLines(summary: Summary, fill: Fill): string {
  const lines = summary.tokens.map((result) => {
    const { busy, serial, slowBusy } = result.results;
    /** The worse of the GET and the POST: `worst` of their `pick`ed ratio medians. */
    const both = (
      comparison: Comparison | undefined,
      versus: 'Memory' | 'Bare',
      pick: 'perSecondRatio' | 'p50Ratio' | 'p99Ratio',
      worst: (...values: number[]) => number,
    ) =>
      comparison
        ? worst(
            comparison[`getVs${versus}`][pick].median,
            comparison[`mintVs${versus}`][pick].median,
          )
        : Number.NaN;
    const throughput = both(busy, 'Memory', 'perSecondRatio', Math.min);
    const p50 = both(busy, 'Memory', 'p50Ratio', Math.max);
    const slowP50 = both(slowBusy, 'Bare', 'p50Ratio', Math.max);
    const slowP99 = both(slowBusy, 'Bare', 'p99Ratio', Math.max);
    const added = serial
      ? round2(serial.series.hostpassMint.p50.median - serial.series.bare.p50.median)
      : Number.NaN;
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
      added,
      addedMet:
        result.engine === 'postgres' ? verdict(added <= TARGET.serialAddedMs) : '(PostgreSQL only)',
      callsMet: verdict(calls.jointoken === calls.tokens && calls.total === calls.tokens),
      cpu,
      memoryCpu,
      cpuRatio: round2(cpu / memoryCpu),
    });
  });
  for (const result of summary.ingest) {
    const target = result.engine === 'postgres' ? TARGET.ingestPostgres : TARGET.ingestPglite;
    const ratio = result.perSecondRatio.median;
    const { hostpass } = result.rows;
    const exact =
      hostpass.total === result.answered.hostpass && hostpass.distinct === hostpass.total;
    lines.push(
      fill('ingest-target', {
        ...labelled(result),
        target,
        ratio,
        met: verdict(ratio >= target),
        exact: verdict(exact),
      }),
    );
  }
  return lines.join('\n');
}

/** The tables and the target lines, by the names the template gives them (printed in this order). */
function tables(summary: Summary, fill: Fill) {
  return {
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
  };
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
      const { store, host, ...result } = await measureTokens(
        run,
        engine,
        emulator,
        settings,
        loadPerRound,
      );
      tokens.push(result);
      return measureIngest(run, engine, emulator, { store, host }, settings);
    });
    return { tokens, ingest, loadPerRound, target: TARGET };
  },
  print: (summary, fill) => Object.values(tables(summary, fill)),
  render(summary, fill, header) {
    return fill('section', {
      ...summary,
      header,
      ...tables(summary, fill),
      perRound: summary.loadPerRound.join(', '),
      topFunctions: summary.tokens
        .map(
          (result) =>
            `${engineLabel(result.engine)}: ${result.profile.topFunctions
              .slice(0, 6)
              .map(({ where, ms }) => `\`${where}\` ${ms}`)
              .join(', ')}`,
        )
        .join('; '),
    });
  },
});

await main(import.meta.url, scenario);
