/**
 * One analysis session: the owner of all analysis state. It holds the C parser, the syntax tree of
 * every open document (incrementally reparsed), the checker's per-function result cache, the function
 * and helper summary caches, the struct-layout cache, the facts of headers (by content, with the
 * injected file host that reads them: src/analysis/headers), the run statistics, and a slot per folder
 * for the driver index. Every cache is bounded by an approximate byte budget. The extension, the CLI and the
 * tests each create one; `dispose()` frees the trees and the parser and clears every cache.
 *
 * The modules of src/analysis keep no mutable state of their own: what they cache, they cache in the
 * objects a session hands them (checker.ts CheckState, fileSummary.ts SummaryCaches).
 */
import type { Tree } from 'web-tree-sitter';
import { CParser, DocumentTrees, type CRuntime, type ParseOptions, type TextChange, type WasmBytes } from './parser';
import { BoundedCache } from './boundedCache';
import { checkSource, checkTree, factsAt, functionFacts, type CachedFunction, type CheckOptions, type CheckResult, type CheckState, type RunStats } from './checker';
import type { FnSummary, FunctionFacts } from './facts';
import type { HelperSummary } from './summaries';
import type { StructField } from './fileScope';
import { summarizeFile, type FileSummary } from './fileSummary';
import { functionDefinitions } from './ast';
import { DriverIndex, type IndexLimits } from './driverIndex';
import { collectHeaders, DEFAULT_HEADER_LIMITS, type HeaderLimits, type HeaderState } from './headers/collect';
import { emptyHeaderStats, type HeaderFacts, type HeaderHost, type HeaderStats } from './headers/types';

const MB = 1024 * 1024;

/** Byte budgets of the session's caches (approximate: two bytes per character of keys and strings). */
export interface SessionLimits {
  /** per-function checker results (keys hold the function's text) */
  resultBytes: number;
  /** per-function summaries for the file summary */
  functionSummaryBytes: number;
  /** per-function helper-effect summaries */
  helperSummaryBytes: number;
  /** struct definitions → member layout */
  structBytes: number;
  /** header content → its facts (defines, macros, structs, inline helpers) */
  headerBytes: number;
}

export const DEFAULT_LIMITS: SessionLimits = {
  resultBytes: 48 * MB,
  functionSummaryBytes: 24 * MB,
  helperSummaryBytes: 16 * MB,
  structBytes: 8 * MB,
  headerBytes: 16 * MB,
};

export interface SessionOptions {
  limits?: Partial<SessionLimits>;
  /** parse options for document trees (time limit) */
  parse?: ParseOptions;
  /** reads the headers a checked file includes (none: files are analysed without their headers) */
  headerHost?: HeaderHost;
  /** include depth and byte bounds */
  headerLimits?: Partial<HeaderLimits>;
}

/** A per-folder driver index (src/analysis/driverIndex): keyed by folder, owned and freed by the session like every other piece of analysis state. */
export { DriverIndex } from './driverIndex';

/** Memory held by a session's caches, for the bench and diagnostics. */
export interface SessionMemory {
  documents: number;
  cachedFunctions: number;
  bytes: { results: number; functionSummaries: number; helperSummaries: number; structs: number; headers: number; total: number };
}

export class AnalysisSession {
  private readonly state: CheckState;
  private readonly docs: DocumentTrees;
  /** per-folder driver indexes, by folder path (filled by the driver index; cleared by dispose()) */
  readonly driverIndexes = new Map<string, DriverIndex>();
  private disposed = false;
  private readonly headerState: Omit<HeaderState, 'host' | 'parser'> & { host?: HeaderHost };
  private headerStats: HeaderStats = emptyHeaderStats();

  private constructor(private readonly cparser: CParser, options: SessionOptions = {}) {
    const l = { ...DEFAULT_LIMITS, ...options.limits };
    this.state = {
      results: new BoundedCache<CachedFunction>(l.resultBytes),
      summaries: {
        functions: new BoundedCache<FnSummary>(l.functionSummaryBytes),
        helpers: new BoundedCache<HelperSummary | null>(l.helperSummaryBytes),
        structs: new BoundedCache<StructField[]>(l.structBytes),
      },
      stats: { analysed: 0, cached: 0, skipped: 0 },
    };
    this.docs = new DocumentTrees(cparser, options.parse);
    this.headerState = {
      host: options.headerHost,
      facts: new BoundedCache<HeaderFacts>(l.headerBytes),
      roots: new BoundedCache<{ root: string | null }>(MB, 4096),
      makeDirs: new BoundedCache<{ dirs: string[] }>(MB, 4096),
      stamps: new BoundedCache<{ stamp: string; key: string; chars: number }>(4 * MB),
      caches: this.state.summaries,
      limits: { ...DEFAULT_HEADER_LIMITS, ...options.headerLimits },
    };
  }

  /** Sets (or removes) the host that reads headers, e.g. when the editor's workspace changes. */
  setHeaderHost(host: HeaderHost | undefined): void {
    this.headerState.host = host;
    this.headerState.facts.clear();
    this.headerState.stamps.clear();
    this.headerState.roots.clear();
    this.headerState.makeDirs?.clear();
  }

  /** How include resolution went in the last check (resolved, unresolved, skipped…). */
  get lastHeaderStats(): Readonly<HeaderStats> {
    return this.headerStats;
  }

  /**
   * The facts of the headers a file includes, through the session's host and content cache; none when
   * there is no host, no path, or `headers: false`. Never throws: what cannot be read is skipped.
   */
  headersFor(text: string, opts: CheckOptions = {}): HeaderFacts[] {
    this.headerStats = emptyHeaderStats();
    const path = opts.headerPath ?? opts.file;
    const host = this.headerState.host;
    if (!host || !path || opts.headers === false) return [];
    const r = collectHeaders(path, text, opts, { ...this.headerState, host, parser: this.cparser });
    this.headerStats = r.stats;
    return r.headers;
  }

