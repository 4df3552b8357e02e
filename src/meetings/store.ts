import { type CredentialRow, credentialColumns } from '../credentials/service.ts';
import type { Queryable } from '../db/database.ts';
import {
  fetchKeysetPage,
  type KeysetPage,
  type KeysetWindow,
  SqlConditions,
} from '../db/keyset.ts';
import { type TableStore, tableStore } from '../db/table-store.ts';
import { uuidv7 } from '../ids.ts';

export type MappingSource = 'pmi' | 'scheduled' | 'webhook' | 'lookup';
/** Which Zoom endpoints serve an id: `/meetings/{id}/…` or `/webinars/{id}/…`. */
export type MeetingKind = 'meeting' | 'webinar';

export interface MappingRow {
  id: string;
  credential_id: string;
  meeting_id: number;
  host_user_id: string;
  source: MappingSource;
  kind: MeetingKind;
  created_at: string;
  synced_at: string;
}

export interface MappingFilters {
  meeting_id?: number;
  kind?: MeetingKind;
  credential?: string;
  synced_at_after?: string;
  synced_at_before?: string;
}

export interface SyncRow {
  id: string;
  credential_id: string;
  status: 'running' | 'completed' | 'failed';
  phase: 'users' | 'meetings' | 'prune';
  users_page_token: string | null;
  current_host: string | null;
  meeting_type: string | null;
  meetings_page_token: string | null;
  users_seen: number;
  meetings_seen: number;
  zoom_calls: number;
  rate_limit_waits: number;
  error: string | null;
  started_at: string;
  updated_at: string;
}

/** A meeting of one credential. */
export interface CredentialMeeting {
  credentialId: string;
  meetingId: number;
}

/** A mapping with the credential it belongs to. */
export type CredentialMapping = NewMapping & { workspaceId: string; credentialId: string };

export interface NewMapping {
  meetingId: number;
  hostUserId: string;
  source: MappingSource;
  /** Default 'meeting'. */
  kind?: MeetingKind;
}

/** A meeting (or webinar) and the grant that reaches it: what every token path resolves an id to. */
export interface ResolvedMapping {
  credential_id: string;
  host_user_id: string;
  kind: MeetingKind;
  /** How Hostpass learnt of it, and when (the mapping's last sync). */
  source: MappingSource;
  synced_at: string;
  credential: CredentialRow;
}

export interface HostRecord {
  zoomUserId: string;
  pmi: number | null;
  vanityName: string | null;
}

export interface SyncProgress {
  phase?: SyncRow['phase'];
  usersPageToken?: string | null;
  currentHost?: string | null;
  meetingType?: string | null;
  meetingsPageToken?: string | null;
  usersSeen?: number;
  meetingsSeen?: number;
  zoomCalls?: number;
  rateLimitWaits?: number;
}

const MAPPING_COLUMNS =
  'id, credential_id, meeting_id, host_user_id, source, kind, created_at, synced_at';
const SYNC_COLUMNS = `id, credential_id, status, phase, users_page_token, current_host, meeting_type, meetings_page_token,
  users_seen, meetings_seen, zoom_calls, rate_limit_waits, error, started_at, updated_at`;

/**
 * The advisory-lock namespace that serialises, per credential, meeting events (shared: they run
 * side by side) against sync pages (exclusive). Any constant works; every process uses the same.
 */
const MEETING_CHANGES_LOCK = 4_807_115;

/** Another runner holds the sync now: this one must stop without writing anything more. */
export class LeaseLostError extends Error {
  constructor(syncId: string) {
    super(`Lost the lease on sync ${syncId}.`);
    this.name = 'LeaseLostError';
  }
}

/** The mapping upsert, of the rows `select` makes (id, workspace, credential, meeting, host, source, kind). */
const upsertMappingsFrom = (select: string) =>
  `INSERT INTO zoom_meeting_mappings (id, workspace_id, credential_id, meeting_id, host_user_id, source, kind)
   ${select}
   ON CONFLICT (credential_id, meeting_id) DO UPDATE
     SET host_user_id = EXCLUDED.host_user_id, source = EXCLUDED.source, kind = EXCLUDED.kind,
         synced_at = clock_timestamp()`;

