import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { migrate } from '../../src/db/migrations.ts';
import { openPgliteDatabase } from '../../src/db/pglite.ts';
import { openPostgresDatabase } from '../../src/db/postgres.ts';
import { adminDatabaseUrl, databaseUrlFor, testEngine } from './engine.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** PGlite: a migrated data directory each test file copies. PostgreSQL: a template database name. */
    storageTemplate: string;
  }
}

/**
 * A fresh store per test file, without paying for initdb (≈4.5 s on PGlite) or migrations each
 * time: one migrated template is made here and cloned by every file.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  if (testEngine() === 'pglite') {
    const templateDir = await mkdtemp(path.join(os.tmpdir(), 'hostpass-template-'));
    const db = await openPgliteDatabase(path.join(templateDir, 'pgdata'));
    await migrate(db);
    await db.close();
    project.provide('storageTemplate', templateDir);
    return () => rm(templateDir, { recursive: true, force: true });
  }

  const templateName = `hostpass_template_${process.pid}`;
  const admin = new pg.Client({ connectionString: adminDatabaseUrl() });
  await admin.connect();
  await dropTestDatabases(admin, process.pid);
  await admin.query(`CREATE DATABASE ${templateName}`);
  const db = openPostgresDatabase(databaseUrlFor(templateName), 1);
  await migrate(db);
  await db.close();
  project.provide('storageTemplate', templateName);
  return async () => {
    await dropTestDatabases(admin, process.pid);
    await admin.end();
  };
}

async function dropTestDatabases(admin: pg.Client, pid: number): Promise<void> {
  const { rows } = await admin.query<{ datname: string }>(
    'SELECT datname FROM pg_database WHERE datname = $1 OR datname LIKE $2',
    [`hostpass_template_${pid}`, `hostpass\\_t\\_${pid}\\_%`],
  );
  for (const { datname } of rows)
    await admin.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
}
