import { afterAll, describe, expect, it } from 'vitest';
import { adminDatabaseUrl, testEngine } from '../../test/support/engine.ts';
import { openPostgresDatabase } from './postgres.ts';

describe.skipIf(testEngine() !== 'postgres')('PostgreSQL adapter', () => {
  // One connection, so the session that prepared a statement is the one asked about it.
  const db = openPostgresDatabase(adminDatabaseUrl(), 1);
  afterAll(() => db.close());

  const prepared = async () =>
    (
      await db.query<{ name: string; statement: string; calls: number }>(
        `SELECT name, statement, generic_plans + custom_plans AS calls
         FROM pg_prepared_statements WHERE statement LIKE '%hostpass-prepared-probe%'`,
      )
    ).rows;

  it('prepares a parameterised statement once per connection and reuses it', async () => {
    const text = "SELECT $1::int + 1 AS answer, 'hostpass-prepared-probe' AS probe";
    for (const value of [1, 2, 3]) {
      const { rows } = await db.query<{ answer: number }>(text, [value]);
      expect(rows).toEqual([expect.objectContaining({ answer: value + 1 })]);
    }
    const statements = await prepared();
    expect(statements).toHaveLength(1);
    expect(statements[0]?.name).toMatch(/^hp_[\w-]{24}$/);
    expect(statements[0]?.calls).toBe(3);
  });

  it('runs the same prepared text inside transactions too', async () => {
    const text = "SELECT $1::text || '-tx' AS answer, 'hostpass-prepared-probe' AS probe";
    const answer = await db.transaction(
      async (tx) => (await tx.query<{ answer: string }>(text, ['a'])).rows,
    );
    expect(answer).toEqual([expect.objectContaining({ answer: 'a-tx' })]);
  });

  it('leaves parameterless text unprepared (the simple protocol)', async () => {
    const text = "SELECT 'hostpass-prepared-probe' AS probe, 1 AS parameterless";
    expect((await db.query(text)).rows).toHaveLength(1);
    expect((await prepared()).some((row) => row.statement.includes('parameterless'))).toBe(false);
  });
});
