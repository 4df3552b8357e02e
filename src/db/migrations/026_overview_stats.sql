-- The Overview (GET /api/v2/stats/) reads counters and indexes, never a scan per page view.

-- Per workspace, per hour, per metric ('tokens_minted.zak', 'refreshes.ok', ...): each process
-- adds what it counted since its last flush (src/stats/counters.ts). A few hundred rows per
-- workspace and day; rows older than the retention are deleted by the flusher.
CREATE TABLE workspace_hourly_counters (
  workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  hour timestamptz NOT NULL,
  metric text NOT NULL,
  count bigint NOT NULL,
  PRIMARY KEY (workspace_id, hour, metric)
);
CREATE INDEX workspace_hourly_counters_pruning ON workspace_hourly_counters (hour);

-- Credentials by status and meeting-sync status: an index-only count, no heap visit.
CREATE INDEX zoom_oauth_credentials_status_counts
  ON zoom_oauth_credentials (workspace_id, status, meeting_sync_status);

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
