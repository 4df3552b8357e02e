-- Which host credential owns which meeting. One row per (credential, meeting): the same meeting
-- can be reachable through a user-level and an account-level grant; the lookup picks one by a
-- documented rule (src/sync/store.ts, resolveCredential).
CREATE TABLE zoom_meeting_mappings (
  id uuid PRIMARY KEY,
  workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  credential_id uuid NOT NULL REFERENCES zoom_oauth_credentials (id) ON DELETE CASCADE,
  meeting_id bigint NOT NULL,
  host_user_id text NOT NULL,
  source text NOT NULL CHECK (source IN ('pmi', 'scheduled', 'webhook')),
  created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  synced_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  CONSTRAINT zoom_meeting_mappings_unique UNIQUE (credential_id, meeting_id)
);
CREATE INDEX zoom_meeting_mappings_lookup ON zoom_meeting_mappings (workspace_id, meeting_id);
CREATE INDEX zoom_meeting_mappings_listing ON zoom_meeting_mappings (workspace_id, created_at, id);
CREATE INDEX zoom_meeting_mappings_synced ON zoom_meeting_mappings (workspace_id, synced_at, id);
CREATE INDEX zoom_meeting_mappings_pruning ON zoom_meeting_mappings (credential_id, synced_at);

-- The Zoom users a credential reaches (one for user-level grants, every active user of the
-- account for account-level ones), with what meeting URLs need: the PMI and the vanity name.
CREATE TABLE zoom_hosts (
  credential_id uuid NOT NULL REFERENCES zoom_oauth_credentials (id) ON DELETE CASCADE,
  zoom_user_id text NOT NULL,
  workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  pmi bigint,
  vanity_name text,
  synced_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (credential_id, zoom_user_id)
);
CREATE INDEX zoom_hosts_vanity ON zoom_hosts (workspace_id, lower(vanity_name)) WHERE vanity_name IS NOT NULL;

-- One full sync of a credential's meetings. Progress is committed page by page, so a sync that
-- dies with its process resumes where it stopped instead of starting over.
CREATE TABLE zoom_meeting_syncs (
  id uuid PRIMARY KEY,
  credential_id uuid NOT NULL REFERENCES zoom_oauth_credentials (id) ON DELETE CASCADE,
  status text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'completed', 'failed')),
  phase text NOT NULL DEFAULT 'users' CHECK (phase IN ('users', 'meetings', 'prune')),
  users_page_token text,
  -- The host whose meetings are being listed, the meeting-list type and page within it.
  current_host text,
  meeting_type text,
  meetings_page_token text,
  users_seen integer NOT NULL DEFAULT 0,
  meetings_seen integer NOT NULL DEFAULT 0,
  zoom_calls integer NOT NULL DEFAULT 0,
  rate_limit_waits integer NOT NULL DEFAULT 0,
  error text,
  -- Whoever runs a step holds the lease; an expired lease means the runner died.
  lease_until timestamptz,
  started_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  finished_at timestamptz
);
CREATE UNIQUE INDEX zoom_meeting_syncs_one_running ON zoom_meeting_syncs (credential_id) WHERE status = 'running';

-- Zoom's rate limits are per Zoom account and category, shared by every app and process: the
-- next free slot per (account, category) lives here, so all Hostpass processes share one budget.
CREATE TABLE zoom_rate_limits (
  zoom_account_id text NOT NULL,
  category text NOT NULL,
  next_slot_at timestamptz NOT NULL,
  PRIMARY KEY (zoom_account_id, category)
);
