// Reads the meeting a person or a bot platform points at: any Zoom join link shape the reference
// lists (../shared/reference/zoom.md "Meeting IDs and URLs"), a zoommtg:// deep link, or a bare
// meeting id. Pure and total: every input gives a reference or an error a person can act on,
// never an exception.

export type MeetingReference =
  | {
      ok: true;
      kind: 'id';
      meetingId: number;
      password: string | null;
      /** The link's host, lower-cased (`us05web.zoom.us`); null for a bare meeting id. */
      host: string | null;
      webinar: boolean;
    }
  | {
      ok: true;
      kind: 'vanity';
      /** A `/my/{name}` personal link, lower-cased: resolved later through the synced names. */
      vanityName: string;
      password: string | null;
      host: string | null;
    };

/** The other side of the parse's Result (src/result.ts). */
export interface MeetingUrlError {
  ok: false;
  error: string;
}

/** Zoom's domains; a host is Zoom's when it is one of these or a subdomain of one. */
export const ZOOM_DOMAINS: readonly string[] = ['zoom.us', 'zoom.com', 'zoomgov.com'];
export const MAX_MEETING_REFERENCE_LENGTH = 2_000;

const LINK_SHAPES = '/j/{id}, /w/{id}, /s/{id}, /wc/join/{id}, /wc/{id}/join or /my/{name}';
// Zoom's personal link names begin with a letter (so they never read as a meeting id) and hold
// letters, digits and periods; Zoom allows 5 to 40 characters, read leniently here.
const VANITY_NAME = /^[a-z][a-z0-9.]{0,63}$/i;
const BARE_ID = /^\d+(?:[ -]\d+)*$/;
const SCHEME = /^([a-z][a-z0-9+.-]*):/i;

const fail = (error: string): MeetingUrlError => ({ ok: false, error });
/** Echoes a piece of the input in an error, cut short: the input may be 2,000 characters. */
const excerpt = (text: string): string => (text.length > 60 ? `${text.slice(0, 60)}…` : text);

export function isMeetingUrlError(
  parsed: MeetingReference | MeetingUrlError,
): parsed is MeetingUrlError {
  return !parsed.ok;
}

export function parseMeetingReference(input: string): MeetingReference | MeetingUrlError {
  if (typeof input !== 'string') return fail('expected a Zoom meeting link or meeting id');
  if (input.length > MAX_MEETING_REFERENCE_LENGTH) {
    return fail(
      `too long: ${input.length.toLocaleString('en-US')} characters, a meeting link has at most 2,000`,
    );
  }
  const text = input.trim();
  if (text === '') return fail('empty: expected a Zoom meeting link or meeting id');
  if (BARE_ID.test(text)) {
    const meetingId = readMeetingId(text.replace(/[ -]/g, ''));
    if (typeof meetingId !== 'number') return meetingId;
    return { ok: true, kind: 'id', meetingId, password: null, host: null, webinar: false };
  }
  return parseLink(text);
}

/** `https://{host}/j/{id}[?pwd={password}]`: the join link Zoom itself hands out. */
export function formatJoinUrl(
  meetingId: number,
  password: string | null,
  host = 'zoom.us',
): string {
  const base = `https://${host}/j/${meetingId}`;
  return password ? `${base}?pwd=${encodeURIComponent(password)}` : base;
}

function parseLink(text: string): MeetingReference | MeetingUrlError {
  const scheme = SCHEME.exec(text)?.[1]?.toLowerCase();
  // `zoom.us:443/j/…` reads as scheme "zoom.us" to a URL parser; only `x://` or a dot-free word
  // before the colon is taken as a scheme, so scheme-less links with a port still work.
  const hasScheme =
    scheme !== undefined && (text.slice(scheme.length).startsWith('://') || !scheme.includes('.'));
  if (hasScheme && scheme !== 'https' && scheme !== 'http' && scheme !== 'zoommtg') {
    return fail(
      `unsupported scheme "${excerpt(scheme)}:": expected an https:// or zoommtg:// link`,
    );
  }
  let url: URL;
  try {
    url = new URL(hasScheme ? text : `https://${text.replace(/^\/\//, '')}`);
  } catch {
    return fail('not a Zoom meeting link or meeting id');
  }
  // Non-special schemes (zoommtg) keep the host as written: compare it lower-cased.
  const host = url.hostname.toLowerCase().replace(/\.$/, '');
  if (!hasScheme && !host.includes('.')) return fail('not a Zoom meeting link or meeting id');
  if (!isZoomHost(host)) return fail(`not a Zoom URL: the host is ${excerpt(host) || '(none)'}`);
  if (url.username || url.password) {
    return fail('not a Zoom meeting link: it has a user name or password before the host');
  }
  const password = queryParam(url, 'pwd');
  return scheme === 'zoommtg' ? readDeepLink(url, host, password) : readPath(url, host, password);
}

