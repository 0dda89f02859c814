/**
 * The driver folder search (src/server/driverFolder.ts) on the disk: used by `dma-scope lifecycle` and
 * `replay` and by the language server's "Replay lifecycle" command (src/server/node.ts).
 */
import * as fs from 'fs';
import * as path from 'path';
import { DriverFolder, FolderIO } from '../server/driverFolder';

/** A file over this size is not read for a stitched lifecycle (nor as a header). */
export const MAX_SOURCE_BYTES = 2 * 1024 * 1024;

/**
 * The FolderIO of a directory: its regular files, read from disk unless `openText` has the file
 * (an editor's unsaved text wins).
 */
export function nodeFolderIO(dir: string, openText?: (file: string) => string | undefined): FolderIO {
  return {
    files: async () => {
      const entries = await fs.promises.readdir(dir, { withFileTypes: true });
      return entries.filter((e) => e.isFile()).map((e) => e.name);
    },
    read: async (name) => {
      const file = path.resolve(dir, name);
      const open = openText?.(file);
      if (open !== undefined) return open.length <= MAX_SOURCE_BYTES ? open : undefined;
      try {
        const st = await fs.promises.stat(file);
        if (!st.isFile() || st.size > MAX_SOURCE_BYTES) return undefined;
        return await fs.promises.readFile(file, 'utf8');
      } catch {
        return undefined;
      }
    },
  };
}

/** The driver folder of a file (its directory) read from disk. */
export function nodeDriverFolder(file: string, openText?: (file: string) => string | undefined): DriverFolder {
  return new DriverFolder(nodeFolderIO(path.dirname(path.resolve(file)), openText));
}
