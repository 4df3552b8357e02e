import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  formatJoinUrl,
  isMeetingUrlError,
  MAX_MEETING_REFERENCE_LENGTH,
  type MeetingReference,
  parseMeetingReference,
  ZOOM_DOMAINS,
} from './meeting-url.ts';

const PWD = 'aBcD1234eFgH5678';

const meeting = (
  meetingId: number,
  fields: Partial<{ password: string | null; host: string | null; webinar: boolean }> = {},
): MeetingReference => ({
  ok: true,
  kind: 'id',
  meetingId,
  password: null,
  host: 'zoom.us',
  webinar: false,
  ...fields,
});

describe('parseMeetingReference: accepted shapes', () => {
  it.each<[string, string, MeetingReference]>([
    [
      '/j/ with pwd',
      `https://zoom.us/j/85012345678?pwd=${PWD}`,
      meeting(85012345678, { password: PWD }),
    ],
    [
      'pwd ending in .{digits}, kept whole',
      `https://zoom.us/j/85012345678?pwd=${PWD}.1`,
      meeting(85012345678, { password: `${PWD}.1` }),
    ],
    ['/j/ without pwd', 'https://zoom.us/j/85012345678', meeting(85012345678)],
    ['empty pwd means none', 'https://zoom.us/j/85012345678?pwd=', meeting(85012345678)],
    [
      'other query parameters and a fragment',
      `https://zoom.us/j/85012345678?uname=Bot&pwd=${PWD}#success`,
      meeting(85012345678, { password: PWD }),
    ],
    ['trailing slash', 'https://zoom.us/j/85012345678/', meeting(85012345678)],
    ['10-digit PMI', 'https://zoom.us/j/4151234567', meeting(4151234567)],
    ['9-digit old meeting', 'https://zoom.us/j/123456789', meeting(123456789)],
    [
      'regional subdomain',
      `https://us05web.zoom.us/j/85012345678?pwd=${PWD}`,
      meeting(85012345678, { password: PWD, host: 'us05web.zoom.us' }),
    ],
    [
      'vanity subdomain',
      'https://acme.zoom.us/j/85012345678',
      meeting(85012345678, { host: 'acme.zoom.us' }),
    ],
    ['zoom.com', 'https://zoom.com/j/85012345678', meeting(85012345678, { host: 'zoom.com' })],
    [
      'zoom.com subdomain',
      'https://app.zoom.com/j/85012345678',
      meeting(85012345678, { host: 'app.zoom.com' }),
    ],
    [
      'zoomgov.com',
      `https://zoomgov.com/j/1601234567?pwd=${PWD}`,
      meeting(1601234567, { password: PWD, host: 'zoomgov.com' }),
    ],
    [
      'zoomgov.com subdomain',
      'https://agency.zoomgov.com/j/1601234567',
      meeting(1601234567, { host: 'agency.zoomgov.com' }),
    ],
    [
      '/w/ webinar with tk',
      `https://zoom.us/w/91234567890?tk=abc.DEF-123&pwd=${PWD}`,
      meeting(91234567890, { password: PWD, webinar: true }),
    ],
    ['/s/ start link', 'https://zoom.us/s/85012345678?zak=eyJzZ', meeting(85012345678)],
    [
      '/wc/join/',
      `https://zoom.us/wc/join/85012345678?pwd=${PWD}`,
      meeting(85012345678, { password: PWD }),
    ],
    [
      '/wc/{id}/join',
      'https://us02web.zoom.us/wc/85012345678/join',
      meeting(85012345678, {
        host: 'us02web.zoom.us',
      }),
    ],
    [
      'zoommtg:// deep link',
      `zoommtg://zoom.us/join?action=join&confno=85012345678&pwd=${PWD}`,
      meeting(85012345678, { password: PWD }),
    ],
    [
      'zoommtg:// on a regional host',
      'zoommtg://us05web.zoom.us/join?confno=85012345678',
      meeting(85012345678, { host: 'us05web.zoom.us' }),
    ],
    ['http://', 'http://zoom.us/j/85012345678', meeting(85012345678)],
    ['no scheme', `zoom.us/j/85012345678?pwd=${PWD}`, meeting(85012345678, { password: PWD })],
    [
      'no scheme, regional host',
      'us05web.zoom.us/j/85012345678',
      meeting(85012345678, { host: 'us05web.zoom.us' }),
    ],
    ['no scheme with a port', 'zoom.us:443/j/85012345678', meeting(85012345678)],
    ['upper case host and keyword', 'HTTPS://ZOOM.US/J/85012345678', meeting(85012345678)],
    ['surrounding whitespace', '  https://zoom.us/j/85012345678 \n', meeting(85012345678)],
    ['trailing dot in host', 'https://zoom.us./j/85012345678', meeting(85012345678)],
    [
      'percent-encoded pwd is decoded, + kept',
      'https://zoom.us/j/85012345678?pwd=ab%2Ecd+1',
      meeting(85012345678, { password: 'ab.cd+1' }),
    ],
    ['bare id', '85012345678', meeting(85012345678, { host: null })],
    ['bare id with spaces', '850 1234 5678', meeting(85012345678, { host: null })],
    ['bare id with dashes', '850-1234-5678', meeting(85012345678, { host: null })],
    ['bare PMI with spaces', '415 123 4567', meeting(4151234567, { host: null })],
  ])('%s: %s', (_name, input, expected) => {
    expect(parseMeetingReference(input)).toEqual(expected);
  });

  it.each<[string, string, MeetingReference]>([
    [
      'zoom.us',
      'https://zoom.us/my/jane.doe',
      { ok: true, kind: 'vanity', vanityName: 'jane.doe', password: null, host: 'zoom.us' },
    ],
    [
      'subdomain, mixed case, with pwd',
      `https://acme.zoom.us/my/JaneDoe?pwd=${PWD}`,
      { ok: true, kind: 'vanity', vanityName: 'janedoe', password: PWD, host: 'acme.zoom.us' },
    ],
    [
      'no scheme, digits after the first letter',
      'zoom.us/my/room42',
      { ok: true, kind: 'vanity', vanityName: 'room42', password: null, host: 'zoom.us' },
    ],
  ])('/my/{vanity} (%s): %s', (_name, input, expected) => {
    expect(parseMeetingReference(input)).toEqual(expected);
  });
});

