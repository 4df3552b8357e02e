-- Counts status changes, so a change decided on an earlier read (validate turning a credential
-- healthy again after its Zoom calls) applies only if no other status change came in between
-- (e.g. Zoom's app_deauthorized arriving while validate was calling Zoom).
ALTER TABLE zoom_oauth_credentials ADD COLUMN status_version integer NOT NULL DEFAULT 0;

-- The one place that counts: every UPDATE that sets the status or its reason, from any code
-- (also a process of the previous version during a rolling upgrade, which knows no version).
CREATE FUNCTION zoom_oauth_credentials_count_status_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  NEW.status_version := OLD.status_version + 1;
  RETURN NEW;
END
$$;

CREATE TRIGGER zoom_oauth_credentials_status_version
  BEFORE UPDATE OF status, status_reason ON zoom_oauth_credentials
  FOR EACH ROW EXECUTE FUNCTION zoom_oauth_credentials_count_status_change();
