/**
 * Meeting passcodes in what Zoom sends and what clients give Hostpass. Zoom's meeting events
 * carry them in fields (`password`, `encrypted_password`, `h323_password`, `pstn_password`,
 * `recording_play_passcode`, …) and inside links (`join_url`'s `?pwd=`); a `start_url` carries
 * the host's ZAK (`?zak=`). Hostpass needs none of them to map meetings to hosts, so stored
 * copies of Zoom's events keep none, and a bot's link is stored sealed (bots/store.ts).
 */

/** Fields whose value is a passcode: `password`, `passcode` and every `…_password`/`…_passcode`. */
const SECRET_FIELD = /(?:password|passcode|^pwd)$/i;
/** A link's passcode or ZAK: the value of `pwd=` or `zak=` in a query. */
const SECRET_PARAMETER = /([?&](?:pwd|zak)=)[^&#\s"]*/gi;

export const REDACTED = '[redacted]';

/** `text` with the passcode (and ZAK) of every link in it replaced. */
export function redactLinkSecrets(text: string): string {
  return text.replace(SECRET_PARAMETER, '$1redacted');
}

/**
 * A copy of a JSON object with passcode fields replaced by `[redacted]` and link passcodes
 * removed, at any depth (bodies are depth-limited before they get here).
 */
export function redactMeetingSecrets(
  object: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  // fromEntries defines each key as its own property, `__proto__` included (JSON.parse makes one).
  return Object.fromEntries(
    Object.entries(object).map(([key, item]) => [
      key,
      SECRET_FIELD.test(key) && (typeof item === 'string' || typeof item === 'number')
        ? REDACTED
        : redactValue(item),
    ]),
  );
}

function redactValue(value: unknown): unknown {
  if (typeof value === 'string') return redactLinkSecrets(value);
  if (Array.isArray(value)) return value.map(redactValue);
  if (typeof value !== 'object' || value === null) return value;
  return redactMeetingSecrets(value as Record<string, unknown>);
}
