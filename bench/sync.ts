/**
 * Meeting sync (issue 5), on PostgreSQL: an account-level grant's initial sync (`--users` ×
 * `--meetings-per-user`) against the floor the emulator's Medium limit (`--rate`) sets, once per
 * sync share (`--shares`); then the mapping lookup with `--mappings` rows, in-process and by HTTP.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Queryable } from '../src/db/database.ts';
import { openPostgresDatabase } from '../src/db/postgres.ts';
import { meetingsStoreFactory } from '../src/meetings/store.ts';
import {
  authorizationCode,
  postAuthorizationCode,
  registerApp,
} from '../test/support/zoom-world.ts';
import * as h from './harness/index.ts';

/** Issue 5's targets: wall time ÷ floor, peak RSS during the sync, mapping lookup p99. */
const TARGET = { ratio: 1.1, rssMb: 300, lookupP99Ms: 1 } as const;
const FIXED = {
  /** Requests in flight while the bench builds the Zoom world through the emulator's admin API. */
  seedConcurrency: 32,
  /** Light calls (token checks, /users/me) are not what this bench is about: generous on both sides. */
  lightRate: 1000,
  defaultShare: 0.8,
  rssSampleMs: 100,
  statusPollMs: 100,
  lookupWarmup: 1_000,
  httpLookupWarmup: 200,
  /** Extra user-level credentials the generated mappings are spread over. */
  extraCredentials: 100,
  generatedMeetingBase: 30_000_000_000,
  /** Lookups repeated under EXPLAIN ANALYZE for the time spent inside PostgreSQL. */
  explainedLookups: 1_000,
} as const;

const OPTIONS = {
  users: 10_000,
  meetingsPerUser: 3,
  rate: 200,
  shares: '0.8,1',
  mappings: 1_000_000,
  lookups: 10_000,
  httpLookups: 2_000,
  profile: false,
  maxSyncSeconds: 600,
};
type Sizes = typeof OPTIONS;

/** One account with many active users, each with a few meetings, through the admin API. */
async function seedZoomAccount({ zoom }: h.Emulator, sizes: Sizes) {
  const startedAt = performance.now();
  const perSecond = (rate: number) => ({ per_second: rate, per_day: null });
  const rate_limits = { medium: perSecond(sizes.rate), light: perSecond(FIXED.lightRate) };
  const account = await zoom.createAccount({ plan: 'pro', rate_limits });
  const userIds: string[] = new Array(sizes.users);
  const nonce = Math.random().toString(16).slice(2, 8);
  await h.inParallel(sizes.users, FIXED.seedConcurrency, async (index) => {
    const email = `bench-${nonce}-${index}@example.com`;
    const role = index === 0 ? 'owner' : 'member';
    userIds[index] = (await zoom.createUser({ account_id: account.id, email, role })).id;
  });
  const meetings = sizes.users * sizes.meetingsPerUser;
  await h.inParallel(meetings, FIXED.seedConcurrency, async (index) => {
    const host_id = userIds[index % sizes.users] ?? '';
    await zoom.createMeeting({ host_id, topic: `Bench meeting ${index}` });
  });
  return {
    accountId: account.id,
    ownerId: userIds[0] ?? '',
    /** A few user ids, for the emulator latency probe. */
    someUserIds: userIds.slice(0, 100),
    users: sizes.users,
    meetings,
    seconds: h.round2((performance.now() - startedAt) / 1000),
  };
}

type ZoomAccount = Awaited<ReturnType<typeof seedZoomAccount>>;

const isMedium = (endpoint: string) => /^GET \/v2\/users(\/[^/]+\/meetings)?$/.test(endpoint);

function mediumCallsOf(byEndpoint: Record<string, number>) {
  const count = (list: boolean) =>
    Object.entries(byEndpoint)
      .filter(([endpoint]) => isMedium(endpoint) && endpoint.endsWith('/meetings') === list)
      .reduce((sum, [, calls]) => sum + calls, 0);
  const [usersList, meetingLists] = [count(false), count(true)];
  return { usersList, meetingLists, total: usersList + meetingLists };
}

