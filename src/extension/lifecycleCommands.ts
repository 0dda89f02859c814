/**
 * The lifecycle commands: Replay Buffer Lifecycle, Show Platform Matrix,
 * Select Platform (with its status bar item), Open Trace…, Export Lifecycle
 * as Trace, and the "Replay lifecycle" CodeLens on map/alloc calls.
 */
import * as vscode from 'vscode';
import type { Tree } from 'web-tree-sitter';
import { extractLifecycle, HeaderTree, LifecycleError, lifecycleTargets, StitchCandidate } from '../analysis/lifecycle';
import { DriverFolder, FolderIO, lifecycleTitle } from '../server/driverFolder';
import { moduleDriverOf, relativePath } from '../analysis/driverIndex/kbuildModule';
import { PLATFORMS } from '../model/platforms';
import { isPlatformId, PLATFORM_IDS, PlatformId } from '../model/platformIds';
import type { PanelView } from '../model/panelProtocol';
import { MAX_TRACE_CHARS } from '../model/panelProtocol';
import { LifecyclePanel } from './panel';
import type { Services } from './services';
import type { RepoConfigs } from './repoConfig';
import { withinSizeLimit } from './fileFilter';

const DEFAULT_PLATFORM: PlatformId = 'arm64-noncoherent';

/** The platform setting when the user set it, else the `.dma-scope.json` platform (when given), else the default. */
export function selectedPlatform(fromRepoConfig?: PlatformId): PlatformId {
  const i = vscode.workspace.getConfiguration('dmaScope').inspect<string>('platform');
  const set = i?.workspaceFolderValue ?? i?.workspaceValue ?? i?.globalValue;
  const v = set ?? fromRepoConfig ?? i?.defaultValue ?? DEFAULT_PLATFORM;
  return isPlatformId(v) ? v : DEFAULT_PLATFORM;
}

interface Extracted {
  trace: string;
  title: string;
  doc: vscode.TextDocument;
  /** where the trace's `# src=<file>:<line>` names are resolved (a stitched trace's folder) */
  baseDir?: vscode.Uri;
}

/** The lifecycle at a position (the cursor by default). Shows the reason when there is none. */
async function extractAt(services: Services, uri?: vscode.Uri, offset?: number, forExport = false): Promise<Extracted | undefined> {
  let doc: vscode.TextDocument | undefined;
  let off = offset;
  if (uri instanceof vscode.Uri) doc = await vscode.workspace.openTextDocument(uri);
  else {
    const ed = vscode.window.activeTextEditor;
    doc = ed?.document;
    if (ed) off = ed.document.offsetAt(ed.selection.active);
  }
  if (!doc || !(doc.languageId === 'c' || /\.[ch]$/i.test(doc.uri.path))) {
    void vscode.window.showInformationMessage('DMA Scope: open a C file and put the cursor on a dma_map_* or dma_alloc_* call.');
    return undefined;
  }
  if (typeof off !== 'number' || !Number.isInteger(off) || off < 0) off = 0;
  const t = await services.tree(doc);
  if (!t) {
    void vscode.window.showWarningMessage('DMA Scope: this file could not be analysed (too large or unparseable).');
    return undefined;
  }
  const parser = await services.parser();
  const trees: Tree[] = [];
  const parse = (text: string): Tree => {
    const tree = parser.parse(text);
    trees.push(tree);
    return tree;
  };
  const parsed = new Map<string, HeaderTree>();
  // a header included by several files is parsed once
  const headerTrees = (texts: readonly string[]): HeaderTree[] => texts.map((h) => {
    let got = parsed.get(h);
    if (!got) parsed.set(h, (got = { text: h, tree: parse(h) }));
    return got;
  });
  const dir = vscode.Uri.joinPath(doc.uri, '..');
  // the driver's own headers next to it (the sizes they #define, the structs they declare), and the
  // other .c files of its driver — its folder, and the subfolders its Makefile links into the module (or
  // the folder whose Makefile links this one): where the buffer's life goes on (refill, poll, teardown; bounded)
  const driver = await moduleDriverOf(doc.uri.path, (f) => readKbuildFile(doc.uri.with({ path: f })));
  const rootUri = doc.uri.with({ path: driver.root });
  const folder = new DriverFolder(workspaceFolderIO(rootUri, services.maxFileSize, driver.linked));
  try {
    const headers = await folder.headersOf(t.text, driver.self);
    const name = doc.uri.path.split('/').pop() ?? '';
    const found = await folder.sources(driver.self);
    // other files are named from the document's folder (`../main.c` from a linked subfolder)
    const fromDoc = (n: string): string => relativePath(dir.path, `${driver.root === '/' ? '' : driver.root}/${n}`);
    const candidates: StitchCandidate[] = found.files.map((f) => ({ file: siblingName(doc.uri, fromDoc(f.name), forExport), text: f.text, tree: parse(f.text), headers: f.headers, headerTrees: headerTrees(f.headers) }));
    // an exported trace names its source file (workspace-relative) so Open Trace can reveal lines later
    const srcFile = forExport ? vscode.workspace.asRelativePath(doc.uri, false) : undefined;
    const r = extractLifecycle({ text: t.text, tree: t.tree, offset: off, file: name, headers, srcFile, stitch: { candidates, headerTrees: headerTrees(headers), ownFile: siblingName(doc.uri, name, forExport) } });
    // a stitched trace names each step's file relative to the document's folder (the panel resolves it there)
    return { trace: r.trace, title: lifecycleTitle(r), doc, ...(r.stitched ? { baseDir: dir } : {}) };
  } catch (e) {
    if (e instanceof LifecycleError) {
      void vscode.window.showInformationMessage(`DMA Scope: ${e.message}`);
      return undefined;
    }
    services.reportOnce(`lifecycle:${doc.uri.toString()}`, 'lifecycle extraction failed', e);
    void vscode.window.showErrorMessage('DMA Scope: the lifecycle could not be extracted (see the DMA Scope output).');
    return undefined;
  } finally {
    for (const tr of trees) tr.delete();
  }
}

