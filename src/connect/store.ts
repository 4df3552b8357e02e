import type { SealedColumn } from '../crypto/sealed-columns.ts';
import type { Queryable } from '../db/database.ts';
import { tableStore } from '../db/table-store.ts';

export interface ConnectLinkRow {
  id: string;
  workspace_id: string;
  oauth_app_id: string;
  return_url: string;
  metadata: Record<string, unknown>;
  code_verifier_sealed: string | null;
  /** When the current attempt's callback claimed its state (each state works once). */
  state_claimed_at: string | null;
  /** SHA-256 of the cookie that binds the current attempt to its browser. */
  browser_binding_hash: string | null;
  expires_at: string;
  used_at: string | null;
  credential_id: string | null;
  created_at: string;
}

export const CODE_VERIFIER_COLUMN: SealedColumn = {
  table: 'zoom_connect_links',
  column: 'code_verifier_sealed',
};

const COLUMNS = `id, workspace_id, oauth_app_id, return_url, metadata, code_verifier_sealed, state_claimed_at,
  browser_binding_hash, expires_at, used_at, credential_id, created_at`;

export const connectLinkStoreFactory = (db: Queryable) => {
  const table = tableStore<ConnectLinkRow>(db, { name: 'zoom_connect_links', columns: COLUMNS });
  return {
    ...table,

    insert: (link: {
      id: string;
      workspaceId: string;
      appId: string;
      linkTokenHash: string;
      returnUrl: string;
      metadata: Record<string, unknown>;
      expiresAt: string;
    }) =>
      table.insert({
        id: link.id,
        workspace_id: link.workspaceId,
        oauth_app_id: link.appId,
        link_token_hash: link.linkTokenHash,
        return_url: link.returnUrl,
        metadata: JSON.stringify(link.metadata),
        expires_at: link.expiresAt,
      }),

    async findByLinkToken(linkTokenHash: string): Promise<ConnectLinkRow | undefined> {
      const { rows } = await db.query<ConnectLinkRow>(
        `SELECT ${COLUMNS} FROM zoom_connect_links WHERE link_token_hash = $1`,
        [linkTokenHash],
      );
      return rows[0];
    },

    /** A new attempt replaces the previous one: only the latest state is accepted. */
    async startAttempt(
      id: string,
      attempt: { stateHash: string; codeVerifierSealed: string; browserBindingHash: string },
    ): Promise<void> {
      await db.query(
        `UPDATE zoom_connect_links SET state_hash = $2, code_verifier_sealed = $3, browser_binding_hash = $4,
         state_claimed_at = NULL WHERE id = $1`,
        [id, attempt.stateHash, attempt.codeVerifierSealed, attempt.browserBindingHash],
      );
    },

    async findByState(stateHash: string): Promise<ConnectLinkRow | undefined> {
      const { rows } = await db.query<ConnectLinkRow>(
        `SELECT ${COLUMNS} FROM zoom_connect_links WHERE state_hash = $1`,
        [stateHash],
      );
      return rows[0];
    },

    /**
     * Claims the attempt's state for one callback; a replayed or concurrent callback of the same
     * attempt gets nothing. The link itself stays usable: a failed attempt leaves it for the next.
     */
    async claimAttempt(id: string, stateHash: string): Promise<boolean> {
      const { rowCount } = await db.query(
        `UPDATE zoom_connect_links SET state_claimed_at = clock_timestamp()
       WHERE id = $1 AND state_hash = $2 AND state_claimed_at IS NULL AND used_at IS NULL
         AND expires_at > clock_timestamp()`,
        [id, stateHash],
      );
      return rowCount > 0;
    },

    /**
     * Uses the link up, in the transaction that commits its credential; false if another
     * completion already did (that one's credential stands).
     */
    async consume(id: string, credentialId: string, q: Queryable = db): Promise<boolean> {
      const { rowCount } = await q.query(
        `UPDATE zoom_connect_links SET used_at = clock_timestamp(), credential_id = $2, code_verifier_sealed = NULL
       WHERE id = $1 AND used_at IS NULL`,
        [id, credentialId],
      );
      return rowCount > 0;
    },
  };
};

export type ConnectLinkStore = ReturnType<typeof connectLinkStoreFactory>;
