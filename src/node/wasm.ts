/**
 * Finds the two wasm files in Node: next to the bundle (dist/) when running
 * the built CLI or extension, or in node_modules when running compiled tests.
 */
import * as fs from 'fs';
import * as path from 'path';
import { loadCRuntime, type CRuntime, type WasmBytes } from '../analysis/parser';
import { QUICK_WASM_FLAG } from '../server/protocol';
import { chooseQuickWasm, type QuickWasm } from './quickWasm';

export { restartWithQuickWasm } from './quickWasm';

const NAMES = { treeSitter: 'tree-sitter.wasm', language: 'tree-sitter-c.wasm' };

function candidates(): string[][] {
  const dirs: string[][] = [];
  // bundled: dist/cli.js, dist/extension.js
  dirs.push([__dirname, __dirname]);
  // compiled tests and sources: out/src/node → repo root
  for (const up of ['..', '../..', '../../..']) {
    const root = path.resolve(__dirname, up);
    dirs.push([path.join(root, 'dist'), path.join(root, 'dist')]);
    dirs.push([path.join(root, 'node_modules/web-tree-sitter'), path.join(root, 'node_modules/tree-sitter-c')]);
  }
  return dirs;
}

export function locateWasm(): { treeSitter: string; language: string } {
  for (const [a, b] of candidates()) {
    const ts = path.join(a, NAMES.treeSitter);
    const lang = path.join(b, NAMES.language);
    if (fs.existsSync(ts) && fs.existsSync(lang)) return { treeSitter: ts, language: lang };
  }
  throw new Error('cannot find tree-sitter.wasm and tree-sitter-c.wasm next to the program; rebuild with `npm run build`');
}

export function readWasm(): WasmBytes {
  const loc = locateWasm();
  return { treeSitter: new Uint8Array(fs.readFileSync(loc.treeSitter)), language: new Uint8Array(fs.readFileSync(loc.language)) };
}

let runtime: Promise<CRuntime> | undefined;

/** This process's (or worker thread's) web-tree-sitter runtime with the C grammar, loaded once. */
export function nodeRuntime(): Promise<CRuntime> {
  runtime ??= loadCRuntime(readWasm());
  return runtime;
}

/**
 * Compile tree-sitter's wasm with Liftoff only (see quickWasm.ts), unless this process's runtime is
 * already compiled: then it is too late and the answer is 'off'.
 */
export function preferQuickWasmStartup(): QuickWasm {
  if (runtime && !process.execArgv.includes(QUICK_WASM_FLAG)) return 'off';
  return chooseQuickWasm();
}
