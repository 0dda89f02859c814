/**
 * `DMA Scope: Explain DMA-API Log`: reads a kernel log (the selection, else
 * the active editor when it holds a log, else the clipboard, else a file the
 * user picks), finds the dma-debug reports,
 * and lists them in the "DMA-API Log Reports" view: report → explanation and
 * source locations. Clicking a location opens the code at that line with the
 * explanation (and the static diagnostics there) shown beside it.
 */
import * as vscode from 'vscode';
import { Services } from './services';
import { CHECKS, KernelLogReport, parseKernelLog, FindingLike, FindingsFn, SourceLocation, SourceText, checkerFindings, locateReports, wantedFunctions, explainReport } from '../analysis/dmaDebugLog';

const VIEW_ID = 'dmaScope.logReports';
const OPEN_CMD = 'dmaScope.explainLog.open';
const CLEAR_CMD = 'dmaScope.explainLog.clear';
const CONTEXT_KEY = 'dmaScope.hasLogReports';
const EXCLUDE = '{**/node_modules/**,**/.git/**,**/out/**,**/dist/**,**/.cache/**,**/.vscode-test/**}';
const MAX_FILES = 20000;

interface Explained {
  report: KernelLogReport;
  explanation: string;
  locations: { loc: SourceLocation; uri: vscode.Uri }[];
}

type Node =
  | { kind: 'report'; item: Explained; index: number }
  | { kind: 'explanation'; item: Explained }
  | { kind: 'location'; item: Explained; loc: SourceLocation; uri: vscode.Uri }
  | { kind: 'note'; text: string };

const ROLE_LABEL: Record<SourceLocation['role'], string> = {
  trigger: 'the call that tripped the check',
  caller: 'caller',
  'mapped-at': 'mapped here',
};

class ReportTree implements vscode.TreeDataProvider<Node> {
  private items: Explained[] = [];
  private readonly changed = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;

  set(items: Explained[]): void {
    this.items = items;
    this.changed.fire(undefined);
  }

  get reports(): readonly Explained[] {
    return this.items;
  }

  getChildren(node?: Node): Node[] {
    if (!node) return this.items.map((item, index) => ({ kind: 'report', item, index }));
    if (node.kind !== 'report') return [];
    const out: Node[] = [{ kind: 'explanation', item: node.item }];
    for (const l of node.item.locations) out.push({ kind: 'location', item: node.item, loc: l.loc, uri: l.uri });
    if (node.item.locations.length === 0) {
      const named = node.item.report.frames.filter((f) => f.module && !f.unreliable).map((f) => `${f.function} [${f.module}]`);
      out.push({ kind: 'note', text: named.length > 0 ? `Not found in the workspace: ${named.slice(0, 3).join(', ')}` : 'No driver frame in this report' });
    }
    return out;
  }

  getTreeItem(node: Node): vscode.TreeItem {
    switch (node.kind) {
      case 'report': {
        const r = node.item.report;
        const t = new vscode.TreeItem(`${r.check}${r.driver ? ` — ${r.driver} ${r.device}` : ''}`, vscode.TreeItemCollapsibleState.Expanded);
        t.description = `${CHECKS[r.check].title}${r.rule ? ` (${r.rule})` : ''}${r.truncated ? ' [truncated]' : ''}`;
        t.tooltip = reportMarkdown(node.item);
        t.iconPath = new vscode.ThemeIcon('warning');
        t.contextValue = 'dmaScopeLogReport';
        return t;
      }
      case 'explanation': {
        // the first sentence as the label; the whole paragraph in the tooltip
        const first = /^.*?[.!?](?=\s|$)/.exec(node.item.explanation)?.[0] ?? node.item.explanation;
        const t = new vscode.TreeItem(first, vscode.TreeItemCollapsibleState.None);
        t.tooltip = reportMarkdown(node.item);
        t.iconPath = new vscode.ThemeIcon('info');
        return t;
      }
      case 'location': {
        const l = node.loc;
        const t = new vscode.TreeItem(`${l.function}${l.call ? `: ${l.call}` : ''}`, vscode.TreeItemCollapsibleState.None);
        t.description = `${l.file}:${l.line} · ${l.how === 'definition' ? 'function in the trace' : ROLE_LABEL[l.role]}`;
        t.tooltip = locationMarkdown(node.item, l, node.uri);
        t.iconPath = new vscode.ThemeIcon(l.role === 'mapped-at' ? 'debug-stackframe-dot' : 'debug-stackframe');
        t.command = { command: OPEN_CMD, title: 'Open', arguments: [node.uri, l.line, l.column, node.item.report.check, node.item.explanation, l.role, l.findings ?? []] };
        t.resourceUri = node.uri;
        return t;
      }
      case 'note':
        return new vscode.TreeItem(node.text, vscode.TreeItemCollapsibleState.None);
    }
  }

