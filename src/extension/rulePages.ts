/**
 * Rule pages inside VS Code: `dmaScope.openRulePage <id>` opens docs/rules/<id>.md, shipped inside the
 * extension, as a markdown preview. Hovers, diagnostics (`codeDescription`) and the rule settings link to it
 * with a `command:` URI (src/model/links.ts), so a page opens offline and in VS Code for the Web alike.
 *
 * The page is served read-only under the `dma-scope-rule:` scheme: its text is read with workspace.fs from the
 * extension's own folder (the same way the parser's wasm is loaded), which works on desktop and on the web,
 * and relative links between pages (`[map-leak](map-leak.md)`) resolve inside that scheme.
 */
import * as vscode from 'vscode';
import { OPEN_RULE_COMMAND } from '../model/links';
import { RULES, ruleById } from '../analysis/rules';

export const RULE_PAGE_SCHEME = 'dma-scope-rule';

/** The virtual document of a rule page, e.g. dma-scope-rule:/map-leak.md */
export function rulePageUri(id: string): vscode.Uri {
  return vscode.Uri.from({ scheme: RULE_PAGE_SCHEME, path: `/${id}.md` });
}

class RulePageProvider implements vscode.TextDocumentContentProvider {
  constructor(private readonly extensionUri: vscode.Uri) {}

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const name = uri.path.replace(/^\/+/, '');
    if (!/^[a-z0-9-]+\.md$/.test(name)) return `# Not a DMA Scope rule page\n\n\`${name}\` is not a page of docs/rules.\n`;
    try {
      const bytes = await vscode.workspace.fs.readFile(vscode.Uri.joinPath(this.extensionUri, 'docs', 'rules', name));
      return new TextDecoder().decode(bytes);
    } catch {
      return `# ${name.replace(/\.md$/, '')}\n\nThis version of DMA Scope has no page for this rule.\n`;
    }
  }
}

export function registerRulePages(context: vscode.ExtensionContext): void {
  context.subscriptions.push(
    vscode.workspace.registerTextDocumentContentProvider(RULE_PAGE_SCHEME, new RulePageProvider(context.extensionUri)),
    vscode.commands.registerCommand(OPEN_RULE_COMMAND, async (arg?: unknown) => {
      let id = typeof arg === 'string' ? arg : undefined;
      if (!id) {
        const pick = await vscode.window.showQuickPick(
          RULES.map((r) => ({ label: r.id, description: r.enabledByDefault === false ? 'off by default' : r.severity, detail: r.title })),
          { placeHolder: 'DMA Scope rule', matchOnDetail: true },
        );
        id = pick?.label;
      }
      if (!id) return;
      if (!ruleById(id)) {
        void vscode.window.showWarningMessage(`DMA Scope has no rule '${id}'.`);
        return;
      }
      await vscode.commands.executeCommand('markdown.showPreview', rulePageUri(id));
    }),
  );
}
