-- A token URL's liveness is answered from memory too (src/hot-path/): each process remembers the
-- sets it has seen live, and hears of a revocation through the hot path's channel (migration
-- 031's function: the table's name, delivered when the transaction commits), within
-- milliseconds on every process, as a deleted API key is.
--
-- Only deletions of rows that are still live notify: the expired rows every new set prunes are
-- refused by their URL's signed expiry before the row is ever read, and a notifying transaction
-- serialises its commit with the others' (031), which a set's creation must not pay. A cascaded
-- delete (a workspace's) fires this trigger per row; PostgreSQL folds the repeats into one.
CREATE TRIGGER zoom_token_urls_hot_path_notify
  AFTER DELETE ON zoom_token_urls
  FOR EACH ROW WHEN (OLD.expires_at > now())
  EXECUTE FUNCTION hostpass_hot_path_notify();
-- Nothing in Hostpass updates or truncates these rows; an operator who does is heard too.
CREATE TRIGGER zoom_token_urls_hot_path_notify_all
  AFTER UPDATE OR TRUNCATE ON zoom_token_urls
  FOR EACH STATEMENT EXECUTE FUNCTION hostpass_hot_path_notify();
