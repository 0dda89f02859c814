/**
 * The workspace check of the language server (`dmaScope.checkWorkspace`): every C file of the workspace
 * folders that is not open is read, checked and its diagnostics published, with window/workDoneProgress.
 * Split from server.ts; the server hands in its current state (roots, settings) and helpers.
 */
import { CancellationToken, Connection, Diagnostic, LSPErrorCodes, ResponseError, TextDocuments, WorkDoneProgressReporter } from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { isExcluded, skipReason, type DmaScopeSettings } from '../analysis/settings';
import type { SeveritySetting } from '../analysis/rules/types';
import type { AnalysisAdapter, Finding } from './analysis';
import { yieldToLoop } from './turn';

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
}

/**
 * Checks every C file of the workspace folders that is not open (open ones are checked live) and
 * publishes their diagnostics, with window/workDoneProgress (cancellable) when the client has it.
 */
export async function checkWorkspaceFiles(deps: WorkspaceCheckDeps, token: CancellationToken, attached: WorkDoneProgressReporter): Promise<WorkspaceCheckResult> {
const { connection, host, adapter, documents, roots, settings, canWorkDoneProgress, relPath, severitiesFor, logOnce, toDiagnostic } = deps;
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
      if (documents.get(uri)) continue;
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
        if (!documents.get(uri)) await connection.sendDiagnostics({ uri, diagnostics: r.findings.map((f) => toDiagnostic(doc, f)) });
      } catch (e) {
        out.skipped++;
        logOnce(`check:${uri}`, `could not check ${rel}: ${(e as Error)?.message ?? e}`);
      } finally {
        if (!documents.get(uri)) adapter.close(uri);
      }
    }
  } finally {
    progress.done();
  }
  return out;
}
