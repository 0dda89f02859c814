/** Shapes of the header support: the injected file host, the include options, per-header facts, statistics. */
import type { StructField } from '../fileScope';
import type { HelperSummary } from '../summaries';

/**
 * File access for include resolution, injected by the caller (src/node/headerHost.ts in the CLI and the
 * desktop extension). Paths are '/'-separated; neither method may throw.
 */
export interface HeaderHost {
  /** the file's text, or undefined when it cannot be read */
  readFile(path: string): string | undefined;
  /** a file or folder exists at this path */
  exists(path: string): boolean;
  /**
   * Size and modification stamp without reading the file (optional): huge generated headers are then
   * skipped unread, and an unchanged header is not read again to find its cached facts.
   */
  stat?(path: string): { size: number; stamp: string } | undefined;
  /**
   * Facts kept between processes (optional): what an earlier process of this same analysis build found
   * in a header's content, by the content key ('d' or 'p' + contentHash). Asked before a header is
   * analysed; given every header the session analyses. A failing store only costs the analysis.
   */
  loadFacts?(key: string): HeaderFacts | undefined;
  saveFacts?(key: string, facts: HeaderFacts): void;
}

/** Where includes are looked up (the fields of CheckOptions that concern headers). */
export interface IncludeOptions {
  /** the file's path for include resolution (absolute, '/'-separated); default CheckOptions.file */
  headerPath?: string;
  /** kbuild's `-I` list, in order: when given, exactly these folders (relative ones against the kernel root) replace the default kernel folders */
  includePaths?: string[];
  /** kbuild's `-include` files, read before the file's own includes */
  forcedIncludes?: string[];
  /** further folders searched after the kernel's (the editor's workspace folders) */
  includeRoots?: string[];
  /** the architecture whose `arch/<arch>/include` is searched (default x86) */
  arch?: string;
  /** false: analyse the file without its headers */
  headers?: boolean;
}

/** Read access to #define values, name → value text (a ReadonlyMap satisfies it; what a constant folder consumes). */
export interface DefineLookup {
  get(name: string): string | undefined;
  has(name: string): boolean;
}

/** One `#include` directive. */
export interface IncludeDirective {
  path: string;
  /** `<…>` rather than `"…"` */
  system: boolean;
  /** 1-based line */
  line: number;
}

/** A function-like macro whose body is one DMA-API call: `#define foo_map(d, p, s) dma_map_single(d, p, s, DMA_TO_DEVICE)`. */
export interface DmaMacro {
  name: string;
  /** the catalogue entry the body calls */
  target: string;
  params: string[];
  /** per argument of the target call: the macro parameter passed straight through, or an expression text (parameters substituted at the call) */
  args: ({ param: number } | { text: string })[];
}

/** What one header contributes (plain data: no syntax nodes; cached by content in the session). */
export interface HeaderFacts {
  includes: IncludeDirective[];
  /** object-like `#define NAME value` (names defined twice with different values are left out) */
  defines: Map<string, string>;
  macros: DmaMacro[];
  /** names of the structs the header defines (read from the text), and whether it names a DMA-API entry: whether a parse is worth it */
  structNames: string[];
  dmaApi: boolean;
  /** parsed headers only (the driver's own): struct layouts, inline DMA helpers, helpers that check a handle, prototypes */
  structs?: [string, StructField[]][];
  helpers?: HelperSummary[];
  checksParam?: [string, number[]][];
  dmaFunctions?: string[];
  prototypes?: string[];
  /** approximate bytes held, for the cache budget */
  bytes: number;
}

/** Include resolution counts of one check (summed by the CLI under --debug). */
export interface HeaderStats {
  /** directives resolved to a file that was read */
  resolved: number;
  /** directives no search folder holds (skipped) */
  unresolved: number;
  /** headers read (after the byte and size limits) */
  read: number;
  /** headers served from the session's content cache */
  cached: number;
  /** headers whose facts came from the host's store (loadFacts), kept by an earlier process */
  stored: number;
  /** headers over the size limit, skipped unread */
  huge: number;
  /** includes not followed: depth limit, total-byte limit, include cycles */
  depthLimited: number;
  bytesLimited: number;
  cycles: number;
  /** one line per bounded event (at most a few), e.g. the huge header skipped */
  notes: string[];
  /** the include names that did not resolve (the first few), e.g. `<generated/autoconf.h>` */
  missing: string[];
}

export function emptyHeaderStats(): HeaderStats {
  return { resolved: 0, unresolved: 0, read: 0, cached: 0, stored: 0, huge: 0, depthLimited: 0, bytesLimited: 0, cycles: 0, notes: [], missing: [] };
}

/** Adds b's counts into a (the CLI sums per-file stats). */
export function addHeaderStats(a: HeaderStats, b: HeaderStats, maxNotes = 20): void {
  a.resolved += b.resolved;
  a.unresolved += b.unresolved;
  a.read += b.read;
  a.cached += b.cached;
  a.stored += b.stored;
  a.huge += b.huge;
  a.depthLimited += b.depthLimited;
  a.bytesLimited += b.bytesLimited;
  a.cycles += b.cycles;
  for (const n of b.notes) if (a.notes.length < maxNotes && !a.notes.includes(n)) a.notes.push(n);
  for (const n of b.missing) a.missing.push(n);
}
