/**
 * The kbuild module grouping (src/analysis/driverIndex/kbuildModule.ts) over the disk, for `dma-scope
 * check` and the language server: a folder's `Kbuild` file when it has one (kbuild reads it first),
 * else its `Makefile`.
 */
import * as path from 'path';
import { ModuleFolders } from '../analysis/driverIndex/kbuildModule';
import { readTextUpTo, readTextUpToSync } from './readSmall';

/** Makefiles over this size are not read as module lists. */
const MAX_MAKEFILE_BYTES = 256 * 1024;
const NAMES = ['Kbuild', 'Makefile'];

/** A folder's kbuild file, undefined when it has none (or it is unreadable or too large). */
export async function readKbuildFile(dir: string): Promise<string | undefined> {
  for (const n of NAMES) {
    const t = await readTextUpTo(path.join(dir, n), MAX_MAKEFILE_BYTES);
    if (t !== undefined) return t;
  }
  return undefined;
}

/** A folder's kbuild file, read now (see readKbuildFile). */
export function readKbuildFileSync(dir: string): string | undefined {
  for (const n of NAMES) {
    const t = readTextUpToSync(path.join(dir, n), MAX_MAKEFILE_BYTES);
    if (t !== undefined) return t;
  }
  return undefined;
}

/** Module folders of files named relative to `cwd` (or absolute). */
export function nodeModuleFolders(cwd: string): ModuleFolders {
  return new ModuleFolders((folder) => readKbuildFileSync(path.resolve(cwd, folder || '.')));
}
