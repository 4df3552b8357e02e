// Issue #11 part 5 (no job pile-up) and #17 (refreshes spread, no thundering herd): however often
// a credential is validated or refreshed it has one pending refresh job, and a fleet whose tokens
// all expire together is refreshed at an even rate at Zoom, also right after a restart.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../../emulator/index.ts';
import type { Queryable } from '../../src/db/database.ts';
import { runCli } from '../support/cli.ts';
import { startTestHostpass, TEST_ENCRYPTION_KEY, type TestHostpass } from '../support/hostpass.ts';
import {
  connectCredential,
  createZoomUser,
  eventually,
  registerApp,
  startZoomWorld,
  tokenWorks,
  type ZoomWorld,
} from '../support/zoom-world.ts';

const CREDENTIALS = '/api/v2/zoom-oauth-credentials/';

/** Refresh jobs of one credential waiting to run (queued, or waiting to retry), from pg-boss's table. */
async function pendingRefreshJobs(db: Queryable, credentialId: string): Promise<number> {
  const { rows } = await db.query<{ pending: number }>(
    `SELECT count(*)::int AS pending FROM pgboss.job
     WHERE name = 'credential-refresh' AND data->>'credentialId' = $1
       AND state IN ('created', 'retry')`,
    [credentialId],
  );
  return rows[0]?.pending ?? 0;
}

describe('one pending refresh job per credential', () => {
  let world: ZoomWorld;
  beforeAll(async () => {
    // Workers off: every job queued stays visible in the table.
    world = await startZoomWorld({ workers: false });
  });
  afterAll(() => world.close());

  it('20 validations and refreshes on the request path leave one refresh job, at the newest tokens’ time', async () => {
    const connected = await registerApp(world, 'user_level', { access_token_ttl_seconds: 3 });
    const user = await createZoomUser(world);
    const created = await connectCredential(world, connected, user.id);
    expect(created.status, created.text).toBe(201);
    const id: string = created.body.id;
    const db = world.hostpass.runtime.db;
    expect(await pendingRefreshJobs(db, id)).toBe(1);

    const refreshesBefore = (await world.zoom.requests()).by_grant_type.refresh_token ?? 0;
    for (let i = 0; i < 20; i += 1) {
      const validated = await world.hostpass.api(`${CREDENTIALS}${id}/validate/`, {
        method: 'POST',
      });
      expect(validated.status, validated.text).toBe(200);
      expect(validated.body.status).toBe('healthy');
    }
    // Each validation really refreshed at Zoom: the pile-up was one job per refresh.
    const refreshesAfter = (await world.zoom.requests()).by_grant_type.refresh_token ?? 0;
    expect(refreshesAfter - refreshesBefore).toBe(20);
    expect(await pendingRefreshJobs(db, id)).toBe(1);

    // A refresh on the request path (the 3-second token has expired) moves the same job too.
    const { body: first } = await world.hostpass.api(`${CREDENTIALS}${id}/access-token/`);
    await eventually(
      async () => (Date.now() > Date.parse(first.expires_at) + 50 ? true : undefined),
      'the access token to expire',
    );
    const fresh = await world.hostpass.api(`${CREDENTIALS}${id}/access-token/`);
    expect(fresh.status).toBe(200);
    expect(fresh.body.token).not.toBe(first.token);
    expect(await tokenWorks(world, fresh.body.token)).toBe(true);
    expect(await pendingRefreshJobs(db, id)).toBe(1);

    // …and it is set for the current tokens: after they were issued, before they expire.
    const { rows } = await db.query<{ start_ms: number }>(
      `SELECT (extract(epoch FROM start_after) * 1000)::float8 AS start_ms FROM pgboss.job WHERE name = 'credential-refresh'
         AND data->>'credentialId' = $1 AND state = 'created'`,
      [id],
    );
    const startAfter = (rows[0] as { start_ms: number }).start_ms;
    const expiresAt = Date.parse(fresh.body.expires_at);
    expect(startAfter).toBeLessThan(expiresAt);
    expect(startAfter).toBeGreaterThan(expiresAt - 3000 - 1000);
  });
});

