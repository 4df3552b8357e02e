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
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import path from 'node:path';
import pg from 'pg';
import { Pool as UndiciPool } from 'undici';
import { verifyZoomWebhook } from '../src/zoom/webhook-signature.ts';
import { meetingCreatedBody, STORED_ANSWER, webhookSignedRequest } from './credentials.ts';
import {
  type Contender,
  closePools,
  interleave,
  keepAlivePool,
  POSTGRES_BACKENDS,
  type RoundStats,
  runBatch,
  type Series,
  series,
  versus,
  warmUp,
} from './harness/load.ts';
import { type Emulator, type Engine, engineLabel, HOST } from './harness/processes.ts';
import { monotonicUs, readCpuProfile } from './harness/profile.ts';
import { type Fill, loadAverage, log, round2, verdict } from './harness/report.ts';
import { type Common, defineScenario, main, type Run } from './harness/scenario.ts';
import {
  accessToken,
  type ConnectedHost,
  connectHost,
  UNLIMITED,
  waitForSync,
  zoomCalls,
} from './harness/world.ts';

const IN_MEMORY = 'in-memory-token-server';
const PER_EVENT = 'per-event-receiver';
const CONCURRENCY = 64;
const INGEST_CONCURRENCY = 32;
const JOINTOKEN = '/v2/meetings/{meetingId}/jointoken/local_recording';
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

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

function answer(response: ServerResponse, status: number, body: string, type = 'application/json') {
  response.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  response.end(body);
}

/**
 * What a team writes in an afternoon: the host's access token in a Map (meeting → token, filled
 * once at start from the grant), the Zoom call per request through a keep-alive pool, a shared
 * secret in the query. `GET /token?meeting_id=&secret=` answers the token as text (a token URL);
 * `POST /mint?secret=` with `{"meeting_id"}` answers `{"join_token": …}`.
 */
async function serveInMemory(): Promise<void> {
  const { PORT, ZOOM_API_URL, BENCH_SECRET, BENCH_TOKENS } = process.env;
  if (!PORT || !ZOOM_API_URL || !BENCH_SECRET || !BENCH_TOKENS)
    throw new Error('PORT, ZOOM_API_URL, BENCH_SECRET and BENCH_TOKENS are required');
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
    const text = await zoomAnswer.body.text();
    if (zoomAnswer.statusCode !== 200) return { status: 502, body: text };
    return { status: 200, body: text };
  };
  const server = createServer((request, response) => {
    void (async () => {
      const url = new URL(request.url ?? '/', 'http://localhost');
      if (url.pathname === '/healthz') return answer(response, 200, '{"status":"ok"}');
      if (!secretOk(url.searchParams.get('secret'))) return answer(response, 401, '{}');
      if (request.method === 'GET' && url.pathname === '/token') {
        const minted = await joinToken(url.searchParams.get('meeting_id') ?? '');
        if (minted.status !== 200) return answer(response, minted.status, minted.body);
        return answer(response, 200, JSON.parse(minted.body).token, 'text/plain');
      }
      if (request.method === 'POST' && url.pathname === '/mint') {
        const body = JSON.parse((await readBody(request)).toString('utf8'));
        const minted = await joinToken(String(body.meeting_id));
        if (minted.status !== 200) return answer(response, minted.status, minted.body);
        return answer(response, 200, `{"join_token":${minted.body}}`);
      }
      answer(response, 404, '{}');
    })().catch((error: unknown) => answer(response, 500, JSON.stringify(String(error))));
  });
  server.listen(Number(PORT), HOST);
  process.once('SIGTERM', () => server.close(() => process.exit(0)));
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
  const { PORT, BENCH_WEBHOOK_SECRET } = process.env;
  if (!PORT || !BENCH_WEBHOOK_SECRET) throw new Error('PORT and BENCH_WEBHOOK_SECRET are required');
  const store = await openEventStore();
  const server = createServer((request, response) => {
    void (async () => {
      if (request.url === '/healthz') return answer(response, 200, '{"status":"ok"}');
      if (request.url === '/count')
        return answer(response, 200, JSON.stringify(await store.count()));
      const body = await readBody(request);
      const signature = request.headers['x-zm-signature'];
      const timestamp = request.headers['x-zm-request-timestamp'];
      const check = verifyZoomWebhook(
        BENCH_WEBHOOK_SECRET,
        {
          signature: typeof signature === 'string' ? signature : undefined,
          timestamp: typeof timestamp === 'string' ? timestamp : undefined,
          body,
        },
        Date.now(),
      );
      if (!check.ok) return answer(response, 401, '{}');
      const text = body.toString('utf8');
      JSON.parse(text);
      await store.insertInOwnTransaction(text);
      answer(response, 200, STORED_ANSWER);
    })().catch((error: unknown) => answer(response, 500, JSON.stringify(String(error))));
  });
  server.listen(Number(PORT), HOST);
  process.once('SIGTERM', () => server.close(() => process.exit(0)));
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

