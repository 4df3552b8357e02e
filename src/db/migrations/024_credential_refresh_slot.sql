-- Each credential's place in creation order (existing ones numbered as they are stored): the
-- background refresh spreads credentials over their refresh period by it (token-timing.ts
-- refreshPhase), so credentials connected or restarted together do not refresh together.
ALTER TABLE zoom_oauth_credentials ADD COLUMN refresh_slot bigserial NOT NULL;
