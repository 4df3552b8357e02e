-- Workspaces own every resource; API keys authenticate into exactly one workspace.
CREATE TABLE workspaces (
  id uuid PRIMARY KEY,
  name text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp()
);

CREATE TABLE api_keys (
  id uuid PRIMARY KEY,
  workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  name text NOT NULL,
  -- SHA-256 of the key: keys are 192-bit random values, so a fast hash is enough, and the
  -- unique index makes lookup a single probe with no string comparison in application code.
  key_hash text NOT NULL UNIQUE,
  key_prefix text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX api_keys_workspace ON api_keys (workspace_id, created_at, id);

CREATE TABLE zoom_oauth_apps (
  id uuid PRIMARY KEY,
  workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  kind text NOT NULL CHECK (kind IN ('user_level', 'account_level')),
  client_id text NOT NULL,
  client_secret_sealed text NOT NULL,
  client_secret_last4 text NOT NULL,
  webhook_secret_sealed text NOT NULL,
  webhook_secret_last4 text NOT NULL,
  webhook_last_validation timestamptz,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  -- Two apps with one Zoom client id would share Zoom grants, and re-authorizing through one
  -- would silently kill the other's refresh tokens.
  CONSTRAINT zoom_oauth_apps_client_id_unique UNIQUE (workspace_id, client_id)
);
CREATE INDEX zoom_oauth_apps_listing ON zoom_oauth_apps (workspace_id, created_at, id);

CREATE TABLE zoom_oauth_app_logs (
  id uuid PRIMARY KEY,
  workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  oauth_app_id uuid NOT NULL REFERENCES zoom_oauth_apps (id) ON DELETE CASCADE,
  level text NOT NULL CHECK (level IN ('info', 'warning', 'error')),
  message text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX zoom_oauth_app_logs_listing ON zoom_oauth_app_logs (workspace_id, created_at, id);
CREATE INDEX zoom_oauth_app_logs_app ON zoom_oauth_app_logs (oauth_app_id, created_at, id);
