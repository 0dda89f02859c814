/** The Node file host for include resolution (src/analysis/headers): reads headers from disk, never throws. */
import * as fs from 'fs';
import * as path from 'path';
import type { HeaderFacts, HeaderHost } from '../analysis/headers/types';
import { bundleFactsStore, type FactsStore } from './headerStore';

/** '/'-separated absolute path of a file given relative to `cwd` (the analysis core's paths are posix). */
export function posixAbsolute(file: string, cwd: string): string {
  return path.resolve(cwd, file).split(path.sep).join('/');
}

/** `store`: header facts kept between processes (headerStore.ts; by default the running bundle's, none in the compiled tests). */
export function nodeHeaderHost(store: FactsStore | undefined = bundleFactsStore()): HeaderHost {
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
