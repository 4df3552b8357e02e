-- Outgoing events (Standard Webhooks): endpoints a workspace registers, the events Hostpass
-- emits (written in the transaction of the change that causes them: a transactional outbox)
-- and one delivery per event and endpoint, retried on a schedule.
CREATE TABLE webhook_endpoints (
  id uuid PRIMARY KEY,
  workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  url text NOT NULL,
  description text NOT NULL DEFAULT '',
  -- NULL: every event type.
  event_types text[],
  disabled boolean NOT NULL DEFAULT false,
  disabled_reason text,
  secret_sealed text NOT NULL,
  -- After a rotation the previous secret signs too, until previous_secret_expires_at.
  previous_secret_sealed text,
  previous_secret_expires_at timestamptz,
  -- The first failed attempt since the last success: 5 days of failing disables the endpoint.
  failing_since timestamptz,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX webhook_endpoints_listing ON webhook_endpoints (workspace_id, created_at, id);

-- The last sequence number of each credential's (bot's) events; kept apart from the events so
-- that deleting old events never restarts a sequence, and its row lock orders concurrent events.
CREATE TABLE outgoing_event_sequences (
  subject_id uuid PRIMARY KEY,
  last_sequence bigint NOT NULL
);

CREATE TABLE outgoing_events (
  id uuid PRIMARY KEY,
  workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  type text NOT NULL,
  -- The exact JSON body delivered: {type, timestamp, data}.
  body text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX outgoing_events_created ON outgoing_events (created_at);

CREATE TABLE webhook_deliveries (
  id uuid PRIMARY KEY,
  workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  endpoint_id uuid NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
  event_id uuid NOT NULL REFERENCES outgoing_events (id) ON DELETE CASCADE,
  event_type text NOT NULL,
  -- The webhook-id header: the same on every attempt, so receivers can deduplicate.
  webhook_id text NOT NULL,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
  attempts integer NOT NULL DEFAULT 0,
  response_status integer,
  response_body text,
  duration_ms integer,
  error text,
  last_attempt_at timestamptz,
  next_attempt_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX webhook_deliveries_listing ON webhook_deliveries (endpoint_id, created_at, id);
CREATE INDEX webhook_deliveries_event ON webhook_deliveries (event_id);