describe('parseMeetingReference: refusals', () => {
  it.each<[string, string, string | RegExp]>([
    ['empty', '', /^empty/],
    ['blank', '   \t', /^empty/],
    ['junk', 'hello world', 'not a Zoom meeting link or meeting id'],
    ['a word', 'hello', 'not a Zoom meeting link or meeting id'],
    ['other host', 'https://example.com/j/85012345678', 'not a Zoom URL: the host is example.com'],
    [
      'zoom.us as a subdomain of another host',
      'https://zoom.us.evil.com/j/85012345678',
      'not a Zoom URL: the host is zoom.us.evil.com',
    ],
    ['zoom.us as a suffix of a label', 'https://evilzoom.us/j/85012345678', /host is evilzoom\.us/],
    ['zoom.com lookalike', 'https://zoom.com.evil.io/j/85012345678', /host is zoom\.com\.evil\.io/],
    ['no-scheme lookalike', 'zoom.us.evil.com/j/85012345678', /host is zoom\.us\.evil\.com/],
    ['user info hiding the host', 'https://zoom.us@evil.com/j/85012345678', /host is evil\.com/],
    ['user info before a Zoom host', 'https://evil.com@zoom.us/j/85012345678', /user name/],
    ['IDN lookalike', 'https://zооm.us/j/85012345678', /not a Zoom URL/],
    [
      'ftp',
      'ftp://zoom.us/j/85012345678',
      'unsupported scheme "ftp:": expected an https:// or zoommtg:// link',
    ],
    ['javascript:', 'javascript:alert(1)', /unsupported scheme "javascript:"/],
    ['zoommtg on another host', 'zoommtg://evil.com/join?confno=85012345678', /host is evil\.com/],
    [
      'zoommtg host with escapes',
      'zoommtg://evil.com%2f.zoom.us/join?confno=85012345678',
      /not a Zoom URL/,
    ],
    ['no path', 'https://zoom.us', /^no meeting id in the path/],
    ['unknown path', 'https://zoom.us/meeting/85012345678', /^no meeting id in the path/],
    ['/j/ without id', 'https://zoom.us/j/', /^no meeting id in the path/],
    ['extra segment', 'https://zoom.us/j/85012345678/extra', /^no meeting id in the path/],
    ['/wc/ without join', 'https://zoom.us/wc/85012345678/leave', /^no meeting id in the path/],
    ['zoommtg without confno', 'zoommtg://zoom.us/join?pwd=abc', /no confno/],
    ['zoommtg other action', 'zoommtg://zoom.us/start?confno=85012345678', /^no meeting id/],
    ['8 digits', 'https://zoom.us/j/12345678', 'meeting ids have 9 to 11 digits, 12345678 has 8'],
    ['12 digits', 'https://zoom.us/j/123456789012', /9 to 11 digits, 123456789012 has 12/],
    ['bare 8 digits', '1234 5678', /9 to 11 digits/],
    ['bare 12 digits', '1234-5678-9012', /9 to 11 digits/],
    ['leading zero', 'https://zoom.us/j/0123456789', /do not start with 0/],
    ['letters in the id', 'https://zoom.us/j/85012abc678', /is not a meeting id/],
    ['confno not digits', 'zoommtg://zoom.us/join?confno=abc', /is not a meeting id/],
    ['vanity starting with a digit', 'https://zoom.us/my/4151234567', /not a personal link name/],
    ['vanity with odd characters', 'https://zoom.us/my/jane%20doe', /not a personal link name/],
  ])('%s: %s', (_name, input, reason) => {
    const parsed = parseMeetingReference(input);
    expect(isMeetingUrlError(parsed)).toBe(true);
    if (typeof reason === 'string') expect(parsed).toEqual({ ok: false, error: reason });
    else expect((parsed as { error: string }).error).toMatch(reason);
  });

  it('accepts up to 2,000 characters and refuses longer input', () => {
    const padded = 'https://zoom.us/j/85012345678?x='.padEnd(MAX_MEETING_REFERENCE_LENGTH, 'a');
    expect(parseMeetingReference(padded)).toEqual(meeting(85012345678));
    expect(parseMeetingReference(`${padded}a`)).toEqual({
      ok: false,
      error: 'too long: 2,001 characters, a meeting link has at most 2,000',
    });
  });
});