/** Gaps between consecutive Medium calls at the emulator (ms) against the limiter's spacing. */
function gapSummary(gaps: number[], spacingMs: number) {
  const sorted = [...gaps].sort((a, b) => a - b);
  const calls = Math.max(1, sorted.length);
  return {
    calls: sorted.length,
    spacingMs: h.round2(spacingMs),
    p10: h.percentile(sorted, 0.1),
    p50: h.percentile(sorted, 0.5),
    p90: h.percentile(sorted, 0.9),
    mean: h.round2(sorted.reduce((sum, gap) => sum + gap, 0) / calls),
    /** Share of gaps no longer than the spacing plus 1 ms: calls the limiter, not the loop, paced. */
    pacedByLimiter: h.round2(sorted.filter((gap) => gap <= spacingMs + 1).length / calls),
  };
}

/**
 * The emulator's own time per call at this size, after the sync: a meeting list and `/users/me`
 * alternating, one at a time, well below the rate limit.
 */
async function probeEmulator(url: string, server: h.Hostpass, id: string, account: ZoomAccount) {
  const headers = { authorization: `Bearer ${(await h.accessToken(server, id)).token}` };
  const times = { lists: [] as number[], me: [] as number[] };
  let errors = 0;
  const time = async (path: string, into: number[]) => {
    const sentAt = performance.now();
    const response = await fetch(`${url}/v2/users/${path}`, { headers });
    await response.arrayBuffer();
    into.push(performance.now() - sentAt);
    if (response.status !== 200) errors += 1;
    await sleep(10);
  };
  for (const [index, userId] of [...account.someUserIds, ...account.someUserIds].entries()) {
    const type = index % 2 === 0 ? 'scheduled' : 'upcoming';
    await time(`${userId}/meetings?type=${type}&page_size=300`, times.lists);
    await time('me', times.me);
  }
  const pair = (values: number[]) => {
    const { p50Ms: p50, p99Ms: p99 } = h.quantiles(values);
    return { p50, p99 };
  };
  const calls = times.lists.length + times.me.length;
  return { calls, errors, meetingListMs: pair(times.lists), usersMeMs: pair(times.me) };
}

/**
 * Every second: the Medium calls answered in it (the emulator's running count) and the gaps
 * between consecutive Medium calls (the sync makes them one after another) from its recent log.
 */
function mediumCallWatch(zoom: h.Emulator['zoom']) {
  const perSecond: number[] = [];
  const gaps: number[] = [];
  let [lastCount, lastTotal] = [0, 0];
  let lastMediumAt: number | null = null;
  const timer = setInterval(async () => {
    const summary = await zoom.requests().catch(() => null);
    if (!summary) return;
    const total = mediumCallsOf(summary.by_endpoint).total;
    perSecond.push(total - lastCount);
    lastCount = total;
    const fresh = summary.total - lastTotal;
    lastTotal = summary.total;
    // More new calls than the log keeps: the chain of gaps restarts.
    if (fresh > summary.recent.length) lastMediumAt = null;
    for (const entry of summary.recent.slice(Math.max(0, summary.recent.length - fresh))) {
      if (!isMedium(`GET ${entry.path}`)) continue;
      const at = Date.parse(entry.at);
      if (lastMediumAt !== null) gaps.push(at - lastMediumAt);
      lastMediumAt = at;
    }
  }, 1000);
  return { perSecond, gaps, count: () => lastCount, stop: () => clearInterval(timer) };
}

