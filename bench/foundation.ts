/**
 * Foundation benchmarks (issue 2): cold start to `/readyz`, idle RSS, and requests/s of
 * `GET /api/v2/zoom-oauth-apps/{id}/` against `GET /healthz` in the same run, on PGlite and on
 * PostgreSQL. Every server is a real `node dist/src/main.js serve` child process (what `npm start` runs) on 127.0.0.1.
 *
 *   npx node bench/foundation.ts [--runs 5] [--requests 20000] [--concurrency 32] [--write-docs]
 *                                [--server-root DIR]
 *
 * `--write-docs` replaces the "Foundation (issue 2)" section of docs/benchmarks.md.
 * `--server-root` serves another checkout (e.g. an exported commit) instead of this one.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';
import {
  type Batch,
  buildServer,
  Cleanup,
  type CodeVersion,
  codeVersion,
  createDatabase,
  DOCS_FILE,
  describeError,
  type LoadSpec,
  loadAverage,
  log,
  type MachineInfo,
  machineInfo,
  markdownTable,
  median,
  percentile,
  postgresVersion,
  READY_POLL_MS,
  ROOT,
  type RunningProcess,
  renderCode,
  round2,
  runBatch,
  startProcess,
  stopProcess,
  temporaryDirectory,
  verdict,
  writeDocsSection,
} from './support.ts';

const SECTION_TITLE = '## Foundation (issue 2)';
/** The command as run, so the docs quote exactly what produced their numbers. */
const COMMAND = ['npx node bench/foundation.ts', ...process.argv.slice(2)].join(' ');
/** Lets start-up garbage be collected and timers settle before RSS counts as "idle". */
const SETTLE_MS = 2_000;
/** Warm-up requests per route, so the JIT and the connection pool are hot before counting. */
const WARMUP_REQUESTS = 2_000;
/** Upper bound on one measured batch, whatever the request count. */
const BATCH_TIME_LIMIT_MS = 60_000;
/** The measured requests of a route are split into alternating rounds, so drift hits both. */
const ROUNDS = 2;

const TARGETS = { postgresReadyMs: 1_000, pgliteReadyMs: 2_000, postgresIdleRssMb: 150 };

type Engine = 'pglite' | 'postgres';

interface Options {
  /** The checkout whose `src/main.ts` is served. */
  serverRoot: string;
  runs: number;
  requests: number;
  concurrency: number;
  writeDocs: boolean;
}

interface Series {
  runsMs: number[];
  medianMs: number;
  minMs: number;
  maxMs: number;
}

interface LoadResult {
  requests: number;
  errors: number;
  seconds: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
}

interface EngineResult {
  engine: Engine;
  /** Brand-new store: initdb (PGlite) or an empty database, then every migration. */
  coldStartNewStore: Series;
  /** The same store opened again: schema current, nothing to migrate. */
  coldStartExistingStore: Series;
  /** Time from SIGTERM to exit, over every cold-start run. */
  shutdown: Series;
  idleRssMb: number;
  rssAfterLoadMb: number;
  peakRssMb: number;
  healthz: LoadResult;
  appRetrieve: LoadResult;
  /** healthz requests/s divided by app retrieve requests/s. */
  healthzOverAppRatio: number;
}

interface Summary {
  date: string;
  machine: MachineInfo;
  /**
   * 1-minute load average before and after the run. The bench alone keeps it near 1-2 on this
   * machine; much more means other work shared the cores and the numbers are pessimistic.
   */
  loadAverage: { before: number; after: number };
  /** Which code was measured: the source tree changes under a bench run otherwise unnoticed. */
  code: CodeVersion;
  settings: Options & { warmupRequests: number; settleMs: number; readyPollMs: number };
  nodeBaseline: Series;
  /** Importing the server's module graph (`src/serve.ts`) in a fresh Node, storage untouched. */
  moduleLoad: Series;
  engines: EngineResult[];
  skipped: Record<string, string>;
}

interface ServerEnv {
  engine: Engine;
  storage: Record<string, string>;
  encryptionKeys: string;
  apiKey: string;
}

