/**
 * A third LSP client: Emacs in batch mode with eglot (test/emacs/init.el, the README's set-up)
 * visits a copy of a driver with an unchecked dma_map_single, waits for DMA Scope's diagnostics in
 * Flymake, hovers the call, applies the preferred quick fix through eglot-code-actions, saves, and
 * ends the server with shutdown + exit (test/emacs/driver.el). The assertions are here, on the
 * written file and on what the Lisp side recorded.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { FIXTURES, REPO_ROOT } from '../helpers';
import { editorSession, runEditorClient, withMapCheck, type EditorRun } from '../editorClient';

const EMACS = process.env.EMACS_PATH || 'emacs';
const HERE = path.join(REPO_ROOT, 'test', 'emacs');

interface EmacsResult {
  ok: boolean;
  error?: string;
  steps: string[];
  diagnostics?: { text: string; type: string; line: number; col: number }[];
  hover?: string;
  actions?: string[];
  server_exit?: number;
}

function runEmacs(dir: string, file: string): Promise<EditorRun> {
  // -q, not -Q: the site start files put Debian's elpa-eglot on the load path
  return runEditorClient(EMACS, ['--batch', '-q', '-l', path.join(HERE, 'init.el'), file, '-l', path.join(HERE, 'driver.el')], dir, { HOME: dir });
}

describe('Emacs (eglot) with dma-scope lsp --stdio', function () {
  this.timeout(60000);
  const fixture = path.join(FIXTURES, 'lsp', 'tx_unchecked.c');
  const original = fs.readFileSync(fixture, 'utf8');
  const session = editorSession<EmacsResult>({ editor: 'Emacs (Lisp)', files: { 'drv.c': fixture }, open: 'drv.c', run: runEmacs });

  it('shows the unchecked map in Flymake with its rule id, at the call, with the severity set through workspace/configuration', () => {
    // init.el sets map-error-unchecked to "warning" (its default is information: an eglot-note)
    assert.deepStrictEqual(session.result.diagnostics?.map((d) => [d.line, d.col, d.type]), [[19, 9, 'eglot-warning']]);
    assert.match(session.result.diagnostics![0].text, /^dma-scope \[map-error-unchecked\]: .*dma_mapping_error/);
  });

  it("hovers the call with the API entry and the call's own arguments", () => {
    assert.match(session.result.hover ?? '', /\*\*dma\\_map\\_single\*\*/);
    assert.match(session.result.hover ?? '', /direction: `DMA_TO_DEVICE`/);
  });

  it('offers the check and the suppression; the preferred one, applied and saved, is in the file and clears the diagnostic', () => {
    assert.deepStrictEqual(session.result.actions, ['Check the mapping with dma_mapping_error() and goto err_drop', 'Suppress map-error-unchecked on this line']);
    assert.strictEqual(fs.readFileSync(path.join(session.dir, 'drv.c'), 'utf8'), withMapCheck(original));
    assert.deepStrictEqual(session.result.steps, ['started', 'diagnostics', 'hover', 'applied', 'written', 'rechecked', 'stopped']);
  });

  it('ends the server with shutdown and exit (exit code 0)', () => {
    assert.strictEqual(session.result.server_exit, 0);
  });
});
