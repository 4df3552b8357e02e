import { setBounded } from '../bounded-map.ts';
import type { WatchedTable, WriteVersions } from './write-watch.ts';

/** Bounds each cache's memory: an entry is a key and a row, well under 2 kB. */
export const HOT_PATH_MAX_ENTRIES = 20_000;

/**
 * A read-through cache of one lookup, valid while none of `tables` was written: each entry keeps
 * the write version read before its query was sent, and is stored only if that version still
 * stands when the answer comes (no write ran meanwhile), and served only while it stands.
 * While the versions are unknown (null: other processes' writes are not heard) the entries are
 * dropped and every call asks the store. `keep(value)`: false for answers not worth remembering
 * (an unknown API key: anyone can send endless new ones, and they must not push out the real ones).
 */
export function createReadCache<Args extends unknown[], V>(options: {
  versions: WriteVersions;
  tables: readonly WatchedTable[];
  key: (...args: Args) => string;
  load: (...args: Args) => Promise<V>;
  keep?: (value: V) => boolean;
  maxEntries?: number;
}): (...args: Args) => Promise<V> {
  const { versions, tables, load } = options;
  const maxEntries = options.maxEntries ?? HOT_PATH_MAX_ENTRIES;
  const entries = new Map<string, { version: number; value: V }>();
  return async (...args) => {
    const key = options.key(...args);
    const version = versions.versionOf(tables);
    if (version === null) {
      entries.clear();
      return load(...args);
    }
    const hit = entries.get(key);
    if (hit) {
      if (hit.version === version) return hit.value;
      entries.delete(key);
    }
    const value = await load(...args);
    if (versions.versionOf(tables) === version && (options.keep?.(value) ?? true)) {
      setBounded(entries, key, { version, value }, maxEntries);
    }
    return value;
  };
}
