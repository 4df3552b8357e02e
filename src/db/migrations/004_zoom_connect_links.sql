-- Hosted Connect flow: a link the customer hands to their end user, who goes through Zoom's
-- consent and lands back on the customer's return_url with a credential id.
CREATE TABLE zoom_connect_links (
  id uuid PRIMARY KEY,
  workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  oauth_app_id uuid NOT NULL REFERENCES zoom_oauth_apps (id) ON DELETE CASCADE,
  -- SHA-256 of the random token in the link's URL; the token itself is never stored.
  link_token_hash text NOT NULL UNIQUE,
  return_url text NOT NULL,
  metadata jsonb NOT NULL DEFAULT '{}',
  -- Set each time the link is opened: the OAuth `state` (hashed) and PKCE verifier for that attempt.
  state_hash text UNIQUE,
  code_verifier_sealed text,
  expires_at timestamptz NOT NULL,
  used_at timestamptz,
  credential_id uuid REFERENCES zoom_oauth_credentials (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX zoom_connect_links_expiry ON zoom_connect_links (expires_at);
