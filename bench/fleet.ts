/**
 * Fleet scale (issue 17): how Hostpass's cost grows with the number of connected Zoom users, in its
 * steady state. For each size (`--sizes`) and engine, on `node dist/src/main.js serve` with the
 * emulator in its own process:
 *
 * 1. Seed in bulk: the emulator's `POST /_emulator/fleet` (accounts of 20 users, each granting a
 *    user-level app whose access tokens live `--token-seconds`), then `hostpass credentials import`
 *    of those grants while no server runs. From there the real code keeps the fleet alive: the
 *    refresh jobs and the initial meeting syncs queued by the import.
 * 2. Settle: start the server (start-up time with the fleet in the store) and let the import's
 *    initial syncs finish at full speed (progress every 30 s, at most `--settle-seconds`). Its
 *    time and CPU are the import's one-off cost, reported apart from the steady state.
 * 3. `--seconds` of steady state (the default, 450 s, is one refresh period of 10-minute tokens:
 *    a simulated hour, in which every credential refreshes once): the refreshes that fall due,
 *    the periodic resyncs at their daily rate (one per credential a day, asked through
 *    `POST …/sync-meetings/`: the job that queues them waits a day after the import), signed
 *    `user.updated` webhooks at `--webhooks-per-second`, and one client timing list / filter /
 *    retrieve / access-token / mint calls in turn at `--api-per-second`. CPU of Hostpass, of this
 *    store's PostgreSQL processes and of the emulator; peak RSS; refreshes per second at Zoom
 *    (mean and busiest second).
 * 4. A restart (SIGTERM, start again) and `--restart-seconds` of refreshes at Zoom after it.
 * 5. Rows and bytes per credential (tables with their indexes, pg-boss jobs), after stopping.
 *
 *   npx node bench/fleet.ts [--sizes 1000,10000] [--engines postgres,pglite] [--token-seconds 600]
 *     [--seconds 450] [--settle-seconds 1800] [--restart-seconds 30] [--webhooks-per-second 20]
 *     [--api-per-second 10] [--skip-pglite] [--quick] [--write-docs] [--render-from <log>]
 */
