/** VS Code glue for hover: the tree comes from Services, the text from src/analysis/hover.ts. */
import * as vscode from 'vscode';
import type { Services } from './services';
import { documentHoverAt } from '../analysis/handleHover';
import { OPEN_RULE_COMMAND } from '../model/links';

export const C_SELECTOR: vscode.DocumentSelector = [{ language: 'c' }, { pattern: '**/*.{c,h}' }];

export function registerHover(services: Services): vscode.Disposable {
  return vscode.languages.registerHoverProvider(C_SELECTOR, {
    async provideHover(doc, position, token) {
      try {
        const t = await services.tree(doc);
        if (!t || token.isCancellationRequested) return undefined;
        const off = doc.offsetAt(position);
        const h = documentHoverAt(t.tree, t.text, off);
        if (!h) return undefined;
        const md = new vscode.MarkdownString(h.markdown);
        md.supportHtml = false;
        // only the command that opens a bundled rule page may run from a hover link
        md.isTrusted = { enabledCommands: [OPEN_RULE_COMMAND] };
        return new vscode.Hover(md, new vscode.Range(doc.positionAt(h.start), doc.positionAt(h.end)));
      } catch (e) {
        services.reportOnce(`hover:${doc.uri.toString()}`, 'DMA Scope hover failed', e);
        return undefined;
      }
    },
  });
}