/** Connects the account's owner on `server` and follows the sync to its end. */
async function measureSync(
  emulator: h.Emulator,
  server: h.Hostpass,
  account: ZoomAccount,
  share: number,
  sizes: Sizes,
) {
  const { zoom } = emulator;
  const { store, process: serverProcess } = server;
  const allowedPerSecond = sizes.rate * share;
  const expectedCalls =
    Math.ceil(account.users / 300) + 2 * account.users * Math.ceil(sizes.meetingsPerUser / 300);
  const limitMs =
    Math.min(sizes.maxSyncSeconds, (3 * expectedCalls) / allowedPerSecond + 60) * 1000;
  const world = { zoom, hostpass: server };
  const app = await registerApp(world, 'account_level');
  const code = await authorizationCode(world, app.zoomApp, account.ownerId);
  await sleep(2_000);
  const idle = await h.readMemory(serverProcess.pid);
  await zoom.resetRequests();

  const loadBefore = h.loadAverage();
  const sampler = h.memorySampler(serverProcess.pid, FIXED.rssSampleMs);
  const watch = mediumCallWatch(zoom);
  const transactions = async () => {
    const sql = 'SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()';
    return Number((await store.query<{ xact_commit: string }>(sql))[0]?.xact_commit ?? 0);
  };
  const transactionsBefore = await transactions();
  const meter = await h.cpuMeter({
    server: serverProcess.pid,
    postgres: h.POSTGRES_BACKENDS,
    emulator: emulator.process.pid,
  });

  const startedAt = performance.now();
  const created = await postAuthorizationCode(world, app, code);
  if (created.status !== 201) throw new Error(`connecting: ${created.status} ${created.text}`);
  const credentialId: string = created.body.id;
  let status: string = created.body.meeting_sync_status;
  const params = { path: { id: credentialId } };
  let lastLog = startedAt;
  while (status === 'in_progress' && performance.now() - startedAt < limitMs) {
    await sleep(FIXED.statusPollMs);
    const credential = server.client.GET('/api/v2/zoom-oauth-credentials/{id}/', { params });
    status = (await h.must(credential)).meeting_sync_status;
    if (performance.now() - lastLog > 10_000) {
      lastLog = performance.now();
      const seconds = Math.round((lastLog - startedAt) / 1000);
      const rss = h.mib(sampler.maxRssKiB);
      h.log(
        `share ${share}: ${seconds} s, ${watch.count()} Medium calls, RSS ${rss} MB peak so far`,
      );
    }
  }
  const wallSeconds = (performance.now() - startedAt) / 1000;
  watch.stop();
  sampler.stop();
  const summary = await zoom.requests();
  const mediumCalls = mediumCallsOf(summary.by_endpoint);
  const calls = Math.max(1, mediumCalls.total);
  const cpu = await meter(calls);
  const transactionsAfter = await transactions();
  const hwm = await h.readMemory(serverProcess.pid);
  const emulatorProbe = await probeEmulator(emulator.url, server, credentialId, account);

  const [row] = await store.query<{
    workspace_id: string;
    sync: Record<'zoom_calls' | 'rate_limit_waits' | 'users_seen' | 'meetings_seen', number> | null;
    seconds: number | null;
  }>(
    `SELECT c.workspace_id, extract(epoch FROM s.finished_at - s.started_at)::float8 AS seconds,
       CASE WHEN s.id IS NULL THEN NULL ELSE json_build_object('zoom_calls', s.zoom_calls,
         'rate_limit_waits', s.rate_limit_waits, 'users_seen', s.users_seen, 'meetings_seen', s.meetings_seen) END AS sync
     FROM zoom_oauth_credentials c LEFT JOIN LATERAL (SELECT * FROM zoom_meeting_syncs WHERE credential_id = c.id
       ORDER BY started_at LIMIT 1) s ON true WHERE c.id = $1`,
    [credentialId],
  );
  const [counts] = await store.query<Record<'pmi' | 'scheduled' | 'total', number>>(
    `SELECT count(*) FILTER (WHERE source = 'pmi')::int AS pmi,
       count(*) FILTER (WHERE source = 'scheduled')::int AS scheduled, count(*)::int AS total
     FROM zoom_meeting_mappings WHERE credential_id = $1`,
    [credentialId],
  );
  const { pmi = 0, scheduled = 0, total = 0 } = counts ?? {};
  const mappings = { pmi, scheduled, other: total - pmi - scheduled, total };
  const floorSeconds = mediumCalls.total / allowedPerSecond;
  const run = {
    share,
    allowedPerSecond,
    /** Zoom calls the sync made, from the emulator's request log. */
    mediumCalls,
    byEndpoint: summary.by_endpoint,
    byStatus: summary.by_status,
    emulator429s: summary.by_status['429'] ?? 0,
    completed: status === 'completed',
    finalStatus: status,
    /** Credential POST sent → meeting_sync_status `completed` seen (polled every 100 ms). */
    wallSeconds: h.round2(wallSeconds),
    /** The sync row's started_at → finished_at (database clock). */
    syncRowSeconds: row?.seconds == null ? null : h.round2(row.seconds),
    floorSeconds: h.round2(floorSeconds),
    ratio: h.round2(wallSeconds / floorSeconds),
    callsPerSecond: h.round2(mediumCalls.total / wallSeconds),
    // The first and last seconds are partial; the busiest whole second shows any burst.
    busiestSecond: Math.max(0, ...watch.perSecond),
    gapsMs: gapSummary(watch.gaps, 1000 / allowedPerSecond),
    emulatorProbe,
    syncRow: row?.sync ?? null,
    mappings,
    mappingsExact: pmi === account.users && scheduled === account.meetings && mappings.other === 0,
    peakRssMb: h.mib(Math.max(sampler.maxRssKiB, hwm.rssKiB)),
    hwmMb: h.mib(hwm.hwmKiB),
    idleRssMb: h.mib(idle.rssKiB),
    rssSamples: sampler.samples,
    /** CPU during the sync, ms per Zoom call: server process, every `postgres` process, emulator. */
    cpuMsPerCall: cpu.cpuMsPer,
    machineBusyPercent: cpu.machineBusyPercent,
    /** Committed transactions of the database per Zoom call (each autocommit statement is one). */
    transactionsPerCall: h.round2((transactionsAfter - transactionsBefore) / calls),
    loadAverage: { before: loadBefore, after: h.loadAverage() },
    credentialId,
    workspaceId: row?.workspace_id ?? '',
    /** With `--profile`: the server's CPU time over its whole life, by area and hottest functions. */
    profile: null as h.ProfileSummary | null,
  };
  h.log(
    `share ${share}: ${status} in ${run.wallSeconds} s, ${mediumCalls.total} Medium calls, floor ${run.floorSeconds} s, ` +
      `ratio ${run.ratio}, ${run.emulator429s} × 429, ${mappings.total} mappings, peak RSS ${run.peakRssMb} MB`,
  );
  return run;
}

