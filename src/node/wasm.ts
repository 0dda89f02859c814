/**
 * Finds the two wasm files in Node: next to the bundle (dist/) when running
 * the built CLI or extension, or in node_modules when running compiled tests.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as v8 from 'v8';
import { spawn } from 'child_process';
import { loadCRuntime, type CRuntime, type WasmBytes } from '../analysis/parser';
import { QUICK_WASM_FLAG } from '../server/protocol';

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
 * Whether V8 still honours a wasm compiler flag set at run time (v8.setFlagsFromString). Node 20's V8
 * (11.3) does; Node 24's (13.6) takes them from the command line only (measured with bench:lsp: the
 * run-time flag changed nothing there). Between the two, unmeasured, the command line is the safe side.
 */
function runtimeWasmFlagsWork(): boolean {
  return Number(process.versions.v8.split('.')[0]) < 12;
}

/**
 * Compile tree-sitter's wasm with Liftoff only, never tiering hot functions up to TurboFan. For a
 * process that must answer soon after it starts (the language server): TurboFan recompiling the
 * grammar's lexer and the parser loop costs ~190 ms of CPU during the first parse and check, more
 * than the whole first parse; the price is a full parse ~35% slower afterwards (a 200 KB driver: ~45 ms
 * instead of ~33 ms; edits reparse incrementally). Batch checks (the CLI's workers) keep the tier-up.
 *
 * Returns 'set' when the flag is in effect (given on the command line, or set now where V8 honours
 * that), 'restart' when it can only come from the command line: the caller then runs this same
 * program again with it (restartWithQuickWasm). DMA_SCOPE_WASM_TIERUP=1 keeps V8's default ('off').
 */
export function preferQuickWasmStartup(): 'set' | 'restart' | 'off' {
  if (process.env.DMA_SCOPE_WASM_TIERUP === '1') return 'off';
  if (process.execArgv.includes(QUICK_WASM_FLAG)) return 'set';
  if (runtime) return 'off'; // too late: this process's runtime is compiled
  if (runtimeWasmFlagsWork()) {
    v8.setFlagsFromString(QUICK_WASM_FLAG);
    return 'set';
  }
  return 'restart';
}

/**
 * Runs this program again, same arguments, with the quick-start flag, on the same stdin/stdout/stderr
 * (the child talks to the client directly); this process only waits and exits with the child's code,
 * passing on the signals a client sends. Editors then need no V8 flags in their server command.
 */
export function restartWithQuickWasm(): void {
  const child = spawn(process.execPath, [QUICK_WASM_FLAG, ...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit' });
  for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(sig, () => child.kill(sig));
  child.on('error', (e) => {
    process.stderr.write(`dma-scope lsp: cannot restart with ${QUICK_WASM_FLAG}: ${e.message}\n`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}
