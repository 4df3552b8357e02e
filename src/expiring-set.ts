/**
 * Keys remembered for a fixed time, in bounded memory: "this was just answered, do not ask again"
 * for things a caller can repeat as fast as it likes (a bot's retry loop). Every key lives the
 * same `ttlMs`, so the map's insertion order is also its expiry order: expired keys are dropped
 * from the front as new ones come, and when `maxSize` is reached the oldest key goes first.
 */
export interface ExpiringSet {
  has(key: string): boolean;
  /** Remembers `key` for `ttlMs` from now (again, if it was already there). */
  add(key: string): void;
  /** Adds `key` unless it is remembered; true when it was added. */
  addIfAbsent(key: string): boolean;
  readonly size: number;
}

export function createExpiringSet(options: {
  ttlMs: number;
  maxSize: number;
  now?: () => number;
}): ExpiringSet {
  const now = options.now ?? Date.now;
  const expiries = new Map<string, number>();

  const dropExpiredAndOverflow = (at: number) => {
    for (const [key, expiresAt] of expiries) {
      if (expiresAt > at && expiries.size <= options.maxSize) break;
      expiries.delete(key);
    }
  };

  const set = {
    has(key: string): boolean {
      const expiresAt = expiries.get(key);
      if (expiresAt === undefined) return false;
      if (expiresAt > now()) return true;
      expiries.delete(key);
      return false;
    },
    add(key: string): void {
      const at = now();
      expiries.delete(key);
      expiries.set(key, at + options.ttlMs);
      dropExpiredAndOverflow(at);
    },
    addIfAbsent(key: string): boolean {
      if (set.has(key)) return false;
      set.add(key);
      return true;
    },
    get size() {
      return expiries.size;
    },
  };
  return set;
}
