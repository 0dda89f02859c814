/**
 * The lifecycle panel host: one webview panel, locked down (CSP default-src
 * 'none', a nonce per load, resources only from dist/media), that receives a
 * trace and a platform and runs the simulator itself. Messages from the
 * webview are validated (src/model/panelProtocol.ts) before use.
 */
import * as vscode from 'vscode';
import { HostMessage, PanelView, panelHtml, parseWebviewMessage } from '../model/panelProtocol';
import type { PlatformId } from '../model/platformIds';

export interface PanelContent {
  trace: string;
  title: string;
  platform: PlatformId;
  view?: PanelView;
  /** the C file the trace's `# src=<line>` steps refer to (reveal target) */
  source?: vscode.Uri;
  /** where a `# src=<file>:<line>` relative path is resolved from (an opened trace's folder) */
  baseDir?: vscode.Uri;
}

function nonce(): string {
  const bytes = new Uint8Array(18);
  globalThis.crypto.getRandomValues(bytes);
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}

export class LifecyclePanel implements vscode.Disposable {
  static readonly viewType = 'dmaScope.lifecycle';
  private static current: LifecyclePanel | undefined;

  private content: PanelContent | undefined;
  private ready = false;
  private pending: HostMessage[] = [];
  private readonly disposables: vscode.Disposable[] = [];

  /** fired when the user picks a platform inside the panel */
  static readonly onDidPickPlatform = new vscode.EventEmitter<PlatformId>();

  private constructor(private readonly panel: vscode.WebviewPanel, private readonly extensionUri: vscode.Uri, private readonly log: (m: string) => void) {
    panel.webview.html = this.html();
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      panel.webview.onDidReceiveMessage((raw) => this.onMessage(raw)),
      // a hidden webview's page is discarded (no retainContextWhenHidden) and reloads when shown:
      // hold messages until it says 'ready' again, or a load sent meanwhile would be lost
      panel.onDidChangeViewState((e) => {
        if (!e.webviewPanel.visible) this.ready = false;
      }),
    );
  }

  static mediaRoot(extensionUri: vscode.Uri): vscode.Uri {
    return vscode.Uri.joinPath(extensionUri, 'dist', 'media');
  }

  static webviewOptions(extensionUri: vscode.Uri): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    return {
      enableScripts: true,
      enableCommandUris: false,
      enableForms: false,
      localResourceRoots: [LifecyclePanel.mediaRoot(extensionUri)],
      // state survives hiding through the webview's getState/setState, not a hidden live page
      retainContextWhenHidden: false,
    } as vscode.WebviewPanelOptions & vscode.WebviewOptions;
  }

  /** Opens (or reuses) the panel and shows `content`. */
  static show(extensionUri: vscode.Uri, content: PanelContent, log: (m: string) => void = () => undefined): LifecyclePanel {
    let p = LifecyclePanel.current;
    if (!p) {
      const panel = vscode.window.createWebviewPanel(LifecyclePanel.viewType, 'DMA Lifecycle', { viewColumn: vscode.ViewColumn.Beside, preserveFocus: false }, LifecyclePanel.webviewOptions(extensionUri));
      p = new LifecyclePanel(panel, extensionUri, log);
      LifecyclePanel.current = p;
    } else {
      if (!p.panel.visible) p.ready = false;
      p.panel.reveal(undefined, false);
    }
    p.content = content;
    p.panel.title = `DMA: ${content.title}`.slice(0, 80);
    p.post({ type: 'load', trace: content.trace, platform: content.platform, title: content.title, view: content.view });
    return p;
  }

  static get active(): LifecyclePanel | undefined {
    return LifecyclePanel.current;
  }

  get webview(): vscode.Webview {
    return this.panel.webview;
  }

  get shown(): PanelContent | undefined {
    return this.content;
  }

  setPlatform(platform: PlatformId): void {
    if (this.content) this.content.platform = platform;
    this.post({ type: 'platform', platform });
  }

  setView(view: PanelView): void {
    if (this.content) this.content.view = view;
    this.post({ type: 'view', view });
  }

  private post(m: HostMessage): void {
    if (!this.ready) {
      // the page asks for its content with 'ready'; keep only the latest load
      this.pending = m.type === 'load' ? [m] : [...this.pending, m];
      return;
    }
    void this.panel.webview.postMessage(m);
  }

  private onMessage(raw: unknown): void {
    const m = parseWebviewMessage(raw);
    if (!m) {
      this.log(`lifecycle panel: ignored a malformed message from the webview`);
      return;
    }
    switch (m.type) {
      case 'ready': {
        this.ready = true;
        // after a reload (hidden and shown again) the page restores its own state; re-send only
        // what it has not seen
        const q = this.pending;
        this.pending = [];
        for (const x of q) void this.panel.webview.postMessage(x);
        break;
      }
      case 'reveal':
        void this.reveal(m.line, m.file);
        break;
      case 'platform':
        if (this.content) this.content.platform = m.platform;
        LifecyclePanel.onDidPickPlatform.fire(m.platform);
        break;
    }
  }

  private async reveal(line: number, file?: string): Promise<void> {
    let uri = this.content?.source;
    if (file) {
      // only files under the trace's folder or a workspace folder, never a URI scheme from the page
      if (/^[a-z][a-z0-9+.-]*:/i.test(file) || file.split(/[\\/]/).includes('..') || file.startsWith('/')) return;
      uri = undefined;
      const bases = [this.content?.baseDir, ...(vscode.workspace.workspaceFolders ?? []).map((f) => f.uri)].filter((b): b is vscode.Uri => !!b);
      for (const base of bases) {
        const candidate = vscode.Uri.joinPath(base, file);
        try {
          await vscode.workspace.fs.stat(candidate);
          uri = candidate;
          break;
        } catch {
          // not under this base
        }
      }
    }
    if (!uri) return;
    try {
      const doc = await vscode.workspace.openTextDocument(uri);
      if (line > doc.lineCount) return;
      const pos = new vscode.Position(line - 1, doc.lineAt(line - 1).firstNonWhitespaceCharacterIndex);
      const visible = vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === uri!.toString());
      await vscode.window.showTextDocument(doc, { viewColumn: visible?.viewColumn ?? vscode.ViewColumn.One, selection: new vscode.Range(pos, pos), preserveFocus: false });
    } catch (e) {
      this.log(`lifecycle panel: cannot reveal line ${line}: ${(e as Error).message}`);
    }
  }

  private html(): string {
    const webview = this.panel.webview;
    const media = LifecyclePanel.mediaRoot(this.extensionUri);
    const script = webview.asWebviewUri(vscode.Uri.joinPath(media, 'panel.js'));
    const style = webview.asWebviewUri(vscode.Uri.joinPath(media, 'panel', 'panel.css'));
    return panelHtml({ cspSource: webview.cspSource, nonce: nonce(), scriptUri: script.toString(), styleUri: style.toString() });
  }

  dispose(): void {
    if (LifecyclePanel.current === this) LifecyclePanel.current = undefined;
    this.panel.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