describe('formatJoinUrl', () => {
  it("writes Zoom's join link", () => {
    expect(formatJoinUrl(85012345678, PWD)).toBe(`https://zoom.us/j/85012345678?pwd=${PWD}`);
    expect(formatJoinUrl(85012345678, null)).toBe('https://zoom.us/j/85012345678');
    expect(formatJoinUrl(85012345678, null, 'acme.zoom.us')).toBe(
      'https://acme.zoom.us/j/85012345678',
    );
  });
});

// --- Properties -------------------------------------------------------------------------------

const meetingIds = fc.stringMatching(/^[1-9]\d{8,10}$/).map(Number);
const passwords = fc.stringMatching(/^[A-Za-z0-9]{1,32}(\.\d{1,3})?$/);
const labels = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,14}[a-z0-9])?$/);
const zoomHosts = fc
  .tuple(fc.option(labels, { nil: undefined }), fc.constantFrom(...ZOOM_DOMAINS))
  .map(([sub, domain]) => (sub ? `${sub}.${domain}` : domain));

type Shape = (id: number, pwd: string, host: string) => string;
const SHAPES: Record<string, { link: Shape; webinar: boolean }> = {
  j: { link: (id, pwd, host) => formatJoinUrl(id, pwd, host), webinar: false },
  w: { link: (id, pwd, host) => `https://${host}/w/${id}?tk=t0k&pwd=${pwd}`, webinar: true },
  s: { link: (id, pwd, host) => `https://${host}/s/${id}?pwd=${pwd}`, webinar: false },
  wcJoin: { link: (id, pwd, host) => `https://${host}/wc/join/${id}?pwd=${pwd}`, webinar: false },
  wcIdJoin: { link: (id, pwd, host) => `https://${host}/wc/${id}/join?pwd=${pwd}`, webinar: false },
  zoommtg: {
    link: (id, pwd, host) => `zoommtg://${host}/join?action=join&confno=${id}&pwd=${pwd}`,
    webinar: false,
  },
  noScheme: { link: (id, pwd, host) => `${host}/j/${id}?pwd=${pwd}`, webinar: false },
  http: { link: (id, pwd, host) => `http://${host}/j/${id}?pwd=${pwd}`, webinar: false },
};

