/**
 * The workspace check of the language server (`dmaScope.checkWorkspace`): every C file of the workspace
 * folders that is not open is read, checked and its diagnostics published, with window/workDoneProgress;
 * then the driver rules run on one index per driver (the folder with the subfolders its Makefile links,
 * open documents' records included), and the files they find something in are published again with it.
 * Split from server.ts; the server hands in its current state (roots, settings) and helpers.
 */
import { CancellationToken, Connection, Diagnostic, LSPErrorCodes, ResponseError, TextDocuments, WorkDoneProgressReporter } from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { isExcluded, skipReason, type DmaScopeSettings } from '../analysis/settings';
import type { SeveritySetting } from '../analysis/rules/types';
import type { AnalysisAdapter, DriverFinding, Finding, FileRecords } from './analysis';
import { yieldToLoop } from './turn';
import { DriverIndex } from '../analysis/driverIndex';
import { checkDriverIndex } from '../analysis/driverIndex/check';
import { moduleDriverOf, type ModuleObjectsCache } from '../analysis/driverIndex/kbuildModule';
import { folderOfPath } from './driverIndexing';

export const MAX_WORKSPACE_FILES = 20000;

export interface WorkspaceCheckResult {
  files: number;
  findings: number;
  skipped: number;
  cancelled: boolean;
}

export interface WorkspaceCheckDeps {
  connection: Connection;
  /** what the server's host can do with files (ServerHost's members of the same names) */
  host: {
    listSourceFiles?(folders: string[], limit: number): Promise<string[]>;
    readFile?(file: string): Promise<string>;
    fileUri?(file: string): string;
    readMakefile?(folder: string): Promise<string | undefined>;
  };
  adapter: AnalysisAdapter;
  documents: TextDocuments<TextDocument>;
  roots: readonly string[];
  settings: DmaScopeSettings;
  canWorkDoneProgress: boolean;
  relPath(uri: string): string | undefined;
  severitiesFor(uri: string): Record<string, SeveritySetting>;
  logOnce(key: string, message: string): void;
  toDiagnostic(doc: TextDocument, f: Finding): Diagnostic;
  driverDiagnostic(f: DriverFinding): Diagnostic;
}

/** The driver indexes a workspace check gathers: one per driver folder, plain data dropped with the check. */
class WorkspaceDrivers {
  private readonly indexes = new Map<string, DriverIndex>();
  private readonly makefiles: ModuleObjectsCache = new Map();
  /** closed files with records: their URI and the per-file diagnostics published for them */
  readonly published = new Map<string, { uri: string; diagnostics: Diagnostic[] }>();

  constructor(private readonly readMakefile?: (folder: string) => Promise<string | undefined>) {}

  /** The driver folder of a file (the live index uses the same one). */
  async folderOf(file: string): Promise<string> {
    return this.readMakefile ? (await moduleDriverOf(file, this.readMakefile, this.makefiles)).root : folderOfPath(file);
  }

  async add(file: string, records: FileRecords): Promise<void> {
    const folder = await this.folderOf(file);
    let ix = this.indexes.get(folder);
    if (!ix) this.indexes.set(folder, (ix = new DriverIndex(folder)));
    ix.setFile(records);
  }

  /** The driver findings by file (absolute path) of every index. */
  findings(severitiesFor: (file: string) => Record<string, SeveritySetting> | undefined): Map<string, DriverFinding[]> {
    const out = new Map<string, DriverFinding[]>();
    for (const ix of this.indexes.values()) for (const f of checkDriverIndex(ix, { severitiesFor }).findings) out.set(f.file, [...(out.get(f.file) ?? []), f]);
    return out;
  }
}

/**
 * Checks every C file of the workspace folders that is not open (open ones are checked live) and
 * publishes their diagnostics, with window/workDoneProgress (cancellable) when the client has it.
 */
