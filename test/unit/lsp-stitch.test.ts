/**
 * The language server's "Replay lifecycle" command follows the buffer across the driver's files, as the
 * CLI and the VS Code panel do: the other .c files of the folder (the bounded folder search, shared with
 * the CLI) until the folder's driver index is ready, then only the files the index has records of the
 * buffer's member in. The server runs in this process over in-memory streams, with the Node host.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { PassThrough } from 'stream';
import { pathToFileURL } from 'url';
import { createConnection, Connection, ProposedFeatures, StreamMessageReader, StreamMessageWriter } from 'vscode-languageserver/node';
import { createProtocolConnection, ProtocolConnection, type CodeLens } from 'vscode-languageserver-protocol/node';
import { startServer, REPLAY_COMMAND, type ServerHost } from '../../src/server/server';
import { nodeHost } from '../../src/server/node';
import { FIXTURES, writeWrenModule } from '../helpers';

interface ReplayResult {
  title: string;
  trace: string;
  page: string;
  stitched?: { name: string; file: string; role: string }[];
  searched?: { by: string; files: string[] };
}

const TITLE = 'page: wren_alloc_rx_page() → wren_rx_poll() → wren_free_rx_ring()';
const STITCHED = [
  'wren_alloc_rx_page wren_main.c map',
  'wren_rx_poll wren_rx.c cpu',
  'wren_free_rx_ring wren_main.c release',
];

/** A third file of the folder with DMA of its own (another struct's member): searched by the folder scan, not named by the index. */
const MISC = `// SPDX-License-Identifier: GPL-2.0
/* Command buffers of the firmware mailbox (nothing to do with the receive ring). */
#include "wren.h"

struct wren_mbox {
	void *cmd;
	dma_addr_t cmd_dma;
};

int wren_mbox_post(struct device *dev, struct wren_mbox *mb, size_t len)
{
	mb->cmd_dma = dma_map_single(dev, mb->cmd, len, DMA_TO_DEVICE);
	if (dma_mapping_error(dev, mb->cmd_dma))
		return -EIO;
	return 0;
}

void wren_mbox_done(struct device *dev, struct wren_mbox *mb, size_t len)
{
	dma_unmap_single(dev, mb->cmd_dma, len, DMA_TO_DEVICE);
}
`;

