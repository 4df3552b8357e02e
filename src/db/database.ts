import type { PGlite } from '@electric-sql/pglite';
import type pg from 'pg';

/**
 * The one storage interface. Both engines speak the same PostgreSQL dialect: PGlite in-process
 * (the embedded default) and a PostgreSQL server (`DATABASE_URL`, the path to scale out).
 */
export interface QueryResult<Row> {
  rows: Row[];
  rowCount: number;
}

export interface Queryable {
  query<Row = Record<string, unknown>>(
    text: string,
    params?: readonly unknown[],
  ): Promise<QueryResult<Row>>;
  /** Runs a parameterless script of several statements (migrations). */
  execScript(sql: string): Promise<void>;
}

export type StorageEngine = 'pglite' | 'postgres';

/** PGlite's statement calls, as a library's adapter for it takes them (pg-boss's fromPglite). */
export interface PGliteStatements {
  query<Row>(text: string, params?: unknown[]): Promise<{ rows: Row[] }>;
  exec(text: string): Promise<Array<{ rows: unknown[] }>>;
}

/** The engine's own handle, for libraries that bring their own adapters (the job queue). */
export type NativeHandle =
  | {
      engine: 'pglite';
      pglite: PGlite;
      /** `pglite`'s statements taking their turn with this process's others (see pglite.ts). */
      statements: PGliteStatements;
    }
  | { engine: 'postgres'; pool: pg.Pool };

export interface Database extends Queryable {
  readonly engine: StorageEngine;
  readonly native: NativeHandle;
  /** Runs `work` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** PostgreSQL's SQLSTATE for a unique-constraint violation. */
const UNIQUE_VIOLATION = '23505';

export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, constraint: violated } = error as { code?: unknown; constraint?: unknown };
  return code === UNIQUE_VIOLATION && (constraint === undefined || violated === constraint);
}
