import type { Queryable } from '../db/database.ts';
import { tableStore } from '../db/table-store.ts';

export interface WorkspaceRow {
  id: string;
  name: string;
  created_at: string;
}

const COLUMNS = 'id, name, created_at';

export const workspaceStoreFactory = (db: Queryable) => {
  const table = tableStore<WorkspaceRow>(db, { name: 'workspaces', columns: COLUMNS });
  return {
    insert: (workspace: { id: string; name: string }, tx?: Queryable) =>
      table.insert({ id: workspace.id, name: workspace.name }, tx),

    async list(): Promise<WorkspaceRow[]> {
      const { rows } = await db.query<WorkspaceRow>(
        `SELECT ${COLUMNS} FROM workspaces ORDER BY created_at, id`,
      );
      return rows;
    },

    async first(tx: Queryable = db): Promise<WorkspaceRow | undefined> {
      const { rows } = await tx.query<WorkspaceRow>(
        `SELECT ${COLUMNS} FROM workspaces ORDER BY created_at, id LIMIT 1`,
      );
      return rows[0];
    },
  };
};

export type WorkspaceStore = ReturnType<typeof workspaceStoreFactory>;
