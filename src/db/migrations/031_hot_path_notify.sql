-- Every process answers token requests from memory (src/hot-path/): the API key, and a meeting's
-- credential with its tokens. On a PostgreSQL shared by several processes each must hear of
-- every write that can change those answers, whoever makes it (another process, the CLI, an
-- operator's psql): each statement that makes one NOTIFYs the table's name, delivered only when
-- its transaction commits (PostgreSQL folds repeats of one payload in a transaction into one).
-- Per statement, not per row: a sync's batch costs one.
--
-- Only the writes that matter notify, because PostgreSQL serialises the commits of notifying
-- transactions (through their WAL flush): a new API key or credential changes no cached answer
-- (unknown keys are not cached; a credential is reached through its mappings); deleting a
-- workspace or an app reaches these tables as cascaded deletes, which fire their triggers; a
-- token URL's liveness is not cached on PostgreSQL (its revocation holds at once everywhere).
CREATE FUNCTION hostpass_hot_path_notify() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('hostpass_hot_path', TG_TABLE_NAME);
  RETURN NULL;
END
$$;

CREATE TRIGGER api_keys_hot_path_notify
  AFTER UPDATE OR DELETE OR TRUNCATE ON api_keys
  FOR EACH STATEMENT EXECUTE FUNCTION hostpass_hot_path_notify();
CREATE TRIGGER zoom_oauth_credentials_hot_path_notify
  AFTER UPDATE OR DELETE OR TRUNCATE ON zoom_oauth_credentials
  FOR EACH STATEMENT EXECUTE FUNCTION hostpass_hot_path_notify();
CREATE TRIGGER zoom_meeting_mappings_hot_path_notify
  AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON zoom_meeting_mappings
  FOR EACH STATEMENT EXECUTE FUNCTION hostpass_hot_path_notify();
