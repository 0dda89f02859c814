/**
 * The language server's driver index: per-file diagnostics first, then — once the folder is indexed in
 * the background — the driver rules' findings at exact positions with related locations in other files;
 * an edit updates the file's records and the findings follow.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { pathToFileURL } from 'url';
import type { CodeAction, Diagnostic } from 'vscode-languageserver-protocol';
import { LspTestClient } from '../lspClient';
import { FIXTURES, REPO_ROOT } from '../helpers';

const DIR = path.join(FIXTURES, 'driver', 'ringnic');
const MAIN = path.join(DIR, 'ringnic_main.c');
const DMA = path.join(DIR, 'ringnic_dma.c');
const uri = (f: string): string => pathToFileURL(f).href;
const at = (d: Diagnostic): string => `${d.code} ${d.range.start.line + 1}:${d.range.start.character + 1}`;

describe('language server: driver index', function () {
  this.timeout(30000);
  let c: LspTestClient;

  before(async () => {
    assert.ok(fs.existsSync(path.join(REPO_ROOT, 'dist', 'cli.js')), 'dist/cli.js is built');
    c = new LspTestClient(['lsp', '--stdio']);
    await c.initialize();
  });
  after(() => c?.dispose());

  /** the latest diagnostics published for a URI that satisfy `ok` */
  const latest = (u: string, ok: (ds: Diagnostic[]) => boolean): Promise<Diagnostic[]> => c.until(() => {
    for (let i = c.published.length - 1; i >= 0; i--) if (c.published[i].uri === u) return ok(c.published[i].diagnostics) && c.published[i].diagnostics;
    return undefined;
  }, 20000, `diagnostics of ${u}`);

  it('publishes per-file diagnostics first, then the driver findings once the folder is indexed', async () => {
    const text = fs.readFileSync(MAIN, 'utf8');
    await c.open(uri(MAIN), text);
    // the first publication does not wait for the index (ringnic_main.c has no per-file finding)
    const first = c.published.find((p) => p.uri === uri(MAIN)) ?? (await c.diagnostics(uri(MAIN), 1), c.published.find((p) => p.uri === uri(MAIN))!);
    assert.deepStrictEqual(first.diagnostics, []);
    const ds = await latest(uri(MAIN), (x) => x.length > 0);
    assert.deepStrictEqual(ds.map(at).sort(), ['driver-dir-mismatch 112:3', 'driver-dir-mismatch 54:67', 'driver-dir-mismatch 86:49', 'driver-helper-map-leak 129:3', 'driver-unmap-family 20:2']);
    // the transmit unmap is related to the map through the helper, in this file; the helper's file is named in the message
    const tx = ds.find((d) => d.range.start.line === 85)!;
    assert.deepStrictEqual(tx.relatedInformation?.map((r) => `${r.location.uri} ${r.location.range.start.line + 1}`), [`${uri(MAIN)} 68`, `${uri(MAIN)} 124`, `${uri(MAIN)} 127`]);
  });

  it('relates a finding in the helper file to the map in the main file', async () => {
    await c.open(uri(DMA), fs.readFileSync(DMA, 'utf8'));
    const ds = await latest(uri(DMA), (x) => x.length > 0);
    assert.deepStrictEqual(ds.map(at), ['driver-unmap-family 23:2']);
    assert.deepStrictEqual(ds[0].relatedInformation?.map((r) => `${r.location.uri} ${r.location.range.start.line + 1}`), [`${uri(MAIN)} 96`]);
  });

  it("offers the map's direction as the preferred quick fix of a driver direction mismatch, and only suppression through a helper", async () => {
    const ds = await latest(uri(MAIN), (x) => x.length === 5);
    const sync = ds.find((d) => at(d) === 'driver-dir-mismatch 54:67')!;
    const actions = (await c.conn.sendRequest('textDocument/codeAction', { textDocument: { uri: uri(MAIN) }, range: sync.range, context: { diagnostics: [sync] } })) as CodeAction[];
    assert.deepStrictEqual(actions.map((a) => [a.title, !!a.isPreferred]), [["Use the map's direction DMA_FROM_DEVICE", true], ['Suppress driver-dir-mismatch on this line', false]]);
    assert.deepStrictEqual(actions[0].edit?.changes?.[uri(MAIN)], [{ range: sync.range, newText: 'DMA_FROM_DEVICE' }]);
    const viaHelper = ds.find((d) => at(d) === 'driver-dir-mismatch 112:3')!;
    const other = (await c.conn.sendRequest('textDocument/codeAction', { textDocument: { uri: uri(MAIN) }, range: viaHelper.range, context: { diagnostics: [viaHelper] } })) as CodeAction[];
    assert.deepStrictEqual(other.map((a) => a.title), ['Suppress driver-dir-mismatch on this line']);
  });

  it('follows an edit: applying the quick fix of the sync direction drops its finding, and the others stay', async () => {
    const ds0 = await latest(uri(MAIN), (x) => x.length === 5);
    const sync = ds0.find((d) => at(d) === 'driver-dir-mismatch 54:67')!;
    const [fix] = (await c.conn.sendRequest('textDocument/codeAction', { textDocument: { uri: uri(MAIN) }, range: sync.range, context: { diagnostics: [sync] } })) as CodeAction[];
    const edits = fix.edit!.changes![uri(MAIN)];
    assert.strictEqual(fs.readFileSync(MAIN, 'utf8').split('\n')[53].slice(edits[0].range.start.character, edits[0].range.end.character), 'DMA_TO_DEVICE');
    await c.conn.sendNotification('textDocument/didChange', {
      textDocument: { uri: uri(MAIN), version: 2 },
      contentChanges: edits.map((e) => ({ range: e.range, text: e.newText })),
    });
    const ds = await latest(uri(MAIN), (x) => x.length === 4);
    assert.deepStrictEqual(ds.map(at).sort(), ['driver-dir-mismatch 112:3', 'driver-dir-mismatch 86:49', 'driver-helper-map-leak 129:3', 'driver-unmap-family 20:2']);
  });
});

