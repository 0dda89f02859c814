/** "Did you mean …?" suggestions over catalogue names (edit distance). */
import { allNames } from './index';

/** Levenshtein distance with an early exit once every cell of a row exceeds `max`. */
export function editDistance(a: string, b: string, max = Infinity): number {
  if (a === b) return 0;
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1;
      const v = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
      cur.push(v);
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > max) return max + 1;
    prev = cur;
  }
  return prev[b.length];
}

/** Up to `limit` catalogue names closest to `name` (case-insensitive), best first. */
export function suggestNames(name: string, limit = 3): string[] {
  const q = name.trim().toLowerCase();
  if (!q) return [];
  const max = Math.max(2, Math.floor(q.length / 3));
  const scored: { n: string; d: number }[] = [];
  for (const n of allNames()) {
    const l = n.toLowerCase();
    let d = editDistance(q, l, max);
    // a query that is a prefix/substring of a long name (dma_map → dma_map_single) is a good hint too
    if (d > max && q.length >= 5 && l.includes(q)) d = max;
    if (d <= max) scored.push({ n, d });
  }
  scored.sort((x, y) => x.d - y.d || x.n.length - y.n.length || x.n.localeCompare(y.n));
  return scored.slice(0, limit).map((s) => s.n);
}
