/**
 * The driver's other files for a stitched lifecycle (src/analysis/lifecycle/stitch.ts): the bounded
 * search of the .c files of the document's folder, with the driver's own headers each includes. One
 * search for every front end, each handing in how it reads its folder: the CLI (`lifecycle`, `replay`)
 * and the language server's node host through src/node/driverFolder.ts (the disk), the VS Code
 * extension through its workspace file system (desktop and web).
 *
 * Pure: no Node built-ins, no `vscode`; the I/O is the caller's FolderIO.
 */
import { localIncludes } from '../analysis/lifecycle';

/** Bounds on the other files of a folder searched for the rest of a buffer's life. */
export const MAX_DRIVER_FILES = 64;
export const MAX_DRIVER_CHARS = 8 * 1024 * 1024;

/** How a front end reads the document's folder. Names are relative to the folder, '/'-separated. */
export interface FolderIO {
  /** the names of the regular files of the driver: those directly in the folder, and the subfolder files its module links (`hw/ring.c`) (any order; unreadable folder: none) */
  files(): Promise<string[]>;
  /** a file's text, or undefined when it cannot be read or is over the front end's size limit */
  read(name: string): Promise<string | undefined>;
}

/** One other file of the driver, as the stitcher takes it (before parsing). */
export interface DriverSource {
  /** its name in the folder */
  name: string;
  text: string;
  /** texts of the local headers it includes (`#include "…"`), resolved next to it */
  headers: string[];
}

export interface DriverSearch {
  files: DriverSource[];
  /** .c files left out: unreadable, too large, or past the bounds */
  skipped: number;
}

/** `a/./b/../c.h` → `a/c.h`; a path above the folder keeps its leading `..`. */
export function normalizeRelative(p: string): string {
  const out: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..' && out.length && out[out.length - 1] !== '..') out.pop();
    else out.push(part);
  }
  return out.join('/');
}

/** Reads a folder's files and their local headers (each header read once). */
export class DriverFolder {
  private readonly headerCache = new Map<string, Promise<string | undefined>>();

  constructor(private readonly io: FolderIO, private readonly bounds: { maxFiles: number; maxChars: number } = { maxFiles: MAX_DRIVER_FILES, maxChars: MAX_DRIVER_CHARS }) {}

  /**
   * The texts of the local headers a text of the folder includes (a missing one only costs a size or a
   * struct); `from`: the including file's name when it is in a subfolder (`hw/ring.c`), whose includes
   * are resolved next to it.
   */
  async headersOf(text: string, from = ''): Promise<string[]> {
    const out: string[] = [];
    const dir = from.includes('/') ? from.slice(0, from.lastIndexOf('/') + 1) : '';
    for (const inc of localIncludes(text)) {
      const name = normalizeRelative(dir + inc);
      let got = this.headerCache.get(name);
      if (!got) {
        got = this.io.read(name).catch(() => undefined);
        this.headerCache.set(name, got);
      }
      const h = await got;
      if (h !== undefined) out.push(h);
    }
    return out;
  }

  /**
   * The folder's .c files other than `self`, in name order, at most maxFiles and maxChars in all; with
   * `only`, just those names (what the driver index says touches the buffer's member).
   */
  async sources(self: string, only?: ReadonlySet<string>): Promise<DriverSearch> {
    let names: string[] = [];
    try {
      names = (await this.io.files()).filter((n) => n.endsWith('.c') && n !== self && (!only || only.has(n)));
    } catch {
      // an unreadable folder: the document's file only
    }
    names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const files: DriverSource[] = [];
    let chars = 0;
    let skipped = 0;
    for (const name of names) {
      if (files.length >= this.bounds.maxFiles) {
        skipped++;
        continue;
      }
      let text: string | undefined;
      try {
        text = await this.io.read(name);
      } catch {
        text = undefined;
      }
      if (text === undefined || chars + text.length > this.bounds.maxChars) {
        skipped++;
        continue;
      }
      chars += text.length;
      files.push({ name, text, headers: await this.headersOf(text, name) });
    }
    return { files, skipped };
  }
}

/** The replay's title: the buffer and its function, or the functions it was followed through. */
export function lifecycleTitle(r: { name: string; functionName: string; stitched?: readonly { name: string }[] }): string {
  return r.stitched ? `${r.name}: ${r.stitched.map((f) => `${f.name}()`).join(' → ')}` : `${r.name} in ${r.functionName}()`;
}
