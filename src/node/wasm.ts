/**
 * Finds the two wasm files in Node: next to the bundle (dist/) when running
 * the built CLI or extension, or in node_modules when running compiled tests.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as v8 from 'v8';
import { loadCRuntime, type CRuntime, type WasmBytes } from '../analysis/parser';

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
 * Compile tree-sitter's wasm with Liftoff (V8's baseline wasm compiler) only, never tiering hot
 * functions up to TurboFan. For a process that must answer soon after it starts (the language
 * server): TurboFan recompiling the grammar's lexer and the parser loop costs ~190 ms of CPU during
 * the first parse and check, more than the whole first parse; the price is a full parse ~35% slower
 * afterwards (a 200 KB driver: ~45 ms instead of ~33 ms; edits reparse incrementally). Batch
 * checks (the CLI's workers) keep the tier-up. Takes effect only for wasm compiled after the call,
 * so it is a no-op once this process's runtime is loaded; DMA_SCOPE_WASM_TIERUP=1 keeps V8's default.
 */
export function preferQuickWasmStartup(): void {
  if (runtime || process.env.DMA_SCOPE_WASM_TIERUP === '1') return;
  v8.setFlagsFromString('--liftoff-only');
}
