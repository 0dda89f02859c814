import { pathToFileURL } from 'url';
/**
 * The language server over stdio (dist/cli.js lsp --stdio), driven by a
 * vscode-languageserver-protocol client: diagnostics (code, link, related
 * location, severity from settings, incremental edits), hover, quick fixes
 * as workspace edits, the replay lens and command, bad input, shutdown.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { CodeAction, CodeLens, Hover, MarkupContent, TextEdit } from 'vscode-languageserver-protocol';
import { LspTestClient } from '../lspClient';
import { FIXTURES, REPO_ROOT } from '../helpers';

const TX = path.join(FIXTURES, 'lsp', 'tx_unchecked.c');
const TX_URI = `file://${TX}`;
const TX_TEXT = fs.readFileSync(TX, 'utf8');
const SIZE = path.join(FIXTURES, 'rules', 'unmap-size-mismatch.bad.c');

function pos(text: string, needle: string, delta = 0): { line: number; character: number } {
  const doc = TextDocument.create('x', 'c', 0, text);
  const i = text.indexOf(needle);
  assert.ok(i >= 0, `${needle} in text`);
  return doc.positionAt(i + delta);
}

function applyEdits(text: string, edits: TextEdit[]): string {
  return TextDocument.applyEdits(TextDocument.create('x', 'c', 0, text), edits);
}

describe('language server (lsp --stdio)', function () {
  this.timeout(30000);
  let c: LspTestClient;

  before(async () => {
    assert.ok(fs.existsSync(path.join(REPO_ROOT, 'dist', 'cli.js')), 'dist/cli.js is built');
    // started as vscode-languageclient starts it
    c = new LspTestClient(['lsp', `--clientProcessId=${process.pid}`, '--stdio']);
    const init = await c.initialize();
    assert.strictEqual(init.capabilities.textDocumentSync && typeof init.capabilities.textDocumentSync === 'object' && init.capabilities.textDocumentSync.change, 2, 'incremental sync');
    assert.ok(init.capabilities.hoverProvider);
    assert.deepStrictEqual(init.capabilities.executeCommandProvider?.commands, ['dmaScope.replayLifecycle', 'dmaScope.checkWorkspace']);
  });

  after(() => c?.dispose());

  it('publishes a diagnostic with the rule id as code, a link to its page and the exact range', async () => {
    await c.open(TX_URI, TX_TEXT);
    const ds = await c.diagnostics(TX_URI, 1);
    assert.strictEqual(ds.length, 1, JSON.stringify(ds));
    const d = ds[0];
    assert.strictEqual(d.code, 'map-error-unchecked');
    assert.strictEqual(d.source, 'dma-scope');
    assert.strictEqual(d.severity, 3);
    // the page installed with the server, as a file: URI every editor can open
    const page = path.join(REPO_ROOT, 'docs', 'rules', 'map-error-unchecked.md');
    assert.strictEqual(d.codeDescription?.href, pathToFileURL(page).href);
    assert.ok(fs.existsSync(page), 'the linked page exists');
    assert.deepStrictEqual(d.range.start, pos(TX_TEXT, 'dma_map_single('));
    assert.match(String(d.message), /dma_mapping_error/);
  });

  it('carries the related location (the map) of an unmap-size mismatch', async () => {
    const text = fs.readFileSync(SIZE, 'utf8');
    const uri = `file://${SIZE}`;
    await c.open(uri, text);
    const ds = await c.diagnostics(uri, 1);
    const d = ds.find((x) => x.code === 'unmap-size-mismatch');
    assert.ok(d, JSON.stringify(ds));
    assert.strictEqual(d.relatedInformation?.length, 1);
    assert.strictEqual(d.relatedInformation[0].location.uri, uri);
    assert.match(d.relatedInformation[0].message, /mapped here/);
    const mapLine = text.split('\n').findIndex((l) => /dma_map_single\(/.test(l));
    assert.strictEqual(d.relatedInformation[0].location.range.start.line, mapLine);
    await c.conn.sendNotification('textDocument/didClose', { textDocument: { uri } });
    assert.deepStrictEqual(await c.until(() => c.published.length && c.published[c.published.length - 1].uri === uri && c.published[c.published.length - 1].diagnostics.length === 0 && [1]), [1], 'cleared on close');
  });

  it('hovers the API entry (markdown) and a handle', async () => {
    const h = (await c.conn.sendRequest('textDocument/hover', { textDocument: { uri: TX_URI }, position: pos(TX_TEXT, 'dma_map_single(', 3) })) as Hover;
    assert.ok(h, 'a hover');
    const md = h.contents as MarkupContent;
    assert.strictEqual(md.kind, 'markdown');
    assert.match(md.value, /dma\\_map\\_single/);
    assert.match(md.value, /dma_mapping_error/);
    // rule links a non-VS Code editor can follow: the installed page, never a VS Code command
    assert.ok(!md.value.includes('command:'), 'no command: links in the server hover');
    assert.ok(md.value.includes(pathToFileURL(path.join(REPO_ROOT, 'docs', 'rules', 'map-error-unchecked.md')).href), 'links the rule page as a file: URI');
    assert.deepStrictEqual(h.range?.start, pos(TX_TEXT, 'dma_map_single('));
    const handle = (await c.conn.sendRequest('textDocument/hover', { textDocument: { uri: TX_URI }, position: pos(TX_TEXT, '(addr)', 2) })) as Hover;
    assert.match((handle.contents as MarkupContent).value, /`addr` is a streaming DMA handle[\s\S]*mapped for DMA_TO_DEVICE by `dma_map_single\(\)` at line 19/);
    assert.deepStrictEqual(handle.range, { start: pos(TX_TEXT, '(addr)', 1), end: pos(TX_TEXT, '(addr)', 5) });
    const none = await c.conn.sendRequest('textDocument/hover', { textDocument: { uri: TX_URI }, position: pos(TX_TEXT, 'inflight++', 2) });
    assert.strictEqual(none, null);
  });

  it('offers the mapping check and the suppression as workspace edits; the fix silences the rule', async () => {
    const [d] = await c.diagnostics(TX_URI, 1);
    const actions = (await c.conn.sendRequest('textDocument/codeAction', { textDocument: { uri: TX_URI }, range: d.range, context: { diagnostics: [d] } })) as CodeAction[];
    assert.deepStrictEqual(actions.map((a) => a.title), ['Check the mapping with dma_mapping_error() and goto err_drop', 'Suppress map-error-unchecked on this line']);
    assert.strictEqual(actions[0].isPreferred, true);
    assert.strictEqual(actions[0].kind, 'quickfix');
    const fixed = applyEdits(TX_TEXT, actions[0].edit!.changes![TX_URI]);
    assert.ok(fixed.includes('DMA_TO_DEVICE);\n\tif (dma_mapping_error(ring->dev, addr))\n\t\tgoto err_drop;\n\twritel('), fixed);
    const suppressed = applyEdits(TX_TEXT, actions[1].edit!.changes![TX_URI]);
    assert.ok(suppressed.includes('\t/* dma-scope: ignore map-error-unchecked */\n\taddr = dma_map_single('), suppressed);

    // send the fix as an incremental change: the next publication (version 2) is empty
    const e = actions[0].edit!.changes![TX_URI][0];
    await c.conn.sendNotification('textDocument/didChange', { textDocument: { uri: TX_URI, version: 2 }, contentChanges: [{ range: e.range, text: e.newText }] });
    assert.deepStrictEqual(await c.diagnostics(TX_URI, 2), []);
    // and undo it, in two keystroke-sized edits (debounced into one run)
    const doc2 = TextDocument.create(TX_URI, 'c', 2, fixed);
    const start = doc2.positionAt(fixed.indexOf('\n\tif (dma_mapping_error'));
    const end = doc2.positionAt(fixed.indexOf('\n\twritel('));
    await c.conn.sendNotification('textDocument/didChange', { textDocument: { uri: TX_URI, version: 3 }, contentChanges: [{ range: { start, end }, text: '' }] });
    await c.conn.sendNotification('textDocument/didChange', { textDocument: { uri: TX_URI, version: 4 }, contentChanges: [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: '' }] });
    const back = await c.diagnostics(TX_URI, 4);
    assert.deepStrictEqual(back.map((x) => x.code), ['map-error-unchecked']);
    assert.ok(!c.published.some((p) => p.uri === TX_URI && p.version === 3), 'the intermediate version was debounced away');
  });

  it('takes rule severities from workspace/configuration (dmaScope.rules.<id>)', async () => {
    c.settings = { rules: { 'map-error-unchecked': 'warning' } };
    await c.conn.sendNotification('workspace/didChangeConfiguration', { settings: null });
    const warned = await c.until(() => {
      const p = [...c.published].reverse().find((x) => x.uri === TX_URI);
      return p && p.diagnostics.length === 1 && p.diagnostics[0].severity === 2 && p;
    }, 10000, 'a warning');
    assert.strictEqual(warned.diagnostics[0].code, 'map-error-unchecked');
    c.settings = { rules: { 'map-error-unchecked': 'off' } };
    await c.conn.sendNotification('workspace/didChangeConfiguration', { settings: null });
    await c.until(() => {
      const p = [...c.published].reverse().find((x) => x.uri === TX_URI);
      return p && p.diagnostics.length === 0;
    }, 10000, 'the rule switched off');
    c.settings = {};
    await c.conn.sendNotification('workspace/didChangeConfiguration', { settings: null });
    await c.until(() => {
      const p = [...c.published].reverse().find((x) => x.uri === TX_URI);
      return p && p.diagnostics.length === 1 && p.diagnostics[0].severity === 3;
    }, 10000, 'the default severity again');
  });

  it('puts a "Replay lifecycle" lens on the map call; its command writes the standalone replay page', async () => {
    const lenses = (await c.conn.sendRequest('textDocument/codeLens', { textDocument: { uri: TX_URI } })) as CodeLens[];
    assert.strictEqual(lenses.length, 1);
    assert.strictEqual(lenses[0].command?.title, 'Replay lifecycle');
    assert.strictEqual(lenses[0].range.start.line, pos(TX_TEXT, 'dma_map_single(').line);
    const r = (await c.conn.sendRequest('workspace/executeCommand', { command: lenses[0].command!.command, arguments: lenses[0].command!.arguments })) as { trace: string; title: string; page: string };
    assert.match(r.trace, /^dma_map_single \w+ DMA_TO_DEVICE/m);
    assert.strictEqual(r.title, 'skb_data in demo_xmit()');
    assert.match(r.page, /^file:\/\/.*\/dma-scope-replay\/tx_unchecked\.c-19\.html$/);
    const html = fs.readFileSync(new URL(r.page), 'utf8');
    assert.match(html, /<title>DMA Lifecycle: skb_data in demo_xmit\(\)<\/title>/);
    assert.ok(html.includes('dma_map_single skb_data DMA_TO_DEVICE'));
    await assert.rejects(c.conn.sendRequest('workspace/executeCommand', { command: 'dmaScope.replayLifecycle', arguments: ['file:///nope.c', 'x'] }), /expects/);
  });

  it('answers unknown requests with MethodNotFound and ignores unknown notifications', async () => {
    await c.conn.sendNotification('dmaScope/noSuchNotification', { x: 1 });
    await assert.rejects(c.conn.sendRequest('dmaScope/noSuchMethod', {}), (e: { code?: number }) => e.code === -32601);
  });

  it('honours $/cancelRequest', async () => {
    // The request and its cancellation are written as raw bytes in ONE write, so the server reads them
    // together: the client library waits for each write to complete before the next, so on a loaded
    // machine it may deliver them in two reads and the hover is answered before the cancel is read.
    const id = 'cancel-probe';
    const frame = (m: object): Buffer => {
      const body = Buffer.from(JSON.stringify(m), 'utf8');
      return Buffer.concat([Buffer.from(`Content-Length: ${body.length}\r\n\r\n`, 'ascii'), body]);
    };
    const answer = new Promise<{ error?: { code: number }; result?: unknown }>((resolve) => {
      let buf = Buffer.alloc(0);
      const onData = (d: Buffer): void => {
        buf = Buffer.concat([buf, d]);
        for (;;) {
          const end = buf.indexOf('\r\n\r\n');
          if (end < 0) return;
          const len = Number(/Content-Length: (\d+)/i.exec(buf.subarray(0, end).toString('ascii'))?.[1]);
          if (buf.length < end + 4 + len) return;
          const msg = JSON.parse(buf.subarray(end + 4, end + 4 + len).toString('utf8'));
          buf = buf.subarray(end + 4 + len);
          if (msg.id === id) {
            c.proc.stdout.off('data', onData);
            resolve(msg);
            return;
          }
        }
      };
      c.proc.stdout.on('data', onData);
    });
    const hover = { jsonrpc: '2.0', id, method: 'textDocument/hover', params: { textDocument: { uri: TX_URI }, position: pos(TX_TEXT, 'dma_map_single(', 3) } };
    c.proc.stdin.write(Buffer.concat([frame(hover), frame({ jsonrpc: '2.0', method: '$/cancelRequest', params: { id } })]));
    const r = await answer;
    assert.strictEqual(r.error?.code, -32800, JSON.stringify(r));
    // the same hover, not cancelled, is answered (the cancellation, not the request, made the difference)
    const h = await c.conn.sendRequest<Hover | null>('textDocument/hover', hover.params);
    assert.ok(h, 'hover answered without a cancellation');
  });

  it('skips non-file URIs, a 20 MB document and binary content with one log line each', async () => {
    const before = c.logs.length;
    await c.open('https://example.invalid/drv.c', TX_TEXT);
    await c.open(`file://${REPO_ROOT}/big.c`, 'int x;\n'.repeat(3_000_000));
    await c.open(`file://${REPO_ROOT}/blob.c`, 'dma_map_single(\u0000\u0001\u0002');
    for (const [uri, re] of [['https://example.invalid/drv.c', /unsupported URI scheme 'https:'/], [`file://${REPO_ROOT}/big.c`, /larger than dmaScope.maxFileSize/], [`file://${REPO_ROOT}/blob.c`, /binary content/]] as const) {
      assert.deepStrictEqual(await c.diagnostics(uri), []);
      await c.until(() => c.logs.slice(before).some((l) => l.includes(uri) && re.test(l)), 5000, `log for ${uri}`);
    }
    // hover on a skipped document: no answer, no error
    assert.strictEqual(await c.conn.sendRequest('textDocument/hover', { textDocument: { uri: `file://${REPO_ROOT}/blob.c` }, position: { line: 0, character: 2 } }), null);
    // an edit of a skipped document does not log again
    await c.conn.sendNotification('textDocument/didChange', { textDocument: { uri: 'https://example.invalid/drv.c', version: 2 }, contentChanges: [{ text: TX_TEXT + '\n' }] });
    await c.diagnostics('https://example.invalid/drv.c', undefined);
    await new Promise((r) => setTimeout(r, 400));
    assert.strictEqual(c.logs.filter((l) => l.includes('https://example.invalid/drv.c')).length, 1);
    assert.deepStrictEqual(c.stderr, []);
  });

  it('survives malformed JSON-RPC on stdin and keeps answering', async () => {
    const frame = (body: string): string => `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
    c.proc.stdin.write(frame('{oops!}'));
    c.proc.stdin.write(frame('{"jsonrpc":"2.0","id":"x"}'));
    c.proc.stdin.write(frame('{"jsonrpc":"2.0","method":42,"id":77}'));
    c.proc.stdin.write(frame('[1,2,3]'));
    c.proc.stdin.write(frame('{"jsonrpc":"2.0","id":78,"method":"textDocument/hover","params":{"textDocument":{"uri":42},"position":"x"}}'));
    const h = (await c.conn.sendRequest('textDocument/hover', { textDocument: { uri: TX_URI }, position: pos(TX_TEXT, 'dma_map_single(', 3) })) as Hover;
    assert.match((h.contents as MarkupContent).value, /dma\\_map\\_single/);
    assert.strictEqual(c.proc.exitCode, null);
  });

  it('exits with code 0 after shutdown and exit', async () => {
    assert.strictEqual(await c.stop(), 0);
  });
});

describe('language server: Check Workspace (dmaScope.checkWorkspace)', function () {
  this.timeout(30000);
  it('checks every C file that is not open, publishes its diagnostics and reports progress', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dma-scope-ws-'));
    try {
      fs.mkdirSync(path.join(dir, 'drv', 'sub'), { recursive: true });
      fs.mkdirSync(path.join(dir, 'node_modules', 'x'), { recursive: true });
      fs.mkdirSync(path.join(dir, '.git'));
      fs.copyFileSync(TX, path.join(dir, 'drv', 'tx.c'));
      fs.copyFileSync(SIZE, path.join(dir, 'drv', 'sub', 'size.c'));
      fs.copyFileSync(path.join(FIXTURES, 'rules', 'map-error-unchecked.good.c'), path.join(dir, 'drv', 'good.c'));
      fs.copyFileSync(TX, path.join(dir, 'node_modules', 'x', 'skipped.c'));
      fs.copyFileSync(TX, path.join(dir, '.git', 'skipped.c'));
      fs.writeFileSync(path.join(dir, 'drv', 'blob.c'), Buffer.from([0, 1, 2, 3, 0x64, 0x6d, 0x61]));
      fs.writeFileSync(path.join(dir, 'drv', 'notes.txt'), 'dma_map_single(x);');
      const w = new LspTestClient();
      const rootUri = `file://${dir}`;
      await w.initialize({ rootUri, workspaceFolders: [{ uri: rootUri, name: 'ws' }], capabilities: { window: { workDoneProgress: true } } });
      // an open document is checked live, not again by the workspace check
      const openUri = `file://${dir}/drv/good.c`;
      await w.open(openUri, fs.readFileSync(path.join(dir, 'drv', 'good.c'), 'utf8'));
      await w.diagnostics(openUri, 1);
      const r = (await w.conn.sendRequest('workspace/executeCommand', { command: 'dmaScope.checkWorkspace', arguments: [] })) as { files: number; findings: number; skipped: number; cancelled: boolean };
      assert.deepStrictEqual({ ...r, findings: r.findings > 0 }, { files: 2, findings: true, skipped: 1, cancelled: false });
      const tx = await w.diagnostics(`file://${dir}/drv/tx.c`);
      assert.deepStrictEqual(tx.map((d) => d.code), ['map-error-unchecked']);
      assert.ok((await w.diagnostics(`file://${dir}/drv/sub/size.c`)).some((d) => d.code === 'unmap-size-mismatch'));
      assert.ok(!w.published.some((p) => /node_modules|\.git|blob\.c|notes/.test(p.uri)));
      const kinds = w.progress.map((p) => p.value.kind);
      assert.strictEqual(kinds[0], 'begin');
      assert.strictEqual(kinds[kinds.length - 1], 'end');
      assert.ok(w.progress.some((p) => p.value.kind === 'report' && /\/4 drv\/sub\/size\.c$/.test(p.value.message ?? '')), JSON.stringify(w.progress));
      assert.strictEqual(await w.stop(), 0);
      w.dispose();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('language server: Check Workspace runs the driver rules', function () {
  this.timeout(30000);
  it("publishes a closed file's driver finding with its per-file ones, reading the driver's other files, open ones included", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dma-scope-wsdrv-'));
    try {
      fs.cpSync(path.join(FIXTURES, 'driver', 'modnic'), path.join(dir, 'modnic'), { recursive: true });
      const w = new LspTestClient();
      const rootUri = `file://${dir}`;
      await w.initialize({ rootUri, workspaceFolders: [{ uri: rootUri, name: 'ws' }], capabilities: {} });
      // the map is in an open document (its records come from the editor's text), the unmap in a closed file of a linked subfolder
      const mainUri = `file://${dir}/modnic/modnic_main.c`;
      await w.open(mainUri, fs.readFileSync(path.join(dir, 'modnic', 'modnic_main.c'), 'utf8'));
      await w.diagnostics(mainUri, 1);
      const r = (await w.conn.sendRequest('workspace/executeCommand', { command: 'dmaScope.checkWorkspace', arguments: [] })) as { files: number; findings: number };
      assert.deepStrictEqual(r.findings, 1);
      const ring = `file://${dir}/modnic/hw/modnic_ring.c`;
      const got = await w.until(() => {
        for (let i = w.published.length - 1; i >= 0; i--) if (w.published[i].uri === ring) return w.published[i].diagnostics.length > 0 && w.published[i].diagnostics;
        return undefined;
      }, 10000, 'the driver finding of hw/modnic_ring.c');
      assert.deepStrictEqual(got.map((d) => `${d.code} ${d.range.start.line + 1}:${d.range.start.character + 1}`), ['driver-dir-mismatch 8:46']);
      assert.deepStrictEqual(got[0].relatedInformation?.map((x) => `${x.location.uri} ${x.location.range.start.line + 1}`), [`${mainUri} 8`]);
      // tool/ is a module of its own: clean
      assert.ok(!w.published.some((p) => /modnic_tool\.c$/.test(p.uri) && p.diagnostics.length > 0));
      assert.strictEqual(await w.stop(), 0);
      w.dispose();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('language server: exit without shutdown', function () {
  this.timeout(20000);
  it('exits with code 1 on exit without shutdown, and when stdin closes', async () => {
    const a = new LspTestClient();
    await a.initialize();
    await a.conn.sendNotification('exit');
    assert.strictEqual(await a.exited, 1);
    a.dispose();
    const b = new LspTestClient();
    await b.initialize();
    b.proc.stdin.end();
    assert.strictEqual(await b.exited, 1);
    b.dispose();
  });
  it('leaves the replay command to a client that owns it (VS Code), and reads initializationOptions.dmaScope', async () => {
    const v = new LspTestClient();
    const init = await v.initialize({ capabilities: {}, initializationOptions: { clientOwnsReplay: true, dmaScope: { rules: { 'map-error-unchecked': 'info' } } } });
    assert.deepStrictEqual(init.capabilities.executeCommandProvider?.commands, ['dmaScope.checkWorkspace']);
    await v.open(TX_URI, TX_TEXT);
    const ds = await v.diagnostics(TX_URI, 1);
    assert.deepStrictEqual(ds.map((d) => [d.code, d.severity]), [['map-error-unchecked', 3]]);
    assert.strictEqual(v.configurationRequests, 0, 'a client without workspace/configuration is not asked');
    assert.strictEqual(await v.stop(), 0);
    v.dispose();
  });
  it('refuses to start without --stdio (usage error, exit 2)', async () => {
    const x = new LspTestClient(['lsp']);
    assert.strictEqual(await x.exited, 2);
    assert.match(x.stderr.join(''), /--stdio/);
    x.dispose();
  });
});
