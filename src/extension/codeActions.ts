/** Quick fixes for DMA Scope diagnostics: the finding's own fixes plus "Suppress <rule> on this line". */
import * as vscode from 'vscode';
import { DIAGNOSTIC_SOURCE, FindingStore } from './diagnostics';
import type { Fix } from '../analysis/checker';
import { quickFixesFor } from '../analysis/quickFixes';

function codeOf(d: vscode.Diagnostic): string | undefined {
  const c = d.code;
  if (typeof c === 'string') return c;
  if (typeof c === 'object' && c) return String(c.value);
  return undefined;
}

function toEdit(doc: vscode.TextDocument, fix: Fix): vscode.WorkspaceEdit {
  const we = new vscode.WorkspaceEdit();
  for (const e of fix.edits) we.replace(doc.uri, new vscode.Range(doc.positionAt(e.start), doc.positionAt(e.end)), e.text);
  return we;
}

export class DmaCodeActions implements vscode.CodeActionProvider {
  static readonly kinds = [vscode.CodeActionKind.QuickFix];
  constructor(private readonly store: FindingStore) {}

  provideCodeActions(doc: vscode.TextDocument, _range: vscode.Range, ctx: vscode.CodeActionContext): vscode.CodeAction[] {
    const out: vscode.CodeAction[] = [];
    const findings = this.store.get(doc);
    for (const d of ctx.diagnostics) {
      if (d.source !== DIAGNOSTIC_SOURCE) continue;
      const rule = codeOf(d);
      if (!rule) continue;
      const start = doc.offsetAt(d.range.start);
      const end = doc.offsetAt(d.range.end);
      for (const fix of quickFixesFor(doc.getText(), findings, { rule, start, end })) {
        const a = new vscode.CodeAction(fix.title, vscode.CodeActionKind.QuickFix);
        a.diagnostics = [d];
        a.edit = toEdit(doc, fix);
        if (fix.preferred) a.isPreferred = true;
        out.push(a);
      }
    }
    return out;
  }
}

export function registerCodeActions(context: vscode.ExtensionContext, store: FindingStore): void {
  context.subscriptions.push(
    vscode.languages.registerCodeActionsProvider([{ language: 'c' }, { pattern: '**/*.{c,h}' }], new DmaCodeActions(store), {
      providedCodeActionKinds: DmaCodeActions.kinds,
    }),
  );
}
