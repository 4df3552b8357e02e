-- The Overview (GET /api/v2/stats/) reads counters and indexes, never a scan per page view.

-- Per workspace, per hour, per metric ('tokens_minted.zak', 'refreshes.ok', ...): each process
-- adds what it counted since its last flush (src/stats/counters.ts). A few hundred rows per
-- workspace and day; hours past the retention (7 days) are deleted by the stats housekeeping.
CREATE TABLE workspace_hourly_counters (
  workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  hour timestamptz NOT NULL,
  metric text NOT NULL,
  count bigint NOT NULL,
  PRIMARY KEY (workspace_id, hour, metric)
);
CREATE INDEX workspace_hourly_counters_pruning ON workspace_hourly_counters (hour);

-- Credentials per (workspace, status, meeting-sync status), maintained by triggers. Counting the
-- credentials table itself costs a scan of 100,000 index entries per page view, and far more
-- right after an hour of refreshes has rewritten every row (bench/stats.ts). The triggers only
-- ever INSERT signed deltas: no row is updated in place, so no two transactions wait on (or
-- deadlock over) a shared counter row. The sum per group is the count; src/credentials/store.ts
-- folds the deltas into one row per group now and then (compactStatusCounts).
CREATE TABLE credential_status_counts (
  workspace_id uuid NOT NULL,
  status text NOT NULL,
  meeting_sync_status text NOT NULL,
  count bigint NOT NULL
);
CREATE INDEX credential_status_counts_workspace ON credential_status_counts (workspace_id);

INSERT INTO credential_status_counts (workspace_id, status, meeting_sync_status, count)
SELECT workspace_id, status, meeting_sync_status, count(*)
FROM zoom_oauth_credentials GROUP BY workspace_id, status, meeting_sync_status;

-- Statement-level for inserts and deletes: a bulk insert or a workspace's deletion adds one row per group.
CREATE FUNCTION credential_status_counts_inserted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO credential_status_counts (workspace_id, status, meeting_sync_status, count)
  SELECT workspace_id, status, meeting_sync_status, count(*)
  FROM inserted_rows GROUP BY workspace_id, status, meeting_sync_status;
  RETURN NULL;
END
$$;
CREATE TRIGGER zoom_oauth_credentials_counted_insert
  AFTER INSERT ON zoom_oauth_credentials REFERENCING NEW TABLE AS inserted_rows
  FOR EACH STATEMENT EXECUTE FUNCTION credential_status_counts_inserted();

CREATE FUNCTION credential_status_counts_deleted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO credential_status_counts (workspace_id, status, meeting_sync_status, count)
  SELECT workspace_id, status, meeting_sync_status, -count(*)
  FROM deleted_rows GROUP BY workspace_id, status, meeting_sync_status;
  RETURN NULL;
END
$$;
CREATE TRIGGER zoom_oauth_credentials_counted_delete
  AFTER DELETE ON zoom_oauth_credentials REFERENCING OLD TABLE AS deleted_rows
  FOR EACH STATEMENT EXECUTE FUNCTION credential_status_counts_deleted();

-- Row-level for updates, and only when a counted column changed: a token refresh costs nothing.
CREATE FUNCTION credential_status_counts_moved() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO credential_status_counts (workspace_id, status, meeting_sync_status, count)
  VALUES (OLD.workspace_id, OLD.status, OLD.meeting_sync_status, -1),
         (NEW.workspace_id, NEW.status, NEW.meeting_sync_status, 1);
  RETURN NULL;
END
$$;
CREATE TRIGGER zoom_oauth_credentials_counted_update
  AFTER UPDATE OF status, meeting_sync_status, workspace_id ON zoom_oauth_credentials
  FOR EACH ROW
  WHEN (OLD.status IS DISTINCT FROM NEW.status
        OR OLD.meeting_sync_status IS DISTINCT FROM NEW.meeting_sync_status
        OR OLD.workspace_id IS DISTINCT FROM NEW.workspace_id)
  EXECUTE FUNCTION credential_status_counts_moved();

-- When the credential last changed status: the Overview lists the most recent to turn unhealthy.
ALTER TABLE zoom_oauth_credentials ADD COLUMN status_changed_at timestamptz;

-- Credentials unhealthy before this migration: their latest error log line is when it happened.
UPDATE zoom_oauth_credentials c
SET status_changed_at = COALESCE(
  (SELECT max(l.created_at) FROM zoom_oauth_credential_logs l
   WHERE l.credential_id = c.id AND l.level = 'error'),
  c.created_at)
WHERE c.status = 'unhealthy';

CREATE INDEX zoom_oauth_credentials_recently_unhealthy
  ON zoom_oauth_credentials (workspace_id, status_changed_at DESC, id DESC)
  WHERE status = 'unhealthy';

-- The trigger of migration 009 already sees every status update, from any code (also a process
-- of the previous version during a rolling upgrade): it stamps the change as well.
CREATE OR REPLACE FUNCTION zoom_oauth_credentials_count_status_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  NEW.status_version := OLD.status_version + 1;
  IF NEW.status IS DISTINCT FROM OLD.status THEN
    NEW.status_changed_at := clock_timestamp();
  END IF;
  RETURN NEW;
END
$$;
