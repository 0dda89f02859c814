/** The Node file host for include resolution (src/analysis/headers): reads headers from disk, never throws. */
import * as fs from 'fs';
import * as path from 'path';
import type { HeaderHost } from '../analysis/headers/types';

/** '/'-separated absolute path of a file given relative to `cwd` (the analysis core's paths are posix). */
export function posixAbsolute(file: string, cwd: string): string {
  return path.resolve(cwd, file).split(path.sep).join('/');
}

export interface HeaderHostOptions {
  /**
   * Answer `exists` from a listing of each folder, read once (batch checking: the tree does not change
   * during a run). Include resolution asks for each `#include` in up to a dozen search folders, mostly
   * in vain: one readdir per folder replaces those stat calls. Off for an editor, whose files come and go,
   * and on Windows and macOS, whose file systems ignore case in names (a listing would not).
   */
  listFolders?: boolean;
}

/** Folders whose listing is kept at most (a whole-kernel run visits a few thousand); past it the listings start over. */
const MAX_LISTED_FOLDERS = 8192;

export function nodeHeaderHost(opts: HeaderHostOptions = {}): HeaderHost {
  const listFolders = !!opts.listFolders && process.platform !== 'win32' && process.platform !== 'darwin';
  /**
   * folder → its entries (true: a file or folder; false: a symbolic link, asked through existsSync), null when
   * there is no such folder, 'ask' when it cannot be listed for another reason (no read permission)
   */
  const listings = new Map<string, Map<string, boolean> | null | 'ask'>();
  const listing = (dir: string): Map<string, boolean> | null | 'ask' => {
    let l = listings.get(dir);
    if (l !== undefined) return l;
    if (listings.size >= MAX_LISTED_FOLDERS) listings.clear();
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
      try {
        const st = fs.statSync(p);
        return { size: st.size, stamp: `${st.size}:${st.mtimeMs}:${st.ino}` };
      } catch {
        return undefined;
      }
    },
  };
}
