-- Meeting passcodes are secrets (issue 13). A bot's link is stored with its passcode (`pwd=`)
-- replaced, and in full only sealed, in meeting_url_sealed (opened to answer the API and to join).
ALTER TABLE bots ADD COLUMN meeting_url_sealed text;
-- Links stored in clear before this migration are sealed when Hostpass starts (bots/service.ts);
-- this index finds them, and stays empty afterwards.
CREATE INDEX bots_meeting_url_unsealed ON bots (id)
  WHERE meeting_url_sealed IS NULL AND meeting_url ~* '[?&](pwd|zak)=';
