import type { Database } from '../db/database.ts';
import type { Keyring } from './keyring.ts';

/** A column holding sealed values; its rows are identified by `id`. */
export interface SealedColumn {
  table: string;
  column: string;
}

/** The associated data a sealed value is bound to: its table, column and row. */
export function sealContext(column: SealedColumn, rowId: string): string {
  return `${column.table}.${column.column}:${rowId}`;
}

const BATCH_SIZE = 500;

/**
 * Re-seals every value not sealed by the keyring's first key. Afterwards the older keys can be
 * removed from HOSTPASS_ENCRYPTION_KEYS. Batches commit one by one, so a huge store is rotated
 * without one huge transaction, and a rerun picks up where an interrupted one stopped.
 */
export async function rotateSealedColumns(
  db: Database,
  keyring: Keyring,
  columns: readonly SealedColumn[],
): Promise<{ resealed: number }> {
  const activePrefix = `v1:${keyring.activeKeyId}:`;
  let resealed = 0;
  for (const column of columns) {
    for (;;) {
      const batch = await db.transaction(async (tx) => {
        const { rows } = await tx.query<{ id: string; sealed: string }>(
          `SELECT id, ${column.column} AS sealed FROM ${column.table}
           WHERE ${column.column} IS NOT NULL AND left(${column.column}, $1) <> $2
           ORDER BY id LIMIT $3 FOR UPDATE`,
          [activePrefix.length, activePrefix, BATCH_SIZE],
        );
        for (const row of rows) {
          const context = sealContext(column, row.id);
          const plaintext = keyring.open(row.sealed, context);
          await tx.query(`UPDATE ${column.table} SET ${column.column} = $1 WHERE id = $2`, [
            keyring.seal(plaintext, context),
            row.id,
          ]);
        }
        return rows.length;
      });
      resealed += batch;
      if (batch < BATCH_SIZE) break;
    }
  }
  return { resealed };
}

/** Which key ids the stored values use, and how many values each. */
export async function sealedKeyUsage(
  db: Database,
  columns: readonly SealedColumn[],
): Promise<Map<string, number>> {
  const usage = new Map<string, number>();
  for (const column of columns) {
    const { rows } = await db.query<{ key_id: string; count: number }>(
      `SELECT split_part(${column.column}, ':', 2) AS key_id, count(*)::int8 AS count
       FROM ${column.table} WHERE ${column.column} IS NOT NULL GROUP BY 1`,
    );
    for (const row of rows) usage.set(row.key_id, (usage.get(row.key_id) ?? 0) + row.count);
  }
  return usage;
}
