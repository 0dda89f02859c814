/** The Node file host for include resolution (src/analysis/headers): reads headers from disk, never throws. */
import * as fs from 'fs';
import * as path from 'path';
import type { HeaderHost } from '../analysis/headers/types';

/** '/'-separated absolute path of a file given relative to `cwd` (the analysis core's paths are posix). */
export function posixAbsolute(file: string, cwd: string): string {
  return path.resolve(cwd, file).split(path.sep).join('/');
}

export function nodeHeaderHost(): HeaderHost {
  return {
    readFile(p: string): string | undefined {
      try {
        return fs.readFileSync(p, 'utf8');
      } catch {
        return undefined;
      }
    },
    exists(p: string): boolean {
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
