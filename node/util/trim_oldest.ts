/**
 * Bounded caches kept as insertion-ordered `Map`s and `Set`s (oldest first,
 * as JavaScript iterates them): the one eviction rule they share.
 */

/**
 * Delete the oldest entries of `entries` until it holds at most `max`.
 *
 * @example
 * ```ts
 * seen.set(hash, bytes);
 * trimOldest(seen, SEEN_BLOCKS_CACHE_SIZE);
 * ```
 */
export function trimOldest<K>(entries: Map<K, unknown> | Set<K>, max: number): void {
  while (entries.size > max) {
    const oldest = entries.keys().next();
    if (oldest.done) return;
    entries.delete(oldest.value);
  }
}
