CREATE TABLE zoom_oauth_credentials (
  id uuid PRIMARY KEY,
  workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  oauth_app_id uuid NOT NULL REFERENCES zoom_oauth_apps (id) ON DELETE CASCADE,
  -- Copied from the app (which cannot change kind) so the uniqueness rules below can be indexes.
  app_kind text NOT NULL CHECK (app_kind IN ('user_level', 'account_level')),
  zoom_user_id text NOT NULL,
  zoom_account_id text NOT NULL,
  status text NOT NULL DEFAULT 'healthy' CHECK (status IN ('healthy', 'unhealthy')),
  status_reason text,
  scopes text[] NOT NULL DEFAULT '{}',
  -- Customer-managed OAuth: the URL Hostpass GETs for a token (it usually carries a secret).
  access_token_callback_url_sealed text,
  -- What the API shows of it: query values and credentials masked.
  access_token_callback_url_display text,
  access_token_sealed text,
  access_token_expires_at timestamptz,
  access_token_lifetime_seconds integer,
  refresh_token_sealed text,
  tokens_refreshed_at timestamptz,
  -- Set when a refresh request got no answer: Zoom may have rotated the refresh token anyway.
  refresh_in_doubt_since timestamptz,
  -- After a transient refresh failure, callers do not retry before this (no storm on a sick Zoom).
  refresh_retry_at timestamptz,
  meeting_sync_status text NOT NULL DEFAULT 'not_started'
    CHECK (meeting_sync_status IN ('not_started', 'in_progress', 'completed', 'failed')),
  created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  CHECK ((refresh_token_sealed IS NULL) OR (access_token_callback_url_sealed IS NULL))
);

-- One credential per (app, Zoom user) for user-level apps and per (app, Zoom account) for
-- account-level apps. Indexes, not check-then-insert: two concurrent creations cannot both win.
CREATE UNIQUE INDEX zoom_oauth_credentials_user_unique
  ON zoom_oauth_credentials (oauth_app_id, zoom_user_id) WHERE app_kind = 'user_level';
CREATE UNIQUE INDEX zoom_oauth_credentials_account_unique
  ON zoom_oauth_credentials (oauth_app_id, zoom_account_id) WHERE app_kind = 'account_level';
CREATE INDEX zoom_oauth_credentials_listing ON zoom_oauth_credentials (workspace_id, created_at, id);

CREATE TABLE zoom_oauth_credential_logs (
  id uuid PRIMARY KEY,
  workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  credential_id uuid NOT NULL REFERENCES zoom_oauth_credentials (id) ON DELETE CASCADE,
  level text NOT NULL CHECK (level IN ('info', 'warning', 'error')),
  message text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX zoom_oauth_credential_logs_listing ON zoom_oauth_credential_logs (workspace_id, created_at, id);
CREATE INDEX zoom_oauth_credential_logs_credential ON zoom_oauth_credential_logs (credential_id, created_at, id);
