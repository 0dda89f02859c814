/**
 * The language server's one door into the analysis core. Everything the
 * server needs from src/analysis (documents and their trees, diagnostics,
 * hover, quick fixes, lens targets, lifecycles) goes through this class, so
 * that moving to the analysis session object (branch `core`) changes this
 * file only; it holds one AnalysisSession (the parser, the trees, every cache).
 * Offsets are UTF-16 string offsets, as in LSP positions.
 *
 * Protocol-free and Node-free: the node (stdio) and browser (worker) entries
 * both use it.
 */
import type { WasmBytes, Tree } from '../analysis/parser';
import type { Finding, CheckError } from '../analysis/checker';
import { AnalysisSession, type SessionMemory, type SessionOptions } from '../analysis/session';
import { documentHoverAt, HandleHoverCache } from '../analysis/handleHover';
import type { FileSummary } from '../analysis/fileSummary';
import { quickFixesFor, QuickFix } from '../analysis/quickFixes';
import { extractLifecycle, functionAt, HeaderTree, lifecycleTargets, LifecycleTarget, localIncludes, offsetOfLine, StitchCandidate, StitchedFunction } from '../analysis/lifecycle';
import { functionName } from '../analysis/ast';
import { lifecycleTitle } from './driverFolder';
import type { SeveritySetting } from '../analysis/rules/types';
import type { FileRecords } from '../analysis/driverIndex/records';
import { checkDriverIndex, type DriverFinding } from '../analysis/driverIndex/check';
import type { DriverIndex, IndexLimits } from '../analysis/driverIndex';

export type { Finding, CheckError, QuickFix, LifecycleTarget, DriverFinding, FileRecords, StitchedFunction };

/** One of the driver's other files for a stitched lifecycle, before parsing. */
export interface LifecycleCandidate {
  /** as the trace names it (relative to the document's folder) */
  file: string;
  text: string;
  /** texts of the local headers it includes */
  headers?: string[];
}

export interface AnalysisDiagnostics {
  version: number;
  findings: Finding[];
  /** internal errors (a failing rule, a failed analysis); the server logs each rule once */
  errors: CheckError[];
  /** with a headerPath: the file's driver records (their `file` is that absolute path), for the folder's driver index */
  records?: FileRecords;
}

export interface AnalysisHover {
  markdown: string;
  start: number;
  end: number;
}

interface Doc {
  text: string;
  version: number;
  /** findings of `version` (code actions read their fixes from here) */
  findings?: { version: number; list: Finding[] };
  /** per-function analyses for handle hovers, valid for `version` only */
  hoverCache?: { version: number; map: HandleHoverCache; summary?: FileSummary };
}

export class AnalysisAdapter {
  private sessionPromise: Promise<AnalysisSession> | undefined;
  private session: AnalysisSession | undefined;
  private readonly docs = new Map<string, Doc>();

  constructor(private readonly loadWasm: () => Promise<WasmBytes>, private readonly sessionOptions: SessionOptions = {}) {}

  private async ready(): Promise<AnalysisSession> {
    this.sessionPromise ??= this.loadWasm().then((w) => AnalysisSession.create(w, this.sessionOptions)).then((s) => (this.session = s));
    return this.sessionPromise;
  }

  /** Starts loading the parser (the first document does not pay for it). */
  warmUp(): Promise<void> {
    return this.ready().then(() => undefined);
  }

  /** Records a document's text; the tree is (re)built lazily, incrementally against the previous one. */
  open(uri: string, text: string, version: number): void {
    this.docs.set(uri, { text, version });
  }

  update(uri: string, text: string, version: number): void {
    const d = this.docs.get(uri);
    if (d) {
      d.text = text;
      d.version = version;
      d.hoverCache = undefined;
    } else this.docs.set(uri, { text, version });
  }

  close(uri: string): void {
    this.docs.delete(uri);
    if (this.session && !this.session.isDisposed) this.session.closeDocument(uri);
  }

  isOpen(uri: string): boolean {
    return this.docs.has(uri);
  }