/**
 * The document's folder through the workspace file system (desktop and web): its files, an open
 * document's text before the saved one, nothing over dmaScope.maxFileSize.
 */
function workspaceFolderIO(dir: vscode.Uri, maxFileSize: number, linked: readonly string[] = []): FolderIO {
  const decoder = new TextDecoder();
  const isFile = async (name: string): Promise<boolean> => {
    try {
      return (await vscode.workspace.fs.stat(vscode.Uri.joinPath(dir, name))).type === vscode.FileType.File;
    } catch {
      return false;
    }
  };
  return {
    files: async () => {
      const own = (await vscode.workspace.fs.readDirectory(dir)).filter(([, type]) => type === vscode.FileType.File).map(([n]) => n);
      const there = await Promise.all(linked.map(isFile));
      return [...own, ...linked.filter((_, i) => there[i])];
    },
    read: async (name) => {
      const uri = vscode.Uri.joinPath(dir, name);
      const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
      let text: string;
      try {
        text = open ? open.getText() : decoder.decode(await vscode.workspace.fs.readFile(uri));
      } catch {
        return undefined; // unreadable: left out
      }
      return withinSizeLimit(text.length, maxFileSize) ? text : undefined;
    },
  };
}

/** A folder's kbuild file (`Kbuild`, else `Makefile`) through the workspace file system; undefined when it has none. */
async function readKbuildFile(folder: vscode.Uri): Promise<string | undefined> {
  for (const name of ['Kbuild', 'Makefile']) {
    try {
      const bytes = await vscode.workspace.fs.readFile(vscode.Uri.joinPath(folder, name));
      if (bytes.length <= 256 * 1024) return new TextDecoder().decode(bytes);
    } catch {
      // none of that name
    }
  }
  return undefined;
}

/** How a file of the document's folder is named in a stitched trace: by its name (the panel), workspace-relative (an export). */
function siblingName(docUri: vscode.Uri, name: string, forExport: boolean): string {
  return forExport ? vscode.workspace.asRelativePath(vscode.Uri.joinPath(docUri, '..', name), false) : name;
}

/** The panel's title (shared with the CLI and the language server). */
export { lifecycleTitle };

class PlatformStatus implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('dmaScope.platform', vscode.StatusBarAlignment.Right, 100);
  constructor() {
    this.item.name = 'DMA Scope platform';
    this.item.command = 'dmaScope.selectPlatform';
    this.update();
    this.item.show();
  }
  update(): void {
    const p = PLATFORMS[selectedPlatform()];
    this.item.text = `$(circuit-board) DMA: ${p.label}`;
    this.item.tooltip = `DMA Scope replays lifecycles on ${p.label}: ${p.description}. Click to change.`;
  }
  dispose(): void {
    this.item.dispose();
  }
}

async function setPlatformSetting(p: PlatformId): Promise<void> {
  const cfg = vscode.workspace.getConfiguration('dmaScope');
  const target = cfg.inspect('platform')?.workspaceValue !== undefined ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
  await cfg.update('platform', p, target);
}

class ReplayLens implements vscode.CodeLensProvider {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;
  constructor(private readonly services: Services) {}
  refresh(): void {
    this.changed.fire();
  }
  async provideCodeLenses(doc: vscode.TextDocument): Promise<vscode.CodeLens[]> {
    const t = await this.services.tree(doc);
    if (!t) return [];
    return lifecycleTargets(t.tree).map((x) => {
      const pos = doc.positionAt(x.offset);
      return new vscode.CodeLens(new vscode.Range(pos, pos), { title: 'Replay lifecycle', tooltip: `Replay this ${x.call} buffer on every DMA platform`, command: 'dmaScope.replayLifecycle', arguments: [doc.uri, x.offset] });
    });
  }
  dispose(): void {
    this.changed.dispose();
  }
}

