-- Nothing reads these: events are processed by id (their job names the row). Every stored Zoom
-- event paid for both indexes on insert, on the webhook endpoint's hot path.
DROP INDEX IF EXISTS zoom_webhook_events_app_unprocessed;
DROP INDEX IF EXISTS zoom_webhook_events_unprocessed;
