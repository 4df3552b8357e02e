import type { Queryable } from '../db/database.ts';

export interface WorkspaceRow {
  id: string;
  name: string;
  created_at: string;
}

export const workspaceStoreFactory = (db: Queryable) => ({
  async insert(workspace: { id: string; name: string }, tx: Queryable = db): Promise<WorkspaceRow> {
    const { rows } = await tx.query<WorkspaceRow>(
      'INSERT INTO workspaces (id, name) VALUES ($1, $2) RETURNING id, name, created_at',
      [workspace.id, workspace.name],
    );
    return rows[0] as WorkspaceRow;
  },

  async list(): Promise<WorkspaceRow[]> {
    const { rows } = await db.query<WorkspaceRow>(
      'SELECT id, name, created_at FROM workspaces ORDER BY created_at, id',
    );
    return rows;
  },

  async first(tx: Queryable = db): Promise<WorkspaceRow | undefined> {
    const { rows } = await tx.query<WorkspaceRow>(
      'SELECT id, name, created_at FROM workspaces ORDER BY created_at, id LIMIT 1',
    );
    return rows[0];
  },
});

export type WorkspaceStore = ReturnType<typeof workspaceStoreFactory>;
