/**
 * Detaching what a long-lived store keeps from the texts it was computed from.
 *
 * V8 represents `text.slice(a, b)` (13 characters or more) as a view into `text`: a cached function
 * text, a struct name in a summary, a function name in a driver record each keep the WHOLE file (or
 * header) they were cut from alive. Measured in the language server (scripts/bench-lsp.mjs, heap
 * snapshots after 150 drivers/net/ethernet files opened and closed, twice): 46 MiB of whole file and
 * header texts were held only through such views — 23 MiB of them by the driver indexes' records
 * alone — against ~70 MiB the caches believed they held. A cache's byte budget counts the characters of
 * what it stores, so what it stores must not hold more: the session's caches (boundedCache.ts) and the
 * driver index (driverIndex/index.ts) detach every value when they keep it.
 *
 * Hand-written: there is no standard way to copy a string, and the npm helpers (flatstr and the like)
 * flatten concatenations, not views. `(' ' + s).slice(1)` makes V8 copy `s` into a new flat string of
 * its own length + 1 and view that; other engines just get a copy of `s`.
 */

/** The shortest slice V8 keeps as a view (SlicedString::kMinLength); shorter slices are copies already. */
const MIN_VIEW = 13;
const MAX_DEPTH = 12;

/** A string with the same characters that keeps nothing else alive. */
export function detachString(s: string): string {
  return s.length < MIN_VIEW ? s : (' ' + s).slice(1);
}

/**
 * Detaches every string of a plain-data value in place (arrays, plain objects, Maps and Sets are
 * walked; frozen objects, class instances and other values are left as they are) and returns it. For
 * values the caller has just built and hands over to a store: their strings are replaced by equal ones.
 */
export function detachStrings<T>(v: T): T {
  return walk(v, 0) as T;
}

function walk(v: unknown, depth: number): unknown {
  if (typeof v === 'string') return detachString(v);
  if (v === null || typeof v !== 'object' || depth > MAX_DEPTH || Object.isFrozen(v)) return v;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const x = v[i];
      if (typeof x === 'string' ? x.length >= MIN_VIEW : x !== null && typeof x === 'object') v[i] = walk(x, depth + 1);
    }
    return v;
  }
  if (v instanceof Map) {
    const entries = [...v.entries()];
    v.clear();
    for (const [k, x] of entries) v.set(walk(k, depth + 1), walk(x, depth + 1));
    return v;
  }
  if (v instanceof Set) {
    const items = [...v];
    v.clear();
    for (const x of items) v.add(walk(x, depth + 1));
    return v;
  }
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) return v; // a class instance: not plain data
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    const x = o[k];
    if (typeof x === 'string' ? x.length >= MIN_VIEW : x !== null && typeof x === 'object') o[k] = walk(x, depth + 1);
  }
  return v;
}