describe('parseMeetingReference: properties', () => {
  it('round-trips the id and password of every link shape on every Zoom host', () => {
    fc.assert(
      fc.property(
        meetingIds,
        passwords,
        zoomHosts,
        fc.constantFrom(...Object.keys(SHAPES)),
        (id, pwd, host, shapeName) => {
          const shape = SHAPES[shapeName];
          if (!shape) throw new Error(shapeName);
          expect(parseMeetingReference(shape.link(id, pwd, host))).toEqual({
            ok: true,
            kind: 'id',
            meetingId: id,
            password: pwd,
            host,
            webinar: shape.webinar,
          });
        },
      ),
    );
  });

  it('reads a bare id however its digits are grouped', () => {
    fc.assert(
      fc.property(
        meetingIds,
        fc.array(fc.constantFrom(' ', '-', ''), { minLength: 11, maxLength: 11 }),
        (id, seps) => {
          const grouped = [...String(id)].map(
            (digit, index) => `${index ? seps[index] : ''}${digit}`,
          );
          expect(parseMeetingReference(grouped.join(''))).toEqual(meeting(id, { host: null }));
        },
      ),
    );
  });

  it('refuses ids outside 9 to 11 digits', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[1-9](\d{0,7}|\d{11,20})$/), (digits) => {
        expect(parseMeetingReference(`https://zoom.us/j/${digits}`)).toEqual({
          ok: false,
          error: `meeting ids have 9 to 11 digits, ${digits} has ${digits.length}`,
        });
      }),
    );
  });

  it('never throws: any string gives a reference or an error', () => {
    const inputs = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 300 }),
      fc.webUrl({ withQueryParameters: true, withFragments: true }),
      fc
        .tuple(
          fc.constantFrom('', 'https://', 'zoommtg://', 'http://', '//'),
          zoomHosts,
          fc.string({ unit: 'grapheme-ascii', maxLength: 60 }),
        )
        .map(([scheme, host, rest]) => `${scheme}${host}${rest}`),
    );
    fc.assert(
      fc.property(inputs, (input) => {
        const parsed = parseMeetingReference(input);
        if (isMeetingUrlError(parsed)) expect(parsed.error).toMatch(/\S/);
        else expect(['id', 'vanity']).toContain(parsed.kind);
      }),
      { numRuns: 2_000 },
    );
  });

  it('refuses every host outside the Zoom domains, lookalikes included', () => {
    const isZoom = (host: string) =>
      ZOOM_DOMAINS.some((domain) => host === domain || host.endsWith(`.${domain}`));
    const foreignHosts = fc.oneof(
      fc.domain(),
      // zoom.us.evil.com
      fc
        .tuple(fc.constantFrom(...ZOOM_DOMAINS), fc.domain())
        .map(([zoom, other]) => `${zoom}.${other}`),
      // evilzoom.us
      fc.tuple(labels, fc.constantFrom(...ZOOM_DOMAINS)).map(([label, zoom]) => `${label}${zoom}`),
    );
    fc.assert(
      fc.property(
        foreignHosts.filter((host) => !isZoom(host)),
        meetingIds,
        fc.constantFrom('https://', 'http://', 'zoommtg://', ''),
        (host, id, scheme) => {
          const path = scheme === 'zoommtg://' ? `/join?confno=${id}` : `/j/${id}`;
          const parsed = parseMeetingReference(`${scheme}${host}${path}`);
          expect(isMeetingUrlError(parsed)).toBe(true);
        },
      ),
    );
  });
});
