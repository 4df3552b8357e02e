/**
 * Sets `key` in a map that must not outgrow `maxEntries`: the oldest entry goes first (a Map
 * iterates in insertion order), so memory stays bounded however many keys callers bring.
 */
export function setBounded<K, V>(map: Map<K, V>, key: K, value: V, maxEntries: number): void {
  if (!map.has(key) && map.size >= maxEntries) {
    const oldest = map.keys().next();
    if (!oldest.done) map.delete(oldest.value);
  }
  map.set(key, value);
}