  dispose(): void {
    this.changed.dispose();
  }
}

function reportMarkdown(e: Explained): vscode.MarkdownString {
  const r = e.report;
  const md = new vscode.MarkdownString();
  md.appendMarkdown(`**dma-debug: ${CHECKS[r.check].title}**${r.rule ? ` — rule \`${r.rule}\`` : ''}\n\n`);
  if (r.message) md.appendCodeblock(`${r.driver} ${r.device}: ${r.message}`, 'text');
  md.appendMarkdown(`\n${e.explanation}\n`);
  return md;
}

function diagnosticsAt(uri: vscode.Uri, line: number): vscode.Diagnostic[] {
  return vscode.languages.getDiagnostics(uri).filter((d) => d.range.start.line <= line - 1 && line - 1 <= d.range.end.line);
}

function locationMarkdown(e: Explained, l: SourceLocation, uri: vscode.Uri): vscode.MarkdownString {
  const md = reportMarkdown(e);
  md.appendMarkdown(`\n---\n${l.file}:${l.line} (${ROLE_LABEL[l.role]})\n`);
  appendStatic(md, staticAt(uri, l.line, l.findings));
  return md;
}

/** The static diagnostics shown at a line plus the checker's findings there (one entry per rule and message). */
function staticAt(uri: vscode.Uri, line: number, findings: readonly FindingLike[] = []): { rule: string; message: string }[] {
  const out = new Map<string, { rule: string; message: string }>();
  for (const d of diagnosticsAt(uri, line)) {
    const rule = String(typeof d.code === 'object' ? d.code.value : d.code ?? '');
    out.set(`${rule}\u0000${d.message}`, { rule, message: d.message });
  }
  for (const f of findings) if (![...out.values()].some((o) => o.rule === f.rule)) out.set(`${f.rule}\u0000${f.message ?? ''}`, { rule: f.rule, message: f.message ?? '' });
  return [...out.values()];
}

function appendStatic(md: vscode.MarkdownString, items: readonly { rule: string; message: string }[]): void {
  if (items.length === 0) return;
  md.appendMarkdown('\n**Static diagnostics at this line:**\n\n');
  for (const d of items) md.appendMarkdown(`- \`${d.rule}\`: ${d.message}\n`);
}

/** Reads the workspace C files (open documents first, so unsaved edits count) that mention one of the wanted functions, plus Makefiles. */
async function workspaceSources(wanted: ReadonlySet<string>): Promise<{ files: SourceText[]; uris: Map<string, vscode.Uri> }> {
  const files: SourceText[] = [];
  const uris = new Map<string, vscode.Uri>();
  if (wanted.size === 0 || !vscode.workspace.workspaceFolders?.length) return { files, uris };
  const names = [...wanted];
  const open = new Map(vscode.workspace.textDocuments.map((d) => [d.uri.toString(), d]));
  const found = [
    ...(await vscode.workspace.findFiles('**/*.{c,h}', EXCLUDE, MAX_FILES)),
    ...(await vscode.workspace.findFiles('**/{Makefile,Kbuild}', EXCLUDE, MAX_FILES)),
  ];
  const decoder = new TextDecoder('utf-8');
  await Promise.all(
    found.map(async (uri) => {
      let text: string;
      const doc = open.get(uri.toString());
      try {
        text = doc ? doc.getText() : decoder.decode(await vscode.workspace.fs.readFile(uri));
      } catch {
        return;
      }
      if (/\.[ch]$/i.test(uri.path) && !names.some((n) => text.includes(n))) return;
      const path = vscode.workspace.asRelativePath(uri, vscode.workspace.workspaceFolders!.length > 1);
      uris.set(path, uri);
      files.push({ path, text });
    }),
  );
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { files, uris };
}

