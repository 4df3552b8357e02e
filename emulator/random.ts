// A seeded PRNG (mulberry32) so a run with a fixed `seed` produces the same ids, tokens and fault
// decisions every time. Its state is one uint32, saved in snapshots so a reloaded emulator never
// re-issues an id it already handed out.

export interface SeededRandom {
  /** Uniform float in [0, 1). */
  next(): number;
  /** Random 32-bit unsigned integer. */
  nextUint32(): number;
  /** `length` characters from `alphabet`. */
  string(length: number, alphabet?: string): string;
  /** A decimal number of exactly `digits` digits (no leading zero). */
  digits(digits: number): number;
  state(): number;
}

const URL_SAFE = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

export function createSeededRandom(seed: number): SeededRandom {
  let state = seed >>> 0;
  const nextUint32 = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
  const next = (): number => nextUint32() / 4294967296;
  return {
    next,
    nextUint32,
    string(length, alphabet = URL_SAFE) {
      let out = '';
      for (let i = 0; i < length; i++) out += alphabet[nextUint32() % alphabet.length];
      return out;
    },
    digits(digits) {
      let out = String(1 + (nextUint32() % 9));
      for (let i = 1; i < digits; i++) out += String(nextUint32() % 10);
      return Number(out);
    },
    state: () => state,
  };
}

export const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
