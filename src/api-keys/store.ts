import type { Queryable } from '../db/database.ts';
import {
  fetchCreatedAtPage,
  type KeysetPage,
  type KeysetWindow,
  SqlConditions,
} from '../db/keyset.ts';
import { NOW, type TableStore, tableStore } from '../db/table-store.ts';

export interface ApiKeyRow {
  id: string;
  workspace_id: string;
  name: string;
  key_prefix: string;
  created_at: string;
}

const COLUMNS = 'id, workspace_id, name, key_prefix, created_at';

/** The store's queries; `table` is the shared base's (find and delete, in the workspace or by id). */
const apiKeyQueries = (db: Queryable, table: TableStore<ApiKeyRow>) => ({
  ...table,

  /** `shown: false` for a key nobody has seen yet (markShown records when someone has). */
  insert(
    key: {
      id: string;
      workspaceId: string;
      name: string;
      keyHash: string;
      keyPrefix: string;
      shown: boolean;
    },
    tx: Queryable = db,
  ): Promise<ApiKeyRow> {
    return table.insert(
      {
        id: key.id,
        workspace_id: key.workspaceId,
        name: key.name,
        key_hash: key.keyHash,
        key_prefix: key.keyPrefix,
        shown_at: key.shown ? NOW : null,
      },
      tx,
    );
  },

  async markShown(id: string): Promise<void> {
    await db.query('UPDATE api_keys SET shown_at = clock_timestamp() WHERE id = $1', [id]);
  },

  /** Workspaces that have keys, none of which anybody was ever shown: nobody can get in. */
  async workspacesWithoutShownKey(): Promise<{ id: string; name: string }[]> {
    const { rows } = await db.query<{ id: string; name: string }>(
      `SELECT w.id, w.name FROM workspaces w
        WHERE EXISTS (SELECT 1 FROM api_keys k WHERE k.workspace_id = w.id)
          AND NOT EXISTS (SELECT 1 FROM api_keys k WHERE k.workspace_id = w.id AND k.shown_at IS NOT NULL)
        ORDER BY w.created_at, w.id`,
    );
    return rows;
  },

  async findByHash(keyHash: string): Promise<ApiKeyRow | undefined> {
    const { rows } = await db.query<ApiKeyRow>(
      `SELECT ${COLUMNS} FROM api_keys WHERE key_hash = $1`,
      [keyHash],
    );
    return rows[0];
  },

  /** `workspaceId` null: every workspace's keys (the operator CLI). */
  list(workspaceId: string | null, window: KeysetWindow): Promise<KeysetPage<ApiKeyRow>> {
    const where = new SqlConditions().add('workspace_id = ?', workspaceId ?? undefined);
    return fetchCreatedAtPage<ApiKeyRow>(db, `SELECT ${COLUMNS} FROM api_keys`, where, window);
  },

  /**
   * Locks the workspace's row so that concurrent changes to its keys are serialised (two deletes
   * could otherwise each see the other key and leave none).
   */
  async lockWorkspace(workspaceId: string, tx: Queryable): Promise<void> {
    await tx.query('SELECT id FROM workspaces WHERE id = $1 FOR UPDATE', [workspaceId]);
  },

  async countInWorkspace(workspaceId: string, tx: Queryable = db): Promise<number> {
    const { rows } = await tx.query<{ count: number }>(
      'SELECT count(*)::int8 AS count FROM api_keys WHERE workspace_id = $1',
      [workspaceId],
    );
    return rows[0]?.count ?? 0;
  },

  async countAll(tx: Queryable = db): Promise<number> {
    const { rows } = await tx.query<{ count: number }>(
      'SELECT count(*)::int8 AS count FROM api_keys',
    );
    return rows[0]?.count ?? 0;
  },
});

export const apiKeyStoreFactory = (db: Queryable) =>
  apiKeyQueries(db, tableStore<ApiKeyRow>(db, { name: 'api_keys', columns: COLUMNS }));

export type ApiKeyStore = ReturnType<typeof apiKeyStoreFactory>;
