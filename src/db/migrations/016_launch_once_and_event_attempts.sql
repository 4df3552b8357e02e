-- Issue 11: a bot is launched exactly once. `launched_at` is set only after the bot runtime accepted
-- the join plan, so a join job retried after a crash (or a runtime error) launches the bot if and
-- only if it is still unset. Bots created before this column have it null: their join jobs are done.
ALTER TABLE bots ADD COLUMN launched_at timestamptz;

-- Issue 11: a Zoom event's processing attempts. `processing_error` holds the last attempt's error
-- while the event waits for its retry; once its retry budget is spent the event is processed with
-- that error (failed) and the events after it on its meeting or user go ahead.
ALTER TABLE zoom_webhook_events ADD COLUMN attempts integer NOT NULL DEFAULT 0;
