/**
 * A rule that throws inside the language server: the other rules' findings
 * are still published, and the failure is logged once for the whole session
 * (not once per document or per edit). The server runs in this process over
 * in-memory streams so the test can make one registered rule throw.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { PassThrough } from 'stream';
import { createConnection, Connection, ProposedFeatures, StreamMessageReader, StreamMessageWriter } from 'vscode-languageserver/node';
import { createProtocolConnection, ProtocolConnection, PublishDiagnosticsParams } from 'vscode-languageserver-protocol/node';
import { startServer } from '../../src/server/server';
import { nodeHost } from '../../src/server/node';
import { RULES } from '../../src/analysis/checker';
import { FIXTURES } from '../helpers';

describe('language server: a throwing rule is isolated', function () {
  this.timeout(20000);
  const rule = RULES.find((r) => r.id === 'unmap-size-mismatch')!;
  const original = rule.checkFunction;
  let client: ProtocolConnection;
  let server: ReturnType<typeof createConnection>;
  const published: PublishDiagnosticsParams[] = [];
  const logs: string[] = [];

  before(async () => {
    rule.checkFunction = () => {
      throw new Error('synthetic failure');
    };
    const up = new PassThrough();
    const down = new PassThrough();
    server = createConnection(ProposedFeatures.all, new StreamMessageReader(up), new StreamMessageWriter(down));
    startServer(server as unknown as Connection, nodeHost());
    client = createProtocolConnection(new StreamMessageReader(down), new StreamMessageWriter(up));
    client.onNotification('textDocument/publishDiagnostics', (p: PublishDiagnosticsParams) => {
      published.push(p);
    });
    client.onNotification('window/logMessage', (p: { message: string }) => {
      logs.push(p.message);
    });
    client.listen();
    await client.sendRequest('initialize', { processId: null, rootUri: null, capabilities: {} });
    await client.sendNotification('initialized', {});
  });

  after(() => {
    rule.checkFunction = original;
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

  it('publishes the other rules and logs the failing rule once', async () => {
    // the size mismatch of this fixture is what the broken rule would report
    const file = path.join(FIXTURES, 'rules', 'unmap-size-mismatch.bad.c');
    const text = fs.readFileSync(file, 'utf8');
    const tx = fs.readFileSync(path.join(FIXTURES, 'lsp', 'tx_unchecked.c'), 'utf8');
    await client.sendNotification('textDocument/didOpen', { textDocument: { uri: 'file:///a/size.c', languageId: 'c', version: 1, text } });
    await client.sendNotification('textDocument/didOpen', { textDocument: { uri: 'file:///a/tx.c', languageId: 'c', version: 1, text: tx } });
    const a = await diagnostics('file:///a/size.c', 1);
    const b = await diagnostics('file:///a/tx.c', 1);
    assert.ok(!a.diagnostics.some((d) => d.code === 'unmap-size-mismatch'));
    assert.deepStrictEqual(b.diagnostics.map((d) => d.code), ['map-error-unchecked']);
    // an edit re-runs the broken rule on the changed function
    await client.sendNotification('textDocument/didChange', { textDocument: { uri: 'file:///a/tx.c', version: 2 }, contentChanges: [{ text: tx.replace('>= 64', '>= 32') }] });
    const b2 = await diagnostics('file:///a/tx.c', 2);
    assert.deepStrictEqual(b2.diagnostics.map((d) => d.code), ['map-error-unchecked']);
    const failures = logs.filter((l) => /synthetic failure/.test(l));
    assert.strictEqual(failures.length, 1, logs.join('\n'));
    assert.match(failures[0], /\[unmap-size-mismatch\]/);
  });
});
