/**
 * Fleet scale (issue 17): how Hostpass's cost grows with the number of connected Zoom users.
 * For each size (`--sizes`, default 1,000 and 10,000; 100,000 with `--sizes 1000,10000,100000`)
 * and engine, on `node dist/src/main.js serve` with the emulator in its own process:
 *
 * 1. Seed in bulk: the emulator's `POST /_emulator/fleet` (accounts of 20 users, each granting a
 *    user-level app whose access tokens live `--token-seconds`, default 600), then
 *    `hostpass credentials import` of those grants while no server runs. From there the real
 *    code keeps the fleet alive: the refresh jobs and the initial meeting syncs queued by the import.
 * 2. Start the server (start-up time with the fleet in the store), let the initial syncs run for
 *    up to `--sync-seconds`.
 * 3. `--seconds` of steady state: the refreshes that fall due (every credential once per refresh
 *    period, three quarters of the token's life: with 10-minute tokens, 7.5 minutes is the fleet's
 *    "hour"), signed `user.updated` webhooks at `--webhooks-per-second`, and one client in a loop
 *    timing list / filter / retrieve / access-token calls. CPU of Hostpass, PostgreSQL and the
 *    emulator; RSS; refreshes per second at Zoom (mean and busiest second).
 * 4. A restart (SIGTERM, start again) and `--restart-seconds` of refreshes at Zoom after it.
 * 5. Rows and bytes per credential (tables with their indexes, pg-boss jobs), after stopping.
 *
 *   npx node bench/fleet.ts [--sizes 1000,10000] [--engines postgres,pglite] [--token-seconds 600] [--seconds 60]
 *     [--sync-seconds 120] [--restart-seconds 30] [--webhooks-per-second 20] [--skip-pglite]
 *     [--quick] [--write-docs] [--render-from <log>]
 */
