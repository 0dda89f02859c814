/**
 * The language server in a web worker: the browser host of src/server/server.ts,
 * started by the VS Code for the Web entry (src/extension/extension.web.ts) with
 * vscode-languageclient/browser, as VS Code's own CSS and JSON language features run.
 * Bundled by scripts/build.mjs as dist/web/server.js.
 *
 * The worker has no file access: the extension reads dist/tree-sitter*.wasm with
 * vscode.workspace.fs and passes the bytes (base64) in initializationOptions.wasm,
 * and serves the server's `dmaScope/readFile` requests (initializationOptions.readFiles),
 * through which each check reads the repository configuration (`.dma-scope.json`)
 * and the driver's own quoted headers (src/server/clientFiles.ts). Left out here:
 * `<linux/…>` kernel headers, the workspace check and the standalone replay page
 * (the extension's panel replays lifecycles instead).
 */
import { BrowserMessageReader, BrowserMessageWriter, createConnection } from 'vscode-languageserver/browser';
import { startServer } from './server';
import { browserHost } from './browserHost';

// the worker's global scope (typed as a Worker: the DOM lib has no DedicatedWorkerGlobalScope; both post and receive messages)
const scope = globalThis as unknown as Worker;
const connection = createConnection(new BrowserMessageReader(scope), new BrowserMessageWriter(scope));
startServer(connection, browserHost());
