// Issue #11 part 5 (no job pile-up) and #17 (refreshes spread, no thundering herd): however often
// a credential is validated or refreshed it has one pending refresh job, and a fleet whose tokens
// all expire together is refreshed at an even rate at Zoom, also right after a restart.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../../emulator/index.ts';
import type { Queryable } from '../../src/db/database.ts';
import { startTestHostpass, type TestHostpass } from '../support/hostpass.ts';
import {
  authorizationCode,
  connectCredential,
  createZoomUser,
  eventually,
  postAuthorizationCode,
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

// 2,000 credentials whose tokens all expire within the same minute, connected while no worker
// ran; then Hostpass restarts with workers and refreshes them all. Zoom must see an even rate over
// the time the tokens allow, not the herd of everything due at once.
const FLEET = 2000;
const CHUNK = 100;
/** The tokens expire this long after the last credential was connected. */
const EXPIRY_AFTER_SECONDS = 150;

// Opt-in (HOSTPASS_FLEET_TEST=1): it connects 2,000 credentials and runs for minutes. On this
// shared machine under load (load average ~36 on 2 cores) it measured a busiest second of 13
// refreshes against a mean of 3.75: the emulator, Hostpass and the client share one event loop
// here, so a stall of the loop lands seconds of refreshes in one emulator second. It has not
// been seen to pass on the shared machine yet.
describe.runIf(process.env.HOSTPASS_FLEET_TEST === '1')(
  'refreshes after a restart are spread',
  () => {
    let emulator: RunningEmulator;
    let hostpass: TestHostpass;
    beforeAll(async () => {
      emulator = await startEmulator({ port: 0 });
    });
    afterAll(async () => {
      await hostpass?.close();
      await emulator.close();
    });

    it(`${FLEET} credentials whose tokens expire within the same minute: busiest second at Zoom ≤ 2× the mean`, async () => {
      const env = { ZOOM_OAUTH_URL: emulator.url, ZOOM_API_URL: `${emulator.url}/v2` };
      hostpass = await startTestHostpass({ env, workers: false, logLevel: 'warn' });
      const world = { zoom: emulator.admin, hostpass };
      const connected = await registerApp(world, 'user_level');
      // Many accounts, a few users each; consent given up front so the tokens are issued together.
      const owners: { id: string; account_id: string }[] = [];
      await inParallel(
        Array.from({ length: FLEET / 20 }, (_, i) => i),
        8,
        async () => {
          owners.push(await createZoomUser(world));
        },
      );
      const codes: string[] = [];
      await inParallel(owners, 8, async (owner) => {
        codes.push(await authorizationCode(world, connected.zoomApp, owner.id));
        for (let member = 1; member < 20; member += 1) {
          const user = await createZoomUser(world, 'member', owner.account_id);
          codes.push(await authorizationCode(world, connected.zoomApp, user.id));
        }
      });
      // Connected in chunks, each with the token lifetime that makes its tokens expire at the same
      // moment however long connecting takes on this machine (the first chunk tells how long; its
      // credentials are validated at the end, which gives them such tokens too).
      let expiresAt = 0;
      const firstChunk: string[] = [];
      const setLifetime = (from: number) =>
        emulator.admin.updateApp(connected.zoomApp.id, {
          access_token_ttl_seconds: Math.round((expiresAt - from) / 1000),
        });
      for (let from = 0; from < FLEET; from += CHUNK) {
        const chunkStart = Date.now();
        if (from > 0) await setLifetime(chunkStart);
        await inParallel(codes.slice(from, from + CHUNK), 16, async (code) => {
          const created = await postAuthorizationCode(world, connected, code);
          expect(created.status, created.text).toBe(201);
          if (from === 0) firstChunk.push(created.body.id);
        });
        if (from === 0) {
          const perChunk = Date.now() - chunkStart;
          expiresAt = Date.now() + (FLEET / CHUNK) * perChunk * 1.25 + EXPIRY_AFTER_SECONDS * 1000;
        }
      }
      await setLifetime(Date.now());
      await inParallel(firstChunk, 16, async (id) => {
        const validated = await hostpass.api(`${CREDENTIALS}${id}/validate/`, { method: 'POST' });
        expect(validated.status, validated.text).toBe(200);
      });
      // Tokens refreshed from now on live an hour: one refresh per credential in this test.
      await emulator.admin.updateApp(connected.zoomApp.id, { access_token_ttl_seconds: 3600 });
      const { rows: expiries } = await hostpass.runtime.db.query<{ spread: number }>(
        `SELECT extract(epoch FROM max(access_token_expires_at) - min(access_token_expires_at))::float8
         AS spread FROM zoom_oauth_credentials`,
      );
      expect(expiries[0]?.spread).toBeLessThan(60);

      // The restart: a new process on the same store, workers on.
      const { storage, apiKey } = hostpass;
      await hostpass.close();
      await emulator.admin.resetRequests();
      const restartedAt = Date.now();
      hostpass = await startTestHostpass({ env, storage, apiKey, logLevel: 'warn' });
      const db = hostpass.runtime.db;

      // Every credential refreshed once since the restart (no sleeping: the store is polled).
      const refreshedBy = await eventually(
        async () => {
          const { rows } = await db.query<{ refreshed: number; last_ms: number | null }>(
            `SELECT count(*)::int AS refreshed,
                  (extract(epoch FROM max(tokens_refreshed_at)) * 1000)::float8 AS last_ms
           FROM zoom_oauth_credentials WHERE tokens_refreshed_at > $1`,
            [new Date(restartedAt).toISOString()],
          );
          const row = rows[0];
          return row && row.refreshed === FLEET ? (row.last_ms as number) : undefined;
        },
        'every credential to be refreshed',
        expiresAt - Date.now() + 60_000,
      );

      const summary = await emulator.admin.requests();
      const perSecond = Object.entries(summary.by_grant_type_per_second.refresh_token ?? {})
        .map(([second, count]) => ({ second: Number(second), count }))
        .filter((entry) => entry.second * 1000 <= refreshedBy);
      // The mean over the time from the restart to the last refresh: a herd at the restart, or
      // refreshes bunched where the tokens fell due, both show as a busiest second far above it.
      const first = Math.floor(restartedAt / 1000);
      const last = Math.max(...perSecond.map((entry) => entry.second));
      const total = perSecond.reduce((sum, entry) => sum + entry.count, 0);
      const mean = total / (last - first + 1);
      const busiest = Math.max(...perSecond.map((entry) => entry.count));
      const shape = { total, seconds: last - first + 1, mean, busiest };
      expect(total, JSON.stringify(shape)).toBeGreaterThanOrEqual(FLEET);
      expect(busiest, JSON.stringify(shape)).toBeLessThanOrEqual(2 * mean);

      // Nothing was lost to the spreading: every credential healthy, every token refreshed in time.
      const { rows: health } = await db.query<{ unhealthy: number; expired: number }>(
        `SELECT count(*) FILTER (WHERE status <> 'healthy')::int AS unhealthy,
              count(*) FILTER (WHERE access_token_expires_at < now())::int AS expired
       FROM zoom_oauth_credentials`,
      );
      expect(health[0]).toEqual({ unhealthy: 0, expired: 0 });
    }, 1_200_000);
  },
);

/** Runs `work` over `items`, `concurrency` at a time. */
async function inParallel<T>(
  items: readonly T[],
  concurrency: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) {
        const item = items[next] as T;
        next += 1;
        await work(item);
      }
    }),
  );
}
