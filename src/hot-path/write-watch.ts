import type { Database, Queryable } from '../db/database.ts';

/**
 * Tables the hot-path cache reads, with the tables whose deletes cascade into them: a DELETE on
 * `workspaces` removes API keys without any statement naming `api_keys`.
 */
const CASCADES_INTO: Record<string, readonly string[]> = {
  workspaces: [
    'api_keys',
    'zoom_token_urls',
    'zoom_oauth_apps',
    'zoom_oauth_credentials',
    'zoom_meeting_mappings',
  ],
  zoom_oauth_apps: ['zoom_oauth_credentials', 'zoom_meeting_mappings'],
  zoom_oauth_credentials: ['zoom_meeting_mappings'],
};

export const WATCHED_TABLES = [
  'workspaces',
  'api_keys',
  'zoom_token_urls',
  'zoom_oauth_apps',
  'zoom_oauth_credentials',
  'zoom_meeting_mappings',
] as const;
export type WatchedTable = (typeof WATCHED_TABLES)[number];

/**
 * The table each data-changing clause writes (`INSERT INTO t`, `UPDATE t`, `DELETE FROM t`,
 * `MERGE INTO t`, those of CTEs included): only its target, not the tables it reads (the stats'
 * flush checks `workspaces` and writes its own table). `SELECT … FOR UPDATE` and `ON CONFLICT DO
 * UPDATE SET` name no table there. Triggers in this schema write only their own row or tables
 * the hot path does not read; cascaded deletes are CASCADES_INTO's.
 */
const TARGETS =
  /\b(?:insert\s+into|update|delete\s+from|merge\s+into)\s+(?:only\s+)?(?:\w+\.)?(\w+)/gi;
/** Statements rare enough that every table they name counts as written (schema changes, loads). */
const BROAD_WRITES = /\b(truncate|alter|drop|copy)\b/i;
/** Every watched table a statement names, in one pass over its text. */
const MENTIONS = new RegExp(`\\b(${WATCHED_TABLES.join('|')})\\b`, 'gi');
export const isWatched = (name: string): name is WatchedTable =>
  (WATCHED_TABLES as readonly string[]).includes(name);

/** The watched tables a statement may write. */
export function writtenTables(text: string): WatchedTable[] {
  const names = new Set<WatchedTable>();
  const found = BROAD_WRITES.test(text)
    ? [...text.matchAll(MENTIONS)].map((match) => match[1])
    : [...text.matchAll(TARGETS)].map((match) => match[1]);
  for (const name of found) {
    const table = name?.toLowerCase();
    if (table !== undefined && isWatched(table)) names.add(table);
  }
  return [...names];
}

/** Distinct statement texts remembered (texts built per call, like multi-row INSERTs, vary). */
const SCANNED_LIMIT = 2_000;

/** How often each watched table has been written: a cached read is valid while these stand still. */
export interface WriteVersions {
  /**
   * A number that changes whenever any of `tables` may have changed (a sum of counters); null
   * while no cached answer may be trusted (PostgreSQL: other processes' writes are not heard).
   */
  versionOf(tables: readonly WatchedTable[]): number | null;
}

/** The counters behind WriteVersions, bumped by what this process writes and what it hears of. */
export interface WriteCounters extends WriteVersions {
  /** `table` (and the tables its deletes cascade into) may have changed. */
  bump(table: WatchedTable): void;
  bumpAll(): void;
}

export function createWriteCounters(): WriteCounters {
  const counters = new Map<string, number>(WATCHED_TABLES.map((table) => [table, 0]));
  const bump = (table: WatchedTable) => {
    counters.set(table, (counters.get(table) ?? 0) + 1);
    for (const child of CASCADES_INTO[table] ?? [])
      counters.set(child, (counters.get(child) ?? 0) + 1);
  };
  return {
    bump,
    bumpAll: () => {
      for (const table of WATCHED_TABLES) bump(table);
    },
    versionOf: (tables) => tables.reduce((sum, table) => sum + (counters.get(table) ?? 0), 0),
  };
}

/**
 * The store behind a write watch: every statement that may write a watched table bumps its
 * counter (and those of the tables its deletes cascade into) when it is sent AND when it
 * finishes, and a transaction bumps the tables it wrote again when it ends. A read cached at
 * version v was sent and answered while no write ran (see createReadCache), so it is never older
 * than the store. On PGlite one process owns the store, so every write passes through here; on
 * PostgreSQL the other processes' writes come as notifications (listenForWrites). Writes by the
 * job queue (db.native) touch only its own schema.
 */
export function watchWrites(
  db: Database,
  counters: WriteCounters = createWriteCounters(),
): { db: Database; versions: WriteVersions } {
  const { bump, bumpAll } = counters;
  // Statements are the code's own constant texts: each is scanned once, then looked up.
  const scanned = new Map<string, WatchedTable[]>();
  const touched = (text: string): WatchedTable[] => {
    const known = scanned.get(text);
    if (known) return known;
    const tables = writtenTables(text);
    if (scanned.size < SCANNED_LIMIT) scanned.set(text, tables);
    return tables;
  };

  /** `touched` collects what a transaction wrote, bumped again when it ends. */
  const watch = (handle: Queryable, written?: Set<WatchedTable>): Queryable => ({
    async query(text, params) {
      const tables = touched(text);
      for (const table of tables) {
        bump(table);
        written?.add(table);
      }
      try {
        return await handle.query(text, params);
      } finally {
        for (const table of tables) bump(table);
      }
    },
    async execScript(sql) {
      bumpAll();
      try {
        await handle.execScript(sql);
      } finally {
        bumpAll();
      }
    },
  });

  const direct = watch(db);
  const watched: Database = {
    engine: db.engine,
    native: db.native,
    query: direct.query,
    execScript: direct.execScript,
    async transaction(work) {
      const written = new Set<WatchedTable>();
      try {
        return await db.transaction((tx) => work(watch(tx, written)));
      } finally {
        // Committed or rolled back: either way the rows may differ from what a read saw inside.
        for (const table of written) bump(table);
      }
    },
    close: () => db.close(),
  };
  return { db: watched, versions: { versionOf: counters.versionOf } };
}
