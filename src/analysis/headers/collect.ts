/**
 * Include resolution without a build: finds the headers a file includes and gathers their facts.
 *
 * - `"x.h"`: relative to the including file, then the search folders (gcc's order).
 * - `<linux/…>`, `<asm/…>`: the kernel tree found by walking up from the file to the folder holding
 *   `include/linux/` and `Kconfig`, searched like kbuild does for one architecture (arch/<arch>/include,
 *   its generated and uapi folders, include/, include/uapi), with `asm/x.h` falling back to
 *   include/asm-generic/x.h (kbuild generates such wrappers); then the extra roots (editor workspace
 *   folders). The `-I$(src)…`/`-I$(srctree)/…` flags of the Makefiles (or Kbuild files) from the file's
 *   folder up to the kernel root come after the kernel folders, as kbuild orders ccflags-y after
 *   LINUXINCLUDE (flags with other variables are not expanded). With kbuild's `-I` list known, exactly
 *   that list is searched; its `-include` files come first.
 * - What is followed: the driver's own (quoted) headers transitively, and the `<…>` headers they and the
 *   file name, one level (their own includes are not followed). Only quoted headers are parsed; `<…>`
 *   headers give their #defines and DMA wrapper macros.
 * - Bounds: include depth, bytes per header (huge generated headers are skipped unread, with one note),
 *   total bytes per file, header count; cycles are cut. Nothing here throws: an unreadable header is skipped.
 */
import type { CParser } from '../parser';
import type { BoundedCache } from '../boundedCache';
import type { SummaryCaches } from '../facts';
import { headerFacts, extractIncludes } from './extract';
import { dirname, join } from './posixPath';
import { emptyHeaderStats, type HeaderFacts, type HeaderHost, type HeaderStats, type IncludeDirective, type IncludeOptions } from './types';

export interface HeaderLimits {
  /** quoted-include depth followed from the file (1: only the file's own includes) */
  maxDepth: number;
  /** a header larger than this is skipped unread (generated register headers run to megabytes) */
  maxHeaderBytes: number;
  /** bytes of headers read for one file */
  maxTotalBytes: number;
  /** headers read for one file */
  maxHeaders: number;
}

export const DEFAULT_HEADER_LIMITS: HeaderLimits = { maxDepth: 4, maxHeaderBytes: 512 * 1024, maxTotalBytes: 4 * 1024 * 1024, maxHeaders: 200 };

/** What the session hands the header collector: the host, its parser, the content-keyed facts cache, summary caches. */
export interface HeaderState {
  host: HeaderHost;
  parser: CParser;
  /** content hash → facts of a header */
  facts: BoundedCache<HeaderFacts>;
  /** path → the content key and size of the header last read there, with the host's stamp (host.stat) */
  stamps: BoundedCache<{ stamp: string; key: string; chars: number }>;
  /** folder → the -I folders its Makefile/Kbuild names */
  makeDirs?: BoundedCache<{ dirs: string[] }>;
  /** folder → kernel root found above it (null: none) */
  roots: BoundedCache<{ root: string | null }>;
  caches?: SummaryCaches;
  limits: HeaderLimits;
}

/** The host's stored facts of a content key; a store that fails or holds something else is no store. */
function storedFacts(host: HeaderHost, key: string): HeaderFacts | undefined {
  try {
    const f = host.loadFacts?.(key);
    return f && Array.isArray(f.includes) && f.defines instanceof Map && Array.isArray(f.macros) && typeof f.bytes === 'number' ? f : undefined;
  } catch {
    return undefined;
  }
}

function saveFacts(host: HeaderHost, key: string, facts: HeaderFacts): void {
  try {
    host.saveFacts?.(key, facts);
  } catch {
    // a store that cannot write only costs the next process the analysis
  }
}

/** The headers a file includes (in include order) and how their resolution went. */
export interface IncludedHeaders {
  headers: HeaderFacts[];
  stats: HeaderStats;
}

/** 53-bit string hash (cyrb53), for content keys: a key the size of a header would cost more than its facts. */
export function contentHash(s: string): string {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(36) + ':' + s.length.toString(36);
}

/** The kernel tree above a folder: the nearest ancestor holding `include/linux/` and `Kconfig`. */
export function kernelRoot(dir: string, st: Pick<HeaderState, 'host' | 'roots'>): string | null {
  const seen: string[] = [];
  let root: string | null = null;
  for (let d = dir, i = 0; i < 64; i++) {
    const hit = st.roots.get(d);
    if (hit) {
      root = hit.root;
      break;
    }
    seen.push(d);
    if (st.host.exists(join(d, 'include/linux')) && st.host.exists(join(d, 'Kconfig'))) {
      root = d;
      break;
    }
    const up = dirname(d);
    if (up === d || d === '.' || d === '') break;
    d = up;
  }
  for (const d of seen) st.roots.set(d, { root }, 16);
  return root;
}

