-- GET /api/v2/zoom-webhook-events/ (and the app page's table, filtered by app) in its order,
-- newest first by (received_at, id), from one index range: without them each page sorted every
-- event of the workspace (or of the app, through the dedup constraint), 30 days of a fleet's
-- events per page view (issue 17). Migration 008 dropped two indexes from this table for the
-- insert path's sake; these two are what the list reads. Neither covers a column an update
-- changes, so marking an event processed stays a HOT update. `status=failed` reads the partial
-- index below (rare rows: an error was recorded). `processed` is nearly every row, found at once
-- in the listing order; `pending` has no index of its own (one on processed_at would make every
-- "mark processed" a non-HOT update on the processing path): pending events are the newest, at
-- the start of the range, but a page that finds fewer than it asks for walks the range.
CREATE INDEX zoom_webhook_events_listing ON zoom_webhook_events (workspace_id, received_at, id);
CREATE INDEX zoom_webhook_events_by_app ON zoom_webhook_events (oauth_app_id, received_at, id);
CREATE INDEX zoom_webhook_events_with_error
  ON zoom_webhook_events (workspace_id, received_at, id) WHERE processing_error IS NOT NULL;

-- The mapping list's `kind` filter (GET /api/v2/zoom-meetings-to-credentials/?kind=webinar): the
-- webinars are a few among a fleet's meetings, so they get their own small ranges in both of the
-- list's orders; `kind=meeting` is nearly every row, found at once in the listing indexes.
CREATE INDEX zoom_meeting_mappings_webinars
  ON zoom_meeting_mappings (workspace_id, created_at, id) WHERE kind = 'webinar';
CREATE INDEX zoom_meeting_mappings_webinars_synced
  ON zoom_meeting_mappings (workspace_id, synced_at, id) WHERE kind = 'webinar';
