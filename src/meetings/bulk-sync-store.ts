import type { Queryable } from '../db/database.ts';
import { uuidv7 } from '../ids.ts';

/**
 * A running sync for each of these credentials, in one statement (an import's initial syncs);
 * one already running is left alone. Returns the new syncs' ids. The transaction is required, not
 * optional: the caller queues the syncs' first steps in it, and a running sync whose step was never
 * queued would block its credential's syncs for ever.
 */
export async function insertRunningSyncs(
  credentialIds: readonly string[],
  tx: Queryable,
): Promise<string[]> {
  if (credentialIds.length === 0) return [];
  const { rows } = await tx.query<{ id: string }>(
    `INSERT INTO zoom_meeting_syncs (id, credential_id)
     SELECT * FROM unnest($1::uuid[], $2::uuid[])
     ON CONFLICT (credential_id) WHERE status = 'running' DO NOTHING RETURNING id`,
    [credentialIds.map(() => uuidv7()), credentialIds],
  );
  return rows.map((row) => row.id);
}