  /** A session with its own parser, from the wasm bytes of web-tree-sitter and the C grammar. */
  static async create(source: WasmBytes | CRuntime, options?: SessionOptions): Promise<AnalysisSession> {
    return new AnalysisSession(await CParser.create(source), options);
  }

  /** The session's parser (for callers that parse other text, e.g. headers for lifecycle extraction). */
  get parser(): CParser {
    this.assertLive();
    return this.cparser;
  }

  /** How the last check went: functions analysed, served from the cache, skipped by the prefilter. */
  get stats(): Readonly<RunStats> {
    return this.state.stats;
  }

  /** Parses and checks a text (no document kept). Parse failures are reported in `errors`. */
  check(text: string, opts: CheckOptions = {}): CheckResult {
    this.assertLive();
    return checkSource(this.cparser, text, opts, this.state, this.headersFor(text, opts));
  }

  /** Checks an already parsed tree (the caller owns it). */
  checkTree(tree: Tree, text: string, opts: CheckOptions = {}): CheckResult {
    this.assertLive();
    return checkTree(tree, text, opts, this.state, this.headersFor(text, opts));
  }

  /**
   * The current tree of a document, reparsed incrementally against the previous text when the
   * document is already open. The session owns the tree (closeDocument / dispose delete it).
   * Throws ParseTimeoutError when the parse is over the time limit (the document is then closed).
   */
  updateDocument(uri: string, text: string, version = 0): Tree {
    this.assertLive();
    return this.docs.replace(uri, text, version);
  }

  /** Applies editor changes to an open document and reparses incrementally. */
  applyChanges(uri: string, changes: readonly TextChange[], version = 0): Tree {
    this.assertLive();
    return this.docs.update(uri, changes, version);
  }

  /** Brings a document's tree up to date and checks it (function results cached across edits). */
  checkDocument(uri: string, text: string, version = 0, opts: CheckOptions = {}): CheckResult {
    const tree = this.updateDocument(uri, text, version);
    return checkTree(tree, text, opts, this.state, this.headersFor(text, opts));
  }

  /** The open document's text, tree and version. */
  document(uri: string): { text: string; tree: Tree; version: number } | undefined {
    return this.docs.get(uri);
  }

  closeDocument(uri: string): void {
    this.docs.close(uri);
  }

  /** Facts of every function of a tree (hover, the dmesg explainer), with the session's summary caches; `include`: read its headers too. */
  functionFacts(tree: Tree, text: string, file?: string, include?: CheckOptions): FunctionFacts[] {
    return functionFacts(tree, text, file, this.state.summaries, include ? this.headersFor(text, { file, ...include }) : undefined);
  }

  /** The file-level summary of a tree's functions (e.g. for handle hovers), through the session's per-function summary cache. */
  fileSummary(tree: Tree, text: string): FileSummary {
    this.assertLive();
    return summarizeFile(tree.rootNode, functionDefinitions(tree), text, this.state.summaries);
  }

  /** The facts of the function containing an offset. */
  factsAt(tree: Tree, text: string, offset: number, file?: string, include?: CheckOptions): FunctionFacts | undefined {
    return factsAt(tree, text, offset, file, this.state.summaries, include ? this.headersFor(text, { file, ...include }) : undefined);
  }

  /** The driver index of a folder, created empty on first use (the session owns it; dispose() clears it). */
  driverIndex(folder: string, limits?: Partial<IndexLimits>): DriverIndex {
    this.assertLive();
    let ix = this.driverIndexes.get(folder);
    if (!ix) this.driverIndexes.set(folder, (ix = new DriverIndex(folder, limits)));
    return ix;
  }

  /** Drops every cached result and summary (open documents stay); e.g. when settings change. */
  clearCaches(): void {
    this.state.results.clear();
    this.state.summaries.functions.clear();
    this.state.summaries.helpers.clear();
    this.state.summaries.structs.clear();
    this.headerState.facts.clear();
    this.headerState.stamps.clear();
    this.headerState.roots.clear();
    this.headerState.makeDirs?.clear();
  }

  memory(): SessionMemory {
    const s = this.state;
    const bytes = {
      results: s.results.bytes,
      functionSummaries: s.summaries.functions.bytes,
      helperSummaries: s.summaries.helpers.bytes,
      structs: s.summaries.structs.bytes,
      headers: this.headerState.facts.bytes,
      total: 0,
    };
    bytes.total = bytes.results + bytes.functionSummaries + bytes.helperSummaries + bytes.structs + bytes.headers;
    return { documents: this.docs.size, cachedFunctions: s.results.size, bytes };
  }

  /**
   * What the session holds beyond its caches: the parser's wasm linear memory (it grows to the largest
   * parse's high-water mark and never shrinks) and the folders' driver indexes.
   */
  footprint(): { wasmHeapBytes: number | undefined; driverIndexes: { folders: number; files: number; records: number; bytes: number } } {
    let files = 0;
    let records = 0;
    let bytes = 0;
    for (const ix of this.driverIndexes.values()) {
      files += ix.fileCount;
      records += ix.recordCount;
      bytes += ix.approxBytes();
    }
    return { wasmHeapBytes: this.disposed ? undefined : this.cparser.heapBytes, driverIndexes: { folders: this.driverIndexes.size, files, records, bytes } };
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  /** Deletes every tree and the parser, and clears every cache and index. The session is unusable after. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.docs.dispose();
    this.clearCaches();
    this.driverIndexes.clear();
    this.cparser.delete();
  }

  private assertLive(): void {
    if (this.disposed) throw new Error('the analysis session was disposed');
  }
}
