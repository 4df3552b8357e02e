-- Counts status changes, so a change decided on an earlier read (validate turning a credential
-- healthy again after its Zoom calls) applies only if no other status change came in between
-- (e.g. Zoom's app_deauthorized arriving while validate was calling Zoom).
ALTER TABLE zoom_oauth_credentials ADD COLUMN status_version integer NOT NULL DEFAULT 0;