/** The checker's findings for a file, plus the diagnostics shown for it (which may come from unsaved edits). */
function findingsFor(uris: Map<string, vscode.Uri>): FindingsFn {
  return (file, tree) => {
    const out: FindingLike[] = [...checkerFindings(file, tree)];
    const uri = uris.get(file.path);
    if (uri) {
      for (const d of vscode.languages.getDiagnostics(uri)) {
        if (d.code === undefined) continue;
        out.push({ rule: String(typeof d.code === 'object' ? d.code.value : d.code), line: d.range.start.line + 1, column: d.range.start.character + 1 });
      }
    }
    return out;
  };
}

/** Where the log comes from: an argument, the selection, the clipboard, or a file the user picks. */
async function readLog(arg: unknown): Promise<{ text: string; from: string } | undefined> {
  if (typeof arg === 'string') return { text: arg, from: 'argument' };
  if (arg instanceof vscode.Uri) return { text: new TextDecoder().decode(await vscode.workspace.fs.readFile(arg)), from: arg.fsPath || arg.toString() };
  const ed = vscode.window.activeTextEditor;
  if (ed && ed.selections.some((s) => !s.isEmpty)) {
    const text = ed.selections.map((s) => ed.document.getText(s)).join('\n');
    return { text, from: 'selection' };
  }
  // a log opened in an editor (not C source) counts as the whole selection
  if (ed && !Services.isC(ed.document)) {
    const text = ed.document.getText();
    if (parseKernelLog(text).length > 0) return { text, from: ed.document.uri.fsPath || 'editor' };
  }
  let clip = '';
  try {
    clip = await vscode.env.clipboard.readText();
  } catch {
    // no clipboard access (e.g. a browser without the permission): go on to the file picker
  }
  if (clip && parseKernelLog(clip).length > 0) return { text: clip, from: 'clipboard' };
  const picked = await vscode.window.showOpenDialog({ canSelectMany: false, openLabel: 'Explain', title: 'Kernel log with DMA-API reports', filters: { 'Kernel logs': ['log', 'txt', 'dmesg'], 'All files': ['*'] } });
  if (!picked?.[0]) return undefined;
  return { text: new TextDecoder().decode(await vscode.workspace.fs.readFile(picked[0])), from: picked[0].fsPath || picked[0].toString() };
}