/** One row per key (a statement may not upsert the same row twice; the last one wins). */
/**
 * The last item per key, in key order: concurrent batches then lock rows in one order (two
 * batches of webhook events share a credential's lock, so they could otherwise deadlock).
 */
const lastPerKey = <T>(items: readonly T[], key: (item: T) => string): T[] =>
  [...new Map(items.map((item) => [key(item), item])).entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, item]) => item);

/** The array parameters of a mapping upsert that follow its credential's. */
const mappingArrays = (mappings: readonly NewMapping[]) => [
  mappings.map((mapping) => mapping.meetingId),
  mappings.map((mapping) => mapping.hostUserId),
  mappings.map((mapping) => mapping.source),
  mappings.map((mapping) => mapping.kind ?? 'meeting'),
];

/** Records (or refreshes) mappings of any credentials in one statement. */
async function upsertMappingsOf(
  mappings: readonly CredentialMapping[],
  q: Queryable,
): Promise<void> {
  const unique = lastPerKey(mappings, (mapping) => `${mapping.credentialId}:${mapping.meetingId}`);
  if (unique.length === 0) return;
  await q.query(
    upsertMappingsFrom(
      `SELECT gen_random_uuid(), m.workspace_id, m.credential_id, m.meeting_id, m.host_user_id, m.source, m.kind
       FROM unnest($1::uuid[], $2::uuid[], $3::bigint[], $4::text[], $5::text[], $6::text[])
         AS m (workspace_id, credential_id, meeting_id, host_user_id, source, kind)`,
    ),
    [
      unique.map((mapping) => mapping.workspaceId),
      unique.map((mapping) => mapping.credentialId),
      ...mappingArrays(unique),
    ],
  );
}

/** Deletes these credentials' mappings of these meetings, in one statement. */
async function deleteMappings(all: readonly CredentialMeeting[], q: Queryable): Promise<void> {
  const pairs = lastPerKey(all, (pair) => `${pair.credentialId}:${pair.meetingId}`);
  if (pairs.length === 0) return;
  await q.query(
    `DELETE FROM zoom_meeting_mappings m
     USING unnest($1::uuid[], $2::bigint[]) AS d (credential_id, meeting_id)
     WHERE m.credential_id = d.credential_id AND m.meeting_id = d.meeting_id`,
    [pairs.map((pair) => pair.credentialId), pairs.map((pair) => pair.meetingId)],
  );
}

/** markMeetingEvent for meetings of several credentials, in one statement. */
async function markMeetingEvents(pairs: readonly CredentialMeeting[], q: Queryable): Promise<void> {
  const unique = lastPerKey(pairs, (pair) => `${pair.credentialId}:${pair.meetingId}`);
  if (unique.length === 0) return;
  await q.query(
    `INSERT INTO zoom_meeting_event_marks (credential_id, meeting_id)
     SELECT m.credential_id, m.meeting_id
     FROM unnest($1::uuid[], $2::bigint[]) AS m (credential_id, meeting_id)
     WHERE EXISTS (SELECT 1 FROM zoom_meeting_syncs s
                   WHERE s.credential_id = m.credential_id AND s.status = 'running')
     ON CONFLICT (credential_id, meeting_id) DO UPDATE SET applied_at = clock_timestamp()`,
    [unique.map((pair) => pair.credentialId), unique.map((pair) => pair.meetingId)],
  );
}