type SyncRun = Awaited<ReturnType<typeof measureSync>>;

/** Fills the mapping table to `--mappings` rows, then times `resolveCredential` and its HTTP route. */
async function measureLookup(server: h.Hostpass, run: SyncRun, sizes: Sizes) {
  const { store } = server;
  const insertStarted = performance.now();
  const created = await store.query<{ id: string }>(
    `INSERT INTO zoom_oauth_credentials (id, workspace_id, oauth_app_id, app_kind, zoom_user_id, zoom_account_id)
     SELECT gen_random_uuid(), c.workspace_id, c.oauth_app_id, 'user_level', 'bench-host-' || g, c.zoom_account_id
     FROM zoom_oauth_credentials c, generate_series(1, $2::int) AS g WHERE c.id = $1 RETURNING id`,
    [run.credentialId, FIXED.extraCredentials],
  );
  const countMappings = async () => {
    const sql = 'SELECT count(*)::int AS count FROM zoom_meeting_mappings';
    return (await store.query<{ count: number }>(sql))[0]?.count ?? 0;
  };
  // Spread over the extra credentials, synced at different moments in the last day.
  await store.query(
    `INSERT INTO zoom_meeting_mappings (id, workspace_id, credential_id, meeting_id, host_user_id, source, created_at, synced_at)
     SELECT gen_random_uuid(), $1, ($2::uuid[])[1 + g % $3], $4::bigint + g, 'bench-host-' || (1 + g % $3), 'scheduled',
            t, t
     FROM generate_series(1, $5::int) AS g, LATERAL (SELECT now() - random() * interval '1 day' AS t) AS s`,
    [
      run.workspaceId,
      created.map((row) => row.id),
      FIXED.extraCredentials,
      FIXED.generatedMeetingBase,
      Math.max(0, sizes.mappings - (await countMappings())),
    ],
  );
  await store.query('ANALYZE zoom_meeting_mappings');
  await store.query('ANALYZE zoom_oauth_credentials');
  const mappings = await countMappings();
  const insertSeconds = h.round2((performance.now() - insertStarted) / 1000);
  h.log(`${mappings} mappings in the table (${insertSeconds} s to insert and analyze)`);
  const sample = (
    await store.query<{ meeting_id: string }>(
      'SELECT meeting_id FROM zoom_meeting_mappings ORDER BY random() LIMIT $1',
      [sizes.lookups + FIXED.lookupWarmup],
    )
  ).map((row) => Number(row.meeting_id));

  const db = openPostgresDatabase(store.databaseUrl ?? '', 1);
  const times = { lookup: [] as number[], selectOne: [] as number[], inside: [] as number[] };
  let misses = 0;
  let usesLookupIndex = true;
  try {
    const lookups = meetingsStoreFactory(db);
    for (const [index, meetingId] of sample.entries()) {
      const lookup = await h.timed(() => lookups.resolveCredential(run.workspaceId, meetingId));
      // The same connection's bare round trip right after, so machine noise hits both alike.
      const bare = await h.timed(() => db.query('SELECT 1'));
      if (index < FIXED.lookupWarmup) continue;
      times.lookup.push(lookup.ms);
      times.selectOne.push(bare.ms);
      if (!lookup.answer) misses += 1;
    }
    // The exact SQL of resolveCredential, run under EXPLAIN ANALYZE: time inside PostgreSQL.
    const explaining: Queryable = {
      async query<Row>(sql: string, params?: readonly unknown[]) {
        const { rows } = await db.query<{ 'QUERY PLAN': unknown }>(
          `EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`,
          params,
        );
        const plan = JSON.stringify(rows[0]?.['QUERY PLAN']);
        times.inside.push(Number(/"Execution Time":([\d.]+)/.exec(plan)?.[1] ?? Number.NaN));
        usesLookupIndex &&= plan.includes('zoom_meeting_mappings_lookup');
        return { rows: [] as Row[], rowCount: 0 };
      },
      execScript: (sql) => db.execScript(sql),
    };
    for (const meetingId of sample.slice(0, FIXED.explainedLookups))
      await meetingsStoreFactory(explaining).resolveCredential(run.workspaceId, meetingId);
  } finally {
    await db.close();
  }

  // The HTTP route, one request at a time over the same sample.
  let cursor = 0;
  const route = () =>
    `/api/v2/zoom-meetings-to-credentials/?meeting_id=${sample[cursor++ % sample.length]}`;
  const pool = h.keepAlivePool(server.process.url, 1);
  const headers = { authorization: server.authorization };
  const spec = h.getSpec(route, (body) => body.includes('"meeting_id"'), headers);
  const contender = { name: 'http', pool, spec };
  const plan = { rounds: 1, warmup: FIXED.httpLookupWarmup, count: sizes.httpLookups };
  const [http] = (await h.contest([contender], { ...plan, concurrency: 1 })).rounds.http ?? [];
  if (!http) throw new Error('no HTTP lookup round measured');
  const { requests, errors, p50Ms, p99Ms } = http;
  return {
    mappings,
    insertSeconds,
    lookups: times.lookup.length,
    misses,
    ...h.quantiles(times.lookup),
    maxMs: h.round2(times.lookup.at(-1) ?? Number.NaN),
    /** `SELECT 1` on the same connection right after each lookup: the round trip alone. */
    selectOne: h.quantiles(times.selectOne),
    /** EXPLAIN ANALYZE's execution time of the same SQL: the time inside PostgreSQL. */
    insidePostgres: { lookups: times.inside.length, ...h.quantiles(times.inside) },
    /** Whether every explained plan used the (workspace_id, meeting_id) index. */
    usesLookupIndex,
    http: { requests, errors, p50Ms, p99Ms },
  };
}

