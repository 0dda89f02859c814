/** The Node file host for include resolution (src/analysis/headers): reads headers from disk, never throws. */
import * as fs from 'fs';
import * as path from 'path';
import type { HeaderFacts, HeaderHost } from '../analysis/headers/types';
import { bundleFactsStore, type FactsStore } from './headerStore';

/** '/'-separated absolute path of a file given relative to `cwd` (the analysis core's paths are posix). */
export function posixAbsolute(file: string, cwd: string): string {
  return path.resolve(cwd, file).split(path.sep).join('/');
}

export interface HeaderHostOptions {
  /**
   * The files do not change while the host is used (batch checking: one run over a tree), so what the file
   * system says is asked once: `exists` is answered from one listing per folder (include resolution asks for
   * each `#include` in up to a dozen search folders, mostly in vain: one readdir per folder replaces those
   * stat calls), and a header's `stat` is kept (a driver's files include the same headers, each asked again).
   * Off for an editor, whose files come and go. Folder listings are not used on Windows and macOS, whose file
   * systems ignore case in names (a listing would not).
   */
  stableTree?: boolean;
  /** header facts kept between processes (headerStore.ts); absent: the running bundle's (none in the compiled tests); undefined: none */
  store?: FactsStore;
}

/** Folders whose listing, and headers whose stat, are kept at most (a whole-kernel run visits a few thousand of each); past it they start over. */
const MAX_KEPT = 8192;

export function nodeHeaderHost(opts: HeaderHostOptions = {}): HeaderHost {
  const store = 'store' in opts ? opts.store : bundleFactsStore();
  const listFolders = !!opts.stableTree && process.platform !== 'win32' && process.platform !== 'darwin';
  const stats = new Map<string, { size: number; stamp: string } | undefined>();
  /**
   * folder → its entries (true: a file or folder; false: a symbolic link, asked through existsSync), null when
   * there is no such folder, 'ask' when it cannot be listed for another reason (no read permission)
   */
  const listings = new Map<string, Map<string, boolean> | null | 'ask'>();
  const listing = (dir: string): Map<string, boolean> | null | 'ask' => {
    let l = listings.get(dir);
    if (l !== undefined) return l;
    if (listings.size >= MAX_KEPT) listings.clear();
    try {
      l = new Map(fs.readdirSync(dir || '/', { withFileTypes: true }).map((e) => [e.name, !e.isSymbolicLink()]));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      l = code === 'ENOENT' || code === 'ENOTDIR' ? null : 'ask';
    }
    listings.set(dir, l);
    return l;
  };
  return {
    ...(store ? { loadFacts: (key: string) => store.loadFacts(key), saveFacts: (key: string, f: HeaderFacts) => store.saveFacts(key, f) } : {}),
    readFile(p: string): string | undefined {
      try {
        return fs.readFileSync(p, 'utf8');
      } catch {
        return undefined;
      }
    },
    exists(p: string): boolean {
      if (listFolders) {
        const i = p.lastIndexOf('/');
        const base = p.slice(i + 1);
        // a bare name, `.`/`..` or a trailing slash: the listing of a folder cannot answer, the file system does
        const l = i >= 0 && base && base !== '.' && base !== '..' ? listing(p.slice(0, i)) : 'ask';
        if (l === null) return false;
        if (l !== 'ask') {
          const plain = l.get(base);
          if (plain === undefined) return false;
          if (plain) return true;
          // a symbolic link exists only when its target does
        }
      }
      return fs.existsSync(p);
    },
    stat(p: string): { size: number; stamp: string } | undefined {
      if (opts.stableTree && stats.has(p)) return stats.get(p);
      let r: { size: number; stamp: string } | undefined;
      try {
        const st = fs.statSync(p);
        r = { size: st.size, stamp: `${st.size}:${st.mtimeMs}:${st.ino}` };
      } catch {
        r = undefined;
      }
      if (opts.stableTree) {
        if (stats.size >= MAX_KEPT) stats.clear();
        stats.set(p, r);
      }
      return r;
    },
  };
}
