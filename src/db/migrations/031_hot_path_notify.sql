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

DO $$
DECLARE
  watched text;
BEGIN
  FOREACH watched IN ARRAY ARRAY['workspaces', 'api_keys', 'zoom_token_urls', 'zoom_oauth_apps',
                                 'zoom_oauth_credentials', 'zoom_meeting_mappings'] LOOP
    EXECUTE format(
      'CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON %I
       FOR EACH STATEMENT EXECUTE FUNCTION hostpass_hot_path_notify()',
      watched || '_hot_path_notify', watched);
  END LOOP;
END
$$;