type LookupResult = Awaited<ReturnType<typeof measureLookup>>;
type Summary = h.Common<unknown> & {
  fixed: typeof FIXED;
  world: Omit<ZoomAccount, 'someUserIds'>;
  syncs: SyncRun[];
  lookup: LookupResult | null;
};

/** The sync table, the lookup table when there was a lookup, and the target lines. */
function tables(summary: Summary, fill: h.Fill): Record<string, string> {
  const syncs = summary.syncs.map((run) => ({
    ...run,
    unfinished: run.completed ? '' : ` (${run.finalStatus})`,
  }));
  const { lookup } = summary;
  const syncTable = fill.table('sync-table', syncs);
  if (!lookup) return { syncTable, targets: targets(summary, fill) };
  const [resolve, selectOne, inside, http] = fill('lookup-rows').split('\n');
  const rows = [
    { what: resolve, count: lookup.lookups, ...lookup, failures: lookup.misses },
    { what: selectOne, count: lookup.lookups, ...lookup.selectOne, failures: '–' },
    { what: inside, count: lookup.insidePostgres.lookups, ...lookup.insidePostgres, failures: '–' },
    { what: http, count: lookup.http.requests, ...lookup.http, failures: lookup.http.errors },
  ];
  const lookupTable = fill.table('lookup-table', rows, lookup);
  return { syncTable, lookupTable, targets: targets(summary, fill) };
}

function targets(summary: Summary, fill: h.Fill): string {
  const lines = summary.syncs.map((run) =>
    fill('targets', {
      ...run,
      world: summary.world,
      target: TARGET,
      label:
        run.share === summary.fixed.defaultShare
          ? fill('default-share', run)
          : `share ${run.share}`,
      ratioMet: h.verdict(run.completed && run.ratio <= TARGET.ratio),
      over:
        run.ratio > TARGET.ratio
          ? fill('over', { over: h.round2((run.ratio / TARGET.ratio - 1) * 100) })
          : '',
      zeroMet: h.verdict(run.emulator429s === 0),
      rssMet: h.verdict(run.peakRssMb <= TARGET.rssMb),
      exactMet: h.verdict(run.mappingsExact),
      other: run.mappings.other ? fill('other', run) : '',
    }),
  );
  const { lookup } = summary;
  if (lookup) {
    const met = h.verdict(lookup.p99Ms < TARGET.lookupP99Ms && lookup.misses === 0);
    lines.push(fill('target-lookup', { ...lookup, target: TARGET, met }));
  }
  return lines.join('\n');
}

