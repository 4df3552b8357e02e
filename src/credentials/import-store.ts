import type { Queryable } from '../db/database.ts';
import { uuidv7 } from '../ids.ts';
import { type CredentialRow, credentialColumns, type NewCredentialRow } from './store.ts';

/**
 * Bulk writes of `credentials import`: one statement per batch instead of one per credential, so
 * that seeding 100,000 credentials takes minutes, not hours. Separate from store.ts: nothing else
 * writes in bulk.
 */

/**
 * Inserts the batch with their initial meeting sync marked as started (the caller queues it in the
 * same transaction); a credential whose Zoom user (account) already has one for the app is skipped.
 * The refresh slots are taken in the batch's order, so the batch spreads its refreshes as a mass
 * connect would. The transaction is required, not optional: a credential stored as syncing
 * without its sync queued in the same transaction would stay "in progress" for ever.
 */
export async function insertCredentials(
  rows: readonly NewCredentialRow[],
  tx: Queryable,
): Promise<CredentialRow[]> {
  if (rows.length === 0) return [];
  const column = <T>(pick: (row: NewCredentialRow) => T) => rows.map(pick);
  // One array parameter per column: the statement is the same whatever the batch size. WITH
  // ORDINALITY keeps the batch's order, which is the order of the refresh slots.
  const { rows: inserted } = await tx.query<CredentialRow>(
    `INSERT INTO zoom_oauth_credentials
       (id, workspace_id, oauth_app_id, app_kind, zoom_user_id, zoom_account_id, scopes,
        access_token_sealed, access_token_expires_at, access_token_lifetime_seconds,
        refresh_token_sealed, tokens_refreshed_at, zoom_user_email, zoom_user_display_name,
        meeting_sync_status)
     SELECT r.id, r.workspace_id, r.oauth_app_id, r.app_kind, r.zoom_user_id, r.zoom_account_id,
        ARRAY(SELECT jsonb_array_elements_text(r.scopes::jsonb)), r.access_token_sealed,
        r.access_token_expires_at, r.access_token_lifetime_seconds, r.refresh_token_sealed,
        clock_timestamp(), r.zoom_user_email, r.zoom_user_display_name, 'in_progress'
     FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[],
        $8::text[], $9::timestamptz[], $10::integer[], $11::text[], $12::text[], $13::text[])
       WITH ORDINALITY AS r (id, workspace_id, oauth_app_id, app_kind, zoom_user_id,
        zoom_account_id, scopes, access_token_sealed, access_token_expires_at,
        access_token_lifetime_seconds, refresh_token_sealed, zoom_user_email,
        zoom_user_display_name, n)
     ORDER BY r.n
     ON CONFLICT DO NOTHING
     RETURNING ${credentialColumns()}`,
    [
      column((row) => row.id),
      column((row) => row.workspaceId),
      column((row) => row.appId),
      column((row) => row.appKind),
      column((row) => row.zoomUserId),
      column((row) => row.zoomAccountId),
      column((row) => JSON.stringify(row.scopes)),
      column((row) => row.accessTokenSealed),
      column((row) => row.accessTokenExpiresAt),
      column((row) => row.accessTokenLifetimeSeconds),
      column((row) => row.refreshTokenSealed),
      column((row) => row.zoomUser.email),
      column((row) => row.zoomUser.displayName),
    ],
  );
  return inserted;
}

/**
 * One log line per credential, in one statement. The transaction is required, not optional: the
 * lines are written with the batch they describe, or not at all.
 */
export async function insertCredentialLogs(
  entries: readonly { workspaceId: string; credentialId: string; message: string }[],
  tx: Queryable,
): Promise<void> {
  if (entries.length === 0) return;
  await tx.query(
    `INSERT INTO zoom_oauth_credential_logs (id, workspace_id, credential_id, level, message)
     SELECT r.id, r.workspace_id, r.credential_id, 'info', r.message
     FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[]) AS r (id, workspace_id, credential_id, message)`,
    [
      entries.map(() => uuidv7()),
      entries.map((entry) => entry.workspaceId),
      entries.map((entry) => entry.credentialId),
      entries.map((entry) => entry.message),
    ],
  );
}
