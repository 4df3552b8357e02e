import type { Queryable } from './database.ts';

/**
 * Runs `work` inside a savepoint of the current transaction: if it fails, only its own writes are
 * undone and the transaction stays usable (PostgreSQL otherwise refuses every later statement).
 */
export async function withSavepoint<T>(
  tx: Queryable,
  name: string,
  work: () => Promise<T>,
): Promise<T> {
  await tx.query(`SAVEPOINT ${name}`);
  try {
    const result = await work();
    await tx.query(`RELEASE SAVEPOINT ${name}`);
    return result;
  } catch (error) {
    await tx.query(`ROLLBACK TO SAVEPOINT ${name}`);
    throw error;
  }
}