function notes(summary: Summary, fill: h.Fill): string {
  const runs = summary.syncs.map((run) => ({
    ...run,
    paced: Math.round(run.gapsMs.pacedByLimiter * 100),
    waits: run.syncRow ? `${run.syncRow.rate_limit_waits} of ${run.syncRow.zoom_calls}` : '?',
  }));
  const lines = [
    ...runs.map((run) => fill('note-run', run)),
    ...runs
      .filter((run) => !run.completed || run.ratio > TARGET.ratio)
      .map((run) => fill('note-why', run)),
  ];
  for (const { profile, share } of summary.syncs) {
    if (!profile) continue;
    const areas = profile.byArea
      .slice(0, 8)
      .map(({ area, ms }) => `${area} ${Math.round((100 * ms) / profile.busyMs)} %`)
      .join(', ');
    lines.push(fill('note-profile', { share, busyMs: Math.round(profile.busyMs), areas }));
  }
  const { lookup, world } = summary;
  if (lookup) {
    const extraMappings = lookup.mappings - world.users - world.meetings;
    const plans = fill(lookup.usesLookupIndex ? 'plans-use-index' : 'plans-miss-index');
    lines.push(fill('note-lookup', { ...summary, ...lookup, extraMappings, plans }));
    const roundTrip = lookup.selectOne.p99Ms >= lookup.p99Ms / 2;
    const verdict = fill(roundTrip ? 'tail-is-round-trip' : 'tail-is-query');
    if (lookup.p99Ms >= TARGET.lookupP99Ms)
      lines.push(fill('note-lookup-why', { ...lookup, target: TARGET, verdict }));
  }
  lines.push(fill('note-end', summary));
  return lines.join('\n');
}

export const scenario = h.defineScenario({
  name: 'sync',
  options: OPTIONS,
  quick: { users: 200, meetingsPerUser: 2, mappings: 5_000, lookups: 200, httpLookups: 100 },
  engines: ['postgres'],
  async measure(run, settings) {
    const shares = settings.shares.split(',').map(Number);
    if (shares.some((share) => !(share > 0 && share <= 1)))
      throw new Error('--shares must be numbers in (0, 1], comma-separated');
    if (!run.engines.includes('postgres'))
      throw new Error('the sync scenario needs PostgreSQL at 127.0.0.1:5432');
    const emulator = await run.emulator();
    h.log(`seeding ${settings.users} users × ${settings.meetingsPerUser} meetings in the emulator`);
    const account = await seedZoomAccount(emulator, settings);
    h.log(`seeded in ${account.seconds} s`);
    const syncs: SyncRun[] = [];
    let lookup: LookupResult | null = null;
    for (const [index, share] of shares.entries()) {
      const profileDir = settings.profile ? await run.tempDir('hostpass-sync-profile-') : null;
      const server = await run.hostpass(await run.store('postgres'), {
        emulator,
        nodeFlags: profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [],
        env: {
          HOSTPASS_ZOOM_RATE_MEDIUM: String(settings.rate),
          HOSTPASS_ZOOM_RATE_LIGHT: String(FIXED.lightRate),
          HOSTPASS_SYNC_RATE_SHARE: String(share),
        },
      });
      const measured = await measureSync(emulator, server, account, share, settings);
      syncs.push(measured);
      // The lookup runs on the last store, with its synced mappings, unless profiling.
      if (!profileDir && index === shares.length - 1)
        lookup = await measureLookup(server, measured, settings);
      await run.stop(server);
      // The profile is written when the server exits.
      if (profileDir) measured.profile = await h.readCpuProfile(profileDir);
    }
    const { someUserIds: _sample, ...world } = account;
    return { fixed: FIXED, world, syncs, lookup };
  },
  tables,
  section(summary, fill) {
    const { lookupTable } = tables(summary, fill);
    return {
      lookupSection: lookupTable ? `${fill('lookup-section', { table: lookupTable })}\n\n` : '',
      notes: notes(summary, fill),
    };
  },
});

await h.main(import.meta.url, scenario);
