/**
 * Mint (issue 6): `POST /api/v2/zoom-tokens/` against the bare Zoom jointoken call (same token,
 * rounds alternating; targets p50 ≤ 1.25×, p99 ≤ 1.5×, one Zoom call per mint), and where the time
 * goes: `/healthz`, access-token and an unmapped mint in the same rounds, 1 in flight, +50 ms at
 * Zoom, a CPU profile, a wider database pool.
 */
import {
  type Contender,
  closePools,
  getContender,
  hostpassCpu,
  interleave,
  keepAlivePool,
  logRounds,
  type RoundPlan,
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
} from './harness/processes.ts';
import { profileBatches } from './harness/profile.ts';
import { type Fill, log, round2, verdict } from './harness/report.ts';
import { busy, type Common, defineScenario, main, type Run } from './harness/scenario.ts';
import {
  JOINTOKEN,
  jointokenSpec,
  mintingHost,
  mintSpec,
  totalZoomCalls,
  UNLIMITED_SERVER_ENV,
  zoomCallCounter,
} from './harness/world.ts';

const CONCURRENCY = 64;
const TARGET = { p50Ratio: 1.25, p99Ratio: 1.5, zoomCallsPerMint: 1 } as const;
/** No synced host has this meeting: the mint stops after the mapping lookup with a 404. */
const UNMAPPED_MEETING_ID = 98_765_432_101;
const ROUTES = ['bare', 'mint', 'healthz', 'accessToken', 'unmapped'] as const;
type Route = (typeof ROUTES)[number];
const ROUTE_LABELS: Record<Route, string> = {
  bare: 'emulator jointoken (bare)',
  mint: 'Hostpass mint (join_token)',
  healthz: 'Hostpass `/healthz`',
  accessToken: 'Hostpass access-token',
  unmapped: 'Hostpass mint, unmapped meeting (404)',
};

type Host = Awaited<ReturnType<typeof mintingHost>>;

/** The five routes under load (or those `names` names): the bare call at the emulator, four at Hostpass. */
function contenders(
  emulator: Emulator,
  server: Hostpass,
  host: Host,
  names: readonly Route[] = ROUTES,
): Contender[] {
  const zoomPool = keepAlivePool(emulator.url, CONCURRENCY);
  const pool = keepAlivePool(server.process.url, CONCURRENCY);
  const mint = (meetingUrl: string, ok?: Contender['spec']['ok']) =>
    mintSpec(server, { meeting_url: meetingUrl, kinds: ['join_token'] }, ok);
  const { meeting, credentialId } = host;
  const get = (path: string, headers = {}) => getContender('', pool, path, headers).spec;
  const specs: Record<Route, Contender['spec']> = {
    bare: jointokenSpec(meeting.id, host.accessToken),
    mint: mint(`https://us05web.zoom.us/j/${meeting.id}?pwd=${meeting.password}`),
    healthz: get('/healthz'),
    accessToken: get(`/api/v2/zoom-oauth-credentials/${credentialId}/access-token/`, {
      authorization: server.authorization,
    }),
    unmapped: mint(
      `https://us05web.zoom.us/j/${UNMAPPED_MEETING_ID}`,
      (status, body) => status === 404 && body.includes('no_credential_for_meeting'),
    ),
  };
  return names.map((name) => ({
    name,
    pool: name === 'bare' ? zoomPool : pool,
    spec: specs[name],
  }));
}

/** Bare and mint rounds back to back: both series, and mint ÷ bare per round. */
function compare(rounds: Record<string, RoundStats[]>) {
  const [bare, mint] = [series(rounds.bare ?? []), series(rounds.mint ?? [])];
  return { bare, mint, ...versus(rounds, 'mint', 'bare') };
}

type Comparison = ReturnType<typeof compare>;

const bySeries = (rounds: Record<string, RoundStats[]>) =>
  Object.fromEntries(ROUTES.map((route) => [route, series(rounds[route] ?? [])])) as Record<
    Route,
    Series
  >;