describe('language server: a driver whose Makefile links a subfolder', function () {
  this.timeout(30000);
  const MOD = path.join(FIXTURES, 'driver', 'modnic');
  let c: LspTestClient;

  before(async () => {
    c = new LspTestClient(['lsp', '--stdio']);
    await c.initialize();
  });
  after(() => c?.dispose());

  it('indexes hw/modnic_ring.c with the parent folder (modnic-y += hw/modnic_ring.o), and tool/ (obj-y += tool/) apart', async () => {
    const ring = path.join(MOD, 'hw', 'modnic_ring.c');
    const tool = path.join(MOD, 'tool', 'modnic_tool.c');
    await c.open(uri(ring), fs.readFileSync(ring, 'utf8'));
    await c.open(uri(tool), fs.readFileSync(tool, 'utf8'));
    // only the subfolder file is open: the map it disagrees with is read from the parent folder by the index
    const ds = await c.until(() => {
      for (let i = c.published.length - 1; i >= 0; i--) if (c.published[i].uri === uri(ring)) return c.published[i].diagnostics.length > 0 && c.published[i].diagnostics;
      return undefined;
    }, 20000, 'the driver finding of hw/modnic_ring.c');
    assert.deepStrictEqual(ds.map(at), ['driver-dir-mismatch 8:46']);
    assert.deepStrictEqual(ds[0].relatedInformation?.map((r) => `${r.location.uri} ${r.location.range.start.line + 1}`), [`${uri(path.join(MOD, 'modnic_main.c'))} 8`]);
    // tool/ maps the same member FROM_DEVICE: had it been counted in the driver, the mismatch would be hidden,
    // and tool/ itself stays clean once its own folder is indexed too
    await new Promise((r) => setTimeout(r, 1500));
    const toolDiags = [...c.published].reverse().find((p) => p.uri === uri(tool))?.diagnostics ?? [];
    assert.deepStrictEqual(toolDiags.map(at), []);
  });
});