export async function checkWorkspaceFiles(deps: WorkspaceCheckDeps, token: CancellationToken, attached: WorkDoneProgressReporter): Promise<WorkspaceCheckResult> {
  const { connection, host, adapter, documents, roots, settings, canWorkDoneProgress, relPath, severitiesFor, logOnce, toDiagnostic, driverDiagnostic } = deps;
  if (!host.listSourceFiles || !host.readFile || !host.fileUri) throw new ResponseError(LSPErrorCodes.RequestFailed, 'this server cannot read the workspace');
  let progress: WorkDoneProgressReporter = attached;
  let progressToken: CancellationToken | undefined;
  if (WorkDoneProgressReporter.isNullInstance(attached) && canWorkDoneProgress) {
    const p = await connection.window.createWorkDoneProgress();
    progress = p;
    progressToken = p.token;
  }
  const stop = (): boolean => token.isCancellationRequested || !!progressToken?.isCancellationRequested;
  progress.begin('DMA Scope: checking the workspace', 0, 'listing files', true);
  const out = { files: 0, findings: 0, skipped: 0, cancelled: false };
  const drivers = new WorkspaceDrivers(host.readMakefile ? (f) => host.readMakefile!(f) : undefined);
  try {
    const files = await host.listSourceFiles([...new Set(roots)], MAX_WORKSPACE_FILES);
    for (let i = 0; i < files.length; i++) {
      if (stop()) {
        out.cancelled = true;
        break;
      }
      const uri = host.fileUri(files[i]);
      const rel = relPath(uri) ?? files[i];
      progress.report(Math.floor((i * 100) / files.length), `${i + 1}/${files.length} ${rel}`);
      await yieldToLoop(); // requests and cancellations are served between files
      const open = documents.get(uri);
      if (open) {
        // checked live; its records still count for the other files of its driver: the live index's when it
        // has them (no second parse), else recorded from the editor's text
        const live = adapter.peekDriverIndex(await drivers.folderOf(files[i]))?.fileRecords(files[i]);
        const rec = live ?? (await adapter.records(files[i], open.getText(), rel).catch(() => undefined));
        if (rec) await drivers.add(files[i], rec);
        continue;
      }
      let text: string;
      try {
        text = await host.readFile(files[i]);
      } catch {
        out.skipped++;
        continue;
      }
      if (skipReason(text, settings.maxFileSize) || isExcluded(settings.exclude, rel, files[i])) {
        out.skipped++;
        continue;
      }
      const doc = TextDocument.create(uri, 'c', 0, text);
      try {
        adapter.open(uri, text, 0);
        const r = await adapter.diagnostics(uri, { severities: severitiesFor(uri), file: rel, headerPath: files[i] });
        if (!r) continue;
        for (const e of r.errors) logOnce(e.rule ? `rule:${e.rule}` : `check:${uri}:${e.message}`, `${rel}: ${e.message}${e.rule ? ` [${e.rule}]` : ''}`);
        out.files++;
        out.findings += r.findings.length;
        const diagnostics = r.findings.map((f) => toDiagnostic(doc, f));
        if (!documents.get(uri)) await connection.sendDiagnostics({ uri, diagnostics });
        if (r.records) {
          await drivers.add(files[i], r.records);
          drivers.published.set(files[i], { uri, diagnostics });
        }
      } catch (e) {
        out.skipped++;
        logOnce(`check:${uri}`, `could not check ${rel}: ${(e as Error)?.message ?? e}`);
      } finally {
        if (!documents.get(uri)) adapter.close(uri);
      }
    }
    if (!out.cancelled) {
      progress.report(100, 'driver rules');
      // a closed file's driver findings join its per-file diagnostics (open documents get theirs from the live index)
      for (const [file, found] of drivers.findings((f) => severitiesFor(host.fileUri!(f)))) {
        const p = drivers.published.get(file);
        if (!p || documents.get(p.uri)) continue;
        out.findings += found.length;
        await connection.sendDiagnostics({ uri: p.uri, diagnostics: [...p.diagnostics, ...found.map(driverDiagnostic)] });
      }
    }
  } finally {
    progress.done();
  }
  return out;
}