async function measureEngine(
  run: Run,
  engine: Engine,
  emulator: Emulator,
  settings: Record<'rounds' | 'requests' | 'warmup' | 'serialRequests' | 'zoomLatencyMs', number>,
  loadPerRound: number[],
) {
  const { zoom } = emulator;
  const store = await run.store(engine);
  const start = (nodeFlags: string[] = [], extra: Record<string, string> = {}) =>
    run.hostpass(store, { emulator, nodeFlags, env: { ...UNLIMITED_SERVER_ENV, ...extra } });
  const server = await start();
  const host = await mintingHost({ zoom, hostpass: server });
  const { syncSeconds } = host;
  log(`${engine}: meeting ${host.meeting.id} synced in ${syncSeconds} s`);
  // The routes of a server, warm, measured by `work`; the server is stopped afterwards.
  const measureOn = async <T>(
    hostpass: Hostpass,
    warm: readonly Route[],
    work: (routes: Contender[], plan: RoundPlan) => Promise<T>,
  ): Promise<T> => {
    const routes = contenders(emulator, hostpass, host);
    const cpu = hostpassCpu(hostpass, { emulator: emulator.process.pid });
    try {
      await warmUp(
        routes.filter((route) => warm.some((name) => name === route.name)),
        settings.warmup,
        CONCURRENCY,
      );
      return await work(routes, { count: settings.requests, concurrency: CONCURRENCY, cpu });
    } finally {
      await closePools(routes);
      await run.stop(hostpass);
    }
  };
  const bareAndMint = (routes: Contender[]) =>
    routes.filter((route) => ['bare', 'mint'].includes(route.name));

  const counter = zoomCallCounter(zoom, (name) => name === 'mint');
  const serial: Record<string, RoundStats[]> = {};
  const { rounds, slowZoom } = await measureOn(server, ROUTES, async (routes, plan) => {
    const logRound = logRounds(engine, loadPerRound);
    const rounds = await interleave(routes, settings.rounds, plan, {
      ...counter.hooks,
      // Each round at 64 in flight is followed by one at 1 in flight: Hostpass's own latency.
      afterRound: async (round, latest) => {
        const one = { ...plan, count: settings.serialRequests, concurrency: 1 };
        for (const [route, stats] of Object.entries(await interleave(routes, 1, one)))
          serial[route] = [...(serial[route] ?? []), ...stats];
        await logRound(round, latest);
      },
    });
    // Zoom answers in tens of milliseconds, the emulator on loopback in a fraction of one: the
    // same comparison with a fixed delay on every jointoken answer, for both sides.
    await zoom.addFault({ path_pattern: JOINTOKEN, latency_ms: settings.zoomLatencyMs });
    const slow = { ...plan, count: Math.max(1, Math.floor(settings.requests / 5)) };
    const slowZoom = compare(await interleave(bareAndMint(routes), settings.rounds, slow));
    await zoom.clearFaults();
    return { rounds, slowZoom };
  });

  // The same store under --cpu-prof: a mint-only batch, its samples cut to the batch's window.
  const profile = await profileBatches(
    run,
    start,
    (hostpass) => contenders(emulator, hostpass, host, ['mint']),
    { warmup: settings.warmup, count: settings.requests, concurrency: CONCURRENCY },
  );

  // The same store with a database pool as wide as the load: do mints wait for connections?
  const widePool =
    engine === 'postgres'
      ? {
          poolSize: CONCURRENCY,
          ...(await measureOn(
            await start([], { DATABASE_POOL_SIZE: String(CONCURRENCY) }),
            ['mint'],
            async (routes, plan) =>
              compare(await interleave(bareAndMint(routes), settings.rounds, plan)),
          )),
        }
      : null;

  const calls = totalZoomCalls(counter.rounds);
  return {
    engine,
    syncSeconds,
    routes: bySeries(rounds),
    ...versus(rounds, 'mint', 'bare'),
    zoomCalls: counter.rounds,
    zoomCallsPerMint: calls.tokens > 0 ? calls.total / calls.tokens : Number.NaN,
    jointokenCallsPerMint: calls.tokens > 0 ? calls.endpoint / calls.tokens : Number.NaN,
    /** 1 in flight: Hostpass's own added latency, without queueing behind other requests. */
    serial: { routes: bySeries(serial), ...versus(serial, 'mint', 'bare') },
    profile,
    /** PostgreSQL only: the mint and bare rounds again with DATABASE_POOL_SIZE = the concurrency. */
    widePool,
    /** Every jointoken answer delayed by an emulator fault, for the bare call and the mint alike. */
    zoomLatency: { addedMs: settings.zoomLatencyMs, ...slowZoom },
  };
}

type EngineResult = Awaited<ReturnType<typeof measureEngine>>;

type Summary = Common<unknown> & {
  engines: EngineResult[];
  loadPerRound: number[];
  fixed: { concurrency: number };
};

/** Machine-wide: a backend of another client that exits mid-batch takes its CPU with it. */
const postgresCpu = (engine: Engine, ms: number | undefined) =>
  engine === 'pglite' ? 'in Hostpass' : ms === undefined || ms < 0 ? 'n/a' : String(ms);

/** An engine's result with what the templates show: labels, latency cells, per-route maps. */
function view(result: EngineResult, fill: Fill) {
  const latency = (value: Series) => ({ ...value, latency: fill('latency', value) });
  const compared = (value: Comparison) => ({
    ...value,
    bare: latency(value.bare),
    mint: latency(value.mint),
  });
  const perRoute = <T>(pick: (route: Route) => T) =>
    Object.fromEntries(ROUTES.map((route) => [route, pick(route)]));
  const { routes, serial } = result;
  return {
    ...labelled(result),
    compared: compared({ ...routes, ...result }),
    serialCompared: compared({ ...serial.routes, ...serial }),
    zoomLatency: compared(result.zoomLatency),
    widePool: result.widePool && compared(result.widePool),
    p50: perRoute((route) => routes[route].p50.median),
    cpu: perRoute((route) => routes[route].cpuMsPerRequestMedian),
    serialP50: perRoute((route) => serial.routes[route].p50.median),
    breakdown: ROUTES.map((route) => ({
      ...routes[route],
      label: engineLabel(result.engine),
      route: ROUTE_LABELS[route],
      latency: fill('latency', routes[route]),
      serial: fill('latency', serial.routes[route]),
      postgresCpu: postgresCpu(result.engine, routes[route].cpuMsPerRequestMedian.postgres),
    })),
  };
}