describe('language server: the replay command stitches across the driver', function () {
  this.timeout(30000);
  let dir: string;
  const pages: string[] = [];
  const sessions: { client: ProtocolConnection; server: Connection }[] = [];

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dma-scope-lspstitch-'));
    for (const f of ['wren.h', 'wren_main.c', 'wren_rx.c']) fs.copyFileSync(path.join(FIXTURES, 'lifecycle', 'twofile', f), path.join(dir, f));
    fs.writeFileSync(path.join(dir, 'wren_misc.c'), MISC);
  });
  after(() => {
    for (const s of sessions) {
      s.client.dispose();
      s.server.dispose();
    }
    fs.rmSync(dir, { recursive: true, force: true });
    for (const p of pages) fs.rmSync(p, { force: true });
  });

  async function start(host: ServerHost): Promise<ProtocolConnection> {
    const up = new PassThrough();
    const down = new PassThrough();
    const server = createConnection(ProposedFeatures.all, new StreamMessageReader(up), new StreamMessageWriter(down));
    startServer(server as unknown as Connection, host);
    const client = createProtocolConnection(new StreamMessageReader(down), new StreamMessageWriter(up));
    client.onNotification('textDocument/publishDiagnostics', () => undefined);
    client.onNotification('window/logMessage', () => undefined);
    client.onNotification('window/showMessage', () => undefined);
    client.listen();
    sessions.push({ client, server });
    await client.sendRequest('initialize', { processId: null, rootUri: pathToFileURL(dir).href, capabilities: {} });
    await client.sendNotification('initialized', {});
    return client;
  }

  const uriOf = (name: string): string => pathToFileURL(path.join(dir, name)).href;
  const open = (client: ProtocolConnection, name: string): Promise<void> =>
    client.sendNotification('textDocument/didOpen', { textDocument: { uri: uriOf(name), languageId: 'c', version: 1, text: fs.readFileSync(path.join(dir, name), 'utf8') } });

  /** the page the command wrote: its title, and the trace (with its `# stitched` header the panel lists) */
  function checkPage(r: ReplayResult, line: number): void {
    const file = new URL(r.page);
    pages.push(file.pathname);
    assert.match(r.page, new RegExp(`/dma-scope-replay/${path.basename(r.page).replace(/\./g, '\\.')}$`));
    const html = fs.readFileSync(file, 'utf8');
    assert.ok(html.includes(`<title>DMA Lifecycle: ${TITLE}</title>`), html.slice(0, 2000));
    assert.ok(html.includes(`of <code>${path.join(dir, line === 16 ? 'wren_main.c' : 'wren_rx.c')}:${line}</code>`));
    const pre = /<pre id="standalone-trace">([^]*?)<\/pre>/.exec(html)?.[1] ?? '';
    assert.match(pre, /^# stitched 1\/3: wren_alloc_rx_page\(\) wren_main\.c:6-27 \[map\]/m);
    assert.match(pre, /^# stitched 2\/3: wren_rx_poll\(\) wren_rx\.c:6-38 \[cpu\]/m);
    assert.match(pre, /^# stitched 3\/3: wren_free_rx_ring\(\) wren_main\.c:29-43 \[release\]/m);
  }

  it('without a driver index: searches the .c files of the folder, and the page lists the stitched functions', async () => {
    // a host without folder listing has no background index: the folder search is what is left
    const client = await start(nodeHost({ listFolderFiles: undefined }));
    await open(client, 'wren_main.c');
    const lenses = (await client.sendRequest('textDocument/codeLens', { textDocument: { uri: uriOf('wren_main.c') } })) as CodeLens[];
    assert.deepStrictEqual(lenses.map((l) => [l.command?.title, l.range.start.line + 1]), [['Replay lifecycle', 16]]);
    const r = (await client.sendRequest('workspace/executeCommand', { command: lenses[0].command!.command, arguments: lenses[0].command!.arguments })) as ReplayResult;
    assert.strictEqual(r.title, TITLE);
    assert.deepStrictEqual(r.stitched?.map((f) => `${f.name} ${f.file} ${f.role}`), STITCHED);
    assert.deepStrictEqual(r.searched, { by: 'folder', files: ['wren_misc.c', 'wren_rx.c'] });
    // the trace is the one the CLI and the panel give for this map
    assert.strictEqual(r.trace, fs.readFileSync(path.join(FIXTURES, 'lifecycle', 'twofile', 'wren.expected.dmatrace'), 'utf8'));
    checkPage(r, 16);
  });

  it("with the folder's driver index ready: reads only the files with records of the buffer's member", async () => {
    const client = await start(nodeHost());
    await open(client, 'wren_rx.c');
    const rx = fs.readFileSync(path.join(dir, 'wren_rx.c'), 'utf8');
    const offset = rx.indexOf('dma_sync_single_for_cpu');
    const run = (): Promise<ReplayResult> => client.sendRequest('workspace/executeCommand', { command: REPLAY_COMMAND, arguments: [uriOf('wren_rx.c'), offset] }) as Promise<ReplayResult>;
    // before the index is built (it waits for a quiet moment) the folder is searched; then the index answers
    let r = await run();
    for (let i = 0; i < 200 && r.searched?.by !== 'driver index'; i++) {
      assert.deepStrictEqual(r.searched, { by: 'folder', files: ['wren_main.c', 'wren_misc.c'] });
      await new Promise((res) => setTimeout(res, 100));
      r = await run();
    }
    assert.deepStrictEqual(r.searched, { by: 'driver index', files: ['wren_main.c'] });
    assert.strictEqual(r.title, TITLE);
    assert.deepStrictEqual(r.stitched?.map((f) => `${f.name} ${f.file} ${f.role}`), STITCHED);
    assert.match(r.trace, /^dma_sync_single_for_cpu page DMA_FROM_DEVICE 0 1518 +# src=wren_rx\.c:22$/m);
    checkPage(r, 22);
  });

  it('a subfolder file the Makefile links into the module: the index of the module folder answers, names seen from the subfolder', async () => {
    const mod = fs.mkdtempSync(path.join(os.tmpdir(), 'dma-scope-lspmodule-'));
    try {
      const rxText = writeWrenModule(mod);
      const client = await start(nodeHost());
      const rxUri = pathToFileURL(path.join(mod, 'rx', 'wren_rx.c')).href;
      await client.sendNotification('textDocument/didOpen', { textDocument: { uri: rxUri, languageId: 'c', version: 1, text: rxText } });
      const run = (): Promise<ReplayResult> => client.sendRequest('workspace/executeCommand', { command: REPLAY_COMMAND, arguments: [rxUri, rxText.indexOf('dma_sync_single_for_cpu')] }) as Promise<ReplayResult>;
      let r = await run();
      // the folder search of the module already reaches the file one folder up
      assert.deepStrictEqual(r.stitched?.map((f) => `${f.name} ${f.file} ${f.role}`), ['wren_alloc_rx_page ../wren_main.c map', 'wren_rx_poll wren_rx.c cpu', 'wren_free_rx_ring ../wren_main.c release']);
      for (let i = 0; i < 200 && r.searched?.by !== 'driver index'; i++) {
        await new Promise((res) => setTimeout(res, 100));
        r = await run();
      }
      assert.deepStrictEqual(r.searched, { by: 'driver index', files: ['../wren_main.c'] });
      assert.strictEqual(r.title, TITLE);
      if (r.page) pages.push(new URL(r.page).pathname);
    } finally {
      fs.rmSync(mod, { recursive: true, force: true });
    }
  });
});
