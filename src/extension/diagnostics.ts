/**
 * Live diagnostics: the checker's findings as VS Code diagnostics, debounced on
 * typing (~250 ms), incremental through services.tree(doc) and the checker's
 * per-function cache. Rule id as `code` with a link to the rule's doc page;
 * relatedInformation points at the map/alloc a finding concerns.
 */
import * as vscode from 'vscode';
import { Services } from './services';
import { checkTree, Finding, SeveritySetting } from '../analysis/checker';
import { severitiesFromSettings, isExcluded } from '../analysis/settings';
import { ruleDocUrl } from '../model/links';

export const DIAGNOSTIC_SOURCE = 'dma-scope';
const DEBOUNCE_MS = 250;

/** Latest findings per document (code actions read their fixes from here). */
export class FindingStore {
  private readonly byDoc = new Map<string, { version: number; findings: Finding[] }>();
  set(doc: vscode.TextDocument, findings: Finding[]): void {
    this.byDoc.set(doc.uri.toString(), { version: doc.version, findings });
  }
  get(doc: vscode.TextDocument): Finding[] {
    const e = this.byDoc.get(doc.uri.toString());
    return e && e.version === doc.version ? e.findings : [];
  }
  delete(uri: vscode.Uri): void {
    this.byDoc.delete(uri.toString());
  }
}

function severityOf(s: Finding['severity']): vscode.DiagnosticSeverity {
  return s === 'error' ? vscode.DiagnosticSeverity.Error : s === 'warning' ? vscode.DiagnosticSeverity.Warning : vscode.DiagnosticSeverity.Information;
}

/** Settings: dmaScope.rules (object) and dmaScope.rules.<id> keys both work. */
export function ruleSettings(): Record<string, SeveritySetting> {
  const cfg = vscode.workspace.getConfiguration('dmaScope');
  return severitiesFromSettings({ rules: cfg.get('rules') }, (k) => cfg.get(k));
}

function excluded(doc: vscode.TextDocument): boolean {
  const globs = vscode.workspace.getConfiguration('dmaScope').get<string[]>('exclude') ?? [];
  return isExcluded(globs, vscode.workspace.asRelativePath(doc.uri, false), doc.uri.path);
}

export function toDiagnostic(doc: vscode.TextDocument, f: Finding): vscode.Diagnostic {
  const range = new vscode.Range(doc.positionAt(f.start), doc.positionAt(f.end));
  const d = new vscode.Diagnostic(range, f.message, severityOf(f.severity));
  d.source = DIAGNOSTIC_SOURCE;
  d.code = { value: f.rule, target: vscode.Uri.parse(ruleDocUrl(f.rule)) };
  d.relatedInformation = f.related.map(
    (r) => new vscode.DiagnosticRelatedInformation(new vscode.Location(doc.uri, new vscode.Range(doc.positionAt(r.start), doc.positionAt(r.end))), r.message),
  );
  return d;
}

export function registerDiagnostics(context: vscode.ExtensionContext, services: Services): FindingStore {
  const collection = vscode.languages.createDiagnosticCollection(DIAGNOSTIC_SOURCE);
  const store = new FindingStore();
  const timers = new Map<string, ReturnType<typeof setTimeout>>();
  const tooBig = new Set<string>();

  const run = async (doc: vscode.TextDocument): Promise<void> => {
    if (!Services.isC(doc) || doc.isClosed) return;
    const key = doc.uri.toString();
    if (excluded(doc)) {
      collection.delete(doc.uri);
      return;
    }
    if (doc.getText().length > services.maxFileSize) {
      collection.delete(doc.uri);
      if (!tooBig.has(key)) {
        tooBig.add(key);
        void vscode.window.showInformationMessage(`DMA Scope: ${vscode.workspace.asRelativePath(doc.uri)} is larger than dmaScope.maxFileSize and is not checked.`);
      }
      return;
    }
    try {
      const t = await services.tree(doc);
      if (!t || doc.version !== t.version) return;
      const r = checkTree(t.tree, t.text, { severities: ruleSettings(), file: vscode.workspace.asRelativePath(doc.uri, false) });
      // a throwing rule is logged once (with the file it first failed on), then keeps being skipped quietly
      for (const e of r.errors) services.reportOnce(e.rule ? `rule:${e.rule}` : `check:${key}:${e.message}`, `DMA Scope: ${doc.uri.fsPath || key}: ${e.message}${e.rule ? ` [${e.rule}]` : ''}`);
      store.set(doc, r.findings);
      collection.set(doc.uri, r.findings.map((f) => toDiagnostic(doc, f)));
    } catch (e) {
      services.reportOnce(`diag:${key}`, `DMA Scope could not check ${doc.uri.fsPath || key}`, e);
    }
  };

  const schedule = (doc: vscode.TextDocument, delay = DEBOUNCE_MS): void => {
    if (!Services.isC(doc)) return;
    const key = doc.uri.toString();
    const old = timers.get(key);
    if (old) clearTimeout(old);
    timers.set(key, setTimeout(() => {
      timers.delete(key);
      void run(doc);
    }, delay));
  };

  context.subscriptions.push(
    collection,
    vscode.workspace.onDidOpenTextDocument((d) => schedule(d, 0)),
    vscode.workspace.onDidChangeTextDocument((e) => schedule(e.document)),
    vscode.workspace.onDidCloseTextDocument((d) => {
      collection.delete(d.uri);
      store.delete(d.uri);
      const t = timers.get(d.uri.toString());
      if (t) clearTimeout(t);
    }),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('dmaScope')) for (const d of vscode.workspace.textDocuments) schedule(d, 0);
    }),
    { dispose: () => timers.forEach((t) => clearTimeout(t)) },
  );
  for (const d of vscode.workspace.textDocuments) schedule(d, 0);
  return store;
}
