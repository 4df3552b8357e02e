/**
 * Mint (issue 6), against real `node dist/src/main.js serve` child processes, on PostgreSQL and
 * PGlite, with the emulator in its own process:
 *
 * 1. `POST /api/v2/zoom-tokens/` `{meeting_url, kinds: ["join_token"]}` p50/p99 at 64 in flight, as
 *    a ratio to a bare call of the emulator's jointoken endpoint (same access token, same
 *    concurrency) in the same run, rounds alternating. Targets: p50 ≤ 1.25×, p99 ≤ 1.5×.
 * 2. Zoom calls per mint (the emulator's request counts, reset before every mint round): exactly 1.
 * 3. Where the time goes: `/healthz`, access-token and an unmapped mint in the same rounds, each
 *    process's CPU per request, 1 in flight, +50 ms at Zoom, a CPU profile, a wider database pool.
 *
 *   npx node bench/mint.ts [--rounds 3] [--requests 5000] [--warmup 1000] [--serial-requests 500]
 *     [--zoom-latency-ms 50] [--skip-pglite] [--quick] [--write-docs] [--render-from <log>]
 */
import { performance } from 'node:perf_hooks';
import {
  type Contender,
  closePools,
  interleave,
  keepAlivePool,
  POSTGRES_BACKENDS,
  type RoundPlan,
  type RoundStats,
  runBatch,
  type Series,
  series,
  versus,
  warmUp,
} from './harness/load.ts';
import { type Emulator, type Engine, engineLabel, type Hostpass } from './harness/processes.ts';
import { monotonicUs, readCpuProfile } from './harness/profile.ts';
import { type Fill, loadAverage, log, round2, verdict } from './harness/report.ts';
import { type Common, defineScenario, main, type Run } from './harness/scenario.ts';
import {
  accessToken,
  connectHost,
  UNLIMITED,
  waitForSync,
  type ZoomCalls,
  zoomCalls,
} from './harness/world.ts';

const CONCURRENCY = 64;
const TARGET = { p50Ratio: 1.25, p99Ratio: 1.5, zoomCallsPerMint: 1 } as const;
const JOINTOKEN_PATH = '/v2/meetings/{meetingId}/jointoken/local_recording';
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

interface Target {
  credentialId: string;
  meetingId: number;
  meetingUrl: string;
  accessToken: string;
}