// 2,000 credentials whose tokens all expire in the same second, imported while no process ran
// (every refresh fell due meanwhile); then Hostpass starts and must spread the refreshes over the
// time the tokens allow, not run everything due at once. Two sides are checked. When Hostpass
// decided to refresh each credential (the start time of its job, written before any of those
// refreshes runs) depends on the scheduling alone. What Zoom sees — refresh_token grants per second,
// from the first to the last — depends also on the process keeping to that schedule while it starts
// and the import's meeting syncs run beside it: the target is about that side.
const FLEET = 2000;
/** Zoom's access-token lifetime; the imported tokens were issued so long ago that this much is left. */
const LIFETIME_SECONDS = 3600;
/**
 * Refreshes spread over what is left minus two minutes' margin (minus the seeding, import and
 * start-up): about 100 s, so about 20 a second, which PGlite keeps up with beside the syncs.
 */
const LEFT_SECONDS = 240;

/** Busiest second and mean from the first second with a count to the last (the ratio). */
function spread(perSecond: ReadonlyMap<number, number>) {
  const seconds = [...perSecond.keys()];
  const first = Math.min(...seconds);
  const last = Math.max(...seconds);
  const series = Array.from({ length: last - first + 1 }, (_, i) => perSecond.get(first + i) ?? 0);
  const total = series.reduce((sum, count) => sum + count, 0);
  const mean = total / series.length;
  return { first, last, total, mean, busiest: Math.max(...series), series: series.join(',') };
}

