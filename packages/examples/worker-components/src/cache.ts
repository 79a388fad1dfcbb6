/**
 * The cache actor: rendered pages by key, with a time to live and a size bound (the least
 * recently used entry goes first). One actor owns the map, so reads and writes never interleave.
 */
import type { Behavior } from '@entangle/actors'

/** Cache settings. */
export interface CacheOptions {
  /** Entries kept at most. */
  maxEntries: number
  /** How long an entry stays fresh, ms. */
  ttlMs: number
}

/** What the cache counted so far. */
export interface CacheStats {
  hits: number
  misses: number
  size: number
}

/** The cache's protocol. */
export interface Cache {
  /** The fresh value of `key`, or null. */
  get(key: string): string | null
  set(entry: { key: string; value: string }): void
  stats(): CacheStats
}

/** The cache actor's behavior. Time is `Date.now()`. */
export function cache(options: CacheOptions): Behavior<Cache> {
  return () => {
    const entries = new Map<string, { value: string; expires: number }>()
    let hits = 0
    let misses = 0
    return {
      get(key) {
        const entry = entries.get(key)
        entries.delete(key)
        if (entry === undefined || entry.expires <= Date.now()) {
          misses++
          return null
        }
        entries.set(key, entry) // now the most recently used
        hits++
        return entry.value
      },
      set({ key, value }) {
        entries.delete(key)
        entries.set(key, { value, expires: Date.now() + options.ttlMs })
        // A Map iterates in insertion order: the first key is the least recently used.
        for (const oldest of entries.keys()) {
          if (entries.size <= options.maxEntries) break
          entries.delete(oldest)
        }
      },
      stats: () => ({ hits, misses, size: entries.size }),
    }
  }
}
