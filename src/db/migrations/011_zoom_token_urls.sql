-- Token URLs (POST /api/v2/zoom-token-urls/): the signature carries every claim; a row says the
-- set of URLs is still live. DELETE removes the row, and every process refuses the URLs at once
-- (each use looks the id up by primary key). Rows past their expiry are removed as new sets are
-- made, so the table holds about as many rows as there are live URL sets.
CREATE TABLE zoom_token_urls (
  id uuid PRIMARY KEY,
  workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  meeting_id bigint NOT NULL,
  expires_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX zoom_token_urls_expiry ON zoom_token_urls (expires_at);