describe('refreshes after a restart are spread', () => {
  let emulator: RunningEmulator;
  let hostpass: TestHostpass | undefined;
  let grantFile: string;
  beforeAll(async () => {
    emulator = await startEmulator({ port: 0 });
    grantFile = path.join(
      await mkdtemp(path.join(os.tmpdir(), 'hostpass-fleet-')),
      'grants.ndjson',
    );
  });
  afterAll(async () => {
    await hostpass?.close();
    await emulator.close();
    await rm(path.dirname(grantFile), { recursive: true, force: true });
  });

  it(`${FLEET} credentials whose tokens expire in the same second: busiest second ≤ 2× the mean, planned and at Zoom`, async () => {
    const env = { ZOOM_OAUTH_URL: emulator.url, ZOOM_API_URL: `${emulator.url}/v2` };
    const first = await startTestHostpass({ env, workers: false, logLevel: 'warn' });
    hostpass = first;
    const { storage, apiKey } = first;
    const connected = await registerApp({ zoom: emulator.admin, hostpass: first }, 'user_level', {
      access_token_ttl_seconds: LIFETIME_SECONDS,
    });
    await first.close();
    hostpass = undefined;

    // The fleet, seeded in bulk at Zoom and imported with the CLI while Hostpass is down.
    const { grants } = await emulator.admin.seedFleet({
      client_id: connected.zoomApp.client_id,
      accounts: FLEET / 20,
      users_per_account: 20,
      email_prefix: 'restart',
    });
    const issuedAt = new Date(Date.now() - (LIFETIME_SECONDS - LEFT_SECONDS) * 1000).toISOString();
    await writeFile(
      grantFile,
      grants.map((grant) => JSON.stringify({ ...grant, issued_at: issuedAt })).join('\n'),
    );
    const imported = await runCli(['credentials', 'import', '--app', connected.app.id, grantFile], {
      ...storage.env,
      ...env,
      HOSTPASS_ENCRYPTION_KEYS: TEST_ENCRYPTION_KEY,
    });
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stdout).toContain(`Imported ${FLEET} credentials`);

    // The restart: workers on, on the same store.
    await emulator.admin.resetRequests();
    const startedAt = Date.now();
    hostpass = await startTestHostpass({ env, storage, apiKey, logLevel: 'warn' });
    const db = hostpass.runtime.db;

    // Each credential's refresh time as Hostpass decided it: its job moved at the start (a
    // refresh overdue while no process ran) or, if not overdue, its job as queued at the import.
    const plannedSql = `
      WITH jobs AS (
        SELECT data->>'credentialId' AS credential_id, (data->>'at')::float8 AS at_ms,
          coalesce(data->>'deferred', 'false') = 'true' AS moved, created_on
        FROM pgboss.job WHERE name = 'credential-refresh'
      ), decided AS (
        SELECT DISTINCT ON (credential_id) credential_id, at_ms, moved FROM jobs
        WHERE moved OR created_on < $1 ORDER BY credential_id, moved DESC
      )
      SELECT c.id, d.at_ms, coalesce(d.moved, false) AS moved,
        c.tokens_refreshed_at > $1 AS refreshed
      FROM zoom_oauth_credentials c LEFT JOIN decided d ON d.credential_id = c.id::text`;
    type Planned = { id: string; at_ms: number; moved: boolean; refreshed: boolean };
    // Decided once every credential's job was moved, is not yet due, or ran right at the start.
    const planned = await eventually(
      async () => {
        const { rows } = await db.query<Planned>(plannedSql, [new Date(startedAt).toISOString()]);
        const undecided = rows.filter(
          (row) => !row.moved && !row.refreshed && row.at_ms <= startedAt + 1000,
        );
        return rows.length === FLEET && undecided.length === 0 ? rows : undefined;
      },
      'every overdue refresh to be rescheduled',
      45_000,
    );

    // A refresh overdue by more than its spread allows (its phase puts it at the start) ran at once.
    for (const row of planned)
      if (row.refreshed && !row.moved) row.at_ms = Math.max(row.at_ms, startedAt);
    // The tokens expire at the same moment; the refreshes must not.
    const expiresAtMs = Date.parse(issuedAt) + LIFETIME_SECONDS * 1000;
    const plannedPerSecond = new Map<number, number>();
    for (const row of planned) {
      const second = Math.floor(row.at_ms / 1000);
      plannedPerSecond.set(second, (plannedPerSecond.get(second) ?? 0) + 1);
    }
    // Planned from the restart on (the seconds before the first refresh count as empty).
    plannedPerSecond.set(
      Math.floor(startedAt / 1000),
      plannedPerSecond.get(Math.floor(startedAt / 1000)) ?? 0,
    );
    const scheduled = spread(plannedPerSecond);
    // Every refresh while the token still has its margin left (two minutes before it expires).
    expect(scheduled.last * 1000, JSON.stringify(scheduled)).toBeLessThan(expiresAtMs - 60_000);
    expect(Math.min(...planned.map((row) => row.at_ms))).toBeGreaterThan(startedAt - 1000);
    expect(scheduled.busiest, JSON.stringify(scheduled)).toBeLessThanOrEqual(2 * scheduled.mean);

    // At Zoom, once every credential was refreshed: the refresh_token grants per second from the
    // first to the last, busiest ≤ 2× the mean. (A process that fell behind, starting up or starved
    // of CPU, must not catch up in one burst: refresh-pacer.ts.)
    const summary = await eventually(
      async () => {
        const answer = await emulator.admin.requests();
        return Object.keys(answer.refreshes_by_grant).length >= FLEET ? answer : undefined;
      },
      `every credential refreshed at Zoom (the plan ends ${scheduled.last - Math.floor(Date.now() / 1000)} s from now)`,
      (scheduled.last + 90) * 1000 - Date.now(),
    );
    const perGrant = Object.values(summary.refreshes_by_grant).map((times) => times.length);
    // Refreshed once, or twice where the refresh grid (token-timing.ts refreshAtMs) puts the new
    // tokens' refresh within the test: after a catch-up the next refresh lands anywhere in the
    // following period, which is what spreads the fleet's later refreshes too.
    expect(Math.max(...perGrant)).toBeLessThanOrEqual(2);
    const atZoom = spread(
      new Map(
        Object.entries(summary.by_grant_type_per_second.refresh_token ?? {}).map(
          ([second, count]) => [Number(second), count],
        ),
      ),
    );
    const shapes = JSON.stringify({ atZoom, scheduled });
    expect(atZoom.total, shapes).toBe(perGrant.reduce((sum, count) => sum + count, 0));
    expect(atZoom.busiest, shapes).toBeLessThanOrEqual(2 * atZoom.mean);

    const { rows: health } = await db.query<{ unhealthy: number }>(
      `SELECT count(*) FILTER (WHERE status <> 'healthy')::int AS unhealthy FROM zoom_oauth_credentials`,
    );
    expect(health[0]).toEqual({ unhealthy: 0 });
  }, 300_000);
});