const MAKE_I_RE = /-I\s*(\$\((?:src|obj|srctree)\))?(\/?[\w./+-]*)/g;

/** The `-I` folders a folder's Makefile or Kbuild file adds (`$(src)`/`$(obj)`: that folder; `$(srctree)`: the root). */
export function makefileDirs(dir: string, root: string, st: Pick<HeaderState, 'host' | 'makeDirs'>): string[] {
  const hit = st.makeDirs?.get(dir);
  if (hit) return hit.dirs;
  const dirs: string[] = [];
  for (const name of ['Makefile', 'Kbuild']) {
    const t = st.host.readFile(join(dir, name));
    if (!t || !t.includes('-I')) continue;
    for (const line of t.split('\n')) {
      if (!/^\s*(?:subdir-)?ccflags-|^\s*(?:EXTRA_CFLAGS|CFLAGS_\S+)\s*[:+]?=/.test(line)) continue;
      MAKE_I_RE.lastIndex = 0;
      for (let m = MAKE_I_RE.exec(line); m; m = MAKE_I_RE.exec(line)) {
        const v = m[1];
        const rest = m[2];
        if (!v && (!rest || rest.startsWith('/'))) continue; // absolute host folders and bare -I are not the tree's
        const base = v === '$(srctree)' ? root : v ? dir : root; // a relative -I is relative to the build folder (the root)
        const d = join(base, rest.replace(/^\//, ''));
        if (!dirs.includes(d)) dirs.push(d);
      }
    }
  }
  st.makeDirs?.set(dir, { dirs }, 64 + dirs.reduce((n, d) => n + 2 * d.length, 0));
  return dirs;
}

/** The folders `<…>` includes are looked up in, in order. */
export function searchFolders(file: string, opts: IncludeOptions, root: string | null, st?: Pick<HeaderState, 'host' | 'makeDirs'>): string[] {
  const base = root ?? dirname(file);
  const out: string[] = [];
  if (opts.includePaths) {
    for (const p of opts.includePaths) out.push(join(base, p));
  } else if (root) {
    const arch = `arch/${opts.arch ?? 'x86'}`;
    for (const p of [`${arch}/include`, `${arch}/include/generated`, 'include', `${arch}/include/uapi`, `${arch}/include/generated/uapi`, 'include/uapi', 'include/generated/uapi']) out.push(join(root, p));
    if (st) {
      // the Makefiles of the file's folder and its parents below the root (at most 6 levels)
      let d = dirname(file);
      for (let i = 0; i < 6 && d !== root && d.startsWith(root + '/'); i++, d = dirname(d)) {
        for (const x of makefileDirs(d, root, st)) if (!out.includes(x)) out.push(x);
      }
    }
  }
  for (const r of opts.includeRoots ?? []) out.push(r);
  return out;
}

function resolve(inc: IncludeDirective, from: string, folders: string[], root: string | null, exact: boolean, host: HeaderHost): string | null {
  if (inc.path.startsWith('/')) return host.exists(inc.path) ? inc.path : null;
  if (!inc.system) {
    const rel = join(dirname(from), inc.path);
    if (host.exists(rel)) return rel;
  }
  for (const f of folders) {
    const p = join(f, inc.path);
    if (host.exists(p)) return p;
  }
  // kbuild generates arch/<arch>/include/generated/asm/x.h wrappers of asm-generic/x.h; a source tree has only the latter
  if (root && !exact && inc.path.startsWith('asm/')) {
    const p = join(root, 'include/asm-generic', inc.path.slice(4));
    if (host.exists(p)) return p;
  }
  return null;
}

const MAX_NOTES = 3;

function note(stats: HeaderStats, text: string): void {
  if (stats.notes.length < MAX_NOTES) stats.notes.push(text);
}

/**
 * The facts of every header `file` includes, within the limits. `text` is the file's own text.
 * Never throws; what cannot be resolved or read is counted in the stats and skipped.
 */
export function collectHeaders(file: string, text: string, opts: IncludeOptions, st: HeaderState): IncludedHeaders {
  const stats = emptyHeaderStats();
  const headers: HeaderFacts[] = [];
  try {
    const root = kernelRoot(dirname(file), st);
    const folders = searchFolders(file, opts, root, st);
    const exact = !!opts.includePaths;
    const L = st.limits;
    const done = new Set<string>([file]);
    let total = 0;

    // structs the file names: a driver header is parsed (for layouts) only when it defines one of them or has DMA helpers
    const named = new Set(Array.from(text.matchAll(/\bstruct\s+(\w+)/g), (m) => m[1]));
    const wantsParse = (f: HeaderFacts): boolean => f.dmaApi || f.structNames.some((n) => named.has(n));
    const load = (path: string, quoted: boolean): HeaderFacts | null => {
      if (headers.length >= L.maxHeaders || total >= L.maxTotalBytes) {
        stats.bytesLimited++;
        return null;
      }
      const stat = st.host.stat?.(path);
      if (stat && stat.size > L.maxHeaderBytes) {
        stats.huge++;
        note(stats, `skipped ${path}: ${stat.size} bytes is over the ${L.maxHeaderBytes}-byte header limit`);
        return null;
      }
      // unchanged since it was last read (same stamp): its facts by the content key it had then
      if (stat) {
        for (const mode of quoted ? ['p', 'd'] : ['d']) {
          const known = st.stamps.get(path + '\u0000' + mode);
          const f = known && known.stamp === stat.stamp ? st.facts.get(known.key) : undefined;
          if (!f || (mode === 'd' && quoted && wantsParse(f))) continue;
          total += known!.chars;
          stats.resolved++;
          stats.cached++;
          headers.push(f);
          return f;
        }
      }
      const t = st.host.readFile(path);
      if (t === undefined) {
        stats.unresolved++;
        return null;
      }
      if (t.length > L.maxHeaderBytes) {
        stats.huge++;
        note(stats, `skipped ${path}: ${t.length} characters is over the ${L.maxHeaderBytes}-byte header limit`);
        return null;
      }
      total += t.length;
      stats.resolved++;
      const hash = contentHash(t);
      // the facts of a content key, and where they came from: the session's cache, the host's store, or the analysis now
      const factsOf = (key: string, analyse: () => HeaderFacts): { f: HeaderFacts; from: 'cache' | 'store' | 'analysis' } => {
        const known = st.facts.get(key);
        if (known) return { f: known, from: 'cache' };
        const stored = storedFacts(st.host, key);
        const f = stored ?? analyse();
        st.facts.set(key, f, f.bytes);
        if (!stored) saveFacts(st.host, key, f);
        return { f, from: stored ? 'store' : 'analysis' };
      };
      // directive facts first (cheap); the parsed facts when this file needs the header's layouts or helpers
      let key = 'd' + hash;
      let got = factsOf(key, () => headerFacts(t));
      if (quoted && wantsParse(got.f)) {
        key = 'p' + hash;
        const directives = got.f;
        got = factsOf(key, () => headerFacts(t, st.parser, st.caches, directives));
      }
      const f = got.f;
      if (got.from === 'analysis') stats.read++;
      else if (got.from === 'store') stats.stored++;
      else stats.cached++;
      if (stat) st.stamps.set(path + '\u0000' + key[0], { stamp: stat.stamp, key, chars: t.length }, 2 * (stat.stamp.length + key.length));
      headers.push(f);
      return f;
    };

    // stack: the quoted headers being followed (a header including one of its includers is a cycle)
    const visit = (from: string, includes: IncludeDirective[], depth: number, stack: string[]): void => {
      for (const inc of includes) {
        const p = resolve(inc, from, folders, root, exact, st.host);
        if (!p) {
          stats.unresolved++;
          if (stats.missing.length < 8) stats.missing.push(inc.system ? `<${inc.path}>` : `"${inc.path}"`);
          continue;
        }
        if (stack.includes(p)) {
          stats.cycles++;
          continue;
        }
        if (done.has(p)) continue;
        done.add(p);
        if (inc.system) {
          load(p, false); // one level: a <…> header's own includes are not followed
          continue;
        }
        if (depth > L.maxDepth) {
          stats.depthLimited++;
          if (stats.depthLimited === 1) note(stats, `includes deeper than ${L.maxDepth} levels not followed (first: ${p})`);
          continue;
        }
        const f = load(p, true);
        if (f) visit(p, f.includes, depth + 1, [...stack, p]);
      }
    };

    for (const fi of opts.forcedIncludes ?? []) {
      const p = join(root ?? dirname(file), fi);
      if (done.has(p)) continue;
      done.add(p);
      if (!st.host.exists(p)) stats.unresolved++;
      else load(p, false);
    }
    visit(file, extractIncludes(text), 1, [file]);
  } catch (e) {
    note(stats, `headers not read: ${e instanceof Error ? e.message : String(e)}`);
  }
  return { headers, stats };
}
