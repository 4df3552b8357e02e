/**
 * The Overview's cost with a large fleet (issue 17, part 4): `GET /api/v2/stats/`'s service call
 * against a store holding `--credentials` credentials (default 100,000; 2 % unhealthy, sync
 * states mixed) and a full day of hourly counters, on PostgreSQL (a scratch database) or PGlite
 * (a temporary directory). Prints the query plans and the time per call, twice: with the table
 * vacuumed (autovacuum's steady state) and right after every credential was updated once (what an
 * hour of refreshes does before autovacuum gets to it: the index-only scan then visits the heap).
 *
 *   npx node bench/stats.ts [--engine postgres|pglite] [--credentials 100000] [--calls 50]
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config.ts';
import { createLogger } from '../src/logger.ts';
import { openRuntime } from '../src/runtime.ts';
import { Run } from './harness/processes.ts';
import { percentile, ROOT } from './harness/report.ts';

const { values } = parseArgs({
  options: {
    engine: { type: 'string', default: 'postgres' },
    credentials: { type: 'string', default: '100000' },
    calls: { type: 'string', default: '50' },
  },
});
const engine = values.engine === 'pglite' ? 'pglite' : 'postgres';
const credentialCount = Number(values.credentials);
const calls = Number(values.calls);

// A scratch database or directory, dropped or deleted at the end; the runtime in this process.
const run = new Run(ROOT, [engine]);
const store = await run.store(engine);
const runtime = await openRuntime(
  loadConfig({ ...store.env, LOG_LEVEL: 'warn' }),
  createLogger('warn'),
);
const { db, services } = runtime;
try {
  const { workspace } = await services.workspaceService.create('Bench');
  const app = await services.appService.create(workspace.id, {
    kind: 'user_level',
    client_id: 'bench-client',
    client_secret: 'bench-secret',
    webhook_secret: 'bench-webhook-secret',
  });
  const seeding = performance.now();
  await db.query(
    `INSERT INTO zoom_oauth_credentials
       (id, workspace_id, oauth_app_id, app_kind, zoom_user_id, zoom_account_id, status,
        status_reason, status_changed_at, meeting_sync_status)
     SELECT gen_random_uuid(), $1, $2, 'user_level', 'user' || i, 'account' || (i % 1000),
            CASE WHEN i % 50 = 0 THEN 'unhealthy' ELSE 'healthy' END,
            CASE WHEN i % 50 = 0 THEN 'Zoom refused the refresh token (invalid_grant).' END,
            CASE WHEN i % 50 = 0 THEN now() - make_interval(secs => i) END,
            (ARRAY['completed', 'completed', 'completed', 'in_progress', 'not_started', 'failed'])[1 + i % 6]
     FROM generate_series(1, $3::integer) AS i`,
    [workspace.id, app.id, credentialCount],
  );
  // A full day of every counter, as a busy workspace has.
  await db.query(
    `INSERT INTO workspace_hourly_counters (workspace_id, hour, metric, count)
     SELECT $1, date_trunc('hour', now()) - make_interval(hours => h), m, 1000 + h
     FROM generate_series(0, 23) AS h,
          unnest(ARRAY['tokens_minted.join_token', 'tokens_minted.zak', 'tokens_minted.obf',
                       'tokens_minted.third_party_recording_token', 'refreshes.ok',
                       'refreshes.transient_failure', 'refreshes.credential_lost',
                       'webhooks.received', 'webhooks.refused', 'bot_launches']) AS m`,
    [workspace.id],
  );
  console.log(
    `${engine}: seeded ${credentialCount} credentials in ${Math.round(performance.now() - seeding)} ms`,
  );

  const explain = async (label: string, sql: string, params: unknown[]) => {
    const { rows } = await db.query<Record<string, string>>(
      `EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ${sql}`,
      params,
    );
    console.log(`\n${label}:\n${rows.map((row) => `  ${Object.values(row)[0]}`).join('\n')}`);
  };
  const measure = async (label: string) => {
    await services.statsService.overview(workspace.id); // warm
    const times: number[] = [];
    for (let i = 0; i < calls; i += 1) {
      const started = performance.now();
      await services.statsService.overview(workspace.id);
      times.push(performance.now() - started);
    }
    times.sort((a, b) => a - b);
    const at = (q: number) => percentile(times, q).toFixed(1);
    console.log(
      `\n${label}: overview() p50 ${at(0.5)} ms, p95 ${at(0.95)} ms, max ${at(1)} ms (${calls} calls)`,
    );
    await explain(
      'credentials by status',
      `SELECT status, meeting_sync_status, sum(count)::integer AS count
       FROM credential_status_counts WHERE workspace_id = $1
       GROUP BY status, meeting_sync_status HAVING sum(count) <> 0`,
      [workspace.id],
    );
    await explain(
      'recently unhealthy',
      `SELECT id, status_reason, status_changed_at FROM zoom_oauth_credentials
       WHERE workspace_id = $1 AND status = 'unhealthy'
       ORDER BY status_changed_at DESC, id DESC LIMIT 10`,
      [workspace.id],
    );
    await explain(
      'hourly counters',
      `SELECT hour, metric, count FROM workspace_hourly_counters
       WHERE workspace_id = $1 AND hour >= now() - interval '24 hours'`,
      [workspace.id],
    );
    const answer = await services.statsService.overview(workspace.id);
    console.log(`\n  answer: ${JSON.stringify(answer.credentials)}`);
  };

  await db.query('VACUUM ANALYZE zoom_oauth_credentials');
  await db.query('VACUUM ANALYZE workspace_hourly_counters');
  await measure('vacuumed (steady state)');
  // An hour of refreshes rewrites every row once; autovacuum has not caught up yet.
  await db.query('UPDATE zoom_oauth_credentials SET tokens_refreshed_at = now()');
  await measure('every row updated, not yet vacuumed (worst case)');
} finally {
  await runtime.close();
  await run.cleanup();
}
