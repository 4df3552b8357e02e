import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import type { Database } from '../../src/db/database.ts';
import { migrate } from '../../src/db/migrations.ts';
import { openPgliteDatabase } from '../../src/db/pglite.ts';
import { openPostgresDatabase } from '../../src/db/postgres.ts';
import { startJobQueue } from '../../src/jobs/queue.ts';
import { createLogger } from '../../src/logger.ts';
import { QUEUES } from '../../src/runtime.ts';
import { adminDatabaseUrl, databaseUrlFor, testEngine } from './engine.ts';

/** Migrations and the job queue's own schema, so that cloned stores start ready. */
async function prepareTemplate(db: Database): Promise<void> {
  await migrate(db);
  const queue = await startJobQueue(db, createLogger('silent'), QUEUES);
  await queue.stop();
  await db.close();
}

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
    await prepareTemplate(await openPgliteDatabase(path.join(templateDir, 'pgdata')));
    project.provide('storageTemplate', templateDir);
    return () => rm(templateDir, { recursive: true, force: true });
  }

  const templateName = `hostpass_template_${process.pid}`;
  const admin = new pg.Client({ connectionString: adminDatabaseUrl() });
  await admin.connect();
  await dropTestDatabases(admin, process.pid);
  await admin.query(`CREATE DATABASE ${templateName}`);
  await prepareTemplate(openPostgresDatabase(databaseUrlFor(templateName), 2));
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
