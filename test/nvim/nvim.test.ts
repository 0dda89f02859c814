/**
 * A second, real LSP client: headless Neovim with its built-in client
 * (test/nvim/init.lua, the README's set-up) opens a copy of a driver with an
 * unchecked dma_map_single, waits for DMA Scope's diagnostics, hovers the
 * call, applies the preferred quick fix and writes the file
 * (test/nvim/driver.lua). The assertions are here, on the written file and on
 * what the Lua side recorded. A second run opens a driver of two files and runs
 * the "Replay lifecycle" code lens: the page it writes lists the functions the
 * buffer was followed through, in both files.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { FIXTURES, REPO_ROOT } from '../helpers';
import { editorSession, runEditorClient, withMapCheck, type EditorRun } from '../editorClient';

const NVIM = process.env.NVIM_PATH || 'nvim';
const HERE = path.join(REPO_ROOT, 'test', 'nvim');

interface NvimResult {
  ok: boolean;
  error?: string;
  steps: string[];
  diagnostics?: { code: string; source: string; lnum: number; col: number; message: string; severity: number }[];
  hover?: string;
  actions?: string[];
  server_exit?: number;
  lenses?: { title: string; line: number }[];
  replay?: { title: string; trace: string; page: string; stitched?: { name: string; file: string; role: string }[]; searched?: { by: string; files: string[] } };
  replay_error?: string;
  messages?: string[];
  shown?: string;
}

function runNvim(dir: string, file: string, env: Record<string, string> = {}): Promise<EditorRun> {
  const args = ['--headless', '-n', '-i', 'NONE', '-u', path.join(HERE, 'init.lua'), '-c', `luafile ${path.join(HERE, 'driver.lua')}`, file];
  return runEditorClient(NVIM, args, dir, { XDG_STATE_HOME: dir, XDG_DATA_HOME: dir, XDG_CONFIG_HOME: dir, ...env });
}

describe('Neovim (built-in LSP client) with dma-scope lsp --stdio', function () {
  this.timeout(60000);
  const fixture = path.join(FIXTURES, 'lsp', 'tx_unchecked.c');
  const original = fs.readFileSync(fixture, 'utf8');
  const session = editorSession<NvimResult>({ editor: 'Neovim (Lua)', files: { 'drv.c': fixture }, open: 'drv.c', run: (dir, file) => runNvim(dir, file) });

  it('shows the unchecked map with its rule id at the call', () => {
    assert.deepStrictEqual(session.result.diagnostics?.map((d) => [d.code, d.source, d.lnum + 1, d.col + 1, d.severity]), [['map-error-unchecked', 'dma-scope', 19, 9, 3]]);
    assert.match(session.result.diagnostics![0].message, /dma_mapping_error/);
  });

  it('hovers the call with the API entry and the call\'s own arguments', () => {
    assert.match(session.result.hover ?? '', /\*\*dma\\_map\\_single\*\*/);
    assert.match(session.result.hover ?? '', /direction: `DMA_TO_DEVICE`/);
  });

  it('offers the check and the suppression; the applied fix is in the written file', () => {
    assert.deepStrictEqual(session.result.actions, ['Check the mapping with dma_mapping_error() and goto err_drop', 'Suppress map-error-unchecked on this line']);
    assert.strictEqual(fs.readFileSync(path.join(session.dir, 'drv.c'), 'utf8'), withMapCheck(original));
    assert.deepStrictEqual(session.result.steps, ['started', 'diagnostics', 'hover', 'applied', 'rechecked', 'written', 'stopped']);
  });

  it('stops the server with shutdown and exit (exit code 0)', () => {
    assert.strictEqual(session.result.server_exit, 0);
  });
});

describe('Neovim runs the "Replay lifecycle" code lens on a driver of two files', function () {
  this.timeout(60000);
  const twofile = path.join(FIXTURES, 'lifecycle', 'twofile');
  const session = editorSession<NvimResult>({
    editor: 'Neovim (Lua)',
    files: Object.fromEntries(['wren.h', 'wren_main.c', 'wren_rx.c'].map((f) => [f, path.join(twofile, f)])),
    open: 'wren_main.c',
    run: (dir, file) => runNvim(dir, file, { DMA_SCOPE_MODE: 'replay' }),
    // the page the server wrote in the temp folder
    cleanup: (r) => r?.replay?.page && fs.rmSync(new URL(r.replay.page), { force: true }),
  });

  it('puts the lens on the map call and the command follows the buffer into wren_rx.c', () => {
    assert.deepStrictEqual(session.result.lenses, [{ title: 'Replay lifecycle', line: 15 }]);
    assert.strictEqual(session.result.replay_error, undefined);
    assert.strictEqual(session.result.replay?.title, 'page: wren_alloc_rx_page() → wren_rx_poll() → wren_free_rx_ring()');
    assert.deepStrictEqual(session.result.replay?.stitched?.map((f) => `${f.name} ${f.file} ${f.role}`), ['wren_alloc_rx_page wren_main.c map', 'wren_rx_poll wren_rx.c cpu', 'wren_free_rx_ring wren_main.c release']);
    assert.deepStrictEqual(session.result.steps, ['started', 'lenses', 'replayed', 'stopped']);
    assert.strictEqual(session.result.server_exit, 0);
  });

  it('shows the page it wrote, and the page lists the stitched functions', () => {
    const page = session.result.replay!.page;
    // Neovim 0.8 and later are sent window/showDocument; 0.7 a message naming the page
    assert.ok(session.result.shown === page || session.result.messages?.includes(`DMA Scope: lifecycle replay written to ${page}`), JSON.stringify([session.result.shown, session.result.messages]));
    const html = fs.readFileSync(new URL(page), 'utf8');
    assert.ok(html.includes('<title>DMA Lifecycle: page: wren_alloc_rx_page() → wren_rx_poll() → wren_free_rx_ring()</title>'));
    const trace = /<pre id="standalone-trace">([^]*?)<\/pre>/.exec(html)?.[1] ?? '';
    assert.match(trace, /^# stitched 1\/3: wren_alloc_rx_page\(\) wren_main\.c:6-27 \[map\]/m);
    assert.match(trace, /^# stitched 2\/3: wren_rx_poll\(\) wren_rx\.c:6-38 \[cpu\]/m);
    assert.match(trace, /^# stitched 3\/3: wren_free_rx_ring\(\) wren_main\.c:29-43 \[release\]/m);
    assert.match(trace, /^dma_sync_single_for_cpu page DMA_FROM_DEVICE 0 1518 +# src=wren_rx\.c:22$/m);
  });
});