import { execFile } from 'node:child_process';
import { appendFile } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { signedZoomEvent } from '../test/support/scale-out.ts';
import { registerApp } from '../test/support/zoom-world.ts';
import { cpuMeter, POSTGRES_BACKENDS } from './harness/load.ts';
import {
  type Emulator,
  type Engine,
  type Hostpass,
  mib,
  readMemory,
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
/** Zoom's real access-token lifetime and Hostpass's refresh period for it (lifetime − 5 min). */
const REAL_PERIOD_SECONDS = 3600 - 300;

type Sample = 'list' | 'filter_status' | 'filter_user' | 'filter_account' | 'retrieve' | 'token';
const SAMPLES: Sample[] = [
  'list',
  'filter_status',
  'filter_user',
  'filter_account',
  'retrieve',
  'token',
];

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

/** CPU seconds of one process tree's `node` (the CLI import). */
async function importGrants(run: Run, store: Store, appId: string, file: string) {
  const started = performance.now();
  const { stdout } = await run$(
    process.execPath,
    [path.join(run.serverRoot, 'dist/src/main.js'), 'credentials', 'import', '--app', appId, file],
    { env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn', ...store.env }, maxBuffer: 1 << 24 },
  );
  return { seconds: round2((performance.now() - started) / 1000), output: stdout.trim() };
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

/** One client timing the API in turn; each call's kind gets its latencies. */
async function sampleApi(
  server: Hostpass,
  ids: string[],
  users: Grant['user'][],
  running: () => boolean,
) {
  const times = Object.fromEntries(SAMPLES.map((kind) => [kind, [] as number[]])) as Record<
    Sample,
    number[]
  >;
  const failures: string[] = [];
  const pick = <T>(items: T[]) => items[Math.floor(Math.random() * items.length)] as T;
  const base = '/api/v2/zoom-oauth-credentials/';
  const routes: Record<Sample, () => string> = {
    list: () => `${base}?page_size=50`,
    filter_status: () => `${base}?status=unhealthy&page_size=50`,
    filter_user: () => `${base}?user_id=${pick(users).id}`,
    filter_account: () => `${base}?account_id=${pick(users).account_id}&page_size=50`,
    retrieve: () => `${base}${pick(ids)}/`,
    token: () => `${base}${pick(ids)}/access-token/`,
  };
  while (running()) {
    for (const kind of SAMPLES) {
      const started = performance.now();
      const answer = await server.api(routes[kind]());
      times[kind].push(performance.now() - started);
      if (answer.status !== 200) failures.push(`${kind} ${answer.status}`);
    }
  }
  return { times, failures };
}

/** Signed user.updated deliveries at a steady rate; returns how many were accepted. */
async function sendWebhooks(
  server: Hostpass,
  app: { client_id: string; webhook_secret: string },
  appId: string,
  users: Grant['user'][],
  perSecond: number,
  running: () => boolean,
) {
  let accepted = 0;
  let refused = 0;
  const route = `/api/v2/zoom-oauth-apps/${appId}/webhook`;
  const started = performance.now();
  let sent = 0;
  while (running()) {
    const due = Math.floor(((performance.now() - started) / 1000) * perSecond);
    if (sent >= due) {
      await sleep(10);
      continue;
    }
    sent += 1;
    const user = users[sent % users.length] as Grant['user'];
    const event = signedZoomEvent(app, 'user.updated', {
      account_id: user.account_id,
      operator: 'admin@fleet.example',
      object: { id: user.id, first_name: `Renamed${sent}` },
      old_object: { id: user.id, first_name: 'Before' },
      time_stamp: Date.now(),
    });
    const answer = await server.api(route, {
      method: 'POST',
      headers: event.headers,
      body: event.body,
    });
    if (answer.status === 200) accepted += 1;
    else refused += 1;
  }
  return { accepted, refused };
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

async function measureSize(
  run: Run,
  engine: Engine,
  size: number,
  settings: {
    tokenSeconds: number;
    seconds: number;
    syncSeconds: number;
    restartSeconds: number;
    webhooksPerSecond: number;
  },
) {
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
  log(`${engine} ${size}: seeded in ${seedSeconds} s, ${imported.output}`);

  server = await run.hostpass(store, { emulator });
  const startupMs = Math.round(server.process.readyMs);
  const syncStarted = performance.now();
  let syncs = { completed: 0, inProgress: size };
  while (performance.now() - syncStarted < settings.syncSeconds * 1000) {
    const stats = await server.api('/api/v2/stats/');
    const bySync = stats.body.credentials.by_meeting_sync_status;
    syncs = { completed: bySync.completed, inProgress: bySync.in_progress };
    if (syncs.inProgress === 0) break;
    await sleep(1000);
  }
  const syncSeconds = round2((performance.now() - syncStarted) / 1000);

  const ids: string[] = (
    await store.query<{ id: string }>(
      engine === 'pglite'
        ? 'SELECT 1 AS id WHERE false' // PGlite is locked by the server: ids from the API instead
        : 'SELECT id FROM zoom_oauth_credentials ORDER BY random() LIMIT 1000',
    )
  ).map((row) => row.id);
  if (ids.length === 0) {
    const page = await server.api('/api/v2/zoom-oauth-credentials/?page_size=100');
    ids.push(...page.body.results.map((row: { id: string }) => row.id));
  }

  await emulator.zoom.resetRequests();
  const cpu = await cpuMeter({
    hostpass: server.process.pid,
    ...(engine === 'postgres' && { postgres: POSTGRES_BACKENDS }),
    emulator: emulator.process.pid,
  });
  const windowStart = Date.now();
  const load = loadAverage();
  const running = () => Date.now() - windowStart < settings.seconds * 1000;
  const [api, webhooks] = await Promise.all([
    sampleApi(server, ids, users, running),
    sendWebhooks(server, app.zoomApp, app.app.id, users, settings.webhooksPerSecond, running),
  ]);
  const windowEnd = Date.now();
  const { cpuMsPer, machineBusyPercent } = await cpu(1);
  const rss = mib((await readMemory(server.process.pid)).rssKiB);
  const rate = await refreshRate(emulator, windowStart, windowEnd);
  const windowSeconds = (windowEnd - windowStart) / 1000;
  const hostpassCpuS = (cpuMsPer.hostpass ?? 0) / 1000;
  const postgresCpuS = (cpuMsPer.postgres ?? 0) / 1000;
  // The fleet's "hour": one refresh period of its tokens, in which each credential refreshes once.
  const periodSeconds = settings.tokenSeconds - Math.min(300, settings.tokenSeconds / 4);
  const perHour = (cpuS: number) =>
    round2((cpuS * (periodSeconds / windowSeconds)) / (size / 1000));
  // At Zoom's real one-hour tokens the refreshes are periodSeconds / 3300 as frequent: the machine
  // share the refresh and background work would take (CPU per refresh × real rate, plus the rest
  // of the window's work scaled down the same way — an upper bound, fixed costs do not shrink).
  const serverCpuPerSecond = (hostpassCpuS + postgresCpuS) / windowSeconds;
  const realShare = round2(((serverCpuPerSecond * periodSeconds) / REAL_PERIOD_SECONDS / 2) * 100);

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
    loadAverage: load,
    seedSeconds,
    importSeconds: imported.seconds,
    startupMs,
    restartStartupMs: restart.startupMs,
    /** SIGTERM to exit, ms, before the restart and at the end; null: killed after 10 s. */
    stopMs: [restart.stopMs, finalStopMs],
    syncs: { ...syncs, seconds: syncSeconds },
    windowSeconds: round2(windowSeconds),
    refreshes: rate,
    restartRefreshes: restart.rate,
    cpuSeconds: {
      hostpass: round2(hostpassCpuS),
      postgres: round2(postgresCpuS),
      emulator: round2((cpuMsPer.emulator ?? 0) / 1000),
    },
    cpuSecondsPer1000PerHour: {
      hostpass: perHour(hostpassCpuS),
      postgres: perHour(postgresCpuS),
      total: perHour(hostpassCpuS + postgresCpuS),
    },
    machineBusyPercent,
    realLifetimeMachineSharePercent: realShare,
    rssMb: rss,
    latency,
    apiFailures: api.failures.length,
    webhooks,
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
    seconds: 60,
    syncSeconds: 120,
    restartSeconds: 30,
    webhooksPerSecond: 20,
  },
  quick: { sizes: '200', seconds: 5, syncSeconds: 10, restartSeconds: 5, webhooksPerSecond: 5 },
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
    const listP99 = (row: Row) =>
      Math.max(
        row.latency.list.p99Ms,
        row.latency.filter_status.p99Ms,
        row.latency.filter_user.p99Ms,
        row.latency.filter_account.p99Ms,
      );
    const costGrowth = round2(
      large.cpuSecondsPer1000PerHour.total / small.cpuSecondsPer1000PerHour.total,
    );
    const busiest = Math.max(
      ...mine.map((row) => row.refreshes.busiest / Math.max(row.refreshes.mean, 0.01)),
    );
    const restartBusiest = Math.max(
      ...mine.map(
        (row) => row.restartRefreshes.busiest / Math.max(row.restartRefreshes.mean, 0.01),
      ),
    );
    return {
      engine,
      from: small.size,
      to: large.size,
      costGrowth,
      busiestOverMean: round2(busiest),
      restartBusiestOverMean: round2(restartBusiest),
      machineSharePercent: large.realLifetimeMachineSharePercent,
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
        `  - machine share at ${t.to} credentials with Zoom's one-hour tokens: ${t.machineSharePercent} % (target ≤ ${TARGET.machineShare * 100} %): ${verdict(t.machineSharePercent <= TARGET.machineShare * 100)}`,
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
