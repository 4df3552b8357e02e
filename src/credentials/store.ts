import type { AppKind } from '../apps/service.ts';
import type { SealedColumn } from '../crypto/sealed-columns.ts';
import type { Queryable } from '../db/database.ts';
import {
  fetchCreatedAtPage,
  type KeysetPage,
  type KeysetWindow,
  SqlConditions,
} from '../db/keyset.ts';
import { NOW, type TableStore, tableStore } from '../db/table-store.ts';
import type { ZoomUserProfile } from '../zoom/user-profile.ts';

export type CredentialStatus = 'healthy' | 'unhealthy';
export type MeetingSyncStatus = 'not_started' | 'in_progress' | 'completed' | 'failed';

export interface CredentialRow {
  id: string;
  workspace_id: string;
  oauth_app_id: string;
  app_kind: AppKind;
  zoom_user_id: string;
  zoom_account_id: string;
  /** Who authorized, as Zoom names them (migration 018); null when not known (yet). */
  zoom_user_email: string | null;
  zoom_user_display_name: string | null;
  status: CredentialStatus;
  status_reason: string | null;
  /** Bumped by every status update (a trigger, migration 009): see restoreHealthy. */
  status_version: number;
  scopes: string[];
  access_token_callback_url_sealed: string | null;
  access_token_callback_url_display: string | null;
  access_token_sealed: string | null;
  access_token_expires_at: string | null;
  access_token_lifetime_seconds: number | null;
  refresh_token_sealed: string | null;
  tokens_refreshed_at: string | null;
  refresh_in_doubt_since: string | null;
  refresh_retry_at: string | null;
  meeting_sync_status: MeetingSyncStatus;
  /** Its place in creation order: spreads its background refreshes (token-timing.ts refreshPhase). */
  refresh_slot: number;
  /** When the grant it holds was authorized: created, or adopted on re-authorization. */
  grant_authorized_at: string;
  created_at: string;
}

export interface StatusCount {
  status: CredentialStatus;
  meeting_sync_status: MeetingSyncStatus;
  count: number;
}

export type UnhealthyCredentialRow = Pick<
  CredentialRow,
  'id' | 'oauth_app_id' | 'app_kind' | 'zoom_user_id' | 'zoom_account_id' | 'status_reason'
> & {
  /** Set by the status trigger (migration 026) whenever the status changes. */
  status_changed_at: string;
};

export interface CredentialFilters {
  oauth_app?: string;
  user_id?: string;
  account_id?: string;
  status?: CredentialStatus;
  meeting_sync_status?: MeetingSyncStatus;
  created_at_after?: string;
  created_at_before?: string;
}

export const ACCESS_TOKEN_COLUMN: SealedColumn = {
  table: 'zoom_oauth_credentials',
  column: 'access_token_sealed',
};
export const REFRESH_TOKEN_COLUMN: SealedColumn = {
  table: 'zoom_oauth_credentials',
  column: 'refresh_token_sealed',
};
export const CALLBACK_URL_COLUMN: SealedColumn = {
  table: 'zoom_oauth_credentials',
  column: 'access_token_callback_url_sealed',
};
export const CREDENTIAL_SEALED_COLUMNS: readonly SealedColumn[] = [
  ACCESS_TOKEN_COLUMN,
  REFRESH_TOKEN_COLUMN,
  CALLBACK_URL_COLUMN,
];

/** Zoom's scopes for "Get a meeting" of any user of the account (granular, then legacy). */
export const MEETING_READ_SCOPES = ['meeting:read:meeting:admin', 'meeting:read:admin'];

export const USER_UNIQUE_INDEX = 'zoom_oauth_credentials_user_unique';
export const ACCOUNT_UNIQUE_INDEX = 'zoom_oauth_credentials_account_unique';

/** Every column of a credential row; `prefix` qualifies them for joins (`c.`). */
export function credentialColumns(prefix = ''): string {
  return COLUMNS.split(',')
    .map((column) => `${prefix}${column.trim()}`)
    .join(', ');
}

const COLUMNS = `id, workspace_id, oauth_app_id, app_kind, zoom_user_id, zoom_account_id, zoom_user_email, zoom_user_display_name, status, status_reason, status_version,
  scopes, access_token_callback_url_sealed, access_token_callback_url_display, access_token_sealed, access_token_expires_at,
  access_token_lifetime_seconds, refresh_token_sealed, tokens_refreshed_at, refresh_in_doubt_since,
  refresh_retry_at, meeting_sync_status, refresh_slot, grant_authorized_at, created_at`;

