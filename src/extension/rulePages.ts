/**
 * Rule pages inside VS Code: `dmaScope.openRulePage <id>` opens docs/rules/<id>.md, shipped inside the
 * extension, as a markdown preview. Hovers, diagnostics (`codeDescription`) and the rule settings link to it
 * with a `command:` URI (src/model/links.ts), so a page opens offline and in VS Code for the Web alike.
 *
 * Pages are served read-only under the `dma-scope-docs:` scheme, whose paths mirror the extension's docs/
 * folder (`dma-scope-docs:/rules/map-leak.md` is docs/rules/map-leak.md). The text is read with workspace.fs
 * from the extension's own folder (the way the parser's wasm is loaded), which works on desktop and on the
 * web, and relative links between pages (`[map-leak](map-leak.md)`, `../how-dma-works.md`) resolve inside
 * the scheme.
 */
import * as vscode from 'vscode';
import { OPEN_RULE_COMMAND } from '../model/links';
import { RULES, ruleById } from '../analysis/rules';

export const DOCS_SCHEME = 'dma-scope-docs';

/** The virtual document of a rule page, e.g. dma-scope-docs:/rules/map-leak.md */
export function rulePageUri(id: string): vscode.Uri {
  return vscode.Uri.from({ scheme: DOCS_SCHEME, path: `/rules/${id}.md` });
}

class RulePageProvider implements vscode.TextDocumentContentProvider {
  constructor(private readonly extensionUri: vscode.Uri) {}

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const name = uri.path.replace(/^\/+/, '');
    // only the shipped pages: docs/<page>.md and docs/rules/<id>.md, nothing outside docs/
    if (!/^(rules\/)?[a-z0-9-]+\.md$/.test(name)) return `# Not a DMA Scope page\n\n\`${name}\` is not one of the pages shipped with DMA Scope.\n`;
    try {
      const bytes = await vscode.workspace.fs.readFile(vscode.Uri.joinPath(this.extensionUri, 'docs', ...name.split('/')));
      return new TextDecoder().decode(bytes);
    } catch {
      return `# ${name.replace(/^rules\//, '').replace(/\.md$/, '')}\n\nThis version of DMA Scope has no such page.\n`;
    }
  }
}

export function registerRulePages(context: vscode.ExtensionContext): void {
  context.subscriptions.push(
    vscode.workspace.registerTextDocumentContentProvider(DOCS_SCHEME, new RulePageProvider(context.extensionUri)),
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
      try {
        // the built-in markdown extension renders it (desktop and web)
        await vscode.commands.executeCommand('markdown.showPreview', rulePageUri(id));
      } catch {
        // a build without the markdown extension: the page as read-only text is still the page
        await vscode.window.showTextDocument(rulePageUri(id), { preview: true });
      }
    }),
  );
}