export function registerExplainLog(services: Services): void {
  const tree = new ReportTree();
  const view = vscode.window.createTreeView(VIEW_ID, { treeDataProvider: tree, showCollapseAll: true });
  const decoration = vscode.window.createTextEditorDecorationType({
    isWholeLine: true,
    backgroundColor: new vscode.ThemeColor('editor.rangeHighlightBackground'),
    after: { margin: '0 0 0 2em', color: new vscode.ThemeColor('editorWarning.foreground'), fontStyle: 'italic' },
  });
  let marked: { uri: vscode.Uri; line: number; check: KernelLogReport['check']; explanation: string; role: SourceLocation['role']; findings: FindingLike[] } | undefined;

  const applyMark = (): void => {
    for (const ed of vscode.window.visibleTextEditors) {
      if (!marked || ed.document.uri.toString() !== marked.uri.toString()) {
        ed.setDecorations(decoration, []);
        continue;
      }
      const line = Math.min(marked.line - 1, ed.document.lineCount - 1);
      const hover = new vscode.MarkdownString(`**dma-debug: ${CHECKS[marked.check].title}**\n\n${marked.explanation}`);
      const diags = staticAt(ed.document.uri, marked.line, marked.findings);
      hover.appendMarkdown('\n');
      appendStatic(hover, diags);
      const range = ed.document.lineAt(line).range;
      const extra = diags.length > 0 ? ` · ${diags.length} static diagnostic${diags.length === 1 ? '' : 's'} here` : '';
      const role = marked.role === 'trigger' ? '' : ` (${ROLE_LABEL[marked.role]})`;
      ed.setDecorations(decoration, [{ range, hoverMessage: hover, renderOptions: { after: { contentText: `◀ dma-debug${role}: ${CHECKS[marked.check].title}${extra}` } } }]);
    }
  };

  const explain = async (arg?: unknown): Promise<number> => {
    try {
      const log = await readLog(arg);
      if (!log) return 0;
      const reports = parseKernelLog(log.text);
      if (reports.length === 0) {
        void vscode.window.showInformationMessage(`DMA Scope: no DMA-API debug report found in the ${log.from === 'selection' || log.from === 'clipboard' ? log.from : 'log'}.`);
        tree.set([]);
        await vscode.commands.executeCommand('setContext', CONTEXT_KEY, false);
        return 0;
      }
      const { files, uris } = await workspaceSources(wantedFunctions(reports));
      let locs: SourceLocation[][] = reports.map(() => []);
      if (files.length > 0) {
        const parser = await services.parser();
        locs = locateReports(parser, files, reports, { findings: findingsFor(uris) });
      }
      const items: Explained[] = reports.map((report, i) => ({
        report,
        explanation: explainReport(report),
        locations: locs[i].filter((l) => uris.has(l.file)).map((loc) => ({ loc, uri: uris.get(loc.file)! })),
      }));
      tree.set(items);
      await vscode.commands.executeCommand('setContext', CONTEXT_KEY, true);
      await Promise.resolve(vscode.commands.executeCommand(`${VIEW_ID}.focus`)).catch(() => undefined);
      const first = items.find((e) => e.locations.length > 0);
      if (first && items.length === 1) {
        const l = first.locations[0];
        await vscode.commands.executeCommand(OPEN_CMD, l.uri, l.loc.line, l.loc.column, first.report.check, first.explanation, l.loc.role, l.loc.findings ?? []);
      }
      return reports.length;
    } catch (e) {
      services.reportOnce(`explainLog:${String(e)}`, 'DMA Scope could not explain the log', e);
      void vscode.window.showErrorMessage(`DMA Scope: could not explain the log: ${(e as Error)?.message ?? e}`);
      return 0;
    }
  };

  services.context.subscriptions.push(
    tree,
    view,
    decoration,
    vscode.commands.registerCommand('dmaScope.explainLog', explain),
    vscode.commands.registerCommand(OPEN_CMD, async (uri: vscode.Uri, line: number, column: number, check: KernelLogReport['check'], explanation: string, role: SourceLocation['role'] = 'trigger', findings: FindingLike[] = []) => {
      const doc = await vscode.workspace.openTextDocument(uri);
      const pos = new vscode.Position(Math.max(0, line - 1), Math.max(0, column - 1));
      const ed = await vscode.window.showTextDocument(doc, { selection: new vscode.Range(pos, pos), preview: true });
      ed.revealRange(new vscode.Range(pos, pos), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
      marked = { uri, line, check, explanation, role, findings };
      applyMark();
    }),
    vscode.commands.registerCommand(CLEAR_CMD, async () => {
      tree.set([]);
      marked = undefined;
      applyMark();
      await vscode.commands.executeCommand('setContext', CONTEXT_KEY, false);
    }),
    vscode.window.onDidChangeVisibleTextEditors(() => applyMark()),
    vscode.languages.onDidChangeDiagnostics((e) => {
      if (marked && e.uris.some((u) => u.toString() === marked!.uri.toString())) applyMark();
    }),
  );
}
