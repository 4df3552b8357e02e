-- Meeting passcodes are secrets (issue 13). A bot's link is stored with its passcode (`pwd=`)
-- replaced, and in full only sealed, in meeting_url_sealed (opened to answer the API and to join).
ALTER TABLE bots ADD COLUMN meeting_url_sealed text;
-- Links stored in clear before this migration are sealed when Hostpass starts (bots/service.ts);
-- this index finds them, and stays empty afterwards.
CREATE INDEX bots_meeting_url_unsealed ON bots (id)
  WHERE meeting_url_sealed IS NULL AND meeting_url ~* '[?&](pwd|zak)=';

-- Zoom's events stored before this migration lose their passcodes in place, as new ones do before
-- they are stored (zoom/meeting-secrets.ts): passcode fields become "[redacted]", and so do the
-- passcodes (and ZAKs) in links. Nothing processing reads is touched.
UPDATE zoom_webhook_events
SET payload = regexp_replace(
  regexp_replace(
    payload::text,
    '("(?:pwd|[A-Za-z0-9_]*(?:password|passcode))": )(?:"(?:[^"\\]|\\.)*"|-?[0-9][0-9.eE+-]*)',
    '\1"[redacted]"',
    'gi'
  ),
  '([?&](?:pwd|zak)=)[^&#"\\[:space:]]*',
  '\1redacted',
  'gi'
)::jsonb
WHERE payload::text ~* '(password|passcode)"|[?&](pwd|zak)=';
