import { randomBytes } from 'node:crypto';

let lastMs = 0;
let sequence = 0;

/**
 * A UUIDv7 (RFC 9562): a millisecond timestamp first, then a per-process sequence, then random
 * bits. Rows inserted within one database clock tick (PGlite's clock has millisecond resolution)
 * then still sort in the order they were written when lists break ties on the id: a log reads in
 * the order its lines happened.
 */
export function uuidv7(): string {
  let now = Date.now();
  if (now <= lastMs) {
    sequence += 1;
    // 12 bits of sequence per millisecond; past that, borrow the next millisecond.
    if (sequence > 0xfff) {
      lastMs += 1;
      sequence = 0;
    }
    now = lastMs;
  } else {
    lastMs = now;
    sequence = 0;
  }
  const bytes = randomBytes(16);
  bytes.writeUIntBE(now, 0, 6);
  bytes[6] = 0x70 | (sequence >> 8);
  bytes[7] = sequence & 0xff;
  bytes[8] = 0x80 | ((bytes[8] as number) & 0x3f);
  return formatUuid(bytes);
}

/**
 * The smallest UUIDv7 of millisecond `ms`: ids made before `ms` sort below it, so a primary-key
 * range finds the rows made before a moment without an index of its own.
 */
export function uuidv7Floor(ms: number): string {
  const bytes = Buffer.alloc(16);
  bytes.writeUIntBE(Math.max(0, Math.floor(ms)), 0, 6);
  bytes[6] = 0x70;
  bytes[8] = 0x80;
  return formatUuid(bytes);
}

function formatUuid(bytes: Buffer): string {
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
