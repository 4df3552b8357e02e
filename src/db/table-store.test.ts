import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from './database.ts';
import { openPgliteDatabase } from './pglite.ts';
import { NOW, tableStore } from './table-store.ts';

interface ThingRow {
  id: string;
  workspace_id: string;
  name: string;
  size: number | null;
}

describe('the store base (tableStore)', () => {
  let db: Database;
  beforeAll(async () => {
    db = await openPgliteDatabase(undefined);
    await db.query(
      'CREATE TABLE things (id text PRIMARY KEY, workspace_id text NOT NULL, name text NOT NULL, size integer)',
    );
  });
  afterAll(() => db.close());

  const things = () =>
    tableStore<ThingRow>(db, { name: 'things', columns: 'id, workspace_id, name, size' });

  it('inserts a row and reads it back, in the workspace or by id alone', async () => {
    const row = await things().insert({ id: 'a', workspace_id: 'w1', name: 'one', size: 1 });
    expect(row).toEqual({ id: 'a', workspace_id: 'w1', name: 'one', size: 1 });
    expect(await things().findInWorkspace('w1', 'a')).toEqual(row);
    expect(await things().findInWorkspace('w2', 'a')).toBeUndefined();
    expect(await things().findById('a')).toEqual(row);
    expect(await things().findById('missing')).toBeUndefined();
  });

  it("takes NOW as the database's clock at the statement, not as a parameter", async () => {
    await db.query('CREATE TABLE stamped (id text PRIMARY KEY, at timestamptz, note text)');
    // Timestamps come back as ISO strings (src/db/database.ts sets the parsers).
    const stamped = tableStore<{ id: string; at: string | null; note: string }>(db, {
      name: 'stamped',
      columns: 'id, at, note',
    });
    const clock = async () =>
      Date.parse(
        (await db.query<{ now: string }>('SELECT clock_timestamp() AS now')).rows[0]?.now ?? '',
      );
    const before = await clock();
    const row = await stamped.insert({ id: 's', at: NOW, note: 'after NOW' });
    const after = await clock();
    expect(row.note).toBe('after NOW');
    const at = Date.parse(row.at ?? '');
    expect(at).toBeGreaterThanOrEqual(before);
    expect(at).toBeLessThanOrEqual(after);
  });

  it('updates only the columns given, by id, and says when there is no such row', async () => {
    await things().insert({ id: 'b', workspace_id: 'w1', name: 'two', size: 2 });
    expect(await things().updateById('b', { size: null })).toEqual({
      id: 'b',
      workspace_id: 'w1',
      name: 'two',
      size: null,
    });
    expect(await things().updateById('missing', { size: 3 })).toBeUndefined();
  });

  it("deletes in the workspace only: another workspace's row stays", async () => {
    await things().insert({ id: 'c', workspace_id: 'w1', name: 'three', size: 3 });
    expect(await things().deleteInWorkspace('w2', 'c')).toBe(false);
    expect(await things().findById('c')).toBeDefined();
    expect(await things().deleteInWorkspace('w1', 'c')).toBe(true);
    expect(await things().findById('c')).toBeUndefined();
  });

  it('runs in the transaction passed last: rolled back, nothing stays', async () => {
    const rollback = new Error('roll back');
    await expect(
      db.transaction(async (tx) => {
        await things().insert({ id: 'd', workspace_id: 'w1', name: 'four', size: 4 }, tx);
        await things().updateById('a', { name: 'renamed' }, tx);
        expect(await things().findById('d', tx)).toBeDefined();
        throw rollback;
      }),
    ).rejects.toBe(rollback);
    expect(await things().findById('d')).toBeUndefined();
    expect((await things().findById('a'))?.name).toBe('one');
  });
});
