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

/**
 * PGlite runs each statement synchronously on this thread and hands its connection to the next
 * caller waiting for it in a microtask, so with callers queued (job handlers, pg-boss, requests)
 * statements run back to back and the event loop reaches no I/O until none is left: at 10,000
 * credentials requests, Zoom's answers, timers and SIGTERM waited for seconds. Every statement
 * (a transaction: as a whole) takes its turn here instead, in arrival order, and before each turn
 * the event loop runs once (setImmediate comes after I/O polling), so I/O is never held up by
 * more than one statement or transaction.
 */
function fairTurns(): <T>(work: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve();
  return (work) => {
    const result = tail.then(() => new Promise((resolve) => setImmediate(resolve))).then(work);
    tail = result.catch(() => {});
    return result;
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
  const turn = fairTurns();

  return {
    engine: 'pglite',
    native: {
      engine: 'pglite',
      pglite,
      statements: {
        query: (text, params) => turn(() => pglite.query(text, params)),
        exec: (text) => turn(() => pglite.exec(text)),
      },
    },
    query: (text, params) => turn(() => direct.query(text, params)),
    execScript: (sql) => turn(() => direct.execScript(sql)),
    // One transaction at a time, as PGlite runs them; statements inside go straight to it.
    transaction: (work) => turn(() => pglite.transaction((tx) => work(wrapHandle(tx)))),
    close: () => pglite.close(),
  };
}
