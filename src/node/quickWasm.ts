/**
 * The language server's V8 flag for tree-sitter's wasm, decided before anything is compiled. Kept apart
 * from wasm.ts (which loads the parser) so the CLI launcher (src/cli/bin.ts) can set it before it loads
 * the bundle: V8 accepts a code cache only under the flags it was made with.
 */
import * as v8 from 'v8';
import { spawn } from 'child_process';
import { QUICK_WASM_FLAG } from '../server/protocol';

export type QuickWasm = 'set' | 'restart' | 'off';

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
 * Setting it twice is harmless.
 */
export function chooseQuickWasm(): QuickWasm {
  if (process.env.DMA_SCOPE_WASM_TIERUP === '1') return 'off';
  if (process.execArgv.includes(QUICK_WASM_FLAG)) return 'set';
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