  /** The tree of the document's current text (incremental reparse when it changed). */
  private async tree(uri: string): Promise<{ tree: Tree; text: string; version: number } | undefined> {
    const d = this.docs.get(uri);
    if (!d) return undefined;
    const session = await this.ready();
    const cur = session.document(uri);
    if (cur && cur.version === d.version && cur.text === d.text) return { tree: cur.tree, text: d.text, version: d.version };
    const tree = session.updateDocument(uri, d.text, d.version);
    return { tree, text: d.text, version: d.version };
  }

  /** Checks the current text. Returns undefined when the document was closed meanwhile. */
  async diagnostics(uri: string, opts: { severities: Record<string, SeveritySetting>; file?: string; headerPath?: string; records?: boolean }): Promise<AnalysisDiagnostics | undefined> {
    const t = await this.tree(uri);
    const d = this.docs.get(uri);
    if (!t || !d) return undefined;
    const session = await this.ready();
    const r = session.checkTree(t.tree, t.text, { severities: opts.severities, file: opts.file, ...(opts.headerPath ? { headerPath: opts.headerPath, records: opts.records !== false } : {}) });
    d.findings = { version: t.version, list: r.findings };
    const records = r.records && opts.headerPath ? { ...r.records, file: opts.headerPath } : undefined;
    return { version: t.version, findings: r.findings, errors: r.errors, ...(records ? { records } : {}) };
  }

  /**
   * The driver records of a file that is not open (the background driver index): parsed, analysed for
   * records only (no rule runs) and dropped; `file` is its absolute path. Undefined when the file cannot be analysed.
   */
  async records(file: string, text: string, rel?: string): Promise<FileRecords | undefined> {
    const session = await this.ready();
    const r = session.check(text, { file: rel ?? file, headerPath: file, recordsOnly: true });
    return r.records ? { ...r.records, file } : undefined;
  }

  /** The session's driver index of a folder (created empty on first use). */
  async driverIndex(folder: string, limits?: Partial<IndexLimits>): Promise<DriverIndex> {
    return (await this.ready()).driverIndex(folder, limits);
  }

  /** The session's driver index of a folder if there is one (no session is started for it). */
  peekDriverIndex(folder: string): DriverIndex | undefined {
    return this.session && !this.session.isDisposed ? this.session.driverIndexes.get(folder) : undefined;
  }

  /** The driver rules' findings over a folder's index. */
  driverFindings(index: DriverIndex, severitiesFor: (file: string) => Record<string, SeveritySetting> | undefined): DriverFinding[] {
    return checkDriverIndex(index, { severitiesFor }).findings;
  }

  async hover(uri: string, offset: number, ruleLink?: (ruleId: string) => string): Promise<AnalysisHover | undefined> {
    const t = await this.tree(uri);
    const d = this.docs.get(uri);
    if (!t || !d) return undefined;
    if (!d.hoverCache || d.hoverCache.version !== t.version || d.text !== t.text) d.hoverCache = { version: t.version, map: new Map() };
    const hc = d.hoverCache;
    const session = await this.ready();
    // one file summary per version, shared by every function hovered in it
    const h = documentHoverAt(t.tree, t.text, offset, hc.map, ruleLink, () => (hc.summary ??= session.fileSummary(t.tree, t.text)));
    return h ? { markdown: h.markdown, start: h.start, end: h.end } : undefined;
  }

  /** Quick fixes for one diagnostic of the current text (rule id + range as offsets). */
  quickFixes(uri: string, diag: { rule: string; start: number; end: number }): QuickFix[] {
    const d = this.docs.get(uri);
    if (!d) return [];
    const findings = d.findings && d.findings.version === d.version ? d.findings.list : [];
    return quickFixesFor(d.text, findings, diag);
  }

  /** Map and allocation calls, where "Replay lifecycle" lenses go. */
  async lensTargets(uri: string): Promise<LifecycleTarget[]> {
    const t = await this.tree(uri);
    return t ? lifecycleTargets(t.tree) : [];
  }

