import { cp, mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { inject } from 'vitest';

export type TestEngine = 'pglite' | 'postgres';

export function testEngine(): TestEngine {
  const engine = process.env.HOSTPASS_TEST_DB ?? 'pglite';
  if (engine !== 'pglite' && engine !== 'postgres')
    throw new Error(`HOSTPASS_TEST_DB must be pglite or postgres, not ${engine}`);
  return engine;
}

/** The PostgreSQL server the tests create their databases on (trust auth on this machine). */
export function adminDatabaseUrl(): string {
  return process.env.HOSTPASS_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
}

export function databaseUrlFor(database: string): string {
  const url = new URL(adminDatabaseUrl());
  url.pathname = `/${database}`;
  return url.toString();
}

/** Where a test's Hostpass keeps its data: environment variables for `loadConfig`. */
export interface TestStorage {
  env: Record<string, string>;
}

let counter = 0;

/** A fresh, migrated store cloned from the suite's template. */
export async function createTestStorage(): Promise<TestStorage> {
  const template = inject('storageTemplate');
  if (testEngine() === 'pglite') {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'hostpass-test-'));
    await cp(template, dataDir, { recursive: true });
    return { env: { HOSTPASS_DATA_DIR: dataDir } };
  }
  counter += 1;
  // The suite's pid is the template's suffix, so global teardown finds and drops these.
  const name = `${template.replace('template', 't')}_${process.pid}_${counter}`;
  const admin = new pg.Client({ connectionString: adminDatabaseUrl() });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name} TEMPLATE ${template}`);
  } finally {
    await admin.end();
  }
  return { env: { DATABASE_URL: databaseUrlFor(name) } };
}
