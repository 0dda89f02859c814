/** The driver index: records of a multi-file driver, helpers across files, and the driver rules at exact positions. */
import * as assert from 'assert';
import { AnalysisSession } from '../../src/analysis/session';
import { nodeRuntime } from '../../src/node/wasm';
import { nodeHeaderHost } from '../../src/node/headerHost';
import { DriverIndex } from '../../src/analysis/driverIndex';
import { checkDriverIndex } from '../../src/analysis/driverIndex/check';
import type { FileRecords } from '../../src/analysis/driverIndex/records';
import { runFolder } from '../driverFixtures';

describe('driver index', () => {
  let session: AnalysisSession;
  before(async () => {
    session = await AnalysisSession.create(await nodeRuntime(), { headerHost: nodeHeaderHost() });
  });
  after(() => session.dispose());

  it('records maps, syncs and unmaps of struct members by member key, with the header’s struct layouts', async () => {
    const { records } = await runFolder(session, 'ringnic');
    const main = records.get('ringnic_main.c')!;
    const byFn = (fn: string) => main.members.filter((m) => m.function === fn).map((m) => `${m.role} ${m.key} ${m.dir ?? ''} ${m.at.line}:${m.at.column}`);
    assert.deepStrictEqual(byFn('ringnic_refill'), ['map ringnic_rx_buf.dma DMA_FROM_DEVICE 34:8']);
    assert.deepStrictEqual(byFn('ringnic_poll'), ['sync-for-cpu ringnic_rx_buf.dma DMA_TO_DEVICE 54:3']);
    assert.deepStrictEqual(byFn('ringnic_alloc_ring'), ['alloc ringnic_ring.desc_dma  10:15']);
    assert.deepStrictEqual(byFn('ringnic_submit'), ['map ringnic_req.sgl DMA_TO_DEVICE 96:6']);
    const refill = main.members.find((m) => m.function === 'ringnic_refill')!;
    assert.strictEqual(refill.family, 'single');
    assert.strictEqual(refill.streaming, true);
    assert.strictEqual(refill.sizeValue, 2048);
    assert.strictEqual(refill.buffer, 'skb->data');
    // the helper file: a helper that maps and returns its handle, one that unmaps a parameter's handle
    const dma = records.get('ringnic_dma.c')!;
    assert.deepStrictEqual(dma.helpers.map((h) => `${h.name} ${h.kind} ${h.dir} ${h.param ?? ''} ${h.checked ?? ''}`).sort(), [
      'ringnic_map_tx returns-map DMA_TO_DEVICE  true',
      'ringnic_unmap_rx releases-param DMA_BIDIRECTIONAL 1 ',
    ]);
    // calls that the index resolves against those helpers
    assert.deepStrictEqual(main.calls.map((c) => `${c.callee} ${c.how} ${c.key} ${c.at.line}`).sort(), [
      'ringnic_map_tx leak  129',
      'ringnic_map_tx result ringnic_tx_buf.dma 124',
      'ringnic_map_tx result ringnic_tx_buf.dma 127',
      'ringnic_map_tx result ringnic_tx_buf.dma 68',
      'ringnic_unmap_rx arg ringnic_rx_buf.dma 112',
    ]);
    // the leak: the error return at 129 after the helper's handle went into `first` at 124
    const leak = main.calls.find((c) => c.how === 'leak')!;
    assert.deepStrictEqual([leak.handle, leak.function, leak.from?.line], ['first', 'ringnic_xmit_pair', 124]);
  });

  it('resolves helper calls across files into member records', async () => {
    const { index } = await runFolder(session, 'ringnic');
    const tx = index.recordsOf('ringnic_tx_buf.dma').map((m) => `${m.role} ${m.function} ${m.dir} ${m.via ?? ''}`).sort();
    assert.deepStrictEqual(tx, ['map ringnic_xmit DMA_TO_DEVICE ringnic_map_tx', 'map ringnic_xmit_pair DMA_TO_DEVICE ringnic_map_tx', 'map ringnic_xmit_pair DMA_TO_DEVICE ringnic_map_tx', 'unmap ringnic_tx_complete DMA_FROM_DEVICE ']);
    const f = index.figures();
    assert.strictEqual(f.files, 2);
    assert.strictEqual(f.resolvedCalls, 4);
    assert.strictEqual(f.unresolvedCalls, 0);
  });

  it('flags the bad lines of a multi-file driver in the right function and file, and nothing else', async () => {
    const run = await runFolder(session, 'ringnic');
    for (const [f, want] of run.want) assert.deepStrictEqual(run.found.get(f), want, f);
    const rules = new Set(run.driver.findings.map((d) => d.rule));
    assert.deepStrictEqual([...rules].sort(), ['driver-dir-mismatch', 'driver-helper-map-leak', 'driver-unmap-family']);
    const leak = run.driver.findings.find((d) => d.rule === 'driver-helper-map-leak')!;
    assert.deepStrictEqual(leak.related.map((r) => `${r.file.split('/').pop()} ${r.line}:${r.column}`), ['ringnic_main.c 124:10', 'ringnic_dma.c 10:8']);
    const poll = run.driver.findings.find((d) => d.function === 'ringnic_poll')!;
    assert.match(poll.message, /DMA_TO_DEVICE.*every map of that member in this driver is DMA_FROM_DEVICE \(ringnic_refill\(\) in ringnic_main\.c\)/);
    // the related location is the map in the other function
    assert.deepStrictEqual(poll.related.map((r) => `${r.file} ${r.line}:${r.column}`), ['drivers/net/ringnic/ringnic_main.c 34:8']);
    // a map made through the helper file: related to the call that stored the handle
    const tx = run.driver.findings.find((d) => d.function === 'ringnic_tx_complete')!;
    assert.deepStrictEqual(tx.related.map((r) => `${r.file} ${r.line} ${r.message}`), [
      'drivers/net/ringnic/ringnic_main.c 68 mapped DMA_TO_DEVICE in ringnic_xmit() through ringnic_map_tx()',
      'drivers/net/ringnic/ringnic_main.c 124 mapped DMA_TO_DEVICE in ringnic_xmit_pair() through ringnic_map_tx()',
      'drivers/net/ringnic/ringnic_main.c 127 mapped DMA_TO_DEVICE in ringnic_xmit_pair() through ringnic_map_tx()',
    ]);
  });

  it('stays silent on the clean twin', async () => {
    const run = await runFolder(session, 'ringnic-clean');
    for (const [f, want] of run.want) {
      assert.deepStrictEqual(want, [], `${f}: a clean fixture expects nothing`);
      assert.deepStrictEqual(run.found.get(f), [], f);
    }
    // the clean twin still has records: silence is a judgement, not an empty index
    assert.ok(run.index.figures().members >= 8);
  });

  it('holds back where a member has another source: a store, its address passed on, a partial-key map, a helper with two directions', async () => {
    const { index } = await runFolder(session, 'ringnic-clean');
    const other = (member: string, key: string) => index.unexplainedStores(member, key).map((c) => `${c.how} ${c.function} ${c.callee}`);
    assert.deepStrictEqual(other('data_dma', 'ringnic_cmd.data_dma'), ['store ringnic_cmd_write ']);
    assert.deepStrictEqual(other('aux_dma', 'ringnic_cmd.aux_dma'), ['out ringnic_cmd_prepare ringnic_get_buf']);
    // each of those members has a map of one direction and a release of the other: without the other source it would be flagged
    for (const k of ['ringnic_cmd.data_dma', 'ringnic_cmd.aux_dma']) {
      assert.deepStrictEqual(index.recordsOf(k).map((m) => `${m.role} ${m.dir ?? '-'}`), ['map DMA_FROM_DEVICE', 'mapping-error -', 'unmap DMA_TO_DEVICE'], k);
    }
    // the only map of stat_dma is through a base the text does not type: partial, so it only holds back
    assert.deepStrictEqual(index.recordsOf('ringnic_cmd.stat_dma').map((m) => `${m.role} ${m.dir}`), ['unmap DMA_FROM_DEVICE']);
    assert.deepStrictEqual(index.candidates({ key: 'ringnic_cmd.stat_dma', member: 'stat_dma', container: 'ringnic_cmd' }).map((m) => `${m.role} ${m.key} ${m.container}`), ['unmap ringnic_cmd.stat_dma ringnic_cmd', 'map stat_dma null', 'mapping-error stat_dma null']);
    // the helper unmaps its parameter in two directions: resolved without a direction
    const ctl = index.recordsOf('ringnic_cmd.ctl_dma').map((m) => `${m.role} ${m.dir ?? '-'} ${m.via ?? ''}`);
    assert.deepStrictEqual(ctl, ['map DMA_FROM_DEVICE ', 'mapping-error - ', 'unmap - ringnic_unmap_any']);
  });

  it('honours dma-scope: ignore comments, the rule selection and severities', async () => {
    const { index } = await runFolder(session, 'ringnic');
    assert.strictEqual(checkDriverIndex(index, { rules: ['driver-unmap-family'] }).findings.every((f) => f.rule === 'driver-unmap-family'), true);
    assert.strictEqual(checkDriverIndex(index, { severitiesFor: () => ({ 'driver-dir-mismatch': 'off' }) }).findings.some((f) => f.rule === 'driver-dir-mismatch'), false);
    assert.ok(checkDriverIndex(index, { severitiesFor: () => ({ 'driver-dir-mismatch': 'info' }) }).findings.filter((f) => f.rule === 'driver-dir-mismatch').every((f) => f.severity === 'info'));
    const recs = index.fileRecords('drivers/net/ringnic/ringnic_main.c')!;
    index.setFile({ ...recs, suppressions: [[53, ['driver-dir-mismatch']]] });
    assert.ok(!checkDriverIndex(index).findings.some((f) => f.function === 'ringnic_poll'));
    index.setFile(recs);
  });

  it('is bounded: files past the limit are left out with a note', () => {
    const ix = new DriverIndex('drivers/x', { maxFiles: 1 });
    const empty = (file: string): FileRecords => ({ file, functions: [], suppressions: [], members: [], helpers: [], calls: [] });
    assert.strictEqual(ix.setFile(empty('drivers/x/a.c')), true);
    assert.strictEqual(ix.setFile(empty('drivers/x/b.c')), false);
    assert.strictEqual(ix.setFile(empty('drivers/x/a.c')), true, 'a file already in is replaced');
    assert.strictEqual(ix.fileCount, 1);
    assert.match(ix.notes[0], /more than 1 files/);
  });

  it('is owned by the session and cleared by dispose()', async () => {
    const s = await AnalysisSession.create(await nodeRuntime());
    const ix = s.driverIndex('drivers/y');
    assert.strictEqual(s.driverIndex('drivers/y'), ix);
    s.dispose();
    assert.strictEqual(s.driverIndexes.size, 0);
  });
});
