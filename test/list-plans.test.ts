// Issue 17, part 3: every filter and ordering of the list endpoints (and the Overview's unhealthy
// list) reads its page from an index range already in the list's order, so a page costs the same
// with 100 or 100,000 rows. The stores' own statements are planned (EXPLAIN, through a Queryable
// that plans instead of running) with sequential scans and sorts priced out: a plan that still
// sorts, or scans the table, has no index that serves it. Both engines plan alike.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { credentialStoreFactory } from '../src/credentials/store.ts';
import type { Queryable } from '../src/db/database.ts';
import type { KeysetWindow } from '../src/db/keyset.ts';
import { meetingsStoreFactory } from '../src/meetings/store.ts';
import { webhookEventStoreFactory } from '../src/webhooks/store.ts';
import { startTestHostpass, type TestHostpass } from './support/hostpass.ts';

let hostpass: TestHostpass;
beforeAll(async () => {
  hostpass = await startTestHostpass({ workers: false, logLevel: 'warn' });
});
afterAll(() => hostpass.close());

/** The plans of the statements `run` makes (none is executed: each answers no rows). */
function plans(run: (db: Queryable) => Promise<unknown>): Promise<string> {
  return hostpass.runtime.db.transaction(async (tx) => {
    await tx.query('SET LOCAL enable_seqscan = off');
    await tx.query('SET LOCAL enable_sort = off');
    const planned: string[] = [];
    const explaining: Queryable = {
      async query(text, params) {
        const { rows } = await tx.query(`EXPLAIN (COSTS OFF) ${text}`, params);
        planned.push(rows.map((row) => Object.values(row).join(' ')).join('\n'));
        return { rows: [], rowCount: 0 };
      },
      execScript: () => Promise.reject(new Error('a list runs no script')),
    };
    await run(explaining);
    return planned.join('\n');
  });
}

const WORKSPACE = randomUUID();
const windows: [string, KeysetWindow][] = [
  ['newest first', { pageSize: 50, after: null, backwards: false, descending: true }],
  ['oldest first', { pageSize: 50, after: null, backwards: false, descending: false }],
  [
    'a later page',
    {
      pageSize: 50,
      after: { value: new Date().toISOString(), id: randomUUID() },
      backwards: false,
      descending: true,
    },
  ],
];

function expectIndexOrder(plan: string) {
  expect(plan).toMatch(/Index/);
  expect(plan).not.toMatch(/Sort|Seq Scan/);
}

describe('list plans', () => {
  it.each(windows)('GET /api/v2/zoom-webhook-events/, each filter, %s', async (_, window) => {
    for (const filters of [{}, { oauth_app: randomUUID() }, { status: 'failed' as const }]) {
      const plan = await plans((db) =>
        webhookEventStoreFactory(db).list(WORKSPACE, filters, window),
      );
      expectIndexOrder(plan);
    }
  });

  it.each(windows)('GET /api/v2/zoom-oauth-credentials/, each filter, %s', async (_, window) => {
    for (const filters of [
      {},
      { oauth_app: randomUUID() },
      { user_id: 'u1' },
      { account_id: 'a1' },
      { status: 'unhealthy' as const },
      { meeting_sync_status: 'failed' as const },
    ]) {
      const plan = await plans((db) => credentialStoreFactory(db).list(WORKSPACE, filters, window));
      expectIndexOrder(plan);
    }
  });

  it.each(windows)(
    'GET /api/v2/zoom-meetings-to-credentials/, each filter and ordering, %s',
    async (_, window) => {
      for (const orderColumn of ['created_at', 'synced_at'] as const) {
        for (const filters of [
          {},
          { kind: 'meeting' as const },
          { kind: 'webinar' as const },
          { credential: randomUUID() },
        ]) {
          const plan = await plans((db) =>
            meetingsStoreFactory(db).listMappings(WORKSPACE, filters, { ...window, orderColumn }),
          );
          expectIndexOrder(plan);
        }
      }
    },
  );

  it("the Overview's recently unhealthy credentials", async () => {
    const plan = await plans((db) => credentialStoreFactory(db).recentlyUnhealthy(WORKSPACE, 10));
    expectIndexOrder(plan);
    expect(plan).toContain('zoom_oauth_credentials_recently_unhealthy');
  });
});
