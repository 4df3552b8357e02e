import { PGlite, type Transaction } from '@electric-sql/pglite';
import type { Database, Queryable, QueryResult } from './database.ts';
import { INT8_OID, parseInt8, parseTimestamptz, TIMESTAMPTZ_OID } from './type-parsers.ts';

type PGliteHandle = PGlite | Transaction;

function wrapHandle(handle: PGliteHandle): Queryable {
  return {
    async query<Row>(text: string, params?: readonly unknown[]): Promise<QueryResult<Row>> {
      const result = await handle.query<Row>(text, params as unknown[] | undefined);
      return { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length };
    },
    async execScript(sql: string) {
      // PGlite's extended-protocol `query` refuses several statements; `exec` takes them.
      await handle.exec(sql);
    },
  };
}

/** Opens (or creates, running initdb) the embedded store. The caller holds the data-dir lock. */
export async function openPgliteDatabase(pgDataDir: string | undefined): Promise<Database> {
  const pglite = await PGlite.create({
    ...(pgDataDir ? { dataDir: pgDataDir } : {}),
    parsers: { [TIMESTAMPTZ_OID]: parseTimestamptz, [INT8_OID]: parseInt8 },
  });
  await pglite.exec("SET TIME ZONE 'UTC'");
  const direct = wrapHandle(pglite);

  return {
    engine: 'pglite',
    native: { engine: 'pglite', pglite },
    query: direct.query,
    execScript: direct.execScript,
    // PGlite runs one transaction at a time and queues other queries behind it.
    transaction: (work) => pglite.transaction((tx) => work(wrapHandle(tx))),
    close: () => pglite.close(),
  };
}
