-- Attendee (open-source bot runtime) projects whose bots fetch their Zoom tokens from Hostpass
-- through `callback_settings.zoom_tokens_url`. The signing secret is Attendee's, sealed like every
-- other secret. `url_key` makes the callback URL unguessable; it is no credential (Attendee's
-- signature authenticates each request), so it is kept in the clear and shown with the URL.
CREATE TABLE attendee_integrations (
  id uuid PRIMARY KEY,
  workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  signing_secret_sealed text NOT NULL,
  signing_secret_last4 text NOT NULL,
  obf_user_metadata_key text NOT NULL,
  zak_user_metadata_key text NOT NULL,
  accept_legacy_signatures boolean NOT NULL,
  url_key text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX attendee_integrations_listing ON attendee_integrations (workspace_id, created_at, id);