import { execFile } from 'node:child_process';
import { appendFile, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { signedZoomEvent } from '../test/support/scale-out.ts';
import { registerApp } from '../test/support/zoom-world.ts';
import {
  type Emulator,
  type Engine,
  type Hostpass,
  MemorySampler,
  mib,
  processCpuMs,
  type Store,
} from './harness/processes.ts';
import { type Fill, loadAverage, log, quantiles, round2, verdict } from './harness/report.ts';
import { defineScenario, main, type Run } from './harness/scenario.ts';

const run$ = promisify(execFile);
/** Users per seeded Zoom account: a fleet is many small and mid-sized customers. */
const USERS_PER_ACCOUNT = 20;
/** Users per `POST /_emulator/fleet` call (its limit is 100,000). */
const SEED_CHUNK = 20_000;
/** Issue 17's targets. */
const TARGET = { costGrowth: 1.2, busiestOverMean: 2, machineShare: 0.25, listP99Growth: 2 };
/** The periodic resync: once a day per credential (HOSTPASS_RESYNC_INTERVAL_SECONDS's default). */
const RESYNCS_PER_CREDENTIAL_PER_SECOND = 1 / 86_400;
const CORES = 2;

type Sample =
  | 'list'
  | 'filter_status'
  | 'filter_user'
  | 'filter_account'
  | 'retrieve'
  | 'token'
  | 'mint';
const SAMPLES: Sample[] = [
  'list',
  'filter_status',
  'filter_user',
  'filter_account',
  'retrieve',
  'token',
  'mint',
];
const LISTS: Sample[] = ['list', 'filter_status', 'filter_user', 'filter_account'];

interface Grant {
  user: { id: string; account_id: string };
}

/** Seeds `size` users with grants at the emulator and writes them as an import file. */
async function seed(emulator: Emulator, clientId: string, size: number, file: string) {
  const users: Grant['user'][] = [];
  for (let from = 0; from < size; from += SEED_CHUNK) {
    const count = Math.min(SEED_CHUNK, size - from);
    const { grants } = await emulator.zoom.seedFleet({
      client_id: clientId,
      accounts: Math.ceil(count / USERS_PER_ACCOUNT),
      users_per_account: Math.min(USERS_PER_ACCOUNT, count),
      email_prefix: `fleet${from}`,
    });
    await appendFile(file, `${grants.map((grant) => JSON.stringify(grant)).join('\n')}\n`);
    users.push(...grants.map((grant) => grant.user));
  }
  return users;
}

async function importGrants(run: Run, store: Store, appId: string, file: string) {
  const started = performance.now();
  const { stdout } = await run$(
    process.execPath,
    [path.join(run.serverRoot, 'dist/src/main.js'), 'credentials', 'import', '--app', appId, file],
    { env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn', ...store.env }, maxBuffer: 1 << 24 },
  );
  return { seconds: round2((performance.now() - started) / 1000), output: stdout.trim() };
}

/**
 * CPU seconds of groups of processes (a group: the pids it lists now), sampled every 2 s so that
 * a process that ends mid-way (a pool closing an idle PostgreSQL connection) still counts up to
 * its last sample, and one that starts counts from zero.
 */
function cpuTally(groups: Record<string, () => Promise<number[]>>) {
  const seen = new Map<string, { first: number; last: number }>();
  const sample = async (initial: boolean) => {
    for (const [name, list] of Object.entries(groups))
      for (const pid of await list()) {
        const ms = await processCpuMs(pid).catch(() => null);
        if (ms === null) continue;
        const key = `${name}:${pid}`;
        const known = seen.get(key);
        if (known) known.last = ms;
        else seen.set(key, { first: initial ? ms : 0, last: ms });
      }
  };
  const ready = sample(true);
  const timer = setInterval(() => void sample(false).catch(() => {}), 2000);
  return {
    ready,
    async stop(): Promise<Record<string, number>> {
      clearInterval(timer);
      await sample(false);
      const seconds: Record<string, number> = Object.fromEntries(
        Object.keys(groups).map((name) => [name, 0]),
      );
      for (const [key, { first, last }] of seen) {
        const name = key.slice(0, key.indexOf(':'));
        seconds[name] = (seconds[name] ?? 0) + (last - first) / 1000;
      }
      return Object.fromEntries(Object.entries(seconds).map(([name, s]) => [name, round2(s)]));
    },
  };
}

/**
 * This store's PostgreSQL processes: the backends connected to its database (their title names
 * it) and the writers every database shares (WAL, checkpoints), but no other database's backends:
 * other work on the machine does not count.
 */
function postgresPids(store: Store): () => Promise<number[]> {
  const database = store.databaseUrl ? new URL(store.databaseUrl).pathname.slice(1) : null;
  const shared = /^postgres: (walwriter|checkpointer|background writer|autovacuum launcher)/;
  return async () => {
    if (!database) return [];
    const pids: number[] = [];
    for (const entry of (await readdir('/proc')).filter((name) => /^\d+$/.test(name))) {
      const title = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
      if (!title.startsWith('postgres')) continue;
      if (title.includes(` ${database} `) || shared.test(title)) pids.push(Number(entry));
    }
    return pids;
  };
}

/** The CPU sources of a server on `store` with `emulator`. */
function fleetCpu(server: Hostpass, store: Store, emulator: Emulator) {
  return cpuTally({
    hostpass: async () => [server.process.pid],
    postgres: postgresPids(store),
    emulator: async () => [emulator.process.pid],
  });
}

/** Per-second refresh_token grants at Zoom within [fromMs, toMs): mean and busiest second. */
async function refreshRate(emulator: Emulator, fromMs: number, toMs: number) {
  const summary = await emulator.zoom.requests();
  const perSecond = summary.by_grant_type_per_second.refresh_token ?? {};
  const first = Math.ceil(fromMs / 1000);
  const last = Math.floor(toMs / 1000) - 1;
  let total = 0;
  let busiest = 0;
  for (let second = first; second <= last; second += 1) {
    const count = perSecond[String(second)] ?? 0;
    total += count;
    busiest = Math.max(busiest, count);
  }
  const seconds = Math.max(1, last - first + 1);
  return { total, seconds, mean: round2(total / seconds), busiest };
}

/**
 * SIGTERM and wait; a server that takes longer than the harness allows is killed and its time
 * recorded as null (the run goes on: that is a finding, not a reason to lose the others).
 */
async function stopServer(run: Run, server: Hostpass): Promise<number | null> {
  try {
    return Math.round(await run.stop(server));
  } catch (error) {
    log(`stopping the server: ${error instanceof Error ? error.message : String(error)}`);
    return null;
  }
}

/** The Zoom-side spread of a restart: refreshes per second from the start for `seconds`. */
async function restartSpread(run: Run, server: Hostpass, emulator: Emulator, seconds: number) {
  const stopMs = await stopServer(run, server);
  await emulator.zoom.resetRequests();
  const startedAt = Date.now();
  const restarted = await run.hostpass(server.store, { emulator });
  await sleep(seconds * 1000);
  const rate = await refreshRate(emulator, startedAt, Date.now());
  return { server: restarted, rate, startupMs: Math.round(restarted.process.readyMs), stopMs };
}

/**
 * The import's one-off cost: the server runs until every initial sync is done (or `capSeconds`),
 * at full speed, nothing else asked of it. Progress on stderr every 30 s.
 */
async function settle(
  server: Hostpass,
  store: Store,
  emulator: Emulator,
  label: string,
  capSeconds: number,
) {
  const cpu = fleetCpu(server, store, emulator);
  await cpu.ready;
  const started = performance.now();
  const elapsed = () => (performance.now() - started) / 1000;
  let syncs = { completed: 0, failed: 0, inProgress: Number.POSITIVE_INFINITY };
  let lastLog = 0;
  // What the import's syncs do to the API meanwhile: the list, timed at each poll.
  const listMs: number[] = [];
  while (elapsed() < capSeconds) {
    const listStarted = performance.now();
    await server.api('/api/v2/zoom-oauth-credentials/?page_size=50');
    listMs.push(performance.now() - listStarted);
    const stats = await server.api('/api/v2/stats/');
    const bySync = stats.body.credentials.by_meeting_sync_status;
    syncs = { completed: bySync.completed, failed: bySync.failed, inProgress: bySync.in_progress };
    if (syncs.inProgress === 0) break;
    if (elapsed() - lastLog >= 30) {
      lastLog = elapsed();
      const rate = syncs.completed / elapsed();
      log(
        `${label}: settling, ${syncs.completed} initial syncs done, ${syncs.inProgress} to go ` +
          `(${Math.round(rate)}/s, ${Math.round(syncs.inProgress / Math.max(rate, 0.01))} s left at this pace)`,
      );
    }
    await sleep(2000);
  }
  const seconds = elapsed();
  const cpuSeconds = await cpu.stop();
  return {
    settled: syncs.inProgress === 0,
    seconds: round2(seconds),
    ...syncs,
    syncsPerSecond: round2((syncs.completed + syncs.failed) / seconds),
    cpuSeconds,
    machineSharePercent: round2(
      (((cpuSeconds.hostpass ?? 0) + (cpuSeconds.postgres ?? 0)) / seconds / CORES) * 100,
    ),
    list: quantiles(listMs),
  };
}

/** Calls `send` `perSecond` times a second (fractions accumulate) while `running()`; counts answers. */
async function paced(
  perSecond: number,
  running: () => boolean,
  send: (n: number) => Promise<boolean>,
) {
  const started = performance.now();
  let sent = 0;
  let failed = 0;
  while (running()) {
    if (sent >= Math.floor(((performance.now() - started) / 1000) * perSecond)) {
      await sleep(10);
      continue;
    }
    sent += 1;
    if (!(await send(sent))) failed += 1;
  }
  return { sent, failed };
}

/** Random picks from what the fleet holds: credential ids and (for mints) PMIs Hostpass mapped. */
async function fleetSample(store: Store, server: Hostpass) {
  if (store.engine === 'postgres') {
    const pick = (sql: string) =>
      store.query<{ value: string }>(sql).then((rows) => rows.map((row) => row.value));
    return {
      ids: await pick(
        'SELECT id::text AS value FROM zoom_oauth_credentials ORDER BY random() LIMIT 1000',
      ),
      meetings: (
        await pick(
          "SELECT meeting_id::text AS value FROM zoom_meeting_mappings WHERE source = 'pmi' ORDER BY random() LIMIT 1000",
        )
      ).map(Number),
    };
  }
  // PGlite is locked by the server: a page of each from the API.
  const page = async (route: string) => (await server.api(route)).body.results;
  const credentials: { id: string }[] = await page('/api/v2/zoom-oauth-credentials/?page_size=200');
  const mappings: { meeting_id: number }[] = await page(
    '/api/v2/zoom-meetings-to-credentials/?page_size=200',
  );
  return {
    ids: credentials.map((row) => row.id),
    meetings: mappings.map((row) => row.meeting_id),
  };
}

/** One client timing the API in turn, `perSecond` calls a second; each kind gets its latencies. */
async function sampleApi(
  server: Hostpass,
  fleet: Awaited<ReturnType<typeof fleetSample>>,
  users: Grant['user'][],
  perSecond: number,
  running: () => boolean,
) {
  const times = Object.fromEntries(SAMPLES.map((kind) => [kind, [] as number[]])) as Record<
    Sample,
    number[]
  >;
  const failures: string[] = [];
  const pick = <T>(items: T[]) => items[Math.floor(Math.random() * items.length)] as T;
  const base = '/api/v2/zoom-oauth-credentials/';
  const get = (route: string) => () => server.api(route);
  const calls: Record<Sample, () => () => ReturnType<Hostpass['api']>> = {
    list: () => get(`${base}?page_size=50`),
    filter_status: () => get(`${base}?status=unhealthy&page_size=50`),
    filter_user: () => get(`${base}?user_id=${pick(users).id}`),
    filter_account: () => get(`${base}?account_id=${pick(users).account_id}&page_size=50`),
    retrieve: () => get(`${base}${pick(fleet.ids)}/`),
    token: () => get(`${base}${pick(fleet.ids)}/access-token/`),
    mint: () => {
      const body = JSON.stringify({ meeting_id: pick(fleet.meetings), kinds: ['join_token'] });
      return () =>
        server.api('/api/v2/zoom-tokens/', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
        });
    },
  };
  await paced(perSecond, running, async (n) => {
    const kind = SAMPLES[n % SAMPLES.length] as Sample;
    const call = calls[kind]();
    const started = performance.now();
    const answer = await call();
    times[kind].push(performance.now() - started);
    const ok = answer.status === 200 && (kind !== 'mint' || answer.body.join_token !== null);
    if (!ok) failures.push(`${kind} ${answer.status}`);
    return ok;
  });
  return { times, failures };
}

/** Signed user.updated deliveries at a steady rate. */
function sendWebhooks(
  server: Hostpass,
  app: { client_id: string; webhook_secret: string },
  appId: string,
  users: Grant['user'][],
  perSecond: number,
  running: () => boolean,
) {
  const route = `/api/v2/zoom-oauth-apps/${appId}/webhook`;
  return paced(perSecond, running, async (n) => {
    const user = users[n % users.length] as Grant['user'];
    const event = signedZoomEvent(app, 'user.updated', {
      account_id: user.account_id,
      operator: 'admin@fleet.example',
      object: { id: user.id, first_name: `Renamed${n}` },
      old_object: { id: user.id, first_name: 'Before' },
      time_stamp: Date.now(),
    });
    const answer = await server.api(route, {
      method: 'POST',
      headers: event.headers,
      body: event.body,
    });
    return answer.status === 200;
  });
}

/** Rows and bytes, per credential, of the credentials table, everything else, and pg-boss. */
async function storage(store: Store, credentials: number) {
  const [sizes] = await store.query<Record<string, string>>(
    `SELECT
       (SELECT pg_table_size('zoom_oauth_credentials'))::text AS credential_table,
       (SELECT pg_indexes_size('zoom_oauth_credentials'))::text AS credential_indexes,
       (SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c
          JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = 'public' AND c.relkind = 'r')::text AS public_total,
       (SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c
          JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = 'pgboss' AND c.relkind = 'r')::text AS pgboss_total,
       (SELECT count(*) FROM pgboss.job)::text AS jobs,
       (SELECT count(*) FROM pgboss.job WHERE state = 'completed')::text AS completed_jobs,
       (SELECT count(*) FROM zoom_oauth_credential_logs)::text AS log_rows,
       (SELECT count(*) FROM zoom_meeting_syncs)::text AS sync_rows`,
  );
  const per = (value: string | undefined) => round2(Number(value ?? 0) / credentials);
  return {
    credentialBytes: per(sizes?.credential_table),
    credentialIndexBytes: per(sizes?.credential_indexes),
    allTablesBytes: per(sizes?.public_total),
    pgbossBytes: per(sizes?.pgboss_total),
    jobsPerCredential: per(sizes?.jobs),
    completedJobsPerCredential: per(sizes?.completed_jobs),
    logRowsPerCredential: per(sizes?.log_rows),
    syncRowsPerCredential: per(sizes?.sync_rows),
  };
}

/** EXPLAIN of the list's filters at this size: which index each uses. */
async function plans(store: Store, user: Grant['user'], appId: string) {
  const [workspace] = await store.query<{ id: string }>('SELECT id FROM workspaces LIMIT 1');
  // The list's own conditions (src/credentials/store.ts list), in its order.
  const queries: Record<string, [string, unknown[], string]> = {
    list: ['', [], 'created_at, id'],
    newest_first: ['', [], 'created_at DESC, id DESC'],
    app: ['AND oauth_app_id = $2', [appId], 'created_at, id'],
    status: ["AND status = 'unhealthy'", [], 'created_at, id'],
    sync_status: ["AND meeting_sync_status = 'failed'", [], 'created_at, id'],
    user: ["AND app_kind = 'user_level' AND zoom_user_id = $2", [user.id], 'created_at, id'],
    account: [
      "AND app_kind = 'account_level' AND zoom_account_id = $2",
      [user.account_id],
      'created_at, id',
    ],
  };
  const out: Record<string, string> = {};
  for (const [name, [where, params, order]] of Object.entries(queries)) {
    const rows = await store.query<Record<string, string>>(
      `EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) SELECT id FROM zoom_oauth_credentials
       WHERE workspace_id = $1 ${where} ORDER BY ${order} LIMIT 51`,
      [workspace?.id, ...params],
    );
    out[name] = rows.map((row) => Object.values(row)[0]).join(' | ');
  }
  return out;
}

interface Settings {
  tokenSeconds: number;
  seconds: number;
  settleSeconds: number;
  restartSeconds: number;
  webhooksPerSecond: number;
  apiPerSecond: number;
}

async function measureSize(run: Run, engine: Engine, size: number, settings: Settings) {
  const label = `${engine} ${size}`;
  const emulator = await run.emulator();
  const store = await run.store(engine);
  let server = await run.hostpass(store, { emulator });
  const app = await registerApp({ zoom: emulator.zoom, hostpass: server }, 'user_level', {
    access_token_ttl_seconds: settings.tokenSeconds,
  });
  await run.stop(server);

  const file = path.join(await run.tempDir('hostpass-fleet-'), 'grants.ndjson');
  const seedStarted = performance.now();
  const users = await seed(emulator, app.zoomApp.client_id, size, file);
  const seedSeconds = round2((performance.now() - seedStarted) / 1000);
  const imported = await importGrants(run, store, app.app.id, file);
  log(`${label}: seeded in ${seedSeconds} s, ${imported.output}`);

  server = await run.hostpass(store, { emulator });
  const startupMs = Math.round(server.process.readyMs);
  const settled = await settle(server, store, emulator, label, settings.settleSeconds);
  log(`${label}: settled ${JSON.stringify(settled)}`);
  const fleet = await fleetSample(store, server);

  await emulator.zoom.resetRequests();
  const load = loadAverage();
  const cpu = fleetCpu(server, store, emulator);
  await cpu.ready;
  const memory = new MemorySampler(server.process.pid, 5000);
  const windowStart = Date.now();
  const running = () => Date.now() - windowStart < settings.seconds * 1000;
  const [api, webhooks, resyncs] = await Promise.all([
    sampleApi(server, fleet, users, settings.apiPerSecond, running),
    sendWebhooks(server, app.zoomApp, app.app.id, users, settings.webhooksPerSecond, running),
    paced(size * RESYNCS_PER_CREDENTIAL_PER_SECOND, running, async () => {
      const id = fleet.ids[Math.floor(Math.random() * fleet.ids.length)];
      const answer = await server.api(`/api/v2/zoom-oauth-credentials/${id}/sync-meetings/`, {
        method: 'POST',
      });
      return answer.status === 200;
    }),
  ]);
  const windowEnd = Date.now();
  memory.stop();
  const cpuSeconds = await cpu.stop();
  const rate = await refreshRate(emulator, windowStart, windowEnd);
  const windowSeconds = (windowEnd - windowStart) / 1000;
  const serverCpuS = (cpuSeconds.hostpass ?? 0) + (cpuSeconds.postgres ?? 0);
  // The fleet's "hour": one refresh period of its tokens, in which each credential refreshes once.
  const periodSeconds = settings.tokenSeconds - Math.min(300, settings.tokenSeconds / 4);
  const perHour = (cpuS: number) =>
    round2((cpuS * (periodSeconds / windowSeconds)) / (size / 1000));

  const restart = await restartSpread(run, server, emulator, settings.restartSeconds);
  server = restart.server;
  const explained =
    engine === 'postgres' ? await plans(store, users[0] as Grant['user'], app.app.id) : {};
  const finalStopMs = await stopServer(run, server);
  const stored = await storage(store, size);
  if (engine === 'pglite')
    Object.assign(explained, await plans(store, users[0] as Grant['user'], app.app.id));
  await run.stop(emulator.process).catch(() => {});

  const latency = Object.fromEntries(
    SAMPLES.map((kind) => [kind, quantiles(api.times[kind])]),
  ) as Record<Sample, { p50Ms: number; p99Ms: number }>;
  const row = {
    engine,
    size,
    tokenSeconds: settings.tokenSeconds,
    loadAverage: load,
    seedSeconds,
    importSeconds: imported.seconds,
    startupMs,
    restartStartupMs: restart.startupMs,
    /** SIGTERM to exit, ms, before the restart and at the end; null: killed after 10 s. */
    stopMs: [restart.stopMs, finalStopMs],
    settle: settled,
    windowSeconds: round2(windowSeconds),
    refreshes: rate,
    restartRefreshes: restart.rate,
    cpuSeconds,
    cpuSecondsPer1000PerHour: {
      hostpass: perHour(cpuSeconds.hostpass ?? 0),
      postgres: perHour(cpuSeconds.postgres ?? 0),
      total: perHour(serverCpuS),
    },
    /** Hostpass + this store's PostgreSQL, share of the machine's 2 cores in the window. */
    machineSharePercent: round2((serverCpuS / windowSeconds / CORES) * 100),
    peakRssMb: mib(memory.maxRssKiB),
    latency,
    apiCalls: api.times.list.length * SAMPLES.length,
    apiFailures: api.failures.length,
    apiFailureKinds: [...new Set(api.failures)].slice(0, 5),
    webhooks,
    resyncs,
    stored,
    explained,
  };
  log(JSON.stringify(row));
  return row;
}

type Row = Awaited<ReturnType<typeof measureSize>>;

export const scenario = defineScenario({
  name: 'fleet',
  options: {
    sizes: '1000,10000',
    /** Which of the engines to measure (`pglite` alone: a second run after a PostgreSQL one). */
    engines: 'postgres,pglite',
    tokenSeconds: 600,
    seconds: 450,
    settleSeconds: 1800,
    restartSeconds: 30,
    webhooksPerSecond: 20,
    apiPerSecond: 10,
  },
  quick: { sizes: '200', seconds: 5, settleSeconds: 30, restartSeconds: 5, webhooksPerSecond: 5 },
  engines: ['postgres', 'pglite'],
  async measure(run, settings) {
    const sizes = settings.sizes.split(',').map(Number);
    if (sizes.some((size) => !Number.isInteger(size) || size < USERS_PER_ACCOUNT))
      throw new Error(`--sizes must be whole numbers of at least ${USERS_PER_ACCOUNT}`);
    const rows: Row[] = [];
    const wanted = settings.engines.split(',');
    for (const engine of run.engines.filter((name) => wanted.includes(name)))
      for (const size of sizes) rows.push(await measureSize(run, engine, size, settings));
    return { rows, targets: targets(rows) };
  },
  print: (summary, fill) => [table(summary.rows, fill), targetLines(summary.targets)],
  render: (summary, fill, header) =>
    fill('section', {
      ...summary,
      header,
      table: table(summary.rows, fill),
      targets: targetLines(summary.targets),
    }),
});

/** Each target per engine: the largest size measured against the smallest. */
function targets(rows: Row[]) {
  const engines = [...new Set(rows.map((row) => row.engine))];
  return engines.map((engine) => {
    const mine = rows.filter((row) => row.engine === engine).sort((a, b) => a.size - b.size);
    const small = mine[0] as Row;
    const large = mine.at(-1) as Row;
    const listP99 = (row: Row) => Math.max(...LISTS.map((kind) => row.latency[kind].p99Ms));
    const ratio = (of: (row: Row) => number) =>
      Math.max(...mine.map((row) => of(row) / Math.max(row.refreshes.mean, 0.01)));
    return {
      engine,
      from: small.size,
      to: large.size,
      costGrowth: round2(
        large.cpuSecondsPer1000PerHour.total / small.cpuSecondsPer1000PerHour.total,
      ),
      busiestOverMean: round2(ratio((row) => row.refreshes.busiest)),
      restartBusiestOverMean: round2(
        Math.max(
          ...mine.map(
            (row) => row.restartRefreshes.busiest / Math.max(row.restartRefreshes.mean, 0.01),
          ),
        ),
      ),
      machineSharePercent: large.machineSharePercent,
      tokenSeconds: large.tokenSeconds,
      listP99Growth: round2(listP99(large) / listP99(small)),
      completedJobsPerCredential: large.stored.completedJobsPerCredential,
    };
  });
}

function targetLines(rows: ReturnType<typeof targets>): string {
  return rows
    .map((t) =>
      [
        `- ${t.engine}, ${t.from} → ${t.to} credentials:`,
        `  - cost per credential grows ${t.costGrowth}× (target ≤ ${TARGET.costGrowth}×): ${verdict(t.costGrowth <= TARGET.costGrowth)}`,
        `  - busiest second of refreshes ÷ mean, steady state: ${t.busiestOverMean} (target ≤ ${TARGET.busiestOverMean}): ${verdict(t.busiestOverMean <= TARGET.busiestOverMean)}`,
        `  - busiest second ÷ mean after a restart: ${t.restartBusiestOverMean} (target ≤ ${TARGET.busiestOverMean}): ${verdict(t.restartBusiestOverMean <= TARGET.busiestOverMean)}`,
        `  - machine share at ${t.to} credentials, steady state, ${t.tokenSeconds} s tokens: ${t.machineSharePercent} % (target ≤ ${TARGET.machineShare * 100} % with 3600 s tokens): ${verdict(t.machineSharePercent <= TARGET.machineShare * 100)}`,
        `  - list/filter p99 grows ${t.listP99Growth}× (target ≤ ${TARGET.listP99Growth}×): ${verdict(t.listP99Growth <= TARGET.listP99Growth)}`,
        `  - completed pg-boss jobs kept per credential: ${t.completedJobsPerCredential} (deleted after an hour, maintenance every 10 minutes)`,
      ].join('\n'),
    )
    .join('\n');
}

function table(rows: Row[], fill: Fill): string {
  return fill.table('table', rows);
}

await main(import.meta.url, scenario);