/** The store's queries; `syncTable` is the shared base's for zoom_meeting_syncs. */
const syncQueries = (db: Queryable, syncTable: TableStore<SyncRow>) => ({
  /** Records (or refreshes) mappings in one statement per page. */
  async upsertMappings(
    workspaceId: string,
    credentialId: string,
    mappings: readonly NewMapping[],
    q: Queryable = db,
  ): Promise<void> {
    // A meeting is in both the scheduled and the upcoming list. (Scalar parameters for the one
    // credential: a sync's pages of 300 rows took markedly longer on PGlite as uuid arrays.)
    const unique = lastPerKey(mappings, (mapping) => String(mapping.meetingId));
    if (unique.length === 0) return;
    await q.query(
      upsertMappingsFrom(
        `SELECT gen_random_uuid(), $1, $2, m.meeting_id, m.host_user_id, m.source, m.kind
         FROM unnest($3::bigint[], $4::text[], $5::text[], $6::text[]) AS m (meeting_id, host_user_id, source, kind)`,
      ),
      [workspaceId, credentialId, ...mappingArrays(unique)],
    );
  },

  /** Records (or refreshes) mappings of any credentials in one statement. */
  upsertMappingsOf: (mappings: readonly CredentialMapping[], q: Queryable = db) =>
    upsertMappingsOf(mappings, q),

  deleteMapping(credentialId: string, meetingId: number, q: Queryable = db): Promise<void> {
    return deleteMappings([{ credentialId, meetingId }], q);
  },

  /** Deletes these credentials' mappings of these meetings, in one statement. */
  deleteMappings: (pairs: readonly CredentialMeeting[], q: Queryable = db) =>
    deleteMappings(pairs, q),

  /**
   * Held by a meeting event until its transaction ends, for every credential it changes (in id
   * order, so two events never wait on each other crosswise): a sync page of those credentials
   * commits before it or after it, never in between.
   */
  async lockForMeetingEvent(credentialIds: readonly string[], q: Queryable): Promise<void> {
    if (credentialIds.length === 0) return;
    // One statement, the locks taken in the array's order (the aggregate reads every row).
    await q.query(
      `SELECT count(pg_advisory_xact_lock_shared($1, hashtext(l.id)))
       FROM (SELECT id FROM unnest($2::text[]) WITH ORDINALITY AS u (id, n) ORDER BY n) l`,
      [MEETING_CHANGES_LOCK, [...new Set(credentialIds)].sort()],
    );
  },

  /** Held by a sync page's commit until its transaction ends: no meeting event is half-applied. */
  async lockForSyncPage(credentialId: string, q: Queryable): Promise<void> {
    await q.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [
      MEETING_CHANGES_LOCK,
      credentialId,
    ]);
  },

  /**
   * Records that an event changed these meetings' mappings now (call it under
   * lockForMeetingEvent). Only while a sync of the credential runs: a sync that starts later
   * fetches its pages after the change, so they cannot be older than the event.
   */
  markMeetingEvent(
    credentialId: string,
    meetingIds: readonly number[],
    q: Queryable = db,
  ): Promise<void> {
    return markMeetingEvents(
      meetingIds.map((meetingId) => ({ credentialId, meetingId })),
      q,
    );
  },

  /** markMeetingEvent for meetings of several credentials, in one statement. */
  markMeetingEvents: (pairs: readonly CredentialMeeting[], q: Queryable = db) =>
    markMeetingEvents(pairs, q),

  /**
   * Of these meetings, those an event changed after `since` (a page's fetch time): the page is
   * older than the event for them. Call it under lockForSyncPage.
   */
  async meetingsChangedSince(
    credentialId: string,
    meetingIds: readonly number[],
    since: string,
    q: Queryable = db,
  ): Promise<Set<number>> {
    if (meetingIds.length === 0) return new Set();
    const { rows } = await q.query<{ meeting_id: number }>(
      `SELECT meeting_id FROM zoom_meeting_event_marks
       WHERE credential_id = $1 AND meeting_id = ANY($2::bigint[]) AND applied_at > $3::timestamptz`,
      [credentialId, [...new Set(meetingIds)], since],
    );
    return new Set(rows.map((row) => row.meeting_id));
  },

  /** The database's clock: what a page's fetch time and an event's mark are compared on. */
  async now(): Promise<string> {
    const { rows } = await db.query<{ now: string }>('SELECT clock_timestamp() AS now');
    return rows[0]?.now as string;
  },

  async upsertHosts(
    workspaceId: string,
    credentialId: string,
    hosts: readonly HostRecord[],
    q: Queryable = db,
  ): Promise<void> {
    if (hosts.length === 0) return;
    await q.query(
      `INSERT INTO zoom_hosts (credential_id, zoom_user_id, workspace_id, pmi, vanity_name)
       SELECT $1, h.zoom_user_id, $2, h.pmi, h.vanity_name
       FROM unnest($3::text[], $4::bigint[], $5::text[]) AS h (zoom_user_id, pmi, vanity_name)
       ON CONFLICT (credential_id, zoom_user_id) DO UPDATE
         SET pmi = EXCLUDED.pmi, vanity_name = EXCLUDED.vanity_name, synced_at = clock_timestamp()`,
      [
        credentialId,
        workspaceId,
        hosts.map((host) => host.zoomUserId),
        hosts.map((host) => host.pmi),
        hosts.map((host) => host.vanityName),
      ],
    );
  },

  /**
   * Makes sure each credential knows its host (a host new in the account is added without a PMI
   * or personal link name; a known one keeps its own), in one statement.
   */
  async touchHosts(
    hosts: readonly { workspaceId: string; credentialId: string; zoomUserId: string }[],
    q: Queryable = db,
  ): Promise<void> {
    const unique = lastPerKey(hosts, (host) => `${host.credentialId}:${host.zoomUserId}`);
    if (unique.length === 0) return;
    await q.query(
      `INSERT INTO zoom_hosts (credential_id, zoom_user_id, workspace_id)
       SELECT h.credential_id, h.zoom_user_id, h.workspace_id
       FROM unnest($1::uuid[], $2::text[], $3::uuid[]) AS h (credential_id, zoom_user_id, workspace_id)
       ON CONFLICT (credential_id, zoom_user_id) DO UPDATE SET synced_at = clock_timestamp()`,
      [
        unique.map((host) => host.credentialId),
        unique.map((host) => host.zoomUserId),
        unique.map((host) => host.workspaceId),
      ],
    );
  },

  async findHost(
    credentialId: string,
    zoomUserId: string,
    q: Queryable = db,
  ): Promise<HostRecord | undefined> {
    const { rows } = await q.query<{
      zoom_user_id: string;
      pmi: number | null;
      vanity_name: string | null;
    }>(
      'SELECT zoom_user_id, pmi, vanity_name FROM zoom_hosts WHERE credential_id = $1 AND zoom_user_id = $2',
      [credentialId, zoomUserId],
    );
    const row = rows[0];
    return row && { zoomUserId: row.zoom_user_id, pmi: row.pmi, vanityName: row.vanity_name };
  },

  /** A host by personal link name (`zoom.us/my/{name}`), for links that carry no meeting id. */
  async findHostByVanity(
    workspaceId: string,
    vanityName: string,
  ): Promise<{ credential_id: string; zoom_user_id: string; pmi: number | null } | undefined> {
    const { rows } = await db.query<{
      credential_id: string;
      zoom_user_id: string;
      pmi: number | null;
    }>(
      `SELECT credential_id, zoom_user_id, pmi FROM zoom_hosts
       WHERE workspace_id = $1 AND lower(vanity_name) = lower($2) AND pmi IS NOT NULL
       ORDER BY synced_at DESC LIMIT 1`,
      [workspaceId, vanityName],
    );
    return rows[0];
  },

  /** The next `count` hosts (in id order) after `after`: the meetings phase's next window. */
  async nextHosts(credentialId: string, after: string | null, count: number): Promise<string[]> {
    const { rows } = await db.query<{ zoom_user_id: string }>(
      `SELECT zoom_user_id FROM zoom_hosts WHERE credential_id = $1 AND ($2::text IS NULL OR zoom_user_id > $2)
       ORDER BY zoom_user_id LIMIT $3`,
      [credentialId, after, count],
    );
    return rows.map((row) => row.zoom_user_id);
  },

  /** A full sync removes what it did not see: whatever was not touched since it started. */
  async prune(credentialId: string, startedAt: string, q: Queryable = db): Promise<number> {
    const { rowCount } = await q.query(
      'DELETE FROM zoom_meeting_mappings WHERE credential_id = $1 AND synced_at < $2::timestamptz',
      [credentialId, startedAt],
    );
    await q.query(
      'DELETE FROM zoom_hosts WHERE credential_id = $1 AND synced_at < $2::timestamptz',
      [credentialId, startedAt],
    );
    return rowCount;
  },

  async countMappings(credentialId: string, q: Queryable = db): Promise<number> {
    const { rows } = await q.query<{ count: number }>(
      'SELECT count(*)::int8 AS count FROM zoom_meeting_mappings WHERE credential_id = $1',
      [credentialId],
    );
    return rows[0]?.count ?? 0;
  },

  async purge(credentialId: string, q: Queryable = db): Promise<void> {
    await q.query('DELETE FROM zoom_meeting_event_marks WHERE credential_id = $1', [credentialId]);
    await q.query('DELETE FROM zoom_meeting_mappings WHERE credential_id = $1', [credentialId]);
    await q.query('DELETE FROM zoom_hosts WHERE credential_id = $1', [credentialId]);
  },

  listMappings(
    workspaceId: string,
    filters: MappingFilters,
    window: KeysetWindow & { orderColumn: 'created_at' | 'synced_at' },
  ): Promise<KeysetPage<MappingRow>> {
    const where = new SqlConditions()
      .add('workspace_id = ?', workspaceId)
      .add('meeting_id = ?::bigint', filters.meeting_id)
      .add('kind = ?', filters.kind)
      .add('credential_id = ?::uuid', filters.credential)
      .add('synced_at >= ?::timestamptz', filters.synced_at_after)
      .atOrBefore('synced_at', filters.synced_at_before);
    const { orderColumn, ...rest } = window;
    return fetchKeysetPage<MappingRow>(db, {
      select: `SELECT ${MAPPING_COLUMNS} FROM zoom_meeting_mappings`,
      conditions: where.conditions,
      params: where.params,
      orderColumn,
      ...rest,
    });
  },

  /**
   * The credential to use for a meeting, when several grants reach it: a healthy credential
   * first; then the host's own user-level grant before an account-level grant; then the most
   * recently synced mapping; then the credential id, so the answer is always the same.
   */
  async resolveCredential(
    workspaceId: string,
    meetingId: number,
  ): Promise<ResolvedMapping | undefined> {
    // The credential's own columns come with the mapping: the mint path makes one query, not two.
    const { rows } = await db.query<
      CredentialRow & {
        mapped_credential_id: string;
        host_user_id: string;
        mapping_kind: MeetingKind;
        mapping_source: MappingSource;
        mapping_synced_at: string;
      }
    >(
      `SELECT m.credential_id AS mapped_credential_id, m.host_user_id, m.kind AS mapping_kind,
              m.source AS mapping_source, m.synced_at AS mapping_synced_at, ${credentialColumns('c.')}
       FROM zoom_meeting_mappings m JOIN zoom_oauth_credentials c ON c.id = m.credential_id
       WHERE m.workspace_id = $1 AND m.meeting_id = $2
       ORDER BY (c.status = 'healthy') DESC,
                (c.app_kind = 'user_level' AND c.zoom_user_id = m.host_user_id) DESC,
                m.synced_at DESC, m.credential_id
       LIMIT 1`,
      [workspaceId, meetingId],
    );
    const row = rows[0];
    if (!row) return undefined;
    const {
      mapped_credential_id,
      host_user_id,
      mapping_kind,
      mapping_source,
      mapping_synced_at,
      ...credential
    } = row;
    return {
      credential_id: mapped_credential_id,
      host_user_id,
      kind: mapping_kind,
      source: mapping_source,
      synced_at: mapping_synced_at,
      credential,
    };
  },

  /**
   * The grant to mint a user's own tokens (on-behalf, ZAK) with: the user's own grant, or an
   * account-level grant whose sync has seen the user; a healthy one first, then the user's own.
   */
  async findCredentialForUser(
    workspaceId: string,
    zoomUserId: string,
  ): Promise<CredentialRow | undefined> {
    const { rows } = await db.query<CredentialRow>(
      `SELECT ${credentialColumns('c.')} FROM zoom_oauth_credentials c
       WHERE c.workspace_id = $1 AND (c.zoom_user_id = $2 OR (c.app_kind = 'account_level' AND EXISTS
         (SELECT 1 FROM zoom_hosts h WHERE h.credential_id = c.id AND h.zoom_user_id = $2)))
       ORDER BY (c.status = 'healthy') DESC, (c.zoom_user_id = $2) DESC, c.created_at DESC, c.id
       LIMIT 1`,
      [workspaceId, zoomUserId],
    );
    return rows[0];
  },

  async startSync(credentialId: string, q: Queryable = db): Promise<SyncRow | undefined> {
    const { rows } = await q.query<SyncRow>(
      `INSERT INTO zoom_meeting_syncs (id, credential_id) VALUES ($1, $2)
       ON CONFLICT (credential_id) WHERE status = 'running' DO NOTHING RETURNING ${SYNC_COLUMNS}`,
      [uuidv7(), credentialId],
    );
    return rows[0];
  },

  /** A sync by its id, running or finished. */
  findSyncById: syncTable.findById,

  async runningSync(credentialId: string): Promise<SyncRow | undefined> {
    const { rows } = await db.query<SyncRow>(
      `SELECT ${SYNC_COLUMNS} FROM zoom_meeting_syncs WHERE credential_id = $1 AND status = 'running'`,
      [credentialId],
    );
    return rows[0];
  },

  /** Takes the sync for one step unless a live runner holds it; the lease expires if it dies. */
  async lease(syncId: string, seconds: number, owner: string): Promise<SyncRow | undefined> {
    const { rows } = await db.query<SyncRow>(
      `UPDATE zoom_meeting_syncs SET lease_until = clock_timestamp() + $2 * interval '1 second', lease_owner = $3
       WHERE id = $1 AND status = 'running' AND (lease_until IS NULL OR lease_until < clock_timestamp())
       RETURNING ${SYNC_COLUMNS}`,
      [syncId, seconds, owner],
    );
    return rows[0];
  },

  /** Gives the sync up; with `pauseSeconds`, nobody resumes it before then (a rate-limit pause). */
  async release(syncId: string, owner: string, pauseSeconds = 0): Promise<void> {
    await db.query(
      `UPDATE zoom_meeting_syncs SET lease_owner = NULL,
         lease_until = CASE WHEN $3 > 0 THEN clock_timestamp() + $3 * interval '1 second' ELSE NULL END
       WHERE id = $1 AND lease_owner = $2`,
      [syncId, owner, pauseSeconds],
    );
  },

  async saveProgress(
    syncId: string,
    progress: SyncProgress,
    leaseSeconds: number,
    owner: string,
    q: Queryable = db,
  ): Promise<void> {
    const { rowCount } = await q.query(
      `UPDATE zoom_meeting_syncs SET
         phase = COALESCE($2, phase),
         users_page_token = CASE WHEN $3::boolean THEN $4 ELSE users_page_token END,
         current_host = CASE WHEN $5::boolean THEN $6 ELSE current_host END,
         meeting_type = CASE WHEN $7::boolean THEN $8 ELSE meeting_type END,
         meetings_page_token = CASE WHEN $9::boolean THEN $10 ELSE meetings_page_token END,
         users_seen = users_seen + $11, meetings_seen = meetings_seen + $12,
         zoom_calls = zoom_calls + $13, rate_limit_waits = rate_limit_waits + $14,
         updated_at = clock_timestamp(), lease_until = clock_timestamp() + $15 * interval '1 second'
       WHERE id = $1 AND lease_owner = $16`,
      [
        syncId,
        progress.phase ?? null,
        progress.usersPageToken !== undefined,
        progress.usersPageToken ?? null,
        progress.currentHost !== undefined,
        progress.currentHost ?? null,
        progress.meetingType !== undefined,
        progress.meetingType ?? null,
        progress.meetingsPageToken !== undefined,
        progress.meetingsPageToken ?? null,
        progress.usersSeen ?? 0,
        progress.meetingsSeen ?? 0,
        progress.zoomCalls ?? 0,
        progress.rateLimitWaits ?? 0,
        leaseSeconds,
        owner,
      ],
    );
    if (rowCount === 0) throw new LeaseLostError(syncId);
  },

  async finishSync(
    syncId: string,
    status: 'completed' | 'failed',
    error: string | null,
    owner: string,
    q: Queryable = db,
  ): Promise<void> {
    // No page of this sync is to come: its credential's event marks have served (the next sync's
    // pages are all fetched after them).
    await q.query(
      `DELETE FROM zoom_meeting_event_marks
       WHERE credential_id = (SELECT credential_id FROM zoom_meeting_syncs WHERE id = $1 AND lease_owner = $2)`,
      [syncId, owner],
    );
    const { rowCount } = await q.query(
      `UPDATE zoom_meeting_syncs SET status = $2, error = $3, finished_at = clock_timestamp(), lease_until = NULL,
         lease_owner = NULL, updated_at = clock_timestamp() WHERE id = $1 AND lease_owner = $4`,
      [syncId, status, error, owner],
    );
    if (rowCount === 0) throw new LeaseLostError(syncId);
  },

  /**
   * Ends the running sync, if any, as failed with `reason`; its runner, if one holds it, loses the
   * lease and stops without writing anything more.
   */
  async abandonRunning(credentialId: string, reason: string, q: Queryable = db): Promise<void> {
    await q.query(
      `UPDATE zoom_meeting_syncs SET status = 'failed', error = $2, finished_at = clock_timestamp(), lease_until = NULL,
         lease_owner = NULL, updated_at = clock_timestamp() WHERE credential_id = $1 AND status = 'running'`,
      [credentialId, reason],
    );
  },

  /**
   * Running syncs nobody holds (their runner died) and no step job of `stepQueue` is about to run:
   * to be resumed, at most `limit`. A job counts while queued or waiting to retry, and while active
   * for less than `leaseSeconds` (its runner is about to take the lease; one active longer without the lease
   * lost its process). A sync queued and not started yet is not abandoned: after an import of
   * 100,000 credentials, every one of them would otherwise get another step job on every pass.
   */
  async abandonedSyncs(stepQueue: string, leaseSeconds: number, limit: number): Promise<SyncRow[]> {
    // A set difference, not NOT EXISTS: with 100,000 syncs and their jobs, and statistics taken
    // before an import, the planner ran the job scan once per sync (minutes, on every pass).
    const { rows } = await db.query<SyncRow>(
      `SELECT ${SYNC_COLUMNS} FROM zoom_meeting_syncs WHERE id IN (
         SELECT id FROM zoom_meeting_syncs
         WHERE status = 'running' AND (lease_until IS NULL OR lease_until < clock_timestamp())
         EXCEPT
         SELECT (data->>'syncId')::uuid FROM pgboss.job
         WHERE name = $1 AND (state IN ('created', 'retry')
           OR (state = 'active' AND started_on > clock_timestamp() - $2 * interval '1 second')))
       ORDER BY id LIMIT $3`,
      [stepQueue, leaseSeconds, limit],
    );
    return rows;
  },
});

export const meetingsStoreFactory = (db: Queryable) =>
  syncQueries(db, tableStore<SyncRow>(db, { name: 'zoom_meeting_syncs', columns: SYNC_COLUMNS }));

export type MeetingsStore = ReturnType<typeof meetingsStoreFactory>;
