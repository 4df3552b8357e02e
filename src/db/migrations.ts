import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Database, Queryable } from './database.ts';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

const MIGRATIONS_DIR = path.join(import.meta.dirname, 'migrations');
// Any constant works; it only has to be the same in every Hostpass process.
const MIGRATION_LOCK_KEY = 4_807_113;

/** Reads `NNN_name.sql` files in version order. */
export async function loadMigrations(directory = MIGRATIONS_DIR): Promise<Migration[]> {
  const files = (await readdir(directory)).filter((file) => /^\d+_[\w-]+\.sql$/.test(file)).sort();
  return Promise.all(
    files.map(async (file) => ({
      version: Number.parseInt(file, 10),
      name: file.replace(/\.sql$/, ''),
      sql: await readFile(path.join(directory, file), 'utf8'),
    })),
  );
}

async function appliedVersions(db: Queryable): Promise<Set<number>> {
  const exists = await db.query<{ present: boolean }>(
    "SELECT to_regclass('hostpass_schema_migrations') IS NOT NULL AS present",
  );
  if (!exists.rows[0]?.present) return new Set();
  const applied = await db.query<{ version: number }>(
    'SELECT version FROM hostpass_schema_migrations',
  );
  return new Set(applied.rows.map((row) => row.version));
}

export async function pendingMigrations(db: Queryable): Promise<Migration[]> {
  const [all, applied] = await Promise.all([loadMigrations(), appliedVersions(db)]);
  return all.filter((migration) => !applied.has(migration.version));
}

/**
 * Applies pending migrations in one transaction under an advisory lock, so many processes
 * starting at once against one PostgreSQL apply each migration exactly once.
 */
export async function migrate(db: Database): Promise<string[]> {
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    await tx.execScript(`CREATE TABLE IF NOT EXISTS hostpass_schema_migrations (
      version integer PRIMARY KEY,
      name text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const pending = await pendingMigrations(tx);
    for (const migration of pending) {
      await tx.execScript(migration.sql);
      await tx.query('INSERT INTO hostpass_schema_migrations (version, name) VALUES ($1, $2)', [
        migration.version,
        migration.name,
      ]);
    }
    return pending.map((migration) => migration.name);
  });
}
