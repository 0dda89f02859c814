/**
 * VS Code for the Web as a client of the DMA Scope language server, which runs
 * in a web worker (dist/web/server.js, src/server/browser.ts) through
 * vscode-languageclient/browser, as VS Code's own CSS and JSON language features
 * do: diagnostics, hover and quick fixes come from the server, once, as on the
 * desktop (languageClient.ts). The worker cannot read the extension's files, so
 * the parser's wasm bytes travel in initializationOptions; and it cannot read the
 * workspace, so this client serves its `dmaScope/readFile` requests (the
 * repository's .dma-scope.json, the driver's own headers and its other .c files) and
 * `dmaScope/listFolder` requests (the folder's C files, for the driver index) with
 * vscode.workspace.fs, inside the workspace folders only.
 */
import * as vscode from 'vscode';
import type { LanguageClient, LanguageClientOptions } from 'vscode-languageclient/browser';
import type { Services } from './services';
import { OPEN_RULE_COMMAND } from '../model/links';
import { LIST_FOLDER_REQUEST, READ_FILE_REQUEST, type ListFolderParams, type ListFolderResult, type ReadFileParams, type ReadFileResult } from '../server/protocol';

/** files larger than this are not sent to the server (a header or a config file is far smaller) */
const MAX_READ_BYTES = 2 * 1024 * 1024;

/** A URI the server sent, when it is inside a workspace folder (the server may read nothing else). */
function workspaceUri(raw: string): vscode.Uri | undefined {
  try {
    const uri = vscode.Uri.parse(raw, true);
    return vscode.workspace.getWorkspaceFolder(uri) ? uri : undefined;
  } catch {
    return undefined;
  }
}

/** A workspace file's text for the server, or null (outside the workspace folders, missing, too large). */
async function readForServer(p: ReadFileParams): Promise<ReadFileResult> {
  const uri = workspaceUri(p.uri);
  if (!uri) return null;
  try {
    const st = await vscode.workspace.fs.stat(uri);
    if (st.type !== vscode.FileType.File || st.size > MAX_READ_BYTES) return null;
    return { text: new TextDecoder().decode(await vscode.workspace.fs.readFile(uri)) };
  } catch {
    return null; // most often: no such file (a folder without .dma-scope.json)
  }
}

/** The C files of a workspace folder for the server's driver index, or null (outside the workspace folders, not a folder). */
async function listForServer(p: ListFolderParams): Promise<ListFolderResult> {
  const uri = workspaceUri(p.uri);
  if (!uri) return null;
  try {
    const entries = await vscode.workspace.fs.readDirectory(uri);
    return { names: entries.filter(([n, t]) => t === vscode.FileType.File && /\.[ch]$/.test(n)).map(([n]) => n) };
  } catch {
    return null;
  }
}

/** C documents in any file system the web workbench mounts (not only file:) */
export const WEB_C_DOCUMENTS = [{ language: 'c' }, { pattern: '**/*.{c,h}' }];

function toBase64(bytes: Uint8Array): string {
  let bin = '';
  const CHUNK = 0x8000;
  for (let i = 0; i < bytes.length; i += CHUNK) bin += String.fromCharCode(...bytes.subarray(i, i + CHUNK));
  return btoa(bin);
}

export function startWebLanguageClient(context: vscode.ExtensionContext, services: Services): vscode.Disposable {
  let client: LanguageClient | undefined;
  let disposed = false;
  // started after activate() returns: activation stays cheap
  const started = (async () => {
    const dist = vscode.Uri.joinPath(context.extensionUri, 'dist');
    const [treeSitter, language, lc] = await Promise.all([
      vscode.workspace.fs.readFile(vscode.Uri.joinPath(dist, 'tree-sitter.wasm')),
      vscode.workspace.fs.readFile(vscode.Uri.joinPath(dist, 'tree-sitter-c.wasm')),
      import('vscode-languageclient/browser'),
    ]);
    if (disposed) return;
    const clientOptions: LanguageClientOptions = {
      documentSelector: WEB_C_DOCUMENTS,
      initializationOptions: { clientOwnsReplay: true, ruleLinks: 'command', readFiles: true, wasm: { treeSitter: toBase64(treeSitter), language: toBase64(language) } },
      synchronize: { configurationSection: 'dmaScope' },
      // the server's rule links are command links (ruleLinks above): only the one that opens a bundled page may run
      markdown: { isTrusted: { enabledCommands: [OPEN_RULE_COMMAND] }, supportHtml: false },
    };
    const worker = new Worker(vscode.Uri.joinPath(dist, 'web', 'server.js').toString(true));
    client = new lc.LanguageClient('dmaScope', 'DMA Scope Language Server', worker, clientOptions);
    client.onRequest(READ_FILE_REQUEST, readForServer);
    client.onRequest(LIST_FOLDER_REQUEST, listForServer);
    await client.start();
  })().catch((e: unknown) => services.reportOnce('lsp:start', 'DMA Scope could not start its language server', e));
  return {
    dispose: () => {
      disposed = true;
      void started.then(() => client?.stop()).catch(() => undefined);
    },
  };
}