function isZoomHost(host: string): boolean {
  // zoommtg:// hosts are not normalised by the URL parser: only plain DNS names count.
  if (!/^[a-z0-9-]+(?:\.[a-z0-9-]+)*$/.test(host)) return false;
  return ZOOM_DOMAINS.some((domain) => host === domain || host.endsWith(`.${domain}`));
}

/** `zoommtg://zoom.us/join?confno={id}&pwd=…`: the desktop client's deep link. */
function readDeepLink(
  url: URL,
  host: string,
  password: string | null,
): MeetingReference | MeetingUrlError {
  if (url.pathname.replace(/\/+$/, '').toLowerCase() !== '/join') {
    return fail(
      `no meeting id in the path "${excerpt(url.pathname)}": zoommtg:// links use /join?confno={id}`,
    );
  }
  const confno = queryParam(url, 'confno');
  if (confno === null) return fail('no meeting id: the zoommtg:// link has no confno');
  const meetingId = readMeetingId(confno);
  if (typeof meetingId !== 'number') return meetingId;
  return { ok: true, kind: 'id', meetingId, password, host, webinar: false };
}

function readPath(
  url: URL,
  host: string,
  password: string | null,
): MeetingReference | MeetingUrlError {
  const segments = url.pathname.split('/').filter((segment) => segment !== '');
  // Keywords compare case-insensitively; ids and names are read as written.
  const [first, second = '', third = ''] = segments;
  const keyword = first?.toLowerCase();
  let idText: string | undefined;
  if (segments.length === 2) {
    if (keyword === 'my') return readVanity(second, host, password);
    // /s/ is the host's start link: same meeting; the start rights (its zak) are not kept.
    if (keyword === 'j' || keyword === 'w' || keyword === 's') idText = second;
  } else if (segments.length === 3 && keyword === 'wc') {
    if (second.toLowerCase() === 'join') idText = third;
    else if (third.toLowerCase() === 'join') idText = second;
  }
  if (idText === undefined) {
    return fail(`no meeting id in the path "${excerpt(url.pathname)}": expected ${LINK_SHAPES}`);
  }
  const meetingId = readMeetingId(idText);
  if (typeof meetingId !== 'number') return meetingId;
  return { ok: true, kind: 'id', meetingId, password, host, webinar: keyword === 'w' };
}

function readVanity(
  segment: string,
  host: string,
  password: string | null,
): MeetingReference | MeetingUrlError {
  const name = safeDecode(segment);
  if (!VANITY_NAME.test(name)) {
    return fail(
      `"${excerpt(name)}" is not a personal link name: it starts with a letter and has only letters, digits and periods`,
    );
  }
  return { ok: true, kind: 'vanity', vanityName: name.toLowerCase(), password, host };
}

/** PMIs have 10 digits, scheduled meetings 11, old meetings 9. */
function readMeetingId(digits: string): number | MeetingUrlError {
  if (!/^\d+$/.test(digits)) {
    return fail(`"${excerpt(digits)}" is not a meeting id: meeting ids are 9 to 11 digits`);
  }
  if (digits.length < 9 || digits.length > 11) {
    return fail(`meeting ids have 9 to 11 digits, ${excerpt(digits)} has ${digits.length}`);
  }
  if (digits.startsWith('0')) return fail(`meeting ids do not start with 0: ${digits}`);
  return Number(digits);
}

/**
 * A query parameter decoded with decodeURIComponent only: unlike URLSearchParams it leaves `+`
 * alone, so a password comes back exactly as Zoom wrote it. Empty means absent.
 */
function queryParam(url: URL, name: string): string | null {
  for (const pair of url.search.slice(1).split('&')) {
    const equals = pair.indexOf('=');
    if (equals === -1 || pair.slice(0, equals) !== name) continue;
    const value = safeDecode(pair.slice(equals + 1));
    return value === '' ? null : value;
  }
  return null;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
