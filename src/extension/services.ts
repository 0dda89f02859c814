/**
 * Shared state of the extension: the output channel and the analysis session (created on the first C
 * document, never at activation), which owns the parser, one syntax tree per open C document kept up
 * to date with incremental reparses, and every analysis cache.
 */
import * as vscode from 'vscode';
import type { CParser, WasmBytes, Tree } from '../analysis/parser';
import { AnalysisSession } from '../analysis/session';
import { withinSizeLimit } from './fileFilter';
import type { IncludeOptions } from '../analysis/headers/types';

export interface DocTree {
  text: string;
  tree: Tree;
  version: number;
}

export class Services implements vscode.Disposable {
  readonly output: vscode.OutputChannel;
  private sessionPromise: Promise<AnalysisSession> | undefined;
  private live: AnalysisSession | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly reported = new Set<string>();

  constructor(readonly context: vscode.ExtensionContext) {
    this.output = vscode.window.createOutputChannel('DMA Scope');
    this.disposables.push(this.output);
    this.disposables.push(
      vscode.workspace.onDidCloseTextDocument((d) => this.live?.closeDocument(d.uri.toString())),
    );
  }

  static isC(doc: vscode.TextDocument): boolean {
    return doc.languageId === 'c' || /\.[ch]$/i.test(doc.uri.path);
  }

  get maxFileSize(): number {
    return vscode.workspace.getConfiguration('dmaScope').get<number>('maxFileSize', 2 * 1024 * 1024);
  }

  private async loadWasm(): Promise<WasmBytes> {
    const dist = vscode.Uri.joinPath(this.context.extensionUri, 'dist');
    const [treeSitter, language] = await Promise.all([
      vscode.workspace.fs.readFile(vscode.Uri.joinPath(dist, 'tree-sitter.wasm')),
      vscode.workspace.fs.readFile(vscode.Uri.joinPath(dist, 'tree-sitter-c.wasm')),
    ]);
    return { treeSitter, language };
  }

  /** The extension's analysis session, created on first use. */
  session(): Promise<AnalysisSession> {
    this.sessionPromise ??= this.loadWasm()
      .then(async (w) => AnalysisSession.create(w, { headerHost: await this.headerHost() }))
      .then((s) => (this.live = s));
    return this.sessionPromise;
  }

  /**
   * Desktop: headers are read from disk (synchronously, like the CLI; an unreadable one is skipped). The
   * web extension host has no synchronous file access, so there files are checked without their headers.
   */
  private async headerHost(): Promise<import('../analysis/headers/types').HeaderHost | undefined> {
    if (process.env.DMA_SCOPE_WEB) return undefined;
    try {
      return (await import('../node/headerHost')).nodeHeaderHost();
    } catch {
      return undefined;
    }
  }

  /** Where a document's includes are looked up: its own path on disk, then the kernel tree above it, then the workspace folders. */
  static includeOptions(doc: vscode.TextDocument): IncludeOptions {
    if (doc.uri.scheme !== 'file') return { headers: false };
    const posix = (p: string): string => p.replace(/\\/g, '/');
    return {
      headerPath: posix(doc.uri.fsPath),
      includeRoots: (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => posix(f.uri.fsPath)),
    };
  }

  async parser(): Promise<CParser> {
    return (await this.session()).parser;
  }

  /** Logs an internal error once per key (file + what failed) to the output channel. */
  reportOnce(key: string, message: string, err?: unknown): void {
    if (this.reported.has(key)) return;
    this.reported.add(key);
    const e = err as Error | undefined;
    this.output.appendLine(`[${new Date().toISOString()}] ${message}${e ? `: ${e.message ?? e}` : ''}`);
    if (e?.stack) this.output.appendLine(e.stack);
  }

  /**
   * The current tree of a C document, reparsed incrementally if the document
   * changed since the last call. Returns undefined for non-C, oversized or
   * unparseable documents (the reason is logged once).
   */
  async tree(doc: vscode.TextDocument): Promise<DocTree | undefined> {
    if (!Services.isC(doc)) return undefined;
    const key = doc.uri.toString();
    const text = doc.getText();
    if (!withinSizeLimit(text.length, this.maxFileSize)) {
      this.live?.closeDocument(key);
      return undefined;
    }
    const session = await this.session();
    const cur = session.document(key);
    if (cur && cur.version === doc.version && cur.text.length === text.length) return cur;
    try {
      const tree = session.updateDocument(key, text, doc.version);
      return { text, tree, version: doc.version };
    } catch (e) {
      this.reportOnce(`parse:${key}`, `DMA Scope could not parse ${doc.uri.fsPath || doc.uri.toString()}`, e);
      return undefined;
    }
  }

  dispose(): void {
    this.live?.dispose();
    // a session still loading when the extension deactivates is disposed once it exists
    void this.sessionPromise?.then((s) => s.dispose(), () => undefined);
    for (const d of this.disposables) d.dispose();
  }
}
