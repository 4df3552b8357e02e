-- When each API key was shown to someone. Every way of creating a key answers with it, except the
-- first key `serve` generates on an empty store: that one is printed on the terminal only after the
-- server listens, so it is inserted unshown and marked once printed. A workspace none of whose keys
-- was ever shown (the process died in between) gets a hint at every start. Keys that exist already
-- were made by earlier versions, which cannot tell: they count as shown.
ALTER TABLE api_keys ADD COLUMN shown_at timestamptz DEFAULT now();
ALTER TABLE api_keys ALTER COLUMN shown_at SET DEFAULT clock_timestamp();

-- The Zoom user behind a credential (the one who authorized it), as Zoom's /users/me names them,
-- so people read names instead of Zoom user ids. Filled at connect and on every sync, refreshed by
-- user.updated events; null until then for credentials made by earlier versions.
ALTER TABLE zoom_oauth_credentials ADD COLUMN zoom_user_email text;
ALTER TABLE zoom_oauth_credentials ADD COLUMN zoom_user_display_name text;
