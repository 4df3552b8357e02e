-- Meeting passcodes are secrets (issue 13). Zoom's events stored before this migration lose their
-- passcodes in place, as new ones do before they are stored (zoom/meeting-secrets.ts): passcode
-- fields become "[redacted]", and so do the passcodes (and ZAKs) in links. Nothing that
-- processing reads is touched.
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
