/**
 * Which folder's driver index a file belongs to. Most drivers are one folder, but kbuild links a module
 * from the objects its Makefile lists, and a large driver lists objects of its subfolders in its
 * composite object: `mlx5_core-y += en/rx.o lib/crypto.o`, `iwlwifi-objs += pcie/tx.o`. A file whose
 * object an ancestor folder's Makefile lists that way is indexed with that folder, so a buffer mapped in
 * `pcie/tx.c` and unmapped in `iwl-trans.c` is one driver's buffer. A subfolder built as a module of its
 * own (`obj-$(CONFIG_IWLMVM) += mvm/`) stays its own driver.
 *
 * Pure: the caller reads the Makefiles (CLI and language server alike, each through its own I/O).
 */

/** How many folders up a composite object is looked for (mlx5/core/en/xsk/rx.o is two below core/). */
export const MAX_MODULE_DEPTH = 3;

/** Makefile text longer than this is not read as a module list (a generated or foreign file). */
const MAX_MAKEFILE_CHARS = 256 * 1024;

/** One object list of a Makefile: `<target>-<cond> += words` (cond: `y`, `m`, `objs` or a `CONFIG_…` name). */
interface ObjectList {
  target: string;
  cond: string;
  words: string[];
}

/** The object lists of a Makefile, continuation lines joined and comments dropped (none when it is oversized). */
function objectLists(makefile: string): ObjectList[] {
  if (makefile.length > MAX_MAKEFILE_CHARS) return [];
  const out: ObjectList[] = [];
  // a `#` inside `$(…)` does not occur in these lists
  for (const raw of makefile.replace(/\\\r?\n/g, ' ').split('\n')) {
    const m = /^\s*([A-Za-z0-9_.-]+)-(y|m|objs|\$\((CONFIG_[A-Za-z0-9_]+)\))\s*(?::=|\+=|=)(.*)$/.exec(raw.replace(/#.*/, ''));
    if (m && !['subdir', 'ccflags', 'asflags', 'ldflags', 'always', 'targets', 'extra', 'hostprogs', 'userprogs'].includes(m[1])) {
      out.push({ target: m[1], cond: m[3] ?? m[2], words: m[4].trim().split(/\s+/).filter(Boolean) });
    }
  }
  return out;
}

/** An object word naming a file in the folder or below it (`x.o`, `en/rx.o`), not above it. */
const OBJECT_WORD = /^[A-Za-z0-9_.+-]+(?:\/[A-Za-z0-9_.+-]+)*\.o$/;
const inFolder = (w: string): boolean => OBJECT_WORD.test(w) && !w.split('/').some((p) => p === '..' || p === '.');

/**
 * The objects in subfolders that a Makefile links into its composite objects (`<module>-y`,
 * `<module>-objs`, `<module>-$(CONFIG_…)`, with `:=`, `=` or `+=`), as paths relative to the Makefile's
 * folder (`en/rx.o`). `obj-…` lines name modules and subfolders kbuild descends into, not parts of one
 * module, and are left out; so are objects above the folder (`../x.o`).
 */
export function compositeSubfolderObjects(makefile: string): Set<string> {
  const out = new Set<string>();
  for (const l of objectLists(makefile)) if (l.target !== 'obj' && l.cond !== 'm') for (const w of l.words) if (w.includes('/') && inFolder(w)) out.add(w);
  return out;
}

/**
 * The objects a Makefile builds under a configuration (`enabled(CONFIG_X)`: the option is y or m), in its
 * folder and subfolders: those of `obj-y`/`obj-m` and composite lists, and of `…-$(CONFIG_X)` lists
 * whose option is enabled. What `dma-scope kbuild`, which knows the configuration, counts as the driver.
 */
export function builtObjects(makefile: string, enabled: (config: string) => boolean): Set<string> {
  const out = new Set<string>();
  for (const l of objectLists(makefile)) {
    if (l.cond.startsWith('CONFIG_') && !enabled(l.cond)) continue;
    for (const w of l.words) if (inFolder(w)) out.add(w);
  }
  return out;
}

/** The C sources (relative, sorted) of a Makefile's subfolder objects: `en/rx.o` → `en/rx.c`. */
export function linkedSources(objects: ReadonlySet<string>): string[] {
  return [...objects].map((o) => o.replace(/\.o$/, '.c')).sort();
}

/** Reads a folder's Makefile (undefined: none, or unreadable). */
export type MakefileReader = (folder: string) => string | undefined;

/**
 * The folder whose driver index holds `file` (an absolute or relative '/'-separated path): the nearest
 * ancestor, up to MAX_MODULE_DEPTH levels, whose Makefile links the file's object into a composite
 * object; else the file's own folder. `objectsOf` answers a folder's composite subfolder objects (the
 * caller caches them: every file of a driver asks the same Makefiles).
 */
export function moduleFolderOf(file: string, objectsOf: (folder: string) => ReadonlySet<string>): string {
  const f = file.replace(/\\/g, '/');
  const slash = f.lastIndexOf('/');
  const own = slash < 0 ? '' : f.slice(0, slash);
  const base = f.slice(slash + 1).replace(/\.c$/, '');
  if (base === f.slice(slash + 1)) return own; // only .c files are objects
  const parts = own ? own.split('/') : [];
  const abs = own.startsWith('/');
  const maxUp = Math.min(MAX_MODULE_DEPTH, abs ? parts.length - 1 : parts.length);
  for (let up = 1; up <= maxUp; up++) {
    const ancestor = parts.slice(0, parts.length - up).join('/');
    const folder = abs && !ancestor ? '/' : ancestor;
    if (objectsOf(folder).has(`${parts.slice(parts.length - up).join('/')}/${base}.o`)) return folder;
  }
  return own;
}

/** The subfolder objects of a folder's Makefile, read once per folder (bounded: a driver tree has few). */
export class ModuleFolders {
  private readonly objects = new Map<string, ReadonlySet<string>>();

  constructor(private readonly read: MakefileReader, private readonly maxFolders = 4096) {}

  objectsOf(folder: string): ReadonlySet<string> {
    let o = this.objects.get(folder);
    if (o) return o;
    let text: string | undefined;
    try {
      text = this.read(folder);
    } catch {
      text = undefined;
    }
    o = text === undefined ? new Set<string>() : compositeSubfolderObjects(text);
    if (this.objects.size >= this.maxFolders) this.objects.clear();
    this.objects.set(folder, o);
    return o;
  }

  folderOf(file: string): string {
    return moduleFolderOf(file, (d) => this.objectsOf(d));
  }

  /** The subfolder .c files (relative to `folder`) its Makefile links into the module: what its index reads besides its own files. */
  subfolderSources(folder: string): string[] {
    return linkedSources(this.objectsOf(folder));
  }
}

/** A driver as the lifecycle stitcher reads it: its folder, the file's name in it, and the subfolder sources its module links. */
export interface ModuleDriver {
  root: string;
  /** the file's path relative to `root` (`hw/ring.c`) */
  self: string;
  /** subfolder .c files relative to `root` that the Makefile links into the module (some may not exist) */
  linked: string[];
}

/** Folder → its Makefile's subfolder objects, being read or read (shared by the lookups of one owner). */
export type ModuleObjectsCache = Map<string, Promise<ReadonlySet<string>>>;

/** Entries a ModuleObjectsCache keeps before it starts over. */
const MAX_KEPT_MAKEFILES = 512;

/** The subfolder objects of a folder's kbuild file, asked of `read` once per folder of `cache`. */
export function moduleObjects(folder: string, read: (folder: string) => Promise<string | undefined>, cache: ModuleObjectsCache): Promise<ReadonlySet<string>> {
  let got = cache.get(folder);
  if (!got) {
    got = read(folder).catch(() => undefined).then((t) => (t === undefined ? new Set<string>() : compositeSubfolderObjects(t)));
    if (cache.size >= MAX_KEPT_MAKEFILES) cache.clear();
    cache.set(folder, got);
  }
  return got;
}

/**
 * The driver of an absolute '/'-separated path, asking `read` for the kbuild files of its folder and of
 * up to MAX_MODULE_DEPTH folders above (each once per `cache`).
 */
export async function moduleDriverOf(file: string, read: (folder: string) => Promise<string | undefined>, cache: ModuleObjectsCache = new Map()): Promise<ModuleDriver> {
  const objects = new Map<string, ReadonlySet<string>>();
  const parts = file.split('/');
  for (let up = 1; up <= MAX_MODULE_DEPTH && parts.length - 1 - up >= 1; up++) {
    const folder = parts.slice(0, parts.length - 1 - up).join('/') || '/';
    objects.set(folder, await moduleObjects(folder, read, cache));
  }
  const root = moduleFolderOf(file, (f) => objects.get(f) ?? new Set()) || (file.startsWith('/') ? '/' : '');
  const linked = linkedSources(await moduleObjects(root, read, cache));
  return { root, self: file.slice(root === '/' ? 1 : root.length + 1), linked };
}

/** The '/'-separated path of `to` relative to the folder `from` (both absolute): `../main.c`. */
export function relativePath(from: string, to: string): string {
  const a = from.split('/').filter(Boolean);
  const b = to.split('/').filter(Boolean);
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return [...a.slice(i).map(() => '..'), ...b.slice(i)].join('/') || '.';
}
