-- Meetings no sync had seen, found at Zoom when a bot asked for them (GET /meetings/{id} with an
-- account-level grant): stored like any other mapping, with their own source so users see how
-- Hostpass learnt of them. The next full sync of the credential takes them over (or prunes them).
ALTER TABLE zoom_meeting_mappings DROP CONSTRAINT zoom_meeting_mappings_source_check;
ALTER TABLE zoom_meeting_mappings ADD CONSTRAINT zoom_meeting_mappings_source_check
  CHECK (source IN ('pmi', 'scheduled', 'webhook', 'lookup'));