/** A command's document argument: a Uri, or a URI string (the language server's lens arguments). */
function asUri(u: unknown): vscode.Uri | undefined {
  if (u instanceof vscode.Uri) return u;
  if (typeof u === 'string' && /^[a-z][a-z0-9+.-]*:/i.test(u)) {
    try {
      return vscode.Uri.parse(u, true);
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/**
 * Registers the lifecycle commands, the platform status bar item and, unless
 * the language server provides them (desktop), the "Replay lifecycle" CodeLens.
 */
export function registerLifecycle(context: vscode.ExtensionContext, services: Services, repoConfigs?: RepoConfigs, opts: { lens: boolean } = { lens: true }): void {
  const status = new PlatformStatus();
  const lens = new ReplayLens(services);
  const log = (m: string) => services.output.appendLine(m);
  const open = async (view: PanelView, uri?: vscode.Uri, offset?: number) => {
    const panel = LifecyclePanel.active;
    // Show Platform Matrix with the panel already open and no C editor: just switch the tab
    if (view === 'matrix' && !uri && panel?.shown && !vscode.window.activeTextEditor) {
      panel.setView('matrix');
      return;
    }
    const x = await extractAt(services, uri, offset);
    if (!x) return;
    const platform = selectedPlatform((await repoConfigs?.forUri(x.doc.uri))?.platform);
    LifecyclePanel.show(context.extensionUri, { trace: x.trace, title: x.title, platform, view, source: x.doc.uri, ...(x.baseDir ? { baseDir: x.baseDir } : {}) }, log);
  };
  context.subscriptions.push(
    status,
    lens,
    LifecyclePanel.onDidPickPlatform,
    LifecyclePanel.onDidPickPlatform.event((p) => void setPlatformSetting(p)),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (!e.affectsConfiguration('dmaScope.platform')) return;
      status.update();
      const panel = LifecyclePanel.active;
      if (panel?.shown && panel.shown.platform !== selectedPlatform()) panel.setPlatform(selectedPlatform());
    }),
    ...(opts.lens ? [vscode.languages.registerCodeLensProvider([{ language: 'c' }], lens)] : []),
    vscode.commands.registerCommand('dmaScope.replayLifecycle', (uri?: unknown, offset?: unknown) =>
      open('replay', asUri(uri), typeof offset === 'number' ? offset : undefined)),
    vscode.commands.registerCommand('dmaScope.showMatrix', (uri?: unknown, offset?: unknown) =>
      open('matrix', asUri(uri), typeof offset === 'number' ? offset : undefined)),
    vscode.commands.registerCommand('dmaScope.selectPlatform', async (arg?: unknown) => {
      let pick: PlatformId | undefined = typeof arg === 'string' && isPlatformId(arg) ? arg : undefined;
      if (!pick) {
        const cur = selectedPlatform();
        const items = PLATFORM_IDS.map((id) => ({ label: PLATFORMS[id].label, description: id === cur ? `${id} (current)` : id, detail: PLATFORMS[id].description, id }));
        const chosen = await vscode.window.showQuickPick(items, { title: 'DMA Scope: platform for lifecycle replays', placeHolder: 'Which machine should the buffer lifecycle run on?', matchOnDescription: true, matchOnDetail: true });
        pick = chosen?.id;
      }
      if (!pick) return;
      await setPlatformSetting(pick);
      status.update();
      LifecyclePanel.active?.setPlatform(pick);
    }),
    vscode.commands.registerCommand('dmaScope.openTrace', async (arg?: unknown) => {
      let uri = arg instanceof vscode.Uri ? arg : undefined;
      if (!uri && vscode.window.activeTextEditor?.document.languageId === 'dmatrace') uri = vscode.window.activeTextEditor.document.uri;
      if (!uri) {
        const picked = await vscode.window.showOpenDialog({ canSelectMany: false, filters: { 'DMA traces': ['dmatrace'], 'All files': ['*'] }, openLabel: 'Replay' });
        uri = picked?.[0];
      }
      if (!uri) return;
      let text: string;
      try {
        const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri!.toString());
        text = open ? open.getText() : new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
      } catch (e) {
        void vscode.window.showErrorMessage(`DMA Scope: cannot read ${uri.fsPath || uri.toString()}: ${(e as Error).message}`);
        return;
      }
      if (text.length > MAX_TRACE_CHARS) {
        void vscode.window.showErrorMessage('DMA Scope: this trace is too large to replay.');
        return;
      }
      const name = uri.path.split('/').pop() ?? 'trace';
      const baseDir = uri.scheme === 'untitled' ? undefined : vscode.Uri.joinPath(uri, '..');
      LifecyclePanel.show(context.extensionUri, { trace: text, title: name, platform: selectedPlatform(), baseDir }, log);
    }),
    vscode.commands.registerCommand('dmaScope.exportTrace', async (uri?: unknown, offset?: unknown) => {
      const x = await extractAt(services, uri instanceof vscode.Uri ? uri : undefined, typeof offset === 'number' ? offset : undefined, true);
      if (!x) return;
      const doc = await vscode.workspace.openTextDocument({ language: 'dmatrace', content: x.trace });
      await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.Beside, preview: false });
    }),
  );
}
