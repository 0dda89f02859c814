/**
 * The language server's quick start (src/node/wasm.ts preferQuickWasmStartup): tree-sitter's wasm
 * compiled by Liftoff only, from the command line, set at run time where V8 honours it, or by the
 * server starting itself again with the flag; DMA_SCOPE_WASM_TIERUP=1 keeps V8's default.
 */
import * as assert from 'assert';
import * as cp from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { QUICK_WASM_FLAG } from '../../src/server/protocol';

const WASM_JS = path.join(__dirname, '..', '..', 'src', 'node', 'wasm.js');

function decide(flags: string[], env: Record<string, string> = {}): string {
  const r = cp.spawnSync(process.execPath, [...flags, '-e', `process.stdout.write(require(${JSON.stringify(WASM_JS)}).preferQuickWasmStartup())`], {
    encoding: 'utf8',
    env: { ...process.env, DMA_SCOPE_WASM_TIERUP: '', ...env },
  });
  assert.strictEqual(r.status, 0, r.stderr);
  return r.stdout;
}

describe('language server quick start (Liftoff-only wasm)', () => {
  it('is in effect when node was started with the flag', () => {
    assert.strictEqual(QUICK_WASM_FLAG, '--liftoff-only');
    assert.strictEqual(decide([QUICK_WASM_FLAG]), 'set');
  });

  it('is set at run time on a V8 that honours it, and asks for a restart with the flag on one that does not', () => {
    const v8Major = Number(process.versions.v8.split('.')[0]);
    assert.strictEqual(decide([]), v8Major < 12 ? 'set' : 'restart');
  });

  it('stays off with DMA_SCOPE_WASM_TIERUP=1', () => {
    assert.strictEqual(decide([], { DMA_SCOPE_WASM_TIERUP: '1' }), 'off');
    assert.strictEqual(decide([QUICK_WASM_FLAG], { DMA_SCOPE_WASM_TIERUP: '1' }), 'off');
  });

  it('a restart runs the same program with the flag on the same stdio and exits with its code', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dma-scope-quickwasm-'));
    try {
      const prog = path.join(dir, 'prog.js');
      fs.writeFileSync(
        prog,
        `const w = require(${JSON.stringify(WASM_JS)});
if (process.execArgv.includes('--liftoff-only')) {
  let input = '';
  process.stdin.on('data', (d) => (input += d));
  process.stdin.on('end', () => { process.stdout.write('child ' + process.argv.slice(2).join(' ') + ' read ' + input); process.exit(3); });
} else w.restartWithQuickWasm();
`,
      );
      const r = cp.spawnSync(process.execPath, [prog, 'lsp', '--stdio'], { input: 'hello', encoding: 'utf8' });
      assert.strictEqual(r.stdout, 'child lsp --stdio read hello');
      assert.strictEqual(r.status, 3);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