// ---------------------------------------------------------------------------------------------
// Small helpers

function series(runsMs: number[]): Series {
  const rounded = runsMs.map((value) => Math.round(value));
  return {
    runsMs: rounded,
    medianMs: Math.round(median(runsMs)),
    minMs: Math.min(...rounded),
    maxMs: Math.max(...rounded),
  };
}

function parseOptions(): Options {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string', default: '5' },
      requests: { type: 'string', default: '20000' },
      concurrency: { type: 'string', default: '32' },
      'write-docs': { type: 'boolean', default: false },
      'server-root': { type: 'string', default: ROOT },
    },
  });
  const positive = (name: string, value: string): number => {
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < 1)
      throw new Error(`--${name} must be a positive integer`);
    return parsed;
  };
  const serverRoot = path.resolve(values['server-root']);
  if (!existsSync(path.join(serverRoot, 'src', 'main.ts'))) {
    throw new Error(`--server-root ${serverRoot} has no src/main.ts`);
  }
  // Measure what `npm start` runs: the compiled build.
  buildServer(serverRoot);
  return {
    serverRoot,
    runs: positive('runs', values.runs),
    requests: positive('requests', values.requests),
    concurrency: positive('concurrency', values.concurrency),
    writeDocs: values['write-docs'],
  };
}

// ---------------------------------------------------------------------------------------------
// Server processes

/** `node dist/src/main.js serve` (what `npm start` runs) of `serverRoot`, ready on `/readyz`. */
function startServer(
  server: ServerEnv,
  serverRoot: string,
  cleanup: Cleanup,
): Promise<RunningProcess> {
  return startProcess(
    {
      args: ['dist/src/main.js', 'serve'],
      cwd: serverRoot,
      env: {
        HOSTPASS_ENCRYPTION_KEYS: server.encryptionKeys,
        HOSTPASS_BOOTSTRAP_API_KEY: server.apiKey,
        ...server.storage,
      },
      readyPath: '/readyz',
    },
    cleanup,
  );
}

async function readRssMb(pid: number): Promise<{ rssMb: number; peakMb: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string): number => {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
    if (!match?.[1]) throw new Error(`no ${field} in /proc/${pid}/status`);
    return Number(match[1]);
  };
  return { rssMb: Math.round(kib('VmRSS') / 1024), peakMb: Math.round(kib('VmHWM') / 1024) };
}

/** How long Node itself takes to start and exit: the floor under every cold start. */
async function measureNodeBaseline(runs: number): Promise<Series> {
  const times: number[] = [];
  for (let run = 0; run < runs; run += 1) {
    const startedAt = performance.now();
    const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
    await once(child, 'exit');
    times.push(performance.now() - startedAt);
  }
  return series(times);
}

/**
 * How long a fresh Node spends importing the server's compiled modules (Fastify, plugins,
 * drivers): the share of a cold start that does not depend on the engine.
 */
async function measureModuleLoad(serverRoot: string, runs: number): Promise<Series> {
  const script =
    "const t = performance.now(); await import('./dist/src/serve.js'); " +
    'process.stdout.write(String(performance.now() - t));';
  const times: number[] = [];
  for (let run = 0; run < runs; run += 1) {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      cwd: serverRoot,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    await once(child, 'exit');
    const elapsed = Number(output);
    if (!Number.isFinite(elapsed)) throw new Error(`module load probe printed "${output}"`);
    times.push(elapsed);
  }
  return series(times);
}

// ---------------------------------------------------------------------------------------------
// Stores

interface Store {
  engine: Engine;
  /** Returns the environment of a brand-new, empty store. */
  create(): Promise<Record<string, string>>;
}

async function pgliteStore(cleanup: Cleanup): Promise<Store> {
  const root = await temporaryDirectory(cleanup, 'hostpass-bench-');
  let counter = 0;
  return {
    engine: 'pglite',
    async create() {
      counter += 1;
      return { HOSTPASS_DATA_DIR: path.join(root, `data-${counter}`) };
    },
  };
}