function contenders(
  emulator: Emulator,
  memoryUrl: string,
  hostpass: Awaited<ReturnType<Run['hostpass']>>,
  target: Targets,
): Contender[] {
  const zoomPool = keepAlivePool(emulator.url, CONCURRENCY);
  const memoryPool = keepAlivePool(memoryUrl, CONCURRENCY);
  const hostpassPool = keepAlivePool(hostpass.process.url, CONCURRENCY);
  const tokenText = (status: number, body: string) => status === 200 && body.length > 20;
  const mintBody = JSON.stringify({ meeting_id: target.meetingId, kinds: ['join_token'] });
  const specs: Record<Name, Omit<Contender, 'name'>> = {
    bare: {
      pool: zoomPool,
      spec: {
        next: () => ({
          method: 'GET',
          path: `/v2/meetings/${target.meetingId}/jointoken/local_recording?bypass_waiting_room=true`,
          headers: { authorization: `Bearer ${target.accessToken}` },
        }),
        ok: (status, body) => status === 200 && body.startsWith('{"token":'),
      },
    },
    memoryGet: {
      pool: memoryPool,
      spec: {
        next: () => ({
          method: 'GET',
          path: `/token?meeting_id=${target.meetingId}&secret=${target.secret}`,
        }),
        ok: tokenText,
      },
    },
    memoryMint: {
      pool: memoryPool,
      spec: {
        next: () => ({
          method: 'POST',
          path: `/mint?secret=${target.secret}`,
          headers: { 'content-type': 'application/json' },
          body: mintBody,
        }),
        ok: (status, body) => status === 200 && body.includes('"join_token":{"token":'),
      },
    },
    hostpassGet: {
      pool: hostpassPool,
      spec: { next: () => ({ method: 'GET', path: target.tokenUrlPath }), ok: tokenText },
    },
    hostpassMint: {
      pool: hostpassPool,
      spec: {
        next: () => ({
          method: 'POST',
          path: '/api/v2/zoom-tokens/',
          headers: { authorization: hostpass.authorization, 'content-type': 'application/json' },
          body: mintBody,
        }),
        ok: (status, body) => status === 200 && body.includes('"join_token":{"token":'),
      },
    },
  };
  return CONTENDERS.map((name) => ({ name, ...specs[name] }));
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
  const env = { HOSTPASS_ZOOM_RATE_LIGHT: '100000', HOSTPASS_ZOOM_RATE_MEDIUM: '100000' };
  const start = (nodeFlags: string[] = []) => run.hostpass(store, { emulator, nodeFlags, env });
  let hostpass = await start();
  const host = await connectHost(
    { zoom: emulator.zoom, hostpass },
    {
      account: {
        plan: 'business',
        rate_limits: { light: UNLIMITED, medium: UNLIMITED, heavy: UNLIMITED },
      },
      meeting: { waiting_room: true },
    },
  );
  await waitForSync(hostpass, host.credentialId);
  const meetingId = host.meeting?.id;
  if (meetingId === undefined) throw new Error('no meeting');
  const urls = await hostpass.api('/api/v2/zoom-token-urls/', {
    method: 'POST',
    json: { meeting_id: Number(meetingId), kinds: ['join_token'], ttl_seconds: 86_400 },
  });
  if (urls.status !== 200) throw new Error(`token URLs: ${urls.status} ${urls.text}`);
  const joinUrl = new URL(urls.body.join_token_url as string);
  const target: Targets = {
    meetingId: Number(meetingId),
    accessToken: (await accessToken(hostpass, host.credentialId)).token,
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
  const calls = { tokens: 0, total: 0, jointoken: 0, refreshes: 0 };
  const countCalls = {
    before: (route: Contender) =>
      route.name.startsWith('hostpass') ? emulator.zoom.resetRequests() : undefined,
    after: async (route: Contender, stats: RoundStats) => {
      if (!route.name.startsWith('hostpass')) return;
      const seen = await zoomCalls(
        emulator.zoom,
        stats.requests - stats.errors,
        `GET ${JOINTOKEN}`,
      );
      calls.tokens += seen.tokens;
      calls.total += seen.total;
      calls.jointoken += seen.endpoint;
      calls.refreshes += seen.refreshes;
    },
  };
  const plan = (concurrency: number, count: number) => ({ count, concurrency, cpu });
  const results: Record<string, Comparison> = {};
  try {
    await warmUp(routes, settings.warmup, CONCURRENCY);
    for (const [name, concurrency, count] of [
      ['busy', CONCURRENCY, settings.requests],
      ['serial', 1, settings.serialRequests],
    ] as const) {
      results[name] = compared(
        await interleave(routes, settings.rounds, plan(concurrency, count), {
          ...countCalls,
          afterRound: (round, latest) => {
            loadPerRound.push(loadAverage());
            log(
              `${engine} ${name} round ${round + 1} (load ${loadAverage()}): ` +
                CONTENDERS.map(
                  (contender) =>
                    `${contender} ${latest[contender]?.perSecond}/s p50 ${latest[contender]?.p50Ms}`,
                ).join(', '),
            );
          },
        }),
      );
    }
    // Zoom answers in tens of milliseconds: the same with a fixed delay on every jointoken.
    await emulator.zoom.addFault({ path_pattern: JOINTOKEN, latency_ms: settings.zoomLatencyMs });
    for (const [name, concurrency, count] of [
      ['slowBusy', CONCURRENCY, settings.requests],
      ['slowSerial', 1, Math.max(1, Math.floor(settings.serialRequests / 5))],
    ] as const)
      results[name] = compared(
        await interleave(routes, settings.rounds, plan(concurrency, count), countCalls),
      );
    await emulator.zoom.clearFaults();
  } finally {
    await closePools(routes);
    await run.stop(hostpass);
  }

  // Where Hostpass's CPU goes: the same store under --cpu-prof, token URL and mint batches.
  const profileDir = await run.tempDir('hostpass-token-profile-');
  hostpass = await start(['--cpu-prof', `--cpu-prof-dir=${profileDir}`]);
  const profiled = contenders(emulator, memory.url, hostpass, target).filter((route) =>
    route.name.startsWith('hostpass'),
  );
  let window: { fromUs: number; toUs: number };
  let served = 0;
  try {
    await warmUp(profiled, settings.warmup, CONCURRENCY);
    const fromUs = monotonicUs();
    for (const route of profiled) {
      const batch = await runBatch(route.pool, route.spec, settings.requests, CONCURRENCY);
      served += batch.requests;
    }
    window = { fromUs, toUs: monotonicUs() };
  } finally {
    await closePools(profiled);
    await run.stop(hostpass);
    await run.stop({ process: memory });
  }
  const profile = await readCpuProfile(profileDir, { window, per: served });
  return { engine, results, calls, profile, store, host };
}

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
  const webhookPath = new URL(host.app.app.webhook_url).pathname;
  const contender = (name: string, url: string, pid: number): Contender => ({
    name,
    pool: keepAlivePool(url, INGEST_CONCURRENCY),
    cpu: { server: pid, postgres: POSTGRES_BACKENDS },
    spec: {
      next: () => webhookSignedRequest(host, webhookPath, meetingCreatedBody(host)),
      ok: (status, body) => status === 200 && body === STORED_ANSWER,
    },
  });
  const routes = [
    contender('receiver', receiver.url, receiver.pid),
    contender('hostpass', hostpass.process.url, hostpass.process.pid),
  ];
  const answered = { receiver: 0, hostpass: 0 };
  let rounds: Record<string, RoundStats[]>;
  try {
    const warm = await warmUp(routes, Math.min(200, events), INGEST_CONCURRENCY);
    answered.receiver += warm.receiver ?? 0;
    answered.hostpass += warm.hostpass ?? 0;
    rounds = await interleave(
      routes,
      settings.rounds,
      { count: events, concurrency: INGEST_CONCURRENCY },
      {
        after: (route, stats) => {
          answered[route.name as keyof typeof answered] += stats.requests - stats.errors;
        },
        afterRound: (round, latest) =>
          log(
            `${engine} ingest round ${round + 1} (load ${loadAverage()}): receiver ${latest.receiver?.perSecond}/s, Hostpass ${latest.hostpass?.perSecond}/s`,
          ),
      },
    );
  } finally {
    await closePools(routes);
  }
  const receiverRows = (await (await fetch(`${receiver.url}/count`)).json()) as {
    total: number;
    distinct: number;
  };
  await run.stop({ process: receiver });
  await run.stop(hostpass);
  const [hostpassRows] = await store.query<{ total: number; distinct: number }>(
    `SELECT count(*)::int AS total, count(DISTINCT body_sha256)::int AS distinct
     FROM zoom_webhook_events WHERE oauth_app_id = $1`,
    [host.app.app.id],
  );
  return {
    engine,
    eventsPerRound: events,
    receiver: series(rounds.receiver ?? []),
    hostpass: series(rounds.hostpass ?? []),
    ...versus(rounds, 'hostpass', 'receiver'),
    answered,
    rows: { receiver: receiverRows, hostpass: hostpassRows ?? { total: 0, distinct: 0 } },
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

function tokenRows(summary: Summary, fill: Fill) {
  return summary.tokens.flatMap((result) =>
    Object.entries(MEASUREMENTS).flatMap(([key, label]) => {
      const comparison = result.results[key];
      if (!comparison) return [];
      return CONTENDERS.map((name) => {
        const value = comparison.series[name];
        const cpu = value.cpuMsPerRequestMedian;
        const own = name === 'bare' ? null : name.startsWith('memory') ? cpu.memory : cpu.hostpass;
        return {
          ...value,
          engine: engineLabel(result.engine),
          load: label,
          contender: LABELS[name],
          latency: fill('latency', value),
          serverCpu: own ?? 'n/a',
          postgresCpu: result.engine === 'pglite' ? 'in Hostpass' : (cpu.postgres ?? 'n/a'),
          emulatorCpu: cpu.emulator ?? 'n/a',
        };
      });
    }),
  );
}

function ratioRows(summary: Summary) {
  return summary.tokens.flatMap((result) =>
    Object.entries(MEASUREMENTS).flatMap(([key, label]) => {
      const comparison = result.results[key];
      if (!comparison) return [];
      return [
        ['token URL GET', comparison.getVsMemory, comparison.getVsBare],
        ['mint POST', comparison.mintVsMemory, comparison.mintVsBare],
      ].map(([route, memory, bare]) => {
        const [m, b] = [memory, bare] as [Comparison['getVsMemory'], Comparison['getVsBare']];
        return {
          engine: engineLabel(result.engine),
          load: label,
          route,
          perSecondVsMemory: m.perSecondRatio.median,
          p50VsMemory: m.p50Ratio.median,
          p50VsBare: b.p50Ratio.median,
          p99VsBare: b.p99Ratio.median,
        };
      });
    }),
  );
}

function targetLines(summary: Summary, fill: Fill): string {
  const lines = summary.tokens.map((result) => {
    const { busy, serial, slowBusy } = result.results;
    const worst = (pick: (comparison: Comparison) => number[]) =>
      busy ? Math.min(...pick(busy)) : Number.NaN;
    const throughput = worst((c) => [
      c.getVsMemory.perSecondRatio.median,
      c.mintVsMemory.perSecondRatio.median,
    ]);
    const p50 = busy
      ? Math.max(busy.getVsMemory.p50Ratio.median, busy.mintVsMemory.p50Ratio.median)
      : Number.NaN;
    const slowP50 = slowBusy
      ? Math.max(slowBusy.getVsBare.p50Ratio.median, slowBusy.mintVsBare.p50Ratio.median)
      : Number.NaN;
    const slowP99 = slowBusy
      ? Math.max(slowBusy.getVsBare.p99Ratio.median, slowBusy.mintVsBare.p99Ratio.median)
      : Number.NaN;
    const added = serial
      ? round2(serial.series.hostpassMint.p50.median - serial.series.bare.p50.median)
      : Number.NaN;
    const perToken =
      result.calls.tokens > 0 ? round2(result.calls.total / result.calls.tokens) : Number.NaN;
    const cpu = busy?.series.hostpassMint.cpuMsPerRequestMedian.hostpass ?? Number.NaN;
    const memoryCpu = busy?.series.memoryMint.cpuMsPerRequestMedian.memory ?? Number.NaN;
    return fill('targets', {
      label: engineLabel(result.engine),
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
      perToken,
      calls: result.calls,
      callsMet: verdict(
        result.calls.jointoken === result.calls.tokens &&
          result.calls.total === result.calls.tokens,
      ),
      cpu,
      memoryCpu,
      cpuRatio: round2(cpu / memoryCpu),
    });
  });
  for (const result of summary.ingest) {
    const target = result.engine === 'postgres' ? TARGET.ingestPostgres : TARGET.ingestPglite;
    const ratio = result.perSecondRatio.median;
    const exact =
      result.rows.hostpass.total === result.answered.hostpass &&
      result.rows.hostpass.distinct === result.rows.hostpass.total;
    lines.push(
      fill('ingest-target', {
        ...result,
        label: engineLabel(result.engine),
        target,
        ratio,
        met: verdict(ratio >= target),
        exact: verdict(exact),
      }),
    );
  }
  return lines.join('\n');
}

function tables(summary: Summary, fill: Fill): string[] {
  return [
    fill.table('token-table', tokenRows(summary, fill)),
    fill.table('ratio-table', ratioRows(summary)),
    fill.table(
      'ingest-table',
      summary.ingest.map((result) => ({
        ...result,
        label: engineLabel(result.engine),
        receiverLatency: fill('latency', result.receiver),
        hostpassLatency: fill('latency', result.hostpass),
        receiverCpu: result.receiver.cpuMsPerRequestMedian.server,
        hostpassCpu: result.hostpass.cpuMsPerRequestMedian.server,
      })),
    ),
    fill.table(
      'profile-table',
      summary.tokens.flatMap((result) =>
        result.profile.byArea.slice(0, 10).map(({ area, ms }) => ({
          label: engineLabel(result.engine),
          area,
          ms,
          busy: result.profile.busyMs,
        })),
      ),
    ),
  ];
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
    const ingest: IngestResult[] = [];
    for (const engine of run.engines) {
      const { store, host, ...result } = await measureTokens(
        run,
        engine,
        emulator,
        settings,
        loadPerRound,
      );
      tokens.push(result);
      ingest.push(await measureIngest(run, engine, emulator, { store, host }, settings));
    }
    return { tokens, ingest, loadPerRound, target: TARGET };
  },
  print: (summary, fill) => [...tables(summary, fill), targetLines(summary, fill)],
  render(summary, fill, header) {
    const [tokenTable, ratioTable, ingestTable, profileTable] = tables(summary, fill);
    return fill('section', {
      ...summary,
      header,
      tokenTable,
      ratioTable,
      ingestTable,
      profileTable,
      targets: targetLines(summary, fill),
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
