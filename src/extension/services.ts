/**
 * Shared state of the extension: the output channel, the parser (created on
 * the first C document, never at activation), and one syntax tree per open C
 * document kept up to date with incremental reparses.
 */
import * as vscode from 'vscode';
import { CParser, DocumentTrees, WasmBytes, Tree } from '../analysis/parser';

export interface DocTree {
  text: string;
  tree: Tree;
  version: number;
}

export class Services implements vscode.Disposable {
  readonly output: vscode.OutputChannel;
  private parserPromise: Promise<CParser> | undefined;
  private trees: DocumentTrees | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly reported = new Set<string>();
  /** fired after a C document's tree was (re)built */
  private readonly treeChanged = new vscode.EventEmitter<vscode.TextDocument>();
  readonly onDidChangeTree = this.treeChanged.event;

  constructor(readonly context: vscode.ExtensionContext) {
    this.output = vscode.window.createOutputChannel('DMA Scope');
    this.disposables.push(this.output, this.treeChanged);
    this.disposables.push(
      vscode.workspace.onDidCloseTextDocument((d) => this.trees?.close(d.uri.toString())),
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

  parser(): Promise<CParser> {
    this.parserPromise ??= this.loadWasm().then((w) => CParser.create(w));
    return this.parserPromise;
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
    if (text.length > this.maxFileSize) {
      this.trees?.close(key);
      return undefined;
    }
    const parser = await this.parser();
    this.trees ??= new DocumentTrees(parser);
    const cur = this.trees.get(key);
    if (cur && cur.version === doc.version && cur.text.length === text.length) return cur;
    try {
      const tree = cur ? this.trees.replace(key, text, doc.version) : this.trees.open(key, text, doc.version);
      this.treeChanged.fire(doc);
      return { text, tree, version: doc.version };
    } catch (e) {
      this.reportOnce(`parse:${key}`, `DMA Scope could not parse ${doc.uri.fsPath || doc.uri.toString()}`, e);
      return undefined;
    }
  }

  dispose(): void {
    this.trees?.dispose();
    for (const d of this.disposables) d.dispose();
  }
}
