-- When a meeting event last changed a meeting's mapping for a credential, while a sync of that
-- credential was running. A sync page fetched from Zoom before that moment is older than the
-- event: it skips the meeting instead of undoing the event (a deleted meeting coming back, a
-- transferred meeting returning to its old host). Written in the event's transaction, read in the
-- page's, both under the credential's advisory lock (src/sync/store.ts); a sync deletes its
-- credential's marks when it ends, so the table holds only events that happened during a sync.
CREATE TABLE zoom_meeting_event_marks (
  credential_id uuid NOT NULL REFERENCES zoom_oauth_credentials (id) ON DELETE CASCADE,
  meeting_id bigint NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (credential_id, meeting_id)
);
