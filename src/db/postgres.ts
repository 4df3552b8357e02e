import pg from 'pg';
import type { Database, Queryable, QueryResult } from './database.ts';
import { INT8_OID, parseInt8, parseTimestamptz, TIMESTAMPTZ_OID } from './type-parsers.ts';

const typeParsers = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === TIMESTAMPTZ_OID) return parseTimestamptz;
    if (oid === INT8_OID) return parseInt8;
    return pg.types.getTypeParser(oid, format);
  },
} as pg.CustomTypesConfig;

function wrapClient(client: pg.Pool | pg.PoolClient): Queryable {
  return {
    async query<Row>(text: string, params?: readonly unknown[]): Promise<QueryResult<Row>> {
      const result = await client.query(text, params as unknown[] | undefined);
      return { rows: result.rows as Row[], rowCount: result.rowCount ?? 0 };
    },
    async execScript(sql: string) {
      // Without parameters node-postgres uses the simple protocol, which allows several statements.
      await client.query(sql);
    },
  };
}

export function openPostgresDatabase(connectionString: string, poolSize: number): Database {
  const pool = new pg.Pool({
    connectionString,
    max: poolSize,
    // Waiting forever for a pooled connection turns overload into a hang; fail and retry instead.
    connectionTimeoutMillis: 10_000,
    types: typeParsers,
    options: '-c TimeZone=UTC',
    application_name: 'hostpass',
  });
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on('error', () => {});
  const direct = wrapClient(pool);

  return {
    engine: 'postgres',
    native: { engine: 'postgres', pool },
    query: direct.query,
    execScript: direct.execScript,
    async transaction(work) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await work(wrapClient(client));
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}
