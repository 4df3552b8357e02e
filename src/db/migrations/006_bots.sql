-- Bots sent to meetings (the Create Bot API): what was asked, the join plan Hostpass built, and
-- the bot's status timeline. Tokens themselves are never stored: the plan names which kinds the
-- bot was given.
CREATE TABLE bots (
  id uuid PRIMARY KEY,
  workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  meeting_url text NOT NULL,
  meeting_id bigint,
  bot_name text NOT NULL,
  join_at timestamptz,
  metadata jsonb NOT NULL DEFAULT '{}',
  variant_zoom text NOT NULL DEFAULT 'web' CHECK (variant_zoom IN ('web', 'web_4_core', 'native')),
  -- The caller's token URLs and user email (`zoom` in the request); URLs may carry secrets.
  zoom_options_sealed text,
  join_plan jsonb,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX bots_listing ON bots (workspace_id, created_at, id);

CREATE TABLE bot_status_changes (
  id uuid PRIMARY KEY,
  -- Reported in order, sometimes within one clock tick: the sequence keeps them in that order.
  seq bigint GENERATED ALWAYS AS IDENTITY,
  bot_id uuid NOT NULL REFERENCES bots (id) ON DELETE CASCADE,
  code text NOT NULL,
  sub_code text,
  message text,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX bot_status_changes_bot ON bot_status_changes (bot_id, seq);
