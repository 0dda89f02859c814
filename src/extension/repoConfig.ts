/**
 * `.dma-scope.json` in the editor (desktop and web: read through
 * vscode.workspace.fs): walks up from a document to its workspace folder,
 * merges with src/analysis/config.ts, caches per folder and drops the cache
 * when a config file changes. VS Code settings the user set explicitly
 * override the file (see diagnostics.ts and lifecycleCommands.ts).
 * A broken config is reported once per problem in the output channel and a
 * warning; the valid keys still apply.
 */
import * as vscode from 'vscode';
import { CONFIG_FILE_NAME, EffectiveConfig, RepoConfig, formatProblem, isExcluded, mergeConfigs, parseRepoConfig } from '../analysis/config';

export class RepoConfigs implements vscode.Disposable {
  private readonly byDir = new Map<string, Promise<{ config: RepoConfig; file: string } | null>>();
  private readonly reported = new Set<string>();
  private readonly changed = new vscode.EventEmitter<void>();
  /** fired when a .dma-scope.json was created, changed or deleted */
  readonly onDidChange = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [this.changed];

  constructor(private readonly log: (line: string) => void) {
    const w = vscode.workspace.createFileSystemWatcher(`**/${CONFIG_FILE_NAME}`);
    const reset = (): void => {
      this.byDir.clear();
      this.reported.clear();
      this.changed.fire();
    };
    this.disposables.push(w, w.onDidChange(reset), w.onDidCreate(reset), w.onDidDelete(reset));
  }

  private load(dir: vscode.Uri): Promise<{ config: RepoConfig; file: string } | null> {
    const key = dir.toString();
    let p = this.byDir.get(key);
    if (!p) {
      const uri = vscode.Uri.joinPath(dir, CONFIG_FILE_NAME);
      p = Promise.resolve(vscode.workspace.fs.readFile(uri)).then(
        (bytes) => {
          const shown = vscode.workspace.asRelativePath(uri, false);
          const r = parseRepoConfig(new TextDecoder().decode(bytes), uri.path);
          for (const pr of r.problems) this.report(formatProblem({ ...pr, file: shown }) + (r.fatal ? ' (file ignored)' : ' (ignored)'));
          return r.fatal ? null : { config: r.config, file: shown };
        },
        (e: unknown) => {
          if ((e as vscode.FileSystemError)?.code !== 'FileNotFound' && (e as vscode.FileSystemError)?.code !== 'FileIsADirectory') {
            this.report(`${vscode.workspace.asRelativePath(uri, false)}: cannot read: ${(e as Error)?.message ?? e} (file ignored)`);
          }
          return null;
        },
      );
      this.byDir.set(key, p);
    }
    return p;
  }

  private report(line: string): void {
    if (this.reported.has(line)) return;
    this.reported.add(line);
    this.log(`DMA Scope: ${line}`);
    void vscode.window.showWarningMessage(`DMA Scope: ${line}`);
  }

  /** The merged configuration of a document: configs from its folder up to its workspace folder (or the root). */
  async forUri(uri: vscode.Uri): Promise<EffectiveConfig> {
    const root = vscode.workspace.getWorkspaceFolder(uri)?.uri;
    const dirs: vscode.Uri[] = [];
    let d = vscode.Uri.joinPath(uri, '..');
    for (let i = 0; i < 64; i++) {
      dirs.push(d);
      if (root && d.toString() === root.toString()) break;
      const up = vscode.Uri.joinPath(d, '..');
      if (up.path === d.path) break;
      d = up;
    }
    const found = (await Promise.all(dirs.map((x) => this.load(x)))).filter((x): x is { config: RepoConfig; file: string } => !!x).reverse();
    return mergeConfigs(found.map((f) => f.config), found.map((f) => f.file));
  }

  /** True when an exclude glob of the document's configuration matches it. */
  static excluded(cfg: EffectiveConfig, uri: vscode.Uri): boolean {
    return isExcluded(cfg, uri.path);
  }

  dispose(): void {
    for (const x of this.disposables) x.dispose();
  }
}