function targets(summary: Summary, fill: Fill): string {
  const lines = summary.engines.map((result) => {
    const calls = totalZoomCalls(result.zoomCalls);
    return fill('targets', {
      ...view(result, fill),
      target: TARGET,
      p50Met: verdict(result.p50Ratio.median <= TARGET.p50Ratio),
      p99Met: verdict(result.p99Ratio.median <= TARGET.p99Ratio),
      exactMet: verdict(
        result.zoomCallsPerMint === TARGET.zoomCallsPerMint &&
          result.jointokenCallsPerMint === TARGET.zoomCallsPerMint,
      ),
      calls: {
        ...calls,
        mints: calls.tokens,
        jointoken: Math.round(result.jointokenCallsPerMint * calls.tokens),
      },
    });
  });
  return lines.join('\n');
}

function notes(summary: Summary, fill: Fill): string {
  const { concurrency } = summary.fixed;
  const lines = summary.engines.flatMap((result) => {
    const shown = view(result, fill);
    const { bare, healthz } = shown.serialP50;
    const mintCpu = result.routes.mint.cpuMsPerRequestMedian;
    const zoomMs = result.routes.bare.cpuMsPerRequestMedian.emulator ?? 0;
    const values = {
      ...shown,
      serial: shown.serialP50,
      concurrency,
      target: TARGET,
      postgresCpu:
        result.engine === 'postgres'
          ? fill('where-postgres', { ms: postgresCpu(result.engine, mintCpu.postgres) })
          : '.',
      floorMs: round2((bare ?? 0) + (healthz ?? 0)),
      floorRatio: round2(((bare ?? 0) + (healthz ?? 0)) / (bare ?? 0)),
      ownMs: round2((mintCpu.hostpass ?? 0) + Math.max(0, mintCpu.postgres ?? 0)),
      quarterMs: round2(zoomMs / 4),
      areas: result.profile.byArea
        .slice(0, 8)
        .map(({ area, ms }) => `${area} ${ms}`)
        .join(', '),
    };
    const wide = result.widePool;
    const helped = wide && wide.mint.perSecondMedian > result.routes.mint.perSecondMedian * 1.1;
    return [
      fill('note-where', values),
      fill('note-cpu-floor', values),
      fill('note-profile', values),
      ...(wide
        ? [
            fill('note-wide-pool', {
              ...values,
              outcome: fill(helped ? 'wide-pool-helped' : 'wide-pool-did-not-help'),
            }),
          ]
        : []),
    ];
  });
  lines.push(
    fill('note-end', {
      ...summary,
      perRound: summary.loadPerRound.join(', '),
      busy: busy(summary, fill),
    }),
  );
  return lines.join('\n');
}

export const scenario = defineScenario({
  name: 'mint',
  options: { rounds: 3, requests: 5_000, warmup: 1_000, serialRequests: 500, zoomLatencyMs: 50 },
  quick: { rounds: 1, requests: 200, warmup: 50, serialRequests: 20 },

  engines: ['postgres', 'pglite'],
  async measure(run, settings) {
    const emulator = await run.emulator();
    const loadPerRound: number[] = [];
    const engines = await run.eachEngine((engine) =>
      measureEngine(run, engine, emulator, settings, loadPerRound),
    );
    return { fixed: { concurrency: CONCURRENCY }, loadPerRound, engines };
  },
  // Printed in this order, and named so in the template.
  tables(summary, fill) {
    const views = summary.engines.map((result) => view(result, fill));
    const each = (pick: (result: (typeof views)[number]) => object) =>
      views.map((result) => ({ ...pick(result), label: result.label }));
    return {
      mintTable: fill.table(
        'mint-table',
        each((result) => ({
          ...result.compared,
          zoomCallsPerMint: round2(result.zoomCallsPerMint),
          jointokenCallsPerMint: round2(result.jointokenCallsPerMint),
          errors: result.routes.mint.errors + result.routes.bare.errors,
        })),
      ),
      serialTable: fill.table(
        'comparison-table',
        each((result) => result.serialCompared),
      ),
      zoomLatencyTable: fill.table(
        'zoom-latency-table',
        each((result) => result.zoomLatency),
      ),
      breakdownTable: fill.table(
        'breakdown-table',
        views.flatMap((result) => result.breakdown),
      ),
      targets: targets(summary, fill),
    };
  },
  section: (summary, fill) => ({
    slowRequests: Math.max(1, Math.floor(summary.settings.requests / 5)),
    notes: notes(summary, fill),
  }),
});

await main(import.meta.url, scenario);
