/**
 * The driver rules under kbuild. kbuild runs the checker once per object file, but the driver rules need
 * the records of every file of the driver (the folder, with the subfolder files its Makefile links into the
 * module). Each `dma-scope kbuild` run therefore gathers the records of the driver's other C files: kept on
 * disk between runs (a DiskStore keyed by the file's path, its size and modification time, those of the
 * driver's own headers, and the build's macros), computed (records only, no rules) when missing or stale,
 * so each file is analysed about once per change however many files of its driver kbuild checks; with the
 * build's configuration, files the Makefile does not build under it are left out. The
 * findings of the driver rules on the checked file are returned; those on other files are theirs to report.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { DriverIndex } from '../analysis/driverIndex';
import { checkDriverIndex, type DriverFinding } from '../analysis/driverIndex/check';
import type { FileRecords } from '../analysis/driverIndex/records';
import { checkOneFile, type BatchOptions, type FileResult } from '../node/checkFiles';
import type { AnalysisSession } from '../analysis/session';
import type { SeveritySetting } from '../analysis/rules/types';
import { nodeModuleFolders, readKbuildFileSync } from '../node/moduleFolders';
import { builtObjects } from '../analysis/driverIndex/kbuildModule';
import type { DiskStore } from '../node/headerStore';

/** A driver with more C files than this is indexed up to that many (a note says so). */
export const MAX_KBUILD_DRIVER_FILES = 400;

export interface KbuildDriverResult {
  findings: DriverFinding[];
  /** how the other files' records were had: read from the store, or computed now */
  stored: number;
  computed: number;
  notes: string[];
}

const toPosix = (p: string): string => p.split(path.sep).join('/');

function stampOf(file: string): string | undefined {
  try {
    const st = fs.statSync(file);
    return st.isFile() ? `${st.size}:${st.mtimeMs}` : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The driver's C files besides `self` (absolute), and its own headers' stamps (a changed struct changes the
 * records). With the build's configuration (`enabled`), only files whose objects the driver folder's
 * Makefile builds under it — when that Makefile names the checked file's object at all (lists built
 * through variables are not read: then every file counts).
 */
function driverFiles(self: string, enabled?: (config: string) => boolean): { root: string; others: string[]; headerStamps: string } {
  const modules = nodeModuleFolders(path.parse(self).root);
  const root = path.resolve(modules.folderOf(toPosix(self)) || path.dirname(self));
  let own: string[] = [];
  try {
    own = fs.readdirSync(root, { withFileTypes: true }).filter((e) => e.isFile()).map((e) => e.name);
  } catch {
    // unreadable folder: the checked file alone
  }
  const linked = modules.subfolderSources(toPosix(root)).map((f) => path.join(root, f));
  const headers = own.filter((n) => n.endsWith('.h')).sort().map((n) => `${n}=${stampOf(path.join(root, n))}`).join(';');
  let others = [...own.filter((n) => n.endsWith('.c')).map((n) => path.join(root, n)), ...linked].filter((f) => f !== self && stampOf(f) !== undefined);
  const makefile = enabled ? readKbuildFileSync(root) : undefined;
  const built = makefile !== undefined && enabled ? builtObjects(makefile, enabled) : undefined;
  const objectOf = (f: string): string => toPosix(path.relative(root, f)).replace(/\.c$/, '.o');
  if (built?.has(objectOf(self))) others = others.filter((f) => built.has(objectOf(f)));
  return { root, others: [...new Set(others)].sort(), headerStamps: headers };
}

/**
 * The driver findings on `file` (as kbuild named it, relative to `cwd`), given its own records and the
 * options it was checked with; `store` keeps the other files' records between runs (undefined: computed
 * every time).
 */
export async function kbuildDriverFindings(
  file: string, cwd: string, own: FileRecords, opts: BatchOptions, session: () => Promise<AnalysisSession>,
  store: DiskStore<FileRecords> | undefined, severitiesFor: (file: string) => Record<string, SeveritySetting> | undefined,
): Promise<KbuildDriverResult> {
  const self = path.resolve(cwd, file);
  // with the whole configuration (autoconf.h read), `CONFIG_X` is enabled when it or `CONFIG_X_MODULE` is defined
  const m = opts.macros ?? {};
  const on = (k: string): boolean => m[k] !== undefined && m[k] !== null;
  const { root, others, headerStamps } = driverFiles(self, opts.macrosComplete ? (c) => on(c) || on(`${c}_MODULE`) : undefined);
  const notes: string[] = [];
  const index = new DriverIndex(toPosix(path.relative(cwd, root)) || '.');
  index.setFile(own);
  const macros = crypto.createHash('sha1').update(JSON.stringify([opts.macros ?? {}, opts.macrosComplete ?? false, opts.includePaths ?? [], opts.forcedIncludes ?? []])).digest('hex');
  let stored = 0;
  let computed = 0;
  if (others.length > MAX_KBUILD_DRIVER_FILES) notes.push(`${toPosix(path.relative(cwd, root))} has ${others.length + 1} C files: the driver rules read the first ${MAX_KBUILD_DRIVER_FILES + 1}`);
  for (const abs of others.slice(0, MAX_KBUILD_DRIVER_FILES)) {
    // named as kbuild named the checked file: absolute, or relative to the build folder
    const name = path.isAbsolute(file) ? toPosix(abs) : toPosix(path.relative(cwd, abs));
    const key = crypto.createHash('sha1').update(`${abs}\0${stampOf(abs)}\0${headerStamps}\0${macros}`).digest('hex');
    let records = store?.load(key);
    if (records && typeof records === 'object' && Array.isArray(records.members) && records.file === name) stored++;
    else {
      let r: FileResult;
      try {
        r = await checkOneFile(name, cwd, { ...opts, records: true, recordsOnly: true }, session);
      } catch {
        continue; // unreadable: left out
      }
      // a file that names no DMA API has no records: an empty set is kept so it is not read again
      records = r.records ?? { file: name, members: [], helpers: [], calls: [], functions: [], suppressions: [] };
      computed++;
      store?.save(key, records);
    }
    index.setFile(records);
  }
  notes.push(...index.notes);
  const ownName = own.file;
  const findings = checkDriverIndex(index, { rules: opts.rules, severitiesFor }).findings.filter((f) => f.file === ownName);
  return { findings, stored, computed, notes };
}
