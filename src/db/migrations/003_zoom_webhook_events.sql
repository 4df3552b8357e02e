-- Zoom's verified webhook events, stored before Zoom gets its 200 (Zoom gives up after three
-- retries), and processed later by jobs.
CREATE TABLE zoom_webhook_events (
  id uuid PRIMARY KEY,
  workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  oauth_app_id uuid NOT NULL REFERENCES zoom_oauth_apps (id) ON DELETE CASCADE,
  event text NOT NULL,
  -- The body's event_ts: milliseconds, unlike the signature's timestamp header (seconds).
  event_ts bigint,
  -- The body's `payload` object.
  payload jsonb NOT NULL,
  -- SHA-256 of the compact JSON of the body: Zoom retries with the same body (and a new
  -- signature), so a second row for the same hash would be the same event processed twice.
  body_sha256 text NOT NULL,
  received_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  processed_at timestamptz,
  processing_error text,
  CONSTRAINT zoom_webhook_events_body_unique UNIQUE (oauth_app_id, body_sha256)
);
-- Few rows are unprocessed at any time, so partial indexes stay small.
CREATE INDEX zoom_webhook_events_app_unprocessed
  ON zoom_webhook_events (oauth_app_id, received_at, id) WHERE processed_at IS NULL;
CREATE INDEX zoom_webhook_events_unprocessed
  ON zoom_webhook_events (received_at, id) WHERE processed_at IS NULL;
