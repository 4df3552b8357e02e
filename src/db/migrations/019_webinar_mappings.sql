-- Webinars live in the same table as meetings: their ids share Zoom's number space, and every
-- token path resolves an id the same way. `kind` says which Zoom endpoints serve the id
-- (/meetings/{id}/… or /webinars/{id}/…).
ALTER TABLE zoom_meeting_mappings
  ADD COLUMN kind text NOT NULL DEFAULT 'meeting' CHECK (kind IN ('meeting', 'webinar'));
