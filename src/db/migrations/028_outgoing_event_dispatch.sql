-- Outgoing events are dispatched from their delivery rows, not from a job per attempt: the
-- transaction of a change only inserts its event and deliveries (one statement), and each
-- process's dispatcher claims the due ones (src/events/dispatcher.ts).

-- Until when a process is attempting the delivery; a claim past it (the process died) is free.
ALTER TABLE webhook_deliveries ADD COLUMN claimed_until timestamptz;

-- What the dispatcher looks for: pending deliveries by when they are due.
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