  /**
   * The lifecycle (a .dmatrace) of the buffer at an offset of an open document, followed through the
   * functions of `candidates` (the driver's other files) that touch the struct member holding it
   * (src/analysis/lifecycle/stitch.ts). The candidates and all headers are parsed for this call only.
   * Throws LifecycleError with a user-facing reason when there is none.
   */
  async lifecycle(uri: string, offset: number, opts: { file?: string; buffer?: string; headers?: string[]; candidates?: LifecycleCandidate[] } = {}): Promise<{ trace: string; title: string; stitched?: StitchedFunction[] }> {
    const t = await this.tree(uri);
    if (!t) throw new Error(`document not open: ${uri}`);
    const session = await this.ready();
    const trees: Tree[] = [];
    const parse = (text: string): Tree => {
      const tree = session.parser.parse(text);
      trees.push(tree);
      return tree;
    };
    // a header included by several files is parsed once
    const parsed = new Map<string, HeaderTree>();
    const headerTrees = (texts: readonly string[] = []): HeaderTree[] => texts.map((h) => {
      let got = parsed.get(h);
      if (!got) parsed.set(h, (got = { text: h, tree: parse(h) }));
      return got;
    });
    try {
      const candidates: StitchCandidate[] = (opts.candidates ?? []).map((c) => ({ file: c.file, text: c.text, tree: parse(c.text), headers: c.headers ?? [], headerTrees: headerTrees(c.headers) }));
      const r = extractLifecycle({ text: t.text, tree: t.tree, offset, file: opts.file, buffer: opts.buffer, headers: opts.headers, stitch: { candidates, headerTrees: headerTrees(opts.headers) } });
      return { trace: r.trace, title: lifecycleTitle(r), ...(r.stitched ? { stitched: r.stitched.map(({ cursor: _c, ...f }) => f) } : {}) };
    } finally {
      for (const tr of trees) tr.delete();
    }
  }

  /**
   * What a folder's driver index knows of where the buffer at an offset goes on: the files (absolute
   * paths, other than `file`) with records of the struct members the function at the offset records
   * (directly, or through a helper of another file). Undefined when the index cannot tell (no index of
   * the folder, the file not in it, or the function records no full member key): then the caller
   * searches the folder.
   */
  async stitchFiles(uri: string, offset: number, folder: string, file: string): Promise<string[] | undefined> {
    const index = this.peekDriverIndex(folder);
    const t = await this.tree(uri);
    if (!index || !index.hasFile(file) || !t) return undefined;
    let fname: string;
    try {
      fname = functionName(functionAt({ text: t.text, tree: t.tree, offset })) ?? '';
    } catch {
      return undefined; // not in a function: the extraction says why
    }
    // the members holding DMA handles (the buffer's own pointer is followed where the handle is)
    const keys = new Set<string>();
    for (const m of index.members()) if (m.file === file && m.function === fname && m.container) keys.add(m.key);
    if (!keys.size) return undefined;
    const files = new Set<string>();
    for (const k of keys) {
      for (const m of index.recordsOf(k)) {
        files.add(m.file);
        if (m.helper) files.add(m.helper.file);
      }
    }
    files.delete(file);
    return [...files].sort();
  }

  text(uri: string): string | undefined {
    return this.docs.get(uri)?.text;
  }

  static offsetOfLine(text: string, line: number): number {
    return offsetOfLine(text, line);
  }

  /** The quoted `#include "…"` names of a text (the driver's own headers, read for sizes). */
  static localIncludes(text: string): string[] {
    return localIncludes(text);
  }

  /** The session's cache bytes, wasm memory and driver-index sizes (the bench's memory split); undefined before the parser loads. */
  memory(): (SessionMemory & ReturnType<AnalysisSession['footprint']>) | undefined {
    const s = this.session;
    return s && !s.isDisposed ? { ...s.memory(), ...s.footprint() } : undefined;
  }

  get openCount(): number {
    return this.docs.size;
  }

  dispose(): void {
    this.session?.dispose();
    this.docs.clear();
  }
}