export interface NewCredentialRow {
  id: string;
  workspaceId: string;
  appId: string;
  appKind: AppKind;
  zoomUserId: string;
  zoomAccountId: string;
  zoomUser: ZoomUserProfile;
  scopes: string[];
  callbackUrlSealed: string | null;
  callbackUrlDisplay: string | null;
  accessTokenSealed: string | null;
  accessTokenExpiresAt: string | null;
  accessTokenLifetimeSeconds: number | null;
  refreshTokenSealed: string | null;
}

/** Whom a Zoom event names: a user (null: anyone) of an account, for one app. */
export interface ZoomIdentity {
  appId: string;
  zoomUserId: string | null;
  zoomAccountId: string;
}

/** A credential as far as work keyed by it needs it. */
export type CredentialRef = Pick<CredentialRow, 'id' | 'workspace_id'>;

export interface StoredTokens {
  accessTokenSealed: string;
  accessTokenExpiresAt: string;
  accessTokenLifetimeSeconds: number;
  /** Null for customer-managed credentials, which never hold a refresh token. */
  refreshTokenSealed: string | null;
  scopes?: string[];
}

const TABLE = 'zoom_oauth_credentials';

/**
 * The credential store's queries; `table` is the shared base's (find, update, delete by id, in
 * the workspace or not).
 */
