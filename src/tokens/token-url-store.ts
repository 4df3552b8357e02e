import type { Queryable } from '../db/database.ts';
import { tableStore } from '../db/table-store.ts';

/** Expired sets removed per new one: more than are made, so the backlog only shrinks. */
const PRUNE_PER_INSERT = 10;

export const tokenUrlStoreFactory = (db: Queryable) => ({
  /** Records a live set of URLs, and removes a few expired ones on the way. */
  async insert(set: {
    id: string;
    workspaceId: string;
    meetingId: number;
    expiresAt: string;
  }): Promise<void> {
    await db.query(
      `WITH expired AS (
         DELETE FROM zoom_token_urls WHERE id IN (
           SELECT id FROM zoom_token_urls WHERE expires_at < now()
           ORDER BY expires_at LIMIT $5 FOR UPDATE SKIP LOCKED))
       INSERT INTO zoom_token_urls (id, workspace_id, meeting_id, expires_at)
       VALUES ($1, $2, $3, $4)`,
      [set.id, set.workspaceId, set.meetingId, set.expiresAt, PRUNE_PER_INSERT],
    );
  },

  /** The hot path of every token URL: one primary-key lookup. */
  async isLive(workspaceId: string, id: string): Promise<boolean> {
    const { rows } = await db.query(
      'SELECT 1 FROM zoom_token_urls WHERE id = $1 AND workspace_id = $2',
      [id, workspaceId],
    );
    return rows.length > 0;
  },

  deleteInWorkspace: tableStore(db, { name: 'zoom_token_urls', columns: 'id' }).deleteInWorkspace,
});

export type TokenUrlStore = ReturnType<typeof tokenUrlStoreFactory>;
