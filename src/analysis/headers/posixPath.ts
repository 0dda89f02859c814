/**
 * Posix path arithmetic for include resolution. The analysis core also runs in the web extension
 * host, where Node's `path` module does not exist; include resolution needs only these three
 * operations on '/'-separated paths, so they are written here (a dozen lines) instead of pulling a
 * path polyfill into the browser bundle.
 */

/** Resolves `.` and `..` segments and repeated slashes; keeps a leading '/' (never climbs above it). */
export function normalize(p: string): string {
  const abs = p.startsWith('/');
  const out: string[] = [];
  for (const seg of p.split('/')) {
    if (!seg || seg === '.') continue;
    if (seg === '..') {
      if (out.length && out[out.length - 1] !== '..') out.pop();
      else if (!abs) out.push('..');
      continue;
    }
    out.push(seg);
  }
  const body = out.join('/');
  return abs ? '/' + body : body || '.';
}

/** Joins path segments; an absolute later segment restarts the path (like path.posix.resolve without a cwd). */
export function join(...parts: string[]): string {
  let acc = '';
  for (const p of parts) {
    if (!p) continue;
    acc = p.startsWith('/') || !acc ? p : `${acc}/${p}`;
  }
  return normalize(acc || '.');
}

/** The folder of a path ('.' for a bare name, '/' for a top-level file). */
export function dirname(p: string): string {
  const n = normalize(p);
  const i = n.lastIndexOf('/');
  if (i < 0) return '.';
  return i === 0 ? '/' : n.slice(0, i);
}
