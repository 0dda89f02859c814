/**
 * Issue 15's shapes that no earlier fixture showed (docs/whole-driver.md has the table of every shape
 * and the fixture that shows it): each bad line flagged at its line:column in the right function and
 * file, with the related location on the map; each clean twin silent.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { FIXTURES } from '../helpers';
import { AnalysisSession } from '../../src/analysis/session';
import { nodeRuntime } from '../../src/node/wasm';
import { nodeHeaderHost } from '../../src/node/headerHost';
import { expected, runFolder } from '../driverFixtures';

const DIR = path.join(FIXTURES, 'shapes');

/** The function whose definition encloses 1-based `line` (the last definition line at column 0 above it). */
function enclosingFunction(text: string, line: number): string {
  const lines = text.split('\n');
  for (let i = line - 1; i >= 0; i--) {
    const m = /^(?!#|\/|\s|\{|\})[\w\s*]*?\b(\w+)\s*\(/.exec(lines[i]);
    if (m && !lines[i].trimEnd().endsWith(';')) return m[1];
  }
  return '';
}

describe('issue 15 shapes', () => {
  let session: AnalysisSession;
  before(async () => {
    session = await AnalysisSession.create(await nodeRuntime(), { headerHost: nodeHeaderHost() });
  });
  after(() => session.dispose());

  const checkFile = (name: string) => {
    const abs = path.join(DIR, name);
    const text = fs.readFileSync(abs, 'utf8');
    const r = session.check(text, { file: `drivers/foo/${name}`, headerPath: abs.replace(/\\/g, '/') });
    assert.deepStrictEqual(r.errors, []);
    return { text, findings: r.findings };
  };

  it('(b) map-leak: an error exit through `ret = -E…; goto` to a label that frees only the earlier allocation', () => {
    const { text, findings } = checkFile('exit-leak.bad.c');
    assert.deepStrictEqual(findings.map((f) => `${f.rule} ${f.line}:${f.column}`), expected(text));
    assert.deepStrictEqual(findings.map((f) => `${f.rule} ${f.line}:${f.column}`), ['map-leak 30:2']);
    assert.strictEqual(enclosingFunction(text, findings[0].line), 'xl_query');
    // the related location is the map
    assert.strictEqual(text.split('\n')[findings[0].related[0].line - 1].trim().startsWith('dma = dma_map_single('), true);
    assert.deepStrictEqual(checkFile('exit-leak.good.c').findings.map((f) => `${f.rule} ${f.line}:${f.column}`), []);
  });

  it('(i) missing-sync-for-device: a DMA_BIDIRECTIONAL status word written after the map; the final unmap is not the hand-off', () => {
    const { text, findings } = checkFile('status-word.bad.c');
    assert.deepStrictEqual(findings.map((f) => `${f.rule} ${f.line}:${f.column}`), expected(text));
    assert.deepStrictEqual(findings.map((f) => `${f.rule} ${f.line}:${f.column}`), ['missing-sync-for-device 23:2']);
    assert.strictEqual(enclosingFunction(text, 23), 'stw_run');
    assert.strictEqual(findings[0].related[0].line, 20);
    assert.match(findings[0].message, /\*c->status/);
    assert.deepStrictEqual(checkFile('status-word.good.c').findings.map((f) => `${f.rule} ${f.line}:${f.column}`), []);
  });

  it('(a) driver-dir-mismatch: a receive buffer mapped DMA_TO_DEVICE in the refill file, synced and unmapped DMA_FROM_DEVICE in the poll file', async () => {
    const run = await runFolder(session, 'rxdir', DIR);
    assert.deepStrictEqual(run.found.get('rxdir_poll.c'), run.want.get('rxdir_poll.c'));
    assert.deepStrictEqual(run.found.get('rxdir_poll.c'), ['driver-dir-mismatch 13:58', 'driver-dir-mismatch 15:61', 'driver-dir-mismatch 28:52']);
    assert.deepStrictEqual(run.found.get('rxdir_ring.c'), []);
    const got = run.driver.findings.map((d) => `${d.file.split('/').pop()} ${d.function} ${d.line} -> ${d.related.map((r) => `${(r.file ?? '').split('/').pop()}:${r.line}`).join(',')}`).sort();
    assert.deepStrictEqual(got, [
      'rxdir_poll.c rxdir_poll 13 -> rxdir_ring.c:15',
      'rxdir_poll.c rxdir_poll 15 -> rxdir_ring.c:15',
      'rxdir_poll.c rxdir_teardown 28 -> rxdir_ring.c:15',
    ]);
    const clean = await runFolder(session, 'rxdir-clean', DIR);
    for (const [f, found] of clean.found) assert.deepStrictEqual(found, [], `rxdir-clean/${f}`);
  });

  it('(b) driver-helper-map-leak: error exits after a helper of another file (or of this one) mapped, direct and through a goto', async () => {
    const run = await runFolder(session, 'helperleak', DIR);
    for (const [f, want] of run.want) assert.deepStrictEqual(run.found.get(f), want, `helperleak/${f}`);
    assert.deepStrictEqual(run.found.get('hleak_cmd.c'), ['driver-helper-map-leak 32:3', 'driver-helper-map-leak 64:2']);
    const got = run.driver.findings.map((d) => `${d.function} ${d.line} -> ${d.related.map((r) => `${(r.file ?? '').split('/').pop()}:${r.line}`).join(',')}`).sort();
    assert.deepStrictEqual(got, [
      'hleak_send 32 -> hleak_cmd.c:27,hleak_dma.c:10',
      'hleak_send_reply 64 -> hleak_cmd.c:49,hleak_cmd.c:15',
    ]);
    const clean = await runFolder(session, 'helperleak-clean', DIR);
    for (const [f, found] of clean.found) assert.deepStrictEqual(found, [], `helperleak-clean/${f}`);
  });

  /** docs/whole-driver.md's table: every shape's bad line, by rule, line:column and enclosing function (per-file rules). */
  const PER_FILE: [shape: string, file: string, finding: string, fn: string][] = [
    ['b', 'rules/map-leak.bad.c', 'map-leak 16:3', 'post_rx'],
    ['b', 'shapes/exit-leak.bad.c', 'map-leak 30:2', 'xl_query'],
    ['c', 'rules/skip-sync-heuristic.bad.c', 'skip-sync-heuristic 39:2', 'foo_rx_unmap'],
    ['d', 'rules/skip-sync-heuristic.bad.c', 'skip-sync-heuristic 48:2', 'foo_tx_done'],
    ['e', 'rules/unmap-wrong-family.bad.c', 'unmap-wrong-family 34:2', 'foo_read'],
    ['f', 'rules/sg-iterate-nents.bad.c', 'sg-iterate-nents 13:23', 'fill_prd'],
    ['g', 'rules/map-vmalloc.bad.c', 'map-vmalloc 31:32', 'foo_load_fw'],
    ['h', 'rules/missing-sync-for-device.bad.c', 'missing-sync-for-device 13:9', 'demo_send'],
    ['i', 'shapes/status-word.bad.c', 'missing-sync-for-device 23:2', 'stw_run'],
    ['j', 'aliases/value-flow.bad.c', 'map-error-unchecked 21:23', 'foo_rx_fill'],
    ['k', 'aliases/value-flow.bad.c', 'map-error-unchecked 35:4', 'foo_tx_frags'],
    ['l', 'aliases/value-flow.bad.c', 'map-error-unchecked 47:29', 'foo_rx_map_cb'],
    ['m', 'preproc/dead-check.bad.c', 'map-error-unchecked 16:11', 'foo_map_tx'],
    ['n', 'aliases/value-flow.bad.c', 'cpu-access-device-owned 105:16', 'foo_exchange'],
    ['o', 'headers/kernel/drivers/net/ringdemo/ringdemo_main.c', 'cacheline-share 18:41', 'ringdemo_read_status'],
  ];
  /** the clean twins of the false-positive shapes (j, k, l, n) and of the others: no finding at all */
  const SILENT = ['aliases/value-flow.good.c', 'preproc/dead-check.good.c', 'shapes/exit-leak.good.c', 'shapes/status-word.good.c',
    'headers/kernel/drivers/net/ringdemo/ringdemo_clean.c', 'rules/skip-sync-heuristic.good.c', 'rules/unmap-wrong-family.good.c',
    'rules/sg-iterate-nents.good.c', 'rules/map-vmalloc.good.c', 'rules/missing-sync-for-device.good.c', 'rules/map-leak.good.c'];

  const checkFixture = (rel: string) => {
    const abs = path.join(FIXTURES, rel);
    const text = fs.readFileSync(abs, 'utf8');
    const file = rel.startsWith('headers/kernel/') ? rel.slice('headers/kernel/'.length) : `drivers/foo/${path.basename(rel)}`;
    const r = session.check(text, { file, headerPath: abs.replace(/\\/g, '/') });
    assert.deepStrictEqual(r.errors, [], rel);
    return { text, findings: r.findings.map((f) => ({ at: `${f.rule} ${f.line}:${f.column}`, fn: enclosingFunction(text, f.line) })) };
  };

  it('every per-file shape of the table is flagged at its line and column, in its function', () => {
    for (const [shape, rel, finding, fn] of PER_FILE) {
      const got = checkFixture(rel).findings.filter((f) => f.at === finding);
      assert.deepStrictEqual(got, [{ at: finding, fn }], `(${shape}) ${rel}`);
    }
  });

  it('every clean twin of the table is silent', () => {
    for (const rel of SILENT) assert.deepStrictEqual(checkFixture(rel).findings, [], rel);
  });

  it('every driver shape of the table (ringnic) is flagged in its file and function, the map in the related location', async () => {
    const run = await runFolder(session, 'ringnic');
    const got = run.driver.findings.map((d) => `${d.rule} ${d.file.split('/').pop()}:${d.line}:${d.column} ${d.function}`).sort();
    assert.deepStrictEqual(got, [
      'driver-dir-mismatch ringnic_main.c:112:3 ringnic_teardown',
      'driver-dir-mismatch ringnic_main.c:54:67 ringnic_poll', // (a) mapped FROM_DEVICE in ringnic_refill, synced TO_DEVICE
      'driver-dir-mismatch ringnic_main.c:86:49 ringnic_tx_complete', // (a) mapped TO_DEVICE by the helper, unmapped FROM_DEVICE
      'driver-helper-map-leak ringnic_main.c:129:3 ringnic_xmit_pair', // (b)
      'driver-unmap-family ringnic_dma.c:23:2 ringnic_unmap_req', // (e) across files
      'driver-unmap-family ringnic_main.c:20:2 ringnic_free_ring',
    ]);
    const poll = run.driver.findings.find((d) => d.line === 54)!;
    assert.deepStrictEqual(poll.related.map((r) => `${(r.file ?? '').split('/').pop()}:${r.line}`), ['ringnic_main.c:34']);
    const clean = await runFolder(session, 'ringnic-clean');
    for (const [f, found] of clean.found) assert.deepStrictEqual(found, [], `ringnic-clean/${f}`);
  });
});
