/**
 * The driver folder search (src/server/driverFolder.ts) on the disk: used by `dma-scope lifecycle` and
 * `replay` and by the language server's "Replay lifecycle" command (src/server/node.ts). A driver is the
 * file's folder with the subfolder files its Makefile links into the same module, or — for a file of
 * such a subfolder — the folder whose Makefile links it (src/analysis/driverIndex/kbuildModule.ts).
 */
import * as fs from 'fs';
import * as path from 'path';
import { DriverFolder, FolderIO } from '../server/driverFolder';
import { nodeModuleFolders } from './moduleFolders';
import { readTextUpTo } from './readSmall';

/** A file over this size is not read for a stitched lifecycle (nor as a header). */
export const MAX_SOURCE_BYTES = 2 * 1024 * 1024;

/**
 * The FolderIO of a directory: its regular files and the `linked` ones of its subfolders that exist, read
 * from disk unless `openText` has the file (an editor's unsaved text wins).
 */
export function nodeFolderIO(dir: string, openText?: (file: string) => string | undefined, linked: readonly string[] = []): FolderIO {
  return {
    files: async () => {
      const entries = await fs.promises.readdir(dir, { withFileTypes: true });
      const sub = linked.filter((n) => {
        try {
          return fs.statSync(path.join(dir, n)).isFile();
        } catch {
          return false;
        }
      });
      return [...entries.filter((e) => e.isFile()).map((e) => e.name), ...sub];
    },
    read: async (name) => {
      const file = path.resolve(dir, name);
      const open = openText?.(file);
      if (open !== undefined) return open.length <= MAX_SOURCE_BYTES ? open : undefined;
      return readTextUpTo(file, MAX_SOURCE_BYTES);
    },
  };
}

export interface NodeDriver {
  folder: DriverFolder;
  /** the driver's folder (absolute) */
  root: string;
  /** the file's name in it ('/'-separated: `hw/ring.c` for a linked subfolder file) */
  self: string;
}

/** The driver of a file read from disk. */
export function nodeDriverFolder(file: string, openText?: (file: string) => string | undefined): NodeDriver {
  const abs = path.resolve(file);
  const modules = nodeModuleFolders(path.parse(abs).root);
  const root = path.resolve(modules.folderOf(abs.split(path.sep).join('/')) || path.dirname(abs));
  const self = path.relative(root, abs).split(path.sep).join('/');
  return { folder: new DriverFolder(nodeFolderIO(root, openText, modules.subfolderSources(root.split(path.sep).join('/')))), root, self };
}
