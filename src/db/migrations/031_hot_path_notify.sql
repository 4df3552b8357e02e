-- Every process answers token requests from memory (src/hot-path/): the API key, a token URL's
-- liveness, a meeting's credential and its tokens. On a PostgreSQL shared by several processes
-- each must hear of every write to the tables those answers come from, whoever makes it (another
-- process, the CLI, an operator's psql, a cascade): each statement that writes one NOTIFYs the
-- table's name, delivered only when its transaction commits (PostgreSQL folds repeats of one
-- payload in a transaction into one). Per statement, not per row: a sync's batch costs one.
CREATE FUNCTION hostpass_hot_path_notify() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('hostpass_hot_path', TG_TABLE_NAME);
  RETURN NULL;
END
$$;

CREATE TRIGGER workspaces_hot_path_notify
  AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON workspaces
  FOR EACH STATEMENT EXECUTE FUNCTION hostpass_hot_path_notify();
CREATE TRIGGER api_keys_hot_path_notify
  AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON api_keys
  FOR EACH STATEMENT EXECUTE FUNCTION hostpass_hot_path_notify();
CREATE TRIGGER zoom_token_urls_hot_path_notify
  AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON zoom_token_urls
  FOR EACH STATEMENT EXECUTE FUNCTION hostpass_hot_path_notify();
CREATE TRIGGER zoom_oauth_apps_hot_path_notify
  AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON zoom_oauth_apps
  FOR EACH STATEMENT EXECUTE FUNCTION hostpass_hot_path_notify();
CREATE TRIGGER zoom_oauth_credentials_hot_path_notify
  AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON zoom_oauth_credentials
  FOR EACH STATEMENT EXECUTE FUNCTION hostpass_hot_path_notify();
CREATE TRIGGER zoom_meeting_mappings_hot_path_notify
  AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON zoom_meeting_mappings
  FOR EACH STATEMENT EXECUTE FUNCTION hostpass_hot_path_notify();
