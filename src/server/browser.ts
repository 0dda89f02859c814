/**
 * The language server in a web worker: the browser host of src/server/server.ts,
 * started by the VS Code for the Web entry (src/extension/extension.web.ts) with
 * vscode-languageclient/browser, as VS Code's own CSS and JSON language features run.
 * Bundled by scripts/build.mjs as dist/web/server.js.
 *
 * The worker has no file access: the extension reads dist/tree-sitter*.wasm with
 * vscode.workspace.fs and passes the bytes (base64) in initializationOptions.wasm.
 * Left out here, because they need to read files next to the document: the
 * repository configuration (`.dma-scope.json`), the driver's local headers
 * (sizes they #define), the workspace check and the standalone replay page
 * (the extension's panel replays lifecycles instead).
 */
import { BrowserMessageReader, BrowserMessageWriter, createConnection } from 'vscode-languageserver/browser';
import type { InitializeParams } from 'vscode-languageserver';
import type { WasmBytes } from '../analysis/parser';
import { startServer, ServerHost } from './server';

/** The wasm files as the client sends them: base64 strings (JSON carries no bytes). */
export interface WasmOption {
  treeSitter: string;
  language: string;
}

function fromBase64(s: string): Uint8Array {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

export function browserHost(): ServerHost {
  let resolveWasm!: (w: WasmBytes) => void;
  let rejectWasm!: (e: Error) => void;
  const wasm = new Promise<WasmBytes>((resolve, reject) => {
    resolveWasm = resolve;
    rejectWasm = reject;
  });
  return {
    loadWasm: () => wasm,
    // the client's document selector picks the C documents, whatever file system holds them
    anyScheme: true,
    initialize: (params: InitializeParams) => {
      const w = (params.initializationOptions as { wasm?: Partial<WasmOption> } | null | undefined)?.wasm;
      if (typeof w?.treeSitter === 'string' && typeof w.language === 'string') {
        resolveWasm({ treeSitter: fromBase64(w.treeSitter), language: fromBase64(w.language) });
      } else rejectWasm(new Error('the client sent no wasm bytes (initializationOptions.wasm)'));
    },
  };
}

// the worker's global scope (typed as a Worker: the DOM lib has no DedicatedWorkerGlobalScope; both post and receive messages)
const scope = globalThis as unknown as Worker;
const connection = createConnection(new BrowserMessageReader(scope), new BrowserMessageWriter(scope));
startServer(connection, browserHost());
