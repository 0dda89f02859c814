/**
 * VS Code desktop as a client of the DMA Scope language server
 * (`dist/cli.js lsp --stdio`, a child process through vscode-languageclient):
 * diagnostics, hover, quick fixes and the "Replay lifecycle" lenses come from
 * the server, as in every other LSP editor. The extension keeps the VS Code UI
 * (replay panel, platform picker, commands, log view); the server's lens
 * command is the extension's own dmaScope.replayLifecycle, which opens the panel.
 */
import * as vscode from 'vscode';
import type { LanguageClient, LanguageClientOptions, ServerOptions } from 'vscode-languageclient/node';
import type { Services } from './services';
import { OPEN_RULE_COMMAND } from '../model/links';
import { QUICK_WASM_FLAG } from '../server/protocol';

export const C_DOCUMENTS = [
  { scheme: 'file', language: 'c' },
  { scheme: 'untitled', language: 'c' },
  { scheme: 'file', pattern: '**/*.{c,h}' },
];

export function startLanguageClient(context: vscode.ExtensionContext, services: Services): vscode.Disposable {
  let client: LanguageClient | undefined;
  let disposed = false;
  // loaded and started after activate() returns: activation stays cheap
  const started = (async () => {
    const lc = await import('vscode-languageclient/node');
    if (disposed) return;
    const module = vscode.Uri.joinPath(context.extensionUri, 'dist', 'cli.js').fsPath;
    // the server's quick-start V8 flag on its command line (src/node/wasm.ts): the server would otherwise
    // set it itself (older V8) or start itself again with it (newer V8, as in recent VS Code)
    const options = { execArgv: [QUICK_WASM_FLAG] };
    const serverOptions: ServerOptions = {
      run: { module, args: ['lsp'], transport: lc.TransportKind.stdio, options },
      debug: { module, args: ['lsp'], transport: lc.TransportKind.stdio, options },
    };
    const clientOptions: LanguageClientOptions = {
      documentSelector: C_DOCUMENTS,
      initializationOptions: { clientOwnsReplay: true, ruleLinks: 'command' },
      synchronize: { configurationSection: 'dmaScope' },
      // the server's rule links are command links (ruleLinks above): only the one that opens a bundled page may run
      markdown: { isTrusted: { enabledCommands: [OPEN_RULE_COMMAND] }, supportHtml: false },
    };
    // its log goes to its own output channel, "DMA Scope Language Server"
    client = new lc.LanguageClient('dmaScope', 'DMA Scope Language Server', serverOptions, clientOptions);
    await client.start();
  })().catch((e: unknown) => services.reportOnce('lsp:start', 'DMA Scope could not start its language server', e));
  return {
    dispose: () => {
      disposed = true;
      void started.then(() => client?.stop()).catch(() => undefined);
    },
  };
}
