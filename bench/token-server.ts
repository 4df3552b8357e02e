/**
 * Token serving and minting (issues 6 and 14) against the simplest alternatives, rounds
 * interleaved: the bare Zoom jointoken call, an in-memory token server (`--in-memory-token-server`)
 * and Hostpass (token URL GET, mint), with `/healthz`, access-token and an unmapped mint beside
 * them; 64 and 1 in flight, with and without Zoom latency; a wider database pool (PostgreSQL);
 * a CPU profile; Zoom calls per token.
 */
import { type Pool, Pool as UndiciPool } from 'undici';
import { secretsEqual } from '../src/crypto/secrets.ts';
import * as h from './harness/index.ts';

const IN_MEMORY = 'in-memory-token-server';
const CONCURRENCY = 64;
const TARGET = {
  throughputRatio: 1.0,
  p50Ratio: 1.0,
  slowP50Ratio: 1.05,
  slowP99Ratio: 1.25,
  serialAddedMs: 0.5,
  mintP50Ratio: 1.25,
  mintP99Ratio: 1.5,
} as const;
const LABELS = {
  bare: 'Zoom jointoken, bare',
  memoryGet: 'in-memory server, GET',
  memoryMint: 'in-memory server, POST',
  hostpassGet: 'Hostpass token URL GET',
  hostpassMint: 'Hostpass `POST /api/v2/zoom-tokens/`',
  healthz: 'Hostpass `/healthz`',
  accessToken: 'Hostpass access-token',
  unmapped: 'Hostpass mint, unmapped meeting (404)',
} as const;
type Name = keyof typeof LABELS;
const CONTENDERS = Object.keys(LABELS) as Name[];
/** The contenders a Zoom latency changes; the others call no Zoom. */
const ZOOM_CALLERS = CONTENDERS.slice(0, 5);
/** No synced host has this meeting: the mint stops after the mapping lookup with a 404. */
const UNMAPPED_MEETING_ID = 98_765_432_101;
const JSON_TYPE = { 'content-type': 'application/json' };

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
  const joinToken = async (meetingId: string): Promise<h.Answer> => {
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
  h.serveHttp(async (request, body) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (url.pathname === '/healthz') return { status: 200, body: '{"status":"ok"}' };
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

const OPTIONS = { rounds: 3, requests: 3_000, warmup: 500, serialRequests: 300, zoomLatencyMs: 50 };
type Target = { meetingId: number; credentialId: string; accessToken: string; tokenUrl: string };
const SECRET = 'secret=bench-shared-secret-0123456789abcdef';

/** The contenders `names` names, each server with its own pool. */
function contenders(
  urls: Record<'zoom' | 'memory', string>,
  server: h.Hostpass,
  target: Target,
  names: readonly Name[],
) {
  const mint = h.mintSpec(server, { meeting_id: target.meetingId, kinds: ['join_token'] });
  const token = (body: string) => body.length > 20;
  const hostpass = server.process.url;
  // The token Hostpass holds, unchanged: no refresh in the run.
  const accessToken = h.getSpec(
    `/api/v2/zoom-oauth-credentials/${target.credentialId}/access-token/`,
    (body) => body.includes(target.accessToken),
    { authorization: server.authorization },
  );
  const unmapped = { meeting_id: UNMAPPED_MEETING_ID, kinds: ['join_token'] };
  const notFound = (status: number, body: string) =>
    status === 404 && body.includes('no_credential_for_meeting');
  const specs: Record<Name, [string, h.LoadSpec]> = {
    bare: [urls.zoom, h.jointokenSpec(target.meetingId, target.accessToken)],
    memoryGet: [urls.memory, h.getSpec(`/token?meeting_id=${target.meetingId}&${SECRET}`, token)],
    memoryMint: [
      urls.memory,
      { ...mint, next: () => ({ ...mint.next(), path: `/mint?${SECRET}`, headers: JSON_TYPE }) },
    ],
    hostpassGet: [hostpass, h.getSpec(target.tokenUrl, token)],
    hostpassMint: [hostpass, mint],
    healthz: [hostpass, h.getSpec('/healthz')],
    accessToken: [hostpass, accessToken],
    unmapped: [hostpass, h.mintSpec(server, unmapped, notFound)],
  };
  const pools = new Map<string, Pool>();
  const pool = (url: string) =>
    pools.get(url) ?? pools.set(url, h.keepAlivePool(url, CONCURRENCY)).get(url);
  return names.map((name) => ({ name, pool: pool(specs[name][0]) as Pool, spec: specs[name][1] }));
}

/** Every contender's series, and Hostpass ÷ in-memory and ÷ bare per round. */
function compared(rounds: Record<string, h.RoundStats[]>) {
  const measured = CONTENDERS.filter((name) => rounds[name]);
  return {
    series: Object.fromEntries(
      measured.map((name) => [name, h.series(rounds[name] ?? [])]),
    ) as Partial<Record<Name, h.Series>>,
    getVsMemory: h.versus(rounds, 'hostpassGet', 'memoryGet'),
    mintVsMemory: h.versus(rounds, 'hostpassMint', 'memoryMint'),
    getVsBare: h.versus(rounds, 'hostpassGet', 'bare'),
    mintVsBare: h.versus(rounds, 'hostpassMint', 'bare'),
    accessTokenVsHealthz: h.versus(rounds, 'accessToken', 'healthz'),
  };
}

type Comparison = ReturnType<typeof compared>;

async function measureEngine(
  run: h.Run,
  engine: h.Engine,
  emulator: h.Emulator,
  settings: typeof OPTIONS,
  loadPerRound: number[],
) {
  const store = await run.store(engine);
  const start = (nodeFlags: string[] = [], env: Record<string, string> = {}) =>
    run.hostpass(store, { emulator, nodeFlags, env: { ...h.UNLIMITED_SERVER_ENV, ...env } });
  let hostpass = await start();
  const host = await h.mintingHost({ zoom: emulator.zoom, hostpass });
  const meetingId = Number(host.meeting.id);
  const body = { meeting_id: meetingId, kinds: ['join_token' as const], ttl_seconds: 86_400 };
  const created = await h.must(hostpass.client.POST('/api/v2/zoom-token-urls/', { body }));
  const joinUrl = new URL(created.join_token_url ?? '');
  const tokenUrl = `${joinUrl.pathname}${joinUrl.search}`;
  const target = { ...host, meetingId, tokenUrl };
  // The in-memory server's Map, filled once from the grant Hostpass holds.
  const memory = await run.start({
    args: ['bench/token-server.ts', `--${IN_MEMORY}`],
    env: {
      ZOOM_API_URL: `${emulator.url}/v2`,
      BENCH_SECRET: SECRET.slice('secret='.length),
      BENCH_TOKENS: JSON.stringify({ [String(meetingId)]: target.accessToken }),
    },
    readyPath: '/healthz',
  });
  const urls = { zoom: emulator.url, memory: memory.url };
  const routes = (server: h.Hostpass, names: readonly Name[]) =>
    contenders(urls, server, target, names);
  const counter = h.zoomCallCounter(emulator.zoom, ['hostpassGet', 'hostpassMint', 'accessToken']);
  const results: Record<string, Comparison> = {};
  /** `warmup` requests to each of `names` first (the first measurement and a restart warm up). */
  const measure = async (
    names: readonly Name[],
    key: string,
    concurrency: number,
    count: number,
    warmup = 0,
  ) => {
    const cpu = h.hostpassCpu(hostpass, { memory: memory.pid, emulator: emulator.process.pid });
    const plan = { rounds: settings.rounds, warmup, count, concurrency, cpu };
    const afterRound = h.logRounds(`${engine} ${key}`, loadPerRound);
    const measured = await h.contest(routes(hostpass, names), plan, {
      ...counter.hooks,
      afterRound,
    });
    results[key] = compared(measured.rounds);
  };
  await measure(CONTENDERS, 'busy', CONCURRENCY, settings.requests, settings.warmup);
  await measure(CONTENDERS, 'serial', 1, settings.serialRequests);
  // Zoom answers in tens of milliseconds: the same with a fixed delay on every jointoken.
  await emulator.zoom.addFault({ path_pattern: h.JOINTOKEN, latency_ms: settings.zoomLatencyMs });
  await measure(ZOOM_CALLERS, 'slowBusy', CONCURRENCY, settings.requests);
  // A fifth as many: each of them waits the added latency.
  const slowSerial = Math.max(1, Math.floor(settings.serialRequests / 5));
  await measure(ZOOM_CALLERS, 'slowSerial', 1, slowSerial);
  await emulator.zoom.clearFaults();
  const tokenAfter = (await h.accessToken(hostpass, host.credentialId)).token;
  await run.stop(hostpass);
  // A mint makes one query; do 64 mints in flight wait for the default pool's 10 connections?
  if (engine === 'postgres') {
    hostpass = await start([], { DATABASE_POOL_SIZE: String(CONCURRENCY) });
    const names = ['bare', 'hostpassMint'] as const;
    await measure(names, 'widePool', CONCURRENCY, settings.requests, settings.warmup);
    await run.stop(hostpass);
  }
  // Where Hostpass's CPU goes: the same store under --cpu-prof, token URL and mint batches.
  const profile = await h.profileBatches(
    run,
    start,
    (server) => routes(server, ['hostpassGet', 'hostpassMint']),
    { warmup: settings.warmup, count: settings.requests, concurrency: CONCURRENCY },
  );
  await run.stop(memory);
  return {
    engine,
    results,
    calls: h.sumZoomCalls(counter.calls, ['hostpassGet', 'hostpassMint']),
    /** Zoom requests during the access-token rounds (none: the token was fresh), and whether it changed. */
    accessToken: {
      zoomCalls: counter.calls.accessToken?.total ?? 0,
      unchanged: tokenAfter === host.accessToken,
    },
    profile,
  };
}

type EngineResult = Awaited<ReturnType<typeof measureEngine>>;
type Summary = h.Common<unknown> & {
  tokens: EngineResult[];
  loadPerRound: number[];
  target: typeof TARGET;
};

const MEASUREMENTS = {
  busy: `${CONCURRENCY} in flight`,
  serial: '1 in flight',
  slowBusy: `${CONCURRENCY} in flight, Zoom +latency`,
  slowSerial: '1 in flight, Zoom +latency',
  widePool: `${CONCURRENCY} in flight, pool of ${CONCURRENCY}`,
} as const;

/** Every engine's measurements (busy, serial…) in table order, with the cells their rows share. */
const measurements = (summary: Summary) =>
  summary.tokens.flatMap((result) =>
    Object.entries(MEASUREMENTS).flatMap(([key, load]) => {
      const comparison = result.results[key];
      const base = { engine: h.engineLabel(result.engine), load };
      return comparison ? [{ comparison, base, result }] : [];
    }),
  );

function tokenRows(summary: Summary, fill: h.Fill) {
  return measurements(summary).flatMap(({ comparison, base, result }) =>
    CONTENDERS.flatMap((name) => {
      const value = comparison.series[name];
      if (!value) return [];
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
  return measurements(summary).flatMap(({ comparison, base }) =>
    (
      [
        ['token URL GET', comparison.getVsMemory, comparison.getVsBare],
        ['mint POST', comparison.mintVsMemory, comparison.mintVsBare],
      ] as const
    )
      .filter(([, , bare]) => bare.p50Ratios.length > 0)
      .map(([route, memory, bare]) => ({
        ...base,
        route,
        // The wide-pool rounds run no in-memory server.
        perSecondVsMemory: comparison.series.memoryMint ? memory.perSecondRatio.median : '–',
        p50VsMemory: comparison.series.memoryMint ? memory.p50Ratio.median : '–',
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
  const rounds = {
    bare: all.bare?.rounds ?? [],
    get: all.memoryGet?.rounds ?? [],
    mint: all.memoryMint?.rounds ?? [],
  };
  return Math.max(
    h.versus(rounds, 'get', 'bare').p99Ratio.median,
    h.versus(rounds, 'mint', 'bare').p99Ratio.median,
  );
}

function targetLines(summary: Summary, fill: h.Fill): string {
  return summary.tokens
    .map((result) => {
      const { busy, serial, slowBusy, widePool } = result.results;
      const throughput = worse(busy, 'Memory', 'perSecondRatio', Math.min);
      const p50 = worse(busy, 'Memory', 'p50Ratio', Math.max);
      const slowP50 = worse(slowBusy, 'Bare', 'p50Ratio', Math.max);
      const slowP99 = worse(slowBusy, 'Bare', 'p99Ratio', Math.max);
      // The floor under that p99: the simplest server's own, from the same rounds.
      const memorySlowP99 = slowBusy ? memoryP99VsBare(slowBusy) : Number.NaN;
      const { hostpassMint, bare } = serial?.series ?? {};
      const added = h.round2((hostpassMint?.p50.median ?? Number.NaN) - (bare?.p50.median ?? 0));
      const { calls } = result;
      const mint = busy?.series.hostpassMint;
      const cpu = mint?.cpuMsPerRequestMedian.hostpass ?? Number.NaN;
      const memoryCpu = busy?.series.memoryMint?.cpuMsPerRequestMedian.memory ?? Number.NaN;
      const mintVsBare = busy?.mintVsBare;
      const values = {
        ...h.labelled(result),
        target: summary.target,
        throughput: h.round2(throughput),
        throughputMet: h.verdict(throughput >= TARGET.throughputRatio),
        p50,
        p50Met: h.verdict(p50 <= TARGET.p50Ratio),
        slowP50,
        slowP50Met: h.verdict(slowP50 <= TARGET.slowP50Ratio),
        slowP99,
        slowP99Met: h.verdict(slowP99 <= TARGET.slowP99Ratio),
        memorySlowP99,
        added,
        addedMet:
          result.engine === 'postgres'
            ? h.verdict(added <= TARGET.serialAddedMs)
            : fill('postgres-only'),
        callsMet: h.verdict(calls.jointoken === calls.tokens && calls.total === calls.tokens),
        cpu,
        memoryCpu,
        cpuRatio: h.round2(cpu / memoryCpu),
        mintVsBare,
        mintP50Met: h.verdict((mintVsBare?.p50Ratio.median ?? Number.NaN) <= TARGET.mintP50Ratio),
        mintP99Met: h.verdict((mintVsBare?.p99Ratio.median ?? Number.NaN) <= TARGET.mintP99Ratio),
        accessTokenMet: h.verdict(
          result.accessToken.zoomCalls === 0 && result.accessToken.unchanged,
        ),
        accessTokenVsHealthz: busy?.accessTokenVsHealthz,
      };
      const lines = [fill('targets', values)];
      const wide = widePool?.series.hostpassMint;
      if (wide && mint) {
        const helped = wide.perSecondMedian > mint.perSecondMedian * 1.1;
        lines.push(
          fill(helped ? 'wide-pool-helped' : 'wide-pool-did-not-help', { ...values, wide, mint }),
        );
      }
      return lines.join('\n');
    })
    .join('\n');
}

export const scenario = h.defineScenario({
  name: 'token-server',
  options: OPTIONS,
  quick: { rounds: 1, requests: 100, warmup: 20, serialRequests: 10 },
  engines: ['postgres', 'pglite'],
  servers: { [IN_MEMORY]: serveInMemory },
  async measure(run, settings) {
    const emulator = await run.emulator();
    const loadPerRound: number[] = [];
    const tokens = await run.eachEngine((engine) =>
      measureEngine(run, engine, emulator, settings, loadPerRound),
    );
    return { tokens, loadPerRound, target: TARGET };
  },
  // Printed in this order, and named so in the template.
  tables: (summary, fill) => ({
    tokenTable: fill.table('token-table', tokenRows(summary, fill)),
    ratioTable: fill.table('ratio-table', ratioRows(summary)),
    profileTable: fill.table(
      'profile-table',
      summary.tokens.flatMap((result) =>
        result.profile.byArea
          .slice(0, 10)
          .map((area) => ({ ...h.labelled(result), ...area, busy: result.profile.busyMs })),
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
        return `${h.engineLabel(result.engine)}: ${list}`;
      })
      .join('; '),
  }),
});

await h.main(import.meta.url, scenario);
