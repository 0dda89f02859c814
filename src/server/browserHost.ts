/**
 * The ServerHost of the web worker (src/server/browser.ts), apart from the worker's
 * connection so that a Node test can run it. See browser.ts for what it leaves out.
 */
import type { InitializeParams } from 'vscode-languageserver';
import type { WasmBytes } from '../analysis/parser';
import type { ServerHost } from './server';

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

