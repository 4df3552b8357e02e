/** Type OIDs whose text form Hostpass parses itself, the same way on both engines. */
export const INT8_OID = 20;
export const TIMESTAMPTZ_OID = 1184;

/**
 * PostgreSQL prints timestamptz (session time zone UTC) as `2024-04-24 06:38:38.8797+00`.
 * The API speaks ISO-8601 with microseconds and `Z`, and keyset cursors need the full
 * microsecond value, so timestamps stay strings and never pass through `Date` (milliseconds).
 */
export function parseTimestamptz(text: string): string {
  const match = /^(\d{4,}-\d\d-\d\d) (\d\d:\d\d:\d\d)(?:\.(\d{1,6}))?\+00$/.exec(text);
  if (!match) return new Date(text).toISOString().replace('Z', '000Z');
  const [, date, time, fraction = ''] = match;
  return `${date}T${time}.${fraction.padEnd(6, '0')}Z`;
}

/** int8 values Hostpass stores (meeting ids, counters) stay far below 2^53. */
export function parseInt8(text: string): number {
  return Number(text);
}
