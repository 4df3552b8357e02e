import { PGlite, type Transaction } from '@electric-sql/pglite';
import { isBacklog, readBacklogLane } from './background.ts';
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

/** While other work waits, backlog work gets one turn in this many. */
const BACKLOG_SHARE = 4;

/**
 * PGlite runs each statement synchronously on this thread and hands its connection to the next
 * caller waiting for it in a microtask, so with callers queued (job handlers, pg-boss, requests)
 * statements run back to back and the event loop reaches no I/O until none is left: at 10,000
 * credentials requests, Zoom's answers, timers and SIGTERM waited for seconds. Every statement
 * (a transaction: as a whole) takes a turn here instead. Before each turn the event loop runs
 * once (setImmediate comes after I/O polling), so I/O waits for at most one statement or
 * transaction. Turns go in arrival order, except that backlog work (src/db/background.ts: a
 * fleet's initial syncs, which would otherwise keep dozens of statements ahead of every request
 * and refresh) waits while others do, but for every BACKLOG_SHARE-th turn.
 */
function turns(): <T>(work: () => Promise<T>) => Promise<T> {
  const others: Array<() => void> = [];
  const backlog: Array<() => void> = [];
  let busy = false;
  let streak = 0;
  const next = () =>
    setImmediate(() => {
      const fromBacklog =
        backlog.length > 0 && (others.length === 0 || streak >= BACKLOG_SHARE - 1);
      const go = fromBacklog ? backlog.shift() : others.shift();
      streak = fromBacklog ? 0 : streak + 1;
      if (go) go();
      else busy = false;
    });
  return async (work) => {
    await new Promise<void>((resolve) => {
      (isBacklog() ? backlog : others).push(resolve);
      if (!busy) {
        busy = true;
        next();
      }
    });
    try {
      return await work();
    } finally {
      next();
    }
  };
}

/** Opens (or creates, running initdb) the embedded store. The caller holds the data-dir lock. */
export async function openPgliteDatabase(pgDataDir: string | undefined): Promise<Database> {
  readBacklogLane();
  const pglite = await PGlite.create({
    ...(pgDataDir ? { dataDir: pgDataDir } : {}),
    parsers: { [TIMESTAMPTZ_OID]: parseTimestamptz, [INT8_OID]: parseInt8 },
  });
  await pglite.exec("SET TIME ZONE 'UTC'");
  const direct = wrapHandle(pglite);
  const turn = turns();

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
