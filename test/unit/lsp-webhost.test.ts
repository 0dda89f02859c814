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
