import type { Logger } from 'pino';
import type { Database } from '../db/database.ts';
import { refreshPriority } from './jobs.ts';
import { refreshPhase, spreadCatchUpAtMs } from './token-timing.ts';

/** Overdue refresh jobs moved per statement. */
const PAGE = 1000;

/** The refresh jobs the pass moves: due before now, not moved already, of a credential with tokens. */
const OVERDUE = `FROM pgboss.job j
  JOIN zoom_oauth_credentials c ON c.id = (j.data->>'credentialId')::uuid
  WHERE j.name = 'credential-refresh' AND j.state = 'created'
    AND j.start_after < now() AND j.data ? 'at'
    AND coalesce(j.data->>'deferred', 'false') <> 'true'
    AND c.access_token_expires_at IS NOT NULL`;

/**
 * Before the workers start: every background refresh that fell due while no process ran (a
 * restart, a deploy, an import of old tokens) is moved in bulk to a time spread over what its token
 * can still wait (spreadCatchUpAtMs), with one statement per thousand jobs instead of a job fetch
 * and a transaction each (the job handler's own catch-up, catchUpAtMs, stays for jobs that come
 * late while the process runs). After a
 * restart of a 100,000-credential fleet that is the difference between refreshes spread from the
 * first second and minutes of rescheduling first. A job some worker has taken meanwhile (another
 * process) is left to it. Returns how many jobs were moved.
 */
export async function spreadOverdueRefreshes(
  db: Database,
  now: () => number,
  logger: Logger,
): Promise<number> {
  let moved = 0;
  let after = '00000000-0000-0000-0000-000000000000';
  // How far back the backlog goes: a short one is spread by more than the credentials' phases.
  const { rows: oldest } = await db.query<{ at_ms: number | null }>(
    `SELECT min((j.data->>'at')::float8) AS at_ms ${OVERDUE}`,
  );
  const backlogFrom = oldest[0]?.at_ms ?? null;
  for (;;) {
    const { rows } = await db.query<{
      id: string;
      at_ms: number;
      expires_ms: number;
      lifetime_seconds: number | null;
      slot: number;
    }>(
      `SELECT j.id, (j.data->>'at')::float8 AS at_ms,
         (extract(epoch FROM c.access_token_expires_at) * 1000)::float8 AS expires_ms,
         c.access_token_lifetime_seconds AS lifetime_seconds, c.refresh_slot::float8 AS slot
       ${OVERDUE} AND j.id > $1
       ORDER BY j.id LIMIT ${PAGE}`,
      [after],
    );
    if (rows.length === 0) break;
    after = (rows.at(-1) as { id: string }).id;
    const at = now();
    const backlogMs = backlogFrom === null ? 0 : at - backlogFrom;
    const moves = rows.flatMap((row) => {
      const times = { expiresAtMs: row.expires_ms, lifetimeSeconds: row.lifetime_seconds ?? 3600 };
      const to = spreadCatchUpAtMs(times, row.at_ms, at, refreshPhase(row.slot), backlogMs);
      return to === null ? [] : [{ id: row.id, to }];
    });
    if (moves.length > 0) {
      const result = await db.query(
        `UPDATE pgboss.job j
         SET start_after = to_timestamp(u.to_ms / 1000), priority = u.priority,
             data = j.data || jsonb_build_object('at', u.to_ms, 'deferred', true)
         FROM unnest($1::uuid[], $2::float8[], $3::int[]) AS u (id, to_ms, priority)
         WHERE j.id = u.id AND j.name = 'credential-refresh' AND j.state = 'created'`,
        [
          moves.map((move) => move.id),
          moves.map((move) => move.to),
          moves.map((move) => refreshPriority(move.to)),
        ],
      );
      moved += result.rowCount ?? 0;
    }
    if (rows.length < PAGE) break;
  }
  if (moved > 0)
    logger.info({ moved }, 'overdue credential refreshes spread over their catch-up window');
  return moved;
}