const credentialQueries = (db: Queryable, table: TableStore<CredentialRow>) => ({
  ...table,

  insert(row: NewCredentialRow, tx: Queryable = db): Promise<CredentialRow> {
    return table.insert(
      {
        id: row.id,
        workspace_id: row.workspaceId,
        oauth_app_id: row.appId,
        app_kind: row.appKind,
        zoom_user_id: row.zoomUserId,
        zoom_account_id: row.zoomAccountId,
        scopes: row.scopes,
        access_token_callback_url_sealed: row.callbackUrlSealed,
        access_token_callback_url_display: row.callbackUrlDisplay,
        access_token_sealed: row.accessTokenSealed,
        access_token_expires_at: row.accessTokenExpiresAt,
        access_token_lifetime_seconds: row.accessTokenLifetimeSeconds,
        refresh_token_sealed: row.refreshTokenSealed,
        tokens_refreshed_at: NOW,
        zoom_user_email: row.zoomUser.email,
        zoom_user_display_name: row.zoomUser.displayName,
      },
      tx,
    );
  },

  /** What Zoom said about the credential's user; a field Zoom did not give keeps its value. */
  async updateZoomUser(id: string, profile: ZoomUserProfile, tx: Queryable = db): Promise<void> {
    if (profile.email === null && profile.displayName === null) return;
    await tx.query(
      `UPDATE zoom_oauth_credentials
          SET zoom_user_email = coalesce($2, zoom_user_email),
              zoom_user_display_name = coalesce($3, zoom_user_display_name)
        WHERE id = $1
          AND (zoom_user_email IS DISTINCT FROM coalesce($2, zoom_user_email)
               OR zoom_user_display_name IS DISTINCT FROM coalesce($3, zoom_user_display_name))`,
      [id, profile.email, profile.displayName],
    );
  },

  /** A user.updated event: every credential of the app that this Zoom user authorized. */
  async updateZoomUserOf(
    appId: string,
    zoomUserId: string,
    profile: ZoomUserProfile,
    tx: Queryable = db,
  ): Promise<void> {
    if (profile.email === null && profile.displayName === null) return;
    await tx.query(
      `UPDATE zoom_oauth_credentials
          SET zoom_user_email = coalesce($3, zoom_user_email),
              zoom_user_display_name = coalesce($4, zoom_user_display_name)
        WHERE oauth_app_id = $1 AND zoom_user_id = $2`,
      [appId, zoomUserId, profile.email, profile.displayName],
    );
  },

  /** Row-locks the credential until the transaction ends: the cross-process refresh lock. */
  async lock(id: string, tx: Queryable): Promise<CredentialRow | undefined> {
    const { rows } = await tx.query<CredentialRow>(
      `SELECT ${COLUMNS} FROM zoom_oauth_credentials WHERE id = $1 FOR UPDATE`,
      [id],
    );
    return rows[0];
  },

  async findConflicting(
    appId: string,
    kind: AppKind,
    zoomId: string,
    tx: Queryable = db,
  ): Promise<CredentialRow | undefined> {
    const column = kind === 'user_level' ? 'zoom_user_id' : 'zoom_account_id';
    const { rows } = await tx.query<CredentialRow>(
      `SELECT ${COLUMNS} FROM zoom_oauth_credentials WHERE oauth_app_id = $1 AND app_kind = $2 AND ${column} = $3`,
      [appId, kind, zoomId],
    );
    return rows[0];
  },

  async findByZoomIdentity(
    appId: string,
    zoomUserId: string | null,
    zoomAccountId: string,
  ): Promise<CredentialRow[]> {
    const { rows } = await db.query<CredentialRow>(
      `SELECT ${COLUMNS} FROM zoom_oauth_credentials
       WHERE oauth_app_id = $1 AND zoom_account_id = $3
         AND (app_kind = 'account_level' OR $2::text IS NULL OR zoom_user_id = $2)`,
      [appId, zoomUserId, zoomAccountId],
    );
    return rows;
  },

  /**
   * findByZoomIdentity for several identities in one statement (a batch of Zoom events): for each
   * identity, in order, the id and workspace of the credentials it names.
   */
  async findByZoomIdentities(identities: readonly ZoomIdentity[]): Promise<CredentialRef[][]> {
    if (identities.length === 0) return [];
    const { rows } = await db.query<{ n: number; id: string; workspace_id: string }>(
      `SELECT q.n::int AS n, c.id, c.workspace_id
       FROM unnest($1::uuid[], $2::text[], $3::text[]) WITH ORDINALITY AS q (app_id, user_id, account_id, n)
       JOIN zoom_oauth_credentials c ON c.oauth_app_id = q.app_id AND c.zoom_account_id = q.account_id
         AND (c.app_kind = 'account_level' OR q.user_id IS NULL OR c.zoom_user_id = q.user_id)
       ORDER BY q.n, c.id`,
      [
        identities.map((identity) => identity.appId),
        identities.map((identity) => identity.zoomUserId),
        identities.map((identity) => identity.zoomAccountId),
      ],
    );
    const found = identities.map((): CredentialRef[] => []);
    for (const { n, id, workspace_id } of rows) found[n - 1]?.push({ id, workspace_id });
    return found;
  },

  /**
   * Healthy account-level grants of a workspace that may read any meeting of their account, one
   * per Zoom account (the most recently connected first), for looking up a meeting no sync has
   * seen. A grant with unknown scopes (none recorded) is tried: Zoom says if it may not.
   */
  async meetingReaders(workspaceId: string, limit: number): Promise<CredentialRow[]> {
    const { rows } = await db.query<CredentialRow>(
      `SELECT * FROM (
         SELECT DISTINCT ON (zoom_account_id) ${COLUMNS} FROM zoom_oauth_credentials
         WHERE workspace_id = $1 AND app_kind = 'account_level' AND status = 'healthy'
           AND (cardinality(scopes) = 0 OR scopes && $2::text[])
         ORDER BY zoom_account_id, created_at DESC, id
       ) readers ORDER BY created_at DESC, id LIMIT $3`,
      [workspaceId, MEETING_READ_SCOPES, limit],
    );
    return rows;
  },

  list(
    workspaceId: string,
    filters: CredentialFilters,
    window: KeysetWindow,
  ): Promise<KeysetPage<CredentialRow>> {
    const where = new SqlConditions()
      .add('workspace_id = ?', workspaceId)
      .add('oauth_app_id = ?::uuid', filters.oauth_app)
      .add("app_kind = 'user_level' AND zoom_user_id = ?", filters.user_id)
      .add("app_kind = 'account_level' AND zoom_account_id = ?", filters.account_id)
      .add('status = ?', filters.status)
      .add('meeting_sync_status = ?', filters.meeting_sync_status)
      .add('created_at >= ?::timestamptz', filters.created_at_after)
      .atOrBefore('created_at', filters.created_at_before);
    return fetchCreatedAtPage<CredentialRow>(
      db,
      `SELECT ${COLUMNS} FROM zoom_oauth_credentials`,
      where,
      window,
    );
  },

  /**
   * A successful refresh or fetch: new tokens, healthy, no doubt left, no pending retry. With
   * `expectedRefreshSealed`, saves only if the refresh token is still the one the refresh used
   * (compare-and-set): a deauthorization that deleted the tokens meanwhile is not undone.
   */
  async saveTokens(
    id: string,
    tokens: StoredTokens,
    expectedRefreshSealed: string | null = null,
    q: Queryable = db,
  ): Promise<CredentialRow | undefined> {
    const { rows } = await q.query<CredentialRow>(
      `UPDATE zoom_oauth_credentials SET
         access_token_sealed = $2, access_token_expires_at = $3, access_token_lifetime_seconds = $4,
         refresh_token_sealed = COALESCE($5, refresh_token_sealed), scopes = COALESCE($6, scopes),
         tokens_refreshed_at = clock_timestamp(), refresh_in_doubt_since = NULL, refresh_retry_at = NULL
       WHERE id = $1 AND ($7::text IS NULL OR refresh_token_sealed = $7) RETURNING ${COLUMNS}`,
      [
        id,
        tokens.accessTokenSealed,
        tokens.accessTokenExpiresAt,
        tokens.accessTokenLifetimeSeconds,
        tokens.refreshTokenSealed,
        tokens.scopes ?? null,
        expectedRefreshSealed,
      ],
    );
    return rows[0];
  },

  /**
   * Re-authorization: the credential takes over a new grant (and is healthy again), saved only if
   * the refresh token is still the one read under the refresh lock (compare-and-set). A
   * customer-managed credential becomes managed: the callback URL is no longer used.
   */
  async adoptGrant(
    id: string,
    tokens: StoredTokens & { scopes: string[] },
    expectedRefreshSealed: string | null,
    q: Queryable = db,
  ): Promise<CredentialRow | undefined> {
    const { rows } = await q.query<CredentialRow>(
      `UPDATE zoom_oauth_credentials SET
         access_token_sealed = $2, access_token_expires_at = $3, access_token_lifetime_seconds = $4,
         refresh_token_sealed = $5, scopes = $6, access_token_callback_url_sealed = NULL,
         access_token_callback_url_display = NULL, status = 'healthy', status_reason = NULL,
         tokens_refreshed_at = clock_timestamp(), grant_authorized_at = clock_timestamp(),
         refresh_in_doubt_since = NULL, refresh_retry_at = NULL
       WHERE id = $1 AND refresh_token_sealed IS NOT DISTINCT FROM $7 RETURNING ${COLUMNS}`,
      [
        id,
        tokens.accessTokenSealed,
        tokens.accessTokenExpiresAt,
        tokens.accessTokenLifetimeSeconds,
        tokens.refreshTokenSealed,
        tokens.scopes,
        expectedRefreshSealed,
      ],
    );
    return rows[0];
  },

  /**
   * Zoom's app_deauthorized, about the grant authorized at `grantAuthorizedAt`: unhealthy, unless
   * the credential has adopted another grant since (false then).
   */
  async markDeauthorized(
    id: string,
    reason: string,
    grantAuthorizedAt: string,
    q: Queryable = db,
  ): Promise<boolean> {
    const { rowCount } = await q.query(
      `UPDATE zoom_oauth_credentials SET status = 'unhealthy', status_reason = $2
       WHERE id = $1 AND grant_authorized_at = $3::timestamptz`,
      [id, reason, grantAuthorizedAt],
    );
    return rowCount > 0;
  },

  async markRefreshInDoubt(id: string, q: Queryable = db): Promise<void> {
    await q.query(
      'UPDATE zoom_oauth_credentials SET refresh_in_doubt_since = COALESCE(refresh_in_doubt_since, clock_timestamp()) WHERE id = $1',
      [id],
    );
  },

  async setRefreshRetryAt(id: string, retryAt: string, q: Queryable = db): Promise<void> {
    await table.updateById(id, { refresh_retry_at: retryAt }, q);
  },

  async setStatus(
    id: string,
    status: CredentialStatus,
    reason: string | null,
    q: Queryable = db,
  ): Promise<CredentialRow | undefined> {
    return table.updateById(id, { status, status_reason: reason }, q);
  },

  /**
   * → unhealthy with `reason`, only if the status has not changed since it was read at `version`:
   * undefined when it has (app_deauthorized landed meanwhile: its status and reason stand).
   */
  async markUnhealthy(
    id: string,
    reason: string,
    version: number,
    q: Queryable = db,
  ): Promise<CredentialRow | undefined> {
    const { rows } = await q.query<CredentialRow>(
      `UPDATE zoom_oauth_credentials SET status = 'unhealthy', status_reason = $2
       WHERE id = $1 AND status_version = $3 RETURNING ${COLUMNS}`,
      [id, reason, version],
    );
    return rows[0];
  },

  /**
   * Unhealthy → healthy, only if the status has not changed since it was read at `version`:
   * undefined when it has (the newer status stands).
   */
  async restoreHealthy(
    id: string,
    version: number,
    q: Queryable = db,
  ): Promise<CredentialRow | undefined> {
    const { rows } = await q.query<CredentialRow>(
      `UPDATE zoom_oauth_credentials SET status = 'healthy', status_reason = NULL
       WHERE id = $1 AND status = 'unhealthy' AND status_version = $2 RETURNING ${COLUMNS}`,
      [id, version],
    );
    return rows[0];
  },

  /** Zoom's data-compliance rule after deauthorization: the tokens go, the row stays as a record. */
  async deleteTokens(id: string, q: Queryable = db): Promise<void> {
    await q.query(
      `UPDATE zoom_oauth_credentials SET access_token_sealed = NULL, access_token_expires_at = NULL,
         refresh_token_sealed = NULL, access_token_callback_url_sealed = NULL WHERE id = $1`,
      [id],
    );
  },

  async setMeetingSyncStatus(
    id: string,
    status: MeetingSyncStatus,
    q: Queryable = db,
  ): Promise<void> {
    await table.updateById(id, { meeting_sync_status: status }, q);
  },

  /**
   * How many credentials per (status, sync status): the sum of the deltas the triggers of
   * migration 026 keep, a few rows per group however large the fleet.
   */
  async statusCounts(workspaceId: string): Promise<StatusCount[]> {
    const { rows } = await db.query<StatusCount>(
      `SELECT status, meeting_sync_status, sum(count)::integer AS count
       FROM credential_status_counts WHERE workspace_id = $1
       GROUP BY status, meeting_sync_status HAVING sum(count) <> 0`,
      [workspaceId],
    );
    return rows;
  },

  /**
   * Folds the deltas into one row per group (dropping groups that sum to zero, e.g. of deleted
   * workspaces), so reads stay a few rows. One statement: the rows it deletes and the sums it
   * writes commit together; a concurrent fold skips rows this one deleted (and cannot see the
   * sums it wrote), and deltas inserted meanwhile are left for the next fold. Returns the rows
   * it folded.
   */
  async compactStatusCounts(): Promise<number> {
    const { rows } = await db.query<{ folded: number }>(
      `WITH folded AS (
         DELETE FROM credential_status_counts
         RETURNING workspace_id, status, meeting_sync_status, count
       ), written AS (
         INSERT INTO credential_status_counts (workspace_id, status, meeting_sync_status, count)
         SELECT workspace_id, status, meeting_sync_status, sum(count) FROM folded
         GROUP BY workspace_id, status, meeting_sync_status HAVING sum(count) <> 0
       )
       SELECT count(*)::integer AS folded FROM folded`,
    );
    return rows[0]?.folded ?? 0;
  },

  /**
   * The unhealthy credentials that turned so last, newest first: the first rows of a partial
   * index (migration 026). The ORDER BY names the table's column: the bare name would be the
   * output's COALESCE, which no index holds, so every unhealthy credential would be sorted per
   * page view. (Every unhealthy row has the column: only an UPDATE makes a credential unhealthy,
   * and the trigger stamps it; the COALESCE only types the answer.)
   */
  async recentlyUnhealthy(workspaceId: string, limit: number): Promise<UnhealthyCredentialRow[]> {
    const { rows } = await db.query<UnhealthyCredentialRow>(
      `SELECT id, oauth_app_id, app_kind, zoom_user_id, zoom_account_id, status_reason,
              COALESCE(status_changed_at, created_at) AS status_changed_at
       FROM zoom_oauth_credentials c WHERE workspace_id = $1 AND status = 'unhealthy'
       ORDER BY c.status_changed_at DESC, id DESC LIMIT $2`,
      [workspaceId, limit],
    );
    return rows;
  },
});

export const credentialStoreFactory = (db: Queryable) =>
  credentialQueries(db, tableStore<CredentialRow>(db, { name: TABLE, columns: COLUMNS }));

export type CredentialStore = ReturnType<typeof credentialStoreFactory>;
