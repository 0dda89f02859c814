import { detachString, detachStrings } from './detach';

/**
 * A least-recently-used map bounded by an approximate byte budget (and an entry count). Every cache
 * of an analysis session is one of these, so a long editor session or a whole-tree run holds a fixed
 * amount of memory however many functions it has seen. Sizes are estimates: two bytes per character of
 * the key plus what the caller says the value costs. Hand-written because the LRU libraries on npm
 * either need Node (not the web extension host) or bound by entry count only; this is 50 lines over a Map.
 */
export class BoundedCache<V> {
  private readonly map = new Map<string, { key: string; value: V; bytes: number }>();
  private used = 0;

  constructor(readonly maxBytes: number, readonly maxEntries = Number.POSITIVE_INFINITY) {}

  get(key: string): V | undefined {
    const e = this.map.get(key);
    if (!e) return undefined;
    // refresh: Map iteration order is insertion order, so re-inserting makes it the newest (under the
    // stored key: the caller's may be a view into a whole text, ./detach.ts)
    this.map.delete(key);
    this.map.set(e.key, e);
    return e.value;
  }

  has(key: string): boolean {
    return this.map.has(key);
  }

  /**
   * Stores a value; `valueBytes` estimates what the value holds beyond its key. The key and the value's
   * strings are detached from the texts they were cut from (./detach.ts), so the estimate is what the
   * entry keeps alive: the value is the cache's from now on.
   */
  set(key: string, value: V, valueBytes = 0): void {
    const old = this.map.get(key);
    if (old) {
      this.used -= old.bytes;
      this.map.delete(key);
    }
    const bytes = 2 * key.length + valueBytes + 64;
    if (bytes > this.maxBytes) return;
    const own = detachString(key);
    this.map.set(own, { key: own, value: detachStrings(value), bytes });
    this.used += bytes;
    while (this.used > this.maxBytes || this.map.size > this.maxEntries) {
      const oldest = this.map.keys().next().value as string;
      this.used -= this.map.get(oldest)!.bytes;
      this.map.delete(oldest);
    }
  }

  clear(): void {
    this.map.clear();
    this.used = 0;
  }

  get size(): number {
    return this.map.size;
  }

  /** Approximate bytes held. */
  get bytes(): number {
    return this.used;
  }
}

/** Rough size of a JSON-like value (strings count two bytes per character), for cache budgets. */
export function approxBytes(v: unknown, depth = 0): number {
  if (v === null || v === undefined) return 8;
  switch (typeof v) {
    case 'string': return 2 * v.length + 16;
    case 'number': case 'boolean': return 8;
    case 'object': {
      if (depth > 6) return 64;
      let n = 32;
      if (Array.isArray(v)) for (const x of v) n += approxBytes(x, depth + 1);
      else for (const k in v as Record<string, unknown>) n += 2 * k.length + approxBytes((v as Record<string, unknown>)[k], depth + 1);
      return n;
    }
    default: return 16;
  }
}