/** The five routes under load: the bare call at the emulator, four at Hostpass. */
function contenders(emulator: Emulator, server: Hostpass, target: Target): Contender[] {
  const zoomPool = keepAlivePool(emulator.url, CONCURRENCY);
  const pool = keepAlivePool(server.process.url, CONCURRENCY);
  const headers = { authorization: server.authorization };
  const mint = (meetingUrl: string, ok: Contender['spec']['ok']): Contender['spec'] => {
    const body = JSON.stringify({ meeting_url: meetingUrl, kinds: ['join_token'] });
    const mintHeaders = { ...headers, 'content-type': 'application/json' };
    return {
      next: () => ({ method: 'POST', path: '/api/v2/zoom-tokens/', headers: mintHeaders, body }),
      ok,
    };
  };
  const specs: Record<Route, Contender['spec']> = {
    bare: {
      next: () => ({
        method: 'GET',
        path: `/v2/meetings/${target.meetingId}/jointoken/local_recording?bypass_waiting_room=true`,
        headers: { authorization: `Bearer ${target.accessToken}` },
      }),
      ok: (status, body) => status === 200 && body.startsWith('{"token":'),
    },
    mint: mint(
      target.meetingUrl,
      (status, body) => status === 200 && body.includes('"join_token":{"token":'),
    ),
    healthz: { next: () => ({ method: 'GET', path: '/healthz' }), ok: (status) => status === 200 },
    accessToken: {
      next: () => ({
        method: 'GET',
        path: `/api/v2/zoom-oauth-credentials/${target.credentialId}/access-token/`,
        headers,
      }),
      ok: (status) => status === 200,
    },
    unmapped: mint(
      `https://us05web.zoom.us/j/${UNMAPPED_MEETING_ID}`,
      (status, body) => status === 404 && body.includes('no_credential_for_meeting'),
    ),
  };
  return ROUTES.map((name) => ({
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

function bySeries(rounds: Record<string, RoundStats[]>): Record<Route, Series> {
  const of = (route: Route) => series(rounds[route] ?? []);
  const [bare, mint, healthz, unmapped] = [of('bare'), of('mint'), of('healthz'), of('unmapped')];
  return { bare, mint, healthz, accessToken: of('accessToken'), unmapped };
}

async function measureEngine(
  run: Run,
  engine: Engine,
  emulator: Emulator,
  settings: Record<'rounds' | 'requests' | 'warmup' | 'serialRequests' | 'zoomLatencyMs', number>,
  loadPerRound: number[],
) {
  const { zoom } = emulator;
  const store = await run.store(engine);
  // The highest rates Hostpass accepts: only the sync uses its limiter, and it must not wait.
  const env = { HOSTPASS_ZOOM_RATE_LIGHT: '100000', HOSTPASS_ZOOM_RATE_MEDIUM: '100000' };
  const start = (nodeFlags: string[] = [], extra: Record<string, string> = {}) =>
    run.hostpass(store, { emulator, nodeFlags, env: { ...env, ...extra } });
  let server = await start();
  const syncStarted = performance.now();
  const host = await connectHost(
    { zoom, hostpass: server },
    {
      account: {
        plan: 'business',
        rate_limits: { light: UNLIMITED, medium: UNLIMITED, heavy: UNLIMITED },
      },
      meeting: { waiting_room: true },
    },
  );
  await waitForSync(server, host.credentialId);
  const syncSeconds = round2((performance.now() - syncStarted) / 1000);
  const meeting = host.meeting;
  if (!meeting) throw new Error('no meeting');
  const target: Target = {
    credentialId: host.credentialId,
    meetingId: meeting.id,
    meetingUrl: `https://us05web.zoom.us/j/${meeting.id}?pwd=${meeting.password}`,
    accessToken: (await accessToken(server, host.credentialId)).token,
  };
  log(`${engine}: meeting ${meeting.id} synced in ${syncSeconds} s`);
  // The routes of the running server (or of one restarted on the same store with other flags),
  // warm, measured by `work`; the server is stopped afterwards.
  const measureOn = async <T>(
    restart: { nodeFlags: string[]; env: Record<string, string> } | null,
    warm: readonly Route[],
    work: (routes: Contender[], plan: RoundPlan) => Promise<T>,
  ): Promise<T> => {
    if (restart) server = await start(restart.nodeFlags, restart.env);
    const routes = contenders(emulator, server, target);
    const cpu = {
      hostpass: server.process.pid,
      emulator: emulator.process.pid,
      postgres: POSTGRES_BACKENDS,
      driver: 'self' as const,
    };
    try {
      const warmed = routes.filter((route) => warm.some((name) => name === route.name));
      await warmUp(warmed, settings.warmup, CONCURRENCY);
      return await work(routes, { count: settings.requests, concurrency: CONCURRENCY, cpu });
    } finally {
      await closePools(routes);
      await run.stop(server);
    }
  };
  const bareAndMint = (routes: Contender[]) =>
    routes.filter((route) => ['bare', 'mint'].includes(route.name));

  const calls: ZoomCalls[] = [];
  const serial: Record<string, RoundStats[]> = {};
  const { rounds, slowZoom } = await measureOn(null, ROUTES, async (routes, plan) => {
    const rounds = await interleave(routes, settings.rounds, plan, {
      before: (route) => (route.name === 'mint' ? zoom.resetRequests() : undefined),
      after: async (route, stats) => {
        if (route.name === 'mint')
          calls.push(await zoomCalls(zoom, stats.requests - stats.errors, `GET ${JOINTOKEN_PATH}`));
      },
      afterRound: async (round, latest) => {
        const one = await interleave(routes, 1, {
          ...plan,
          count: settings.serialRequests,
          concurrency: 1,
        });
        for (const route of ROUTES)
          serial[route] = [...(serial[route] ?? []), ...(one[route] ?? [])];
        loadPerRound.push(loadAverage());
        log(
          `${engine} round ${round + 1} (load ${loadAverage()}): bare p50/p99 ${latest.bare?.p50Ms}/${latest.bare?.p99Ms} ms, ` +
            `mint ${latest.mint?.p50Ms}/${latest.mint?.p99Ms} ms, ${latest.mint?.perSecond} mints/s, ` +
            `${latest.mint?.errors} errors; 1 in flight: bare ${one.bare?.[0]?.p50Ms} ms, mint ${one.mint?.[0]?.p50Ms} ms`,
        );
      },
    });
    // Zoom answers in tens of milliseconds, the emulator on loopback in a fraction of one: the
    // same comparison with a fixed delay on every jointoken answer, for both sides.
    await zoom.addFault({ path_pattern: JOINTOKEN_PATH, latency_ms: settings.zoomLatencyMs });
    const slow = { ...plan, count: Math.max(1, Math.floor(settings.requests / 5)) };
    const slowZoom = compare(await interleave(bareAndMint(routes), settings.rounds, slow));
    await zoom.clearFaults();
    return { rounds, slowZoom };
  });

  // The same store under --cpu-prof: a mint-only batch, its samples cut to the batch's window.
  const profileDir = await run.tempDir('hostpass-mint-profile-');
  const profiled = await measureOn(
    { nodeFlags: ['--cpu-prof', `--cpu-prof-dir=${profileDir}`], env: {} },
    ['mint'],
    async (routes) => {
      const mint = routes[1];
      if (!mint) throw new Error('no mint route');
      const fromUs = monotonicUs();
      const batch = await runBatch(mint.pool, mint.spec, settings.requests, CONCURRENCY);
      return { window: { fromUs, toUs: monotonicUs() }, per: batch.requests };
    },
  );
  const profile = await readCpuProfile(profileDir, profiled);

  // The same store with a database pool as wide as the load: do mints wait for connections?
  const widePool =
    engine === 'postgres'
      ? {
          poolSize: CONCURRENCY,
          ...(await measureOn(
            { nodeFlags: [], env: { DATABASE_POOL_SIZE: String(CONCURRENCY) } },
            ['mint'],
            async (routes, plan) =>
              compare(await interleave(bareAndMint(routes), settings.rounds, plan)),
          )),
        }
      : null;

  const sum = (pick: (round: ZoomCalls) => number) =>
    calls.reduce((total, round) => total + pick(round), 0);
  const mints = sum((round) => round.tokens);
  return {
    engine,
    syncSeconds,
    routes: bySeries(rounds),
    ...versus(rounds, 'mint', 'bare'),
    zoomCalls: calls,
    zoomCallsPerMint: mints > 0 ? sum((round) => round.total) / mints : Number.NaN,
    jointokenCallsPerMint: mints > 0 ? sum((round) => round.endpoint) / mints : Number.NaN,
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
    ...result,
    label: engineLabel(result.engine),
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

function tables(summary: Summary, fill: Fill): string[] {
  const views = summary.engines.map((result) => view(result, fill));
  return [
    fill.table(
      'mint-table',
      views.map((result) => ({
        ...result.compared,
        label: result.label,
        zoomCallsPerMint: round2(result.zoomCallsPerMint),
        jointokenCallsPerMint: round2(result.jointokenCallsPerMint),
        errors: result.routes.mint.errors + result.routes.bare.errors,
      })),
    ),
    fill.table(
      'comparison-table',
      views.map((result) => ({ ...result.serialCompared, label: result.label })),
    ),
    fill.table(
      'zoom-latency-table',
      views.map((result) => ({ ...result.zoomLatency, label: result.label })),
    ),
    fill.table(
      'breakdown-table',
      views.flatMap((result) => result.breakdown),
    ),
  ];
}

function targets(summary: Summary, fill: Fill): string {
  const sum = (calls: ZoomCalls[], pick: (round: ZoomCalls) => number) =>
    calls.reduce((total, round) => total + pick(round), 0);
  const lines = summary.engines.map((result) => {
    const mints = sum(result.zoomCalls, (round) => round.tokens);
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
        mints,
        total: sum(result.zoomCalls, (round) => round.total),
        jointoken: Math.round(result.jointokenCallsPerMint * mints),
        refreshes: sum(result.zoomCalls, (round) => round.refreshes),
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
  const busy = summary.loadAverage.before > summary.machine.cpus / 2;
  lines.push(
    fill('note-end', {
      ...summary,
      perRound: summary.loadPerRound.join(', '),
      busy: busy ? `${fill('busy')} ` : '',
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
    const engines: EngineResult[] = [];
    for (const engine of run.engines)
      engines.push(await measureEngine(run, engine, emulator, settings, loadPerRound));
    return { fixed: { concurrency: CONCURRENCY }, loadPerRound, engines };
  },
  print: (summary, fill) => [...tables(summary, fill), targets(summary, fill)],
  render(summary, fill, header) {
    const [mintTable, serialTable, zoomLatencyTable, breakdownTable] = tables(summary, fill);
    return fill('section', {
      ...summary,
      header,
      slowRequests: Math.max(1, Math.floor(summary.settings.requests / 5)),
      mintTable,
      serialTable,
      zoomLatencyTable,
      breakdownTable,
      targets: targets(summary, fill),
      notes: notes(summary, fill),
    });
  },
});

await main(import.meta.url, scenario);
