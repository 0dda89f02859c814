/**
 * The server as the browser worker runs it (src/server/browser.ts): documents
 * of any URI scheme are checked (the web workbench mounts its own file
 * systems), the parser comes from the wasm bytes sent in initializationOptions,
 * and dmaScope.exclude matches paths relative to a non-file workspace folder.
 * The server runs in this process over in-memory streams.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { PassThrough } from 'stream';
import { createConnection, Connection, ProposedFeatures, StreamMessageReader, StreamMessageWriter } from 'vscode-languageserver/node';
import { createProtocolConnection, ProtocolConnection, PublishDiagnosticsParams } from 'vscode-languageserver-protocol/node';
import { startServer } from '../../src/server/server';
import { browserHost } from '../../src/server/browserHost';
import { LIST_FOLDER_REQUEST, READ_FILE_REQUEST, type ListFolderParams, type ListFolderResult, type ReadFileParams, type ReadFileResult } from '../../src/server/protocol';
import { readWasm } from '../../src/node/wasm';
import { FIXTURES } from '../helpers';

describe('language server: the web worker host', function () {
  this.timeout(20000);
  let client: ProtocolConnection;
  let server: ReturnType<typeof createConnection>;
  const published: PublishDiagnosticsParams[] = [];
  const logs: string[] = [];

  before(async () => {
    const up = new PassThrough();
    const down = new PassThrough();
    server = createConnection(ProposedFeatures.all, new StreamMessageReader(up), new StreamMessageWriter(down));
    startServer(server as unknown as Connection, browserHost());
    client = createProtocolConnection(new StreamMessageReader(down), new StreamMessageWriter(up));
    client.onNotification('textDocument/publishDiagnostics', (p: PublishDiagnosticsParams) => {
      published.push(p);
    });
    client.onNotification('window/logMessage', (p: { message: string }) => {
      logs.push(p.message);
    });
    client.listen();
    const wasm = await readWasm();
    const b64 = (u: Uint8Array): string => Buffer.from(u).toString('base64');
    await client.sendRequest('initialize', {
      processId: null,
      rootUri: null,
      workspaceFolders: [{ uri: 'vscode-test-web://mount/', name: 'mount' }],
      capabilities: {},
      initializationOptions: { dmaScope: { exclude: ['gen/**'] }, wasm: { treeSitter: b64(wasm.treeSitter), language: b64(wasm.language) } },
    });
    await client.sendNotification('initialized', {});
  });

  after(() => {
    client?.dispose();
    server?.dispose();
  });

  async function diagnostics(uri: string, version: number): Promise<PublishDiagnosticsParams> {
    for (let i = 0; i < 200; i++) {
      const p = published.find((x) => x.uri === uri && x.version === version);
      if (p) return p;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`no diagnostics for ${uri} v${version}; logs: ${logs.join(' | ')}`);
  }

  it('checks a vscode-test-web: document with the wasm it was sent, and skips one dmaScope.exclude matches', async () => {
    const tx = fs.readFileSync(path.join(FIXTURES, 'lsp', 'tx_unchecked.c'), 'utf8');
    await client.sendNotification('textDocument/didOpen', { textDocument: { uri: 'vscode-test-web://mount/tx.c', languageId: 'c', version: 1, text: tx } });
    const d = await diagnostics('vscode-test-web://mount/tx.c', 1);
    assert.deepStrictEqual(d.diagnostics.map((x) => x.code), ['map-error-unchecked']);
    await client.sendNotification('textDocument/didOpen', { textDocument: { uri: 'vscode-test-web://mount/gen/tx.c', languageId: 'c', version: 1, text: tx } });
    for (let i = 0; i < 200 && !logs.some((l) => l.includes('gen/tx.c')); i++) await new Promise((r) => setTimeout(r, 25));
    assert.ok(logs.some((l) => l === 'DMA Scope: skipped vscode-test-web://mount/gen/tx.c: excluded by dmaScope.exclude'), logs.join('\n'));
    assert.ok(!published.some((p) => p.uri === 'vscode-test-web://mount/gen/tx.c' && p.diagnostics.length > 0));
  });
});

describe('language server: the web worker host reading files through the client (dmaScope/readFile)', function () {
  this.timeout(20000);
  const DRIVER = path.join(FIXTURES, 'headers', 'kernel', 'drivers', 'net', 'ringdemo');
  /** the client's files: the ringdemo driver's headers under /mount/drv, and repository configs */
  const files = new Map<string, string>();
  for (const h of ['ringdemo.h', 'ringdemo_hw.h']) files.set(`vscode-test-web://mount/drv/${h}`, fs.readFileSync(path.join(DRIVER, h), 'utf8'));
  files.set('vscode-test-web://mount/.dma-scope.json', JSON.stringify({ rules: { 'map-error-unchecked': 'error' }, exclude: ['drv/gen/**'] }));
  files.set('vscode-test-web://mount/drv/.dma-scope.json', JSON.stringify({ rules: { 'cacheline-share': 'off', 'no-such-rule': 'error' } }));
  // a two-file driver for the driver index (test/unit/lsp-driverIndex.test.ts reads it from disk)
  const RINGNIC = path.join(FIXTURES, 'driver', 'ringnic');
  for (const f of fs.readdirSync(RINGNIC)) files.set(`vscode-test-web://mount/ringnic/${f}`, fs.readFileSync(path.join(RINGNIC, f), 'utf8'));
  // a driver whose Makefile links a subfolder's object (test/fixtures/driver/modnic), with every file at its relative path
  const MODNIC = path.join(FIXTURES, 'driver', 'modnic');
  for (const f of ['Makefile', 'modnic.h', 'modnic_main.c', 'hw/modnic_ring.c', 'tool/modnic_tool.c']) files.set(`vscode-test-web://mount/modnic/${f}`, fs.readFileSync(path.join(MODNIC, f), 'utf8'));
  const asked: string[] = [];
  const listed: string[] = [];

  async function start(readFiles: boolean): Promise<{ client: ProtocolConnection; server: Connection; published: PublishDiagnosticsParams[]; logs: string[] }> {
    const up = new PassThrough();
    const down = new PassThrough();
    const server = createConnection(ProposedFeatures.all, new StreamMessageReader(up), new StreamMessageWriter(down));
    startServer(server as unknown as Connection, browserHost());
    const client = createProtocolConnection(new StreamMessageReader(down), new StreamMessageWriter(up));
    const published: PublishDiagnosticsParams[] = [];
    const logs: string[] = [];
    client.onNotification('textDocument/publishDiagnostics', (p: PublishDiagnosticsParams) => {
      published.push(p);
    });
    client.onNotification('window/logMessage', (p: { message: string }) => {
      logs.push(p.message);
    });
    client.onRequest(READ_FILE_REQUEST, (p: ReadFileParams): ReadFileResult => {
      asked.push(p.uri);
      const text = files.get(p.uri);
      return text === undefined ? null : { text };
    });
    client.onRequest(LIST_FOLDER_REQUEST, (p: ListFolderParams): ListFolderResult => {
      listed.push(p.uri);
      const dir = p.uri.endsWith('/') ? p.uri : `${p.uri}/`;
      return { names: [...files.keys()].filter((u) => u.startsWith(dir) && !u.slice(dir.length).includes('/')).map((u) => u.slice(dir.length)) };
    });
    client.listen();
    const wasm = readWasm();
    const b64 = (u: Uint8Array): string => Buffer.from(u).toString('base64');
    await client.sendRequest('initialize', {
      processId: null,
      rootUri: null,
      workspaceFolders: [{ uri: 'vscode-test-web://mount/', name: 'mount' }],
      capabilities: {},
      initializationOptions: { readFiles, wasm: { treeSitter: b64(wasm.treeSitter), language: b64(wasm.language) } },
    });
    await client.sendNotification('initialized', {});
    return { client, server, published, logs };
  }

  /** Runs `fn` with a server (reading files through the client or not), disposed after it. */
  async function withServer(readFiles: boolean, fn: (s: Awaited<ReturnType<typeof start>>) => Promise<void>): Promise<void> {
    const s = await start(readFiles);
    try {
      await fn(s);
    } finally {
      s.client.dispose();
      s.server.dispose();
    }
  }

  /** the latest publication of a URI with findings (the driver index's, once built), within 10 s */
  async function findings(s: { published: PublishDiagnosticsParams[]; logs: string[] }, uri: string): Promise<PublishDiagnosticsParams> {
    for (let i = 0; i < 400; i++) {
      const got = [...s.published].reverse().find((p) => p.uri === uri && p.diagnostics.length > 0);
      if (got) return got;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`no findings on ${uri}; logs: ${s.logs.join(' | ')}`);
  }

  async function diagnostics(s: { published: PublishDiagnosticsParams[]; logs: string[] }, uri: string, version: number): Promise<PublishDiagnosticsParams> {
    for (let i = 0; i < 200; i++) {
      const p = s.published.find((x) => x.uri === uri && x.version === version);
      if (p) return p;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`no diagnostics for ${uri} v${version}; logs: ${s.logs.join(' | ')}`);
  }

  const main = fs.readFileSync(path.join(DRIVER, 'ringdemo_main.c'), 'utf8');
  const uri = 'vscode-test-web://mount/drv/ringdemo_main.c';

  it("checks with the driver's own headers and the merged .dma-scope.json files the client sends", async () => {
    await withServer(true, async (s) => {
      await s.client.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'c', version: 1, text: main } });
      const d = await diagnostics(s, uri, 1);
      // the findings only ringdemo.h shows (test/unit/headers.test.ts), less cacheline-share (off in drv/.dma-scope.json);
      // map-error-unchecked raised to an error by the outer config
      assert.deepStrictEqual(d.diagnostics.map((x) => [x.code, x.range.start.line + 1, x.range.start.character + 1, x.severity]), [
        ['map-error-unchecked', 10, 12, 1],
        ['unmap-size-mismatch', 33, 29, 1],
        ['refill-without-sync', 44, 2, 2],
      ]);
      assert.ok(asked.includes('vscode-test-web://mount/drv/ringdemo.h') && asked.includes('vscode-test-web://mount/drv/ringdemo_hw.h'), asked.join(' '));
      assert.ok(!asked.some((u) => !u.startsWith('vscode-test-web://mount/')), `asked outside the workspace folder: ${asked.join(' ')}`);
      assert.ok(s.logs.some((l) => l.includes('no-such-rule') && l.includes('(ignored)')), s.logs.join('\n'));
      // an exclude glob of the outer config
      await s.client.sendNotification('textDocument/didOpen', { textDocument: { uri: 'vscode-test-web://mount/drv/gen/x.c', languageId: 'c', version: 1, text: main } });
      for (let i = 0; i < 200 && !s.logs.some((l) => l.includes('drv/gen/x.c')); i++) await new Promise((r) => setTimeout(r, 25));
      assert.ok(s.logs.includes('DMA Scope: skipped vscode-test-web://mount/drv/gen/x.c: excluded by .dma-scope.json'), s.logs.join('\n'));
    });
  });

  it("indexes the driver's folder through the client (dmaScope/listFolder) and publishes the cross-file findings", async () => {
    await withServer(true, async (s) => {
      const mainUri = 'vscode-test-web://mount/ringnic/ringnic_main.c';
      await s.client.sendNotification('textDocument/didOpen', { textDocument: { uri: mainUri, languageId: 'c', version: 1, text: files.get(mainUri) } });
      const got = await findings(s, mainUri);
      // the findings the desktop server publishes for this driver (lsp-driverIndex.test.ts), related locations in the web file system
      assert.deepStrictEqual(got.diagnostics.map((d) => `${d.code} ${d.range.start.line + 1}:${d.range.start.character + 1}`).sort(), ['driver-dir-mismatch 112:3', 'driver-dir-mismatch 54:67', 'driver-dir-mismatch 86:49', 'driver-helper-map-leak 129:3', 'driver-unmap-family 20:2']);
      const related = got.diagnostics.flatMap((d) => d.relatedInformation ?? []).map((r) => r.location.uri);
      assert.ok(related.length > 0 && related.every((u) => u.startsWith('vscode-test-web://mount/ringnic/')), related.join(' '));
      assert.ok(listed.includes('vscode-test-web://mount/ringnic'), listed.join(' '));
      assert.ok(asked.includes('vscode-test-web://mount/ringnic/ringnic_dma.c'), asked.join(' '));
    });
  });

  it("indexes a subfolder document with the folder whose Makefile links it, reading that folder's files through the client", async () => {
    await withServer(true, async (s) => {
      const ringUri = 'vscode-test-web://mount/modnic/hw/modnic_ring.c';
      await s.client.sendNotification('textDocument/didOpen', { textDocument: { uri: ringUri, languageId: 'c', version: 1, text: files.get(ringUri) } });
      const got = await findings(s, ringUri);
      assert.deepStrictEqual(got.diagnostics.map((d) => `${d.code} ${d.range.start.line + 1}:${d.range.start.character + 1}`), ['driver-dir-mismatch 8:46']);
      assert.deepStrictEqual(got.diagnostics[0].relatedInformation?.map((r) => `${r.location.uri} ${r.location.range.start.line + 1}`), ['vscode-test-web://mount/modnic/modnic_main.c 8']);
      assert.ok(asked.includes('vscode-test-web://mount/modnic/Makefile'), asked.join(' '));
      assert.ok(listed.includes('vscode-test-web://mount/modnic'), listed.join(' '));
    });
  });

  it('reads nothing and finds none of them when the client does not serve files', async () => {
    asked.length = 0;
    listed.length = 0;
    await withServer(false, async (s) => {
      await s.client.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'c', version: 1, text: main } });
      const d = await diagnostics(s, uri, 1);
      assert.deepStrictEqual(d.diagnostics, []);
      assert.deepStrictEqual(asked, []);
      assert.deepStrictEqual(listed, []);
    });
  });
});
