/**
 * Foundation (issue 2): cold start to `/readyz`, idle RSS, and requests/s of
 * `GET /api/v2/zoom-oauth-apps/{id}/` against `GET /healthz` in the same run, on both engines.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import * as h from './harness/index.ts';

/** Lets start-up garbage be collected and timers settle before RSS counts as "idle". */
const SETTLE_MS = 2_000;
/** The measured requests of a route are split into alternating rounds, so drift hits both. */
const ROUNDS = 2;
const TARGETS = { postgresReadyMs: 1_000, pgliteReadyMs: 2_000, postgresIdleRssMb: 150 };

/** Every run in ms, and their median, min and max. */
function series(runsMs: number[]) {
  const rounded = runsMs.map((value) => Math.round(value));
  const [minMs, maxMs] = [Math.min(...rounded), Math.max(...rounded)];
  return { runsMs: rounded, medianMs: Math.round(h.median(runsMs)), minMs, maxMs };
}

/** Wall time of `node <args>`, `runs` times; or, `printed`, what the child prints as its time. */
function timeNode(args: string[], runs: number, cwd: string, printed = false) {
  const times = Array.from({ length: runs }, () => {
    const startedAt = performance.now();
    const output = execFileSync(process.execPath, args, { cwd, encoding: 'utf8' });
    const elapsed = printed ? Number(output) : performance.now() - startedAt;
    if (!Number.isFinite(elapsed)) throw new Error(`node ${args.join(' ')} printed "${output}"`);
    return elapsed;
  });
  return series(times);
}

type Settings = { runs: number; requests: number; concurrency: number; warmup: number };

/** Starts on new stores, restarts on the last one, then idle RSS and the two routes under load. */
async function measureEngine(run: h.Run, engine: h.Engine, settings: Settings) {
  const times = { fresh: [] as number[], existing: [] as number[], shutdown: [] as number[] };
  let store = await run.store(engine);
  // New stores first (initdb or an empty database, then every migration); the last one is then
  // opened again: a store of the same age as a real restart's.
  for (const phase of ['fresh', 'existing'] as const) {
    for (let index = 0; index < settings.runs; index += 1) {
      if (phase === 'fresh' && index > 0) store = await run.store(engine);
      const started = await run.hostpass(store);
      times[phase].push(started.process.readyMs);
      times.shutdown.push(await run.stop(started));
      h.log(
        `${engine} ${phase} store run ${index + 1}: ready in ${Math.round(started.process.readyMs)} ms`,
      );
    }
  }
  const server = await run.hostpass(store);
  try {
    await sleep(SETTLE_MS);
    const idle = await h.readMemory(server.process.pid);
    const secret = () => randomBytes(24).toString('base64url');
    const body = {
      kind: 'user_level' as const,
      client_id: `bench-${randomBytes(6).toString('hex')}`,
      client_secret: secret(),
      webhook_secret: secret(),
    };
    const app = await h.must(server.client.POST('/api/v2/zoom-oauth-apps/', { body }));
    const { warmup, concurrency } = settings;
    const pool = h.keepAlivePool(server.process.url, concurrency);
    const retrieve = h.getSpec(`/api/v2/zoom-oauth-apps/${app.id}/`, undefined, {
      authorization: server.authorization,
    });
    const routes = [
      { name: 'healthz', pool, spec: h.getSpec('/healthz') },
      { name: 'appRetrieve', pool, spec: retrieve },
    ];
    // Each route's latencies over both rounds, pooled.
    const latencies: Record<string, number[]> = { healthz: [], appRetrieve: [] };
    const { rounds } = await h.contest(
      routes,
      { rounds: ROUNDS, warmup, count: Math.ceil(settings.requests / ROUNDS), concurrency },
      { after: ({ name }, _, own) => void latencies[name]?.push(...own) },
    );
    const pooled = (name: string) => {
      const all = latencies[name] ?? [];
      const batches = rounds[name] ?? [];
      const seconds = batches.reduce((sum, batch) => sum + batch.seconds, 0);
      return {
        requests: all.length,
        errors: batches.reduce((sum, batch) => sum + batch.errors, 0),
        seconds: h.round2(seconds),
        requestsPerSecond: Math.round(all.length / seconds),
        ...h.quantiles(all),
      };
    };
    const [healthz, appRetrieve] = [pooled('healthz'), pooled('appRetrieve')];
    const afterLoad = await h.readMemory(server.process.pid);
    return {
      engine,
      coldStartNewStore: series(times.fresh),
      coldStartExistingStore: series(times.existing),
      /** Time from SIGTERM to exit, over every cold-start run. */
      shutdown: series(times.shutdown),
      idleRssMb: h.mib(idle.rssKiB),
      rssAfterLoadMb: h.mib(afterLoad.rssKiB),
      peakRssMb: h.mib(afterLoad.hwmKiB),
      healthz,
      appRetrieve,
      healthzOverAppRatio: h.round2(healthz.requestsPerSecond / appRetrieve.requestsPerSecond),
    };
  } finally {
    await run.stop(server);
  }
}