function postgresStore(cleanup: Cleanup): Store {
  return {
    engine: 'postgres',
    async create() {
      return { DATABASE_URL: await createDatabase(cleanup, 'foundation') };
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Load

function authorization(apiKey: string): Record<string, string> {
  return { authorization: `Token ${apiKey}` };
}

async function createApp(url: string, apiKey: string): Promise<string> {
  const response = await fetch(`${url}/api/v2/zoom-oauth-apps/`, {
    method: 'POST',
    headers: { ...authorization(apiKey), 'content-type': 'application/json' },
    body: JSON.stringify({
      kind: 'user_level',
      client_id: `bench-${randomBytes(6).toString('hex')}`,
      client_secret: randomBytes(24).toString('base64url'),
      webhook_secret: randomBytes(24).toString('base64url'),
    }),
  });
  const body: unknown = await response.json();
  const id = typeof body === 'object' && body !== null && 'id' in body ? body.id : undefined;
  if (response.status !== 201 || typeof id !== 'string') {
    throw new Error(`creating an app answered ${response.status}: ${JSON.stringify(body)}`);
  }
  return id;
}

interface RouteLoad {
  route: string;
  headers: Record<string, string>;
}

function loadResult(latencies: number[], batches: Batch[]): LoadResult {
  const sorted = [...latencies].sort((a, b) => a - b);
  const seconds = batches.reduce((sum, batch) => sum + batch.seconds, 0);
  return {
    requests: latencies.length,
    errors: batches.reduce((sum, batch) => sum + batch.errors, 0),
    seconds: round2(seconds),
    requestsPerSecond: Math.round(latencies.length / seconds),
    p50Ms: round2(percentile(sorted, 0.5)),
    p99Ms: round2(percentile(sorted, 0.99)),
  };
}

/** GETs of one route; any non-200 is an error. */
function routeSpec({ route, headers }: RouteLoad): LoadSpec {
  return {
    next: () => ({ method: 'GET', path: route, headers }),
    ok: (status) => status === 200,
  };
}

/** Runs the routes in alternating rounds (A, B, A, B), so slow drift of the machine hits both. */
async function compareRoutes(
  url: string,
  routes: RouteLoad[],
  options: Options,
): Promise<LoadResult[]> {
  const pool = new Pool(url, { connections: options.concurrency, pipelining: 1 });
  try {
    const specs = routes.map(routeSpec);
    for (const spec of specs)
      await runBatch(pool, spec, WARMUP_REQUESTS, options.concurrency, BATCH_TIME_LIMIT_MS, []);
    const perRound = Math.ceil(options.requests / ROUNDS);
    const latencies: number[][] = routes.map(() => []);
    const batches: Batch[][] = routes.map(() => []);
    for (let round = 0; round < ROUNDS; round += 1) {
      for (const [index, spec] of specs.entries()) {
        const collected = latencies[index] ?? [];
        batches[index]?.push(
          await runBatch(pool, spec, perRound, options.concurrency, BATCH_TIME_LIMIT_MS, collected),
        );
      }
    }
    return routes.map((_, index) => loadResult(latencies[index] ?? [], batches[index] ?? []));
  } finally {
    await pool.close();
  }
}

// ---------------------------------------------------------------------------------------------
// One engine

async function measureColdStarts(
  store: Store,
  server: Omit<ServerEnv, 'storage' | 'engine'>,
  options: Options,
  cleanup: Cleanup,
): Promise<{
  fresh: number[];
  existing: number[];
  shutdown: number[];
  storage: Record<string, string>;
}> {
  const fresh: number[] = [];
  const existing: number[] = [];
  const shutdown: number[] = [];
  let storage: Record<string, string> = {};
  for (let run = 0; run < options.runs; run += 1) {
    storage = await store.create();
    const started = await startServer(
      { ...server, engine: store.engine, storage },
      options.serverRoot,
      cleanup,
    );
    fresh.push(started.readyMs);
    shutdown.push(await stopProcess(started, cleanup));
    log(`${store.engine} new store run ${run + 1}: ready in ${Math.round(started.readyMs)} ms`);
  }
  // The last new store is the one re-opened: a store of the same age as a real restart's.
  for (let run = 0; run < options.runs; run += 1) {
    const started = await startServer(
      { ...server, engine: store.engine, storage },
      options.serverRoot,
      cleanup,
    );
    existing.push(started.readyMs);
    shutdown.push(await stopProcess(started, cleanup));
    log(
      `${store.engine} existing store run ${run + 1}: ready in ${Math.round(started.readyMs)} ms`,
    );
  }
  return { fresh, existing, shutdown, storage };
}

async function measureEngine(
  store: Store,
  options: Options,
  cleanup: Cleanup,
): Promise<EngineResult> {
  const server = {
    encryptionKeys: `bench1:${randomBytes(32).toString('base64')}`,
    apiKey: `hp_bench_${randomBytes(18).toString('base64url')}`,
  };
  const cold = await measureColdStarts(store, server, options, cleanup);

  const running = await startServer(
    { ...server, engine: store.engine, storage: cold.storage },
    options.serverRoot,
    cleanup,
  );
  try {
    await sleep(SETTLE_MS);
    const idle = await readRssMb(running.pid);
    const appId = await createApp(running.url, server.apiKey);
    log(`${store.engine}: idle RSS ${idle.rssMb} MB; load on app ${appId}`);
    const [healthz, appRetrieve] = await compareRoutes(
      running.url,
      [
        { route: '/healthz', headers: {} },
        { route: `/api/v2/zoom-oauth-apps/${appId}/`, headers: authorization(server.apiKey) },
      ],
      options,
    );
    if (!healthz || !appRetrieve) throw new Error('load results missing');
    const afterLoad = await readRssMb(running.pid);
    return {
      engine: store.engine,
      coldStartNewStore: series(cold.fresh),
      coldStartExistingStore: series(cold.existing),
      shutdown: series(cold.shutdown),
      idleRssMb: idle.rssMb,
      rssAfterLoadMb: afterLoad.rssMb,
      peakRssMb: afterLoad.peakMb,
      healthz,
      appRetrieve,
      healthzOverAppRatio:
        Math.round((healthz.requestsPerSecond / appRetrieve.requestsPerSecond) * 100) / 100,
    };
  } finally {
    await stopProcess(running, cleanup);
  }
}

// ---------------------------------------------------------------------------------------------
// Reporting

function engineLabel(engine: Engine): string {
  return engine === 'pglite' ? 'PGlite (embedded)' : 'PostgreSQL 127.0.0.1';
}

function formatSeries(value: Series): string {
  return `${value.medianMs} ms (${value.minMs})`;
}

function renderTable(summary: Summary): string {
  const header = [
    'Engine',
    'Ready, new store: median (min)',
    'Ready, existing store: median (min)',
    'Idle RSS',
    'RSS after load',
    'healthz req/s',
    'app GET req/s',
    'healthz / app',
    'app GET p50 / p99',
  ];
  const rows = summary.engines.map((result) => [
    engineLabel(result.engine),
    formatSeries(result.coldStartNewStore),
    formatSeries(result.coldStartExistingStore),
    `${result.idleRssMb} MB`,
    `${result.rssAfterLoadMb} MB`,
    String(result.healthz.requestsPerSecond),
    String(result.appRetrieve.requestsPerSecond),
    `${result.healthzOverAppRatio}×`,
    `${result.appRetrieve.p50Ms} / ${result.appRetrieve.p99Ms} ms`,
  ]);
  return markdownTable(header, rows, [false, ...header.slice(1).map(() => true)]);
}

function renderTargets(summary: Summary): string[] {
  const byEngine = (engine: Engine) => summary.engines.find((result) => result.engine === engine);
  const postgres = byEngine('postgres');
  const pglite = byEngine('pglite');
  const lines: string[] = [];
  if (postgres) {
    const ready = postgres.coldStartExistingStore.medianMs;
    const readyNew = postgres.coldStartNewStore.medianMs;
    lines.push(
      `- Ready ≤ ${TARGETS.postgresReadyMs} ms on PostgreSQL: ${verdict(ready <= TARGETS.postgresReadyMs)} ` +
        `(${ready} ms on a migrated database, ${readyNew} ms on an empty one that it migrates first).`,
      `- Idle RSS ≤ ${TARGETS.postgresIdleRssMb} MB with PostgreSQL: ` +
        `${verdict(postgres.idleRssMb <= TARGETS.postgresIdleRssMb)} (${postgres.idleRssMb} MB).`,
    );
  }
  if (pglite) {
    const ready = pglite.coldStartExistingStore.medianMs;
    lines.push(
      `- Ready ≤ ${TARGETS.pgliteReadyMs} ms on PGlite (re-open): ${verdict(ready <= TARGETS.pgliteReadyMs)} (${ready} ms). ` +
        `The very first start of a new data directory took ${pglite.coldStartNewStore.medianMs} ms: ` +
        `${verdict(pglite.coldStartNewStore.medianMs <= TARGETS.pgliteReadyMs)} for that case.`,
    );
  }
  for (const [engine, reason] of Object.entries(summary.skipped))
    lines.push(`- ${engine}: not measured (${reason}).`);
  return lines;
}

function renderMachine(summary: Summary): string {
  const { machine } = summary;
  const postgres = machine.postgres ? `, PostgreSQL ${machine.postgres} on the same machine` : '';
  return (
    `${machine.cpus} cores (${machine.cpuModel}), ${machine.memoryGiB} GiB RAM, Node ${machine.node}${postgres}. ` +
    'The load generator runs on the same cores as the server (and PostgreSQL). ' +
    `1-minute load average: ${summary.loadAverage.before} before the run, ${summary.loadAverage.after} after.`
  );
}

function renderDocsSection(summary: Summary): string {
  const { settings } = summary;
  return [
    SECTION_TITLE,
    '',
    "Cold start to `/readyz` 200, idle memory, and the API's throughput against the cheapest route",
    'of the same server in the same run. Each server is a real `node dist/src/main.js serve` child process (what `npm start` runs)',
    'on 127.0.0.1 with `LOG_LEVEL=warn`.',
    '',
    '```sh',
    COMMAND,
    '```',
    '',
    `Measured ${summary.date.slice(0, 10)} on: ${renderMachine(summary)}`,
    '',
    `Code measured: ${renderCode(summary.code)}.`,
    '',
    renderTable(summary),
    '',
    `- _Ready_: milliseconds from \`spawn()\` to the first \`/readyz\` 200 (polled every ${settings.readyPollMs} ms),`,
    `  median of ${settings.runs} runs. It includes Node's own start (${summary.nodeBaseline.medianMs} ms for \`node -e ''\`,`,
    '  measured in the same run), loading the compiled modules, opening the store and migrating it.',
    '  _New store_: a new PGlite data directory (initdb) or an empty PostgreSQL database;',
    '  _existing store_: the same store opened again.',
    `- _Idle RSS_: \`VmRSS\` of the server process ${settings.settleMs / 1000} s after ready on an existing store;`,
    '  _after load_: the same process after the request runs below.',
    `- _req/s_: undici \`Pool\`, keep-alive, ${settings.concurrency} requests in flight, ${settings.requests} measured`,
    `  requests per route (after ${settings.warmupRequests} warm-up requests each), in alternating rounds.`,
    '  The app GET looks its API key up by hash and then reads the app: two database queries per request',
    '  (no decryption: the masked secrets come from stored last-4 characters); `/healthz` touches no database.',
    '',
    '### Targets (issue 2)',
    '',
    ...renderTargets(summary),
    '',
    '### Notes',
    '',
    ...renderNotes(summary),
    '',
  ].join('\n');
}

/** Observations worth a reader's attention, stated only when the numbers show them. */
function renderNotes(summary: Summary): string[] {
  const notes: string[] = [];
  const pglite = summary.engines.find((result) => result.engine === 'pglite');
  const postgres = summary.engines.find((result) => result.engine === 'postgres');
  if (pglite) {
    notes.push(
      `- PGlite runs PostgreSQL compiled to WebAssembly inside the server process, so its RSS (${pglite.idleRssMb} MB idle, ` +
        `${pglite.peakRssMb} MB peak) is the database's memory too; there is no separate server to add. ` +
        'The issue sets no RSS target for it.',
      `- A brand-new PGlite data directory pays initdb once (${pglite.coldStartNewStore.medianMs} ms vs ` +
        `${pglite.coldStartExistingStore.medianMs} ms to re-open): a one-time cost of the very first start.`,
      "- PGlite queries run on the server's own thread, so database time and HTTP handling share one core; " +
        `the app GET runs at ${pglite.appRetrieve.requestsPerSecond} req/s there.`,
    );
  }
  if (postgres) {
    notes.push(
      `- On PostgreSQL the server's idle RSS (${postgres.idleRssMb} MB) excludes PostgreSQL's own processes.`,
    );
  }
  notes.push(
    `- Where the time goes: Node itself starts in ${summary.nodeBaseline.medianMs} ms and importing the ` +
      `server's compiled modules (Fastify and its plugins, the drivers) takes ${summary.moduleLoad.medianMs} ms ` +
      'in the same run, before any storage is touched: the largest fixed share of a PostgreSQL cold start ' +
      "(both probes run once at the start, so they share that moment's load, not the later start-ups').",
  );
  const busy = summary.loadAverage.before > summary.machine.cpus;
  const noisy = summary.engines.some((result) =>
    [result.coldStartNewStore, result.coldStartExistingStore].some(
      (value) => value.medianMs > 1.25 * value.minMs,
    ),
  );
  if (busy || noisy) {
    notes.push(
      `- Other work shared the ${summary.machine.cpus} cores during this run (1-minute load average ` +
        `${summary.loadAverage.before} before, ${summary.loadAverage.after} after` +
        `${noisy ? '; start times varied by more than 25 % between runs, see `runsMs` in the JSON' : ''}), ` +
        'so the numbers are pessimistic. The min is the least disturbed run; the targets are judged on the median.',
    );
  }
  const slowestShutdown = Math.max(...summary.engines.map((result) => result.shutdown.maxMs));
  notes.push(
    `- Every server stopped on SIGTERM by itself (slowest graceful shutdown: ${slowestShutdown} ms).`,
    '- Absolute req/s on a 2-core machine shared with the load generator are a floor, not a capacity figure; ' +
      'compare the ratio within a run.',
  );
  return notes;
}

// ---------------------------------------------------------------------------------------------
// Main

async function main(): Promise<void> {
  const options = parseOptions();
  const loadBefore = loadAverage();
  const code = codeVersion(options.serverRoot);
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
    const nodeBaseline = await measureNodeBaseline(options.runs);
    const moduleLoad = await measureModuleLoad(options.serverRoot, options.runs);
    const engines: EngineResult[] = [];
    engines.push(await measureEngine(await pgliteStore(cleanup), options, cleanup));
    if (postgres !== null)
      engines.push(await measureEngine(postgresStore(cleanup), options, cleanup));

    const summary: Summary = {
      date: new Date().toISOString(),
      machine: machineInfo(postgres),
      loadAverage: { before: loadBefore, after: loadAverage() },
      code,
      settings: {
        ...options,
        warmupRequests: WARMUP_REQUESTS,
        settleMs: SETTLE_MS,
        readyPollMs: READY_POLL_MS,
      },
      nodeBaseline,
      moduleLoad,
      engines,
      skipped,
    };
    console.log(JSON.stringify(summary, null, 2));
    console.log();
    console.log(renderTable(summary));
    if (options.writeDocs) {
      writeDocsSection(SECTION_TITLE, renderDocsSection(summary));
      log(`wrote the "${SECTION_TITLE.slice(3)}" section of ${path.relative(ROOT, DOCS_FILE)}`);
    }
  } finally {
    await cleanup.run();
  }
}

await main();
