import { spawnSync } from 'node:child_process';
import type { Database } from '../../src/db/database.ts';
import type { TestStorage } from './engine.ts';

/**
 * Every row of every table of every schema (the job queue's included), as PostgreSQL's text
 * form: what a logical dump of the store would contain, on either engine.
 */
export async function selectEverything(db: Database): Promise<string> {
  const { rows: tables } = await db.query<{ table_schema: string; table_name: string }>(
    `SELECT table_schema, table_name FROM information_schema.tables
     WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')`,
  );
  const parts: string[] = [];
  for (const { table_schema, table_name } of tables) {
    const { rows } = await db.query<{ row: string }>(
      `SELECT t::text AS row FROM "${table_schema}"."${table_name}" t`,
    );
    parts.push(`-- ${table_schema}.${table_name}`, ...rows.map((row) => row.row));
  }
  return parts.join('\n');
}

/** What an operator's backup holds: `pg_dump` on PostgreSQL (when installed), plus every row. */
export async function databaseDump(storage: TestStorage, db: Database): Promise<string> {
  const rows = await selectEverything(db);
  const url = storage.env.DATABASE_URL;
  if (!url) return rows;
  const dumped = spawnSync('pg_dump', ['--dbname', url], { encoding: 'utf8' });
  if (dumped.error) return rows; // no pg_dump on this machine: the rows say the same
  if (dumped.status !== 0) throw new Error(`pg_dump failed: ${dumped.stderr}`);
  return `${dumped.stdout}\n${rows}`;
}
