-- When the grant a credential holds was authorized: at creation, and again each time the Zoom user
-- (account) authorizes the app again and the credential adopts the new grant. A deauthorization
-- from before then was about an earlier grant and must not touch this one.
ALTER TABLE zoom_oauth_credentials ADD COLUMN grant_authorized_at timestamptz;
UPDATE zoom_oauth_credentials SET grant_authorized_at = created_at;
ALTER TABLE zoom_oauth_credentials
  ALTER COLUMN grant_authorized_at SET NOT NULL,
  ALTER COLUMN grant_authorized_at SET DEFAULT clock_timestamp();

-- A Connect link now outlives failed attempts: `used_at` is set only when a credential is
-- committed. Each attempt (one opening of the link) has its own state, claimed once by its
-- callback, and is bound to the browser that started it by a cookie whose SHA-256 is kept here.
ALTER TABLE zoom_connect_links ADD COLUMN state_claimed_at timestamptz;
ALTER TABLE zoom_connect_links ADD COLUMN browser_binding_hash text;

-- Origins a Connect link's return_url may use for this app (null: any, within
-- HOSTPASS_CONNECT_RETURN_ORIGINS when that is set).
ALTER TABLE zoom_oauth_apps ADD COLUMN connect_return_origins text[];