export const scenario = h.defineScenario({
  name: 'foundation',
  options: { runs: 5, requests: 20_000, concurrency: 32, warmup: 2_000 },
  quick: { runs: 1, requests: 400, warmup: 100 },
  engines: ['pglite', 'postgres'],
  async measure(run, settings) {
    const nodeBaseline = timeNode(['-e', ''], settings.runs, run.serverRoot);
    // Importing the server's compiled modules: the share of a cold start no engine changes.
    const probe =
      "const t = performance.now(); await import('./dist/src/cli/serve.js'); " +
      'process.stdout.write(String(performance.now() - t));';
    const module = ['--input-type=module', '-e', probe];
    const moduleLoad = timeNode(module, settings.runs, run.serverRoot, true);
    const engines = await run.eachEngine((engine) => measureEngine(run, engine, settings));
    return {
      fixed: { settleMs: SETTLE_MS, readyPollMs: h.READY_POLL_MS },
      nodeBaseline,
      moduleLoad,
      engines,
    };
  },
  tables: (summary, fill) => ({
    table: fill.table('table', summary.engines.map(h.labelled)),
  }),
  section(summary, fill) {
    const { engines, skipped } = summary;
    const [postgres, pglite] = (['postgres', 'pglite'] as const).map((engine) =>
      engines.find((result) => result.engine === engine),
    );
    const noisy = engines.some((result) =>
      [result.coldStartNewStore, result.coldStartExistingStore].some(
        (value) => value.medianMs > 1.25 * value.minMs,
      ),
    );
    const ready = (result: { coldStartExistingStore: { medianMs: number } }, target: number) =>
      h.verdict(result.coldStartExistingStore.medianMs <= target);
    const targets = [
      postgres &&
        fill('target-postgres', {
          ...postgres,
          target: TARGETS,
          readyMet: ready(postgres, TARGETS.postgresReadyMs),
          rssMet: h.verdict(postgres.idleRssMb <= TARGETS.postgresIdleRssMb),
        }),
      pglite &&
        fill('target-pglite', {
          ...pglite,
          target: TARGETS,
          readyMet: ready(pglite, TARGETS.pgliteReadyMs),
          readyNewMet: h.verdict(pglite.coldStartNewStore.medianMs <= TARGETS.pgliteReadyMs),
        }),
      ...Object.entries(skipped).map(([engine, reason]) => fill('skipped', { engine, reason })),
    ];
    const slowestShutdown = Math.max(...engines.map((result) => result.shutdown.maxMs));
    const notes = [
      pglite && fill('note-pglite', pglite),
      postgres && fill('note-postgres', postgres),
      fill('note-where', summary),
      (summary.loadAverage.before > summary.machine.cpus || noisy) &&
        fill('note-busy', { ...summary, noisy: noisy ? fill('noisy') : '' }),
      fill('note-end', { slowestShutdown }),
    ];
    return {
      settleSeconds: summary.fixed.settleMs / 1000,
      targets: targets.filter(Boolean).join('\n'),
      notes: notes.filter(Boolean).join('\n'),
    };
  },
});

await h.main(import.meta.url, scenario);
