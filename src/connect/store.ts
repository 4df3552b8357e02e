import type { SealedColumn } from '../crypto/sealed-columns.ts';
import type { Queryable } from '../db/database.ts';

export interface ConnectLinkRow {
  id: string;
  workspace_id: string;
  oauth_app_id: string;
  return_url: string;
  metadata: Record<string, unknown>;
  code_verifier_sealed: string | null;
  expires_at: string;
  used_at: string | null;
  credential_id: string | null;
  created_at: string;
}

export const CODE_VERIFIER_COLUMN: SealedColumn = {
  table: 'zoom_connect_links',
  column: 'code_verifier_sealed',
};

const COLUMNS =
  'id, workspace_id, oauth_app_id, return_url, metadata, code_verifier_sealed, expires_at, used_at, credential_id, created_at';

export const connectLinkStoreFactory = (db: Queryable) => ({
  async insert(link: {
    id: string;
    workspaceId: string;
    appId: string;
    linkTokenHash: string;
    returnUrl: string;
    metadata: Record<string, unknown>;
    expiresAt: string;
  }): Promise<ConnectLinkRow> {
    const { rows } = await db.query<ConnectLinkRow>(
      `INSERT INTO zoom_connect_links (id, workspace_id, oauth_app_id, link_token_hash, return_url, metadata, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${COLUMNS}`,
      [
        link.id,
        link.workspaceId,
        link.appId,
        link.linkTokenHash,
        link.returnUrl,
        JSON.stringify(link.metadata),
        link.expiresAt,
      ],
    );
    return rows[0] as ConnectLinkRow;
  },

  async find(workspaceId: string, id: string): Promise<ConnectLinkRow | undefined> {
    const { rows } = await db.query<ConnectLinkRow>(
      `SELECT ${COLUMNS} FROM zoom_connect_links WHERE id = $1 AND workspace_id = $2`,
      [id, workspaceId],
    );
    return rows[0];
  },

  async findByLinkToken(linkTokenHash: string): Promise<ConnectLinkRow | undefined> {
    const { rows } = await db.query<ConnectLinkRow>(
      `SELECT ${COLUMNS} FROM zoom_connect_links WHERE link_token_hash = $1`,
      [linkTokenHash],
    );
    return rows[0];
  },

  /** A new attempt replaces the previous one: only the latest state is accepted. */
  async startAttempt(id: string, stateHash: string, codeVerifierSealed: string): Promise<void> {
    await db.query(
      'UPDATE zoom_connect_links SET state_hash = $2, code_verifier_sealed = $3 WHERE id = $1',
      [id, stateHash, codeVerifierSealed],
    );
  },

  async findByState(stateHash: string): Promise<ConnectLinkRow | undefined> {
    const { rows } = await db.query<ConnectLinkRow>(
      `SELECT ${COLUMNS} FROM zoom_connect_links WHERE state_hash = $1`,
      [stateHash],
    );
    return rows[0];
  },

  /** Claims the link for one callback; a replayed or concurrent callback gets nothing. */
  async claim(id: string): Promise<boolean> {
    const { rowCount } = await db.query(
      'UPDATE zoom_connect_links SET used_at = clock_timestamp() WHERE id = $1 AND used_at IS NULL AND expires_at > clock_timestamp()',
      [id],
    );
    return rowCount > 0;
  },

  async recordCredential(id: string, credentialId: string): Promise<void> {
    await db.query(
      'UPDATE zoom_connect_links SET credential_id = $2, code_verifier_sealed = NULL WHERE id = $1',
      [id, credentialId],
    );
  },
});

export type ConnectLinkStore = ReturnType<typeof connectLinkStoreFactory>;
