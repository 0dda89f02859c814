/** `dma-scope simulate`: exit codes, text report, matrix, design.md §5 JSON. */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { CliIO } from '../../src/cli/args';
import { main } from '../../src/cli/main';
import { PLATFORM_IDS } from '../../src/model/platformIds';
import { HAZARD_KINDS, rewriteTraceLines, sourceLabel, sourceOfTraceLine, withSourceLines } from '../../src/model/sim';
import { REPO_ROOT } from '../helpers';

function memIO(stdin = ''): CliIO & { stdout: string; stderr: string } {
  const io = {
    stdout: '',
    stderr: '',
    errIsTTY: false,
    cwd: REPO_ROOT,
    out(t: string) {
      io.stdout += t;
    },
    err(t: string) {
      io.stderr += t;
    },
    readStdin: async () => stdin,
  };
  return io;
}

const RX = 'examples/traces/rx-without-sync.dmatrace';
const DATA_PLATFORMS = ['x86-swiotlb', 'swiotlb-force', 'iommu-untrusted', 'cvm', 'arm64-noncoherent', 'armv7-noncoherent', 'riscv-noncoherent'];

describe('dma-scope simulate', () => {
  it('--platform all prints the matrix: the stale read on bouncing and non-coherent platforms, with the reason, none on x86-direct', async () => {
    const io = memIO();
    const code = await main(['simulate', RX, '--platform', 'all'], io);
    assert.strictEqual(code, 1, io.stderr);
    const rows = new Map(io.stdout.split('\n').filter((l) => PLATFORM_IDS.some((id) => l.startsWith(id + ' '))).map((l) => [l.split(/\s+/)[0], l]));
    assert.strictEqual(rows.size, PLATFORM_IDS.length);
    for (const id of PLATFORM_IDS) {
      const staleCell = rows.get(id)!.split(/\s+/)[1];
      assert.strictEqual(staleCell, DATA_PLATFORMS.includes(id) ? '✗1' : '·', id);
    }
    assert.match(io.stdout, /x86-swiotlb[^\n]*:\n\s+line 14: STALE_CPU_READ[^\n]*\n\s+On x86-64 swiotlb[^]*?bounce slot/);
    assert.match(io.stdout, /cvm[^\n]*:\n\s+line 14: STALE_CPU_READ/);
    assert.match(io.stdout, /arm64-noncoherent[^\n]*:\n\s+line 14: STALE_CPU_READ[^\n]*\n\s+On arm64 non-coherent the device does not snoop/);
    assert.match(io.stdout, /On every platform:\n\s+line 14: OWNERSHIP_VIOLATION/);
    assert.match(io.stdout, /No data corrupted on: x86-direct, x86-iommu, x86-iommu-lazy, arm64-coherent/);
  });

  it('one platform: a step-by-step report with hazards and reasons', async () => {
    const io = memIO();
    const code = await main(['simulate', RX, '--platform', 'swiotlb-force'], io);
    assert.strictEqual(code, 1);
    assert.match(io.stdout, /^.*rx-without-sync\.dmatrace on swiotlb-force/);
    assert.match(io.stdout, /\n\s+2\s+11\s+dma_map_single rx_buf DMA_FROM_DEVICE\s+\[bounce, DEV_OWNED, slot 0x/);
    assert.match(io.stdout, /✗ STALE_CPU_READ: the CPU read stale data/);
    assert.match(io.stdout, /2 hazards: 1 STALE_CPU_READ, 1 OWNERSHIP_VIOLATION on swiotlb-force/);
  });

  it('exits 0 for a clean trace, and takes the platform from the trace when --platform is absent', async () => {
    const io = memIO();
    assert.strictEqual(await main(['simulate', 'examples/traces/rx-correct.dmatrace'], io), 0, io.stdout);
    assert.match(io.stdout, /No hazards on any platform/);
    const io2 = memIO('platform arm64-coherent\nbuffer b kmalloc 64\ndma_map_single b DMA_FROM_DEVICE\ndma_mapping_error b\ndevice_write b\ndma_sync_single_for_cpu b DMA_FROM_DEVICE\ncpu_read b\ndma_unmap_single b DMA_FROM_DEVICE\n');
    assert.strictEqual(await main(['simulate', '-'], io2), 0);
    assert.match(io2.stdout, /<stdin> on arm64-coherent/);
    assert.match(io2.stdout, /no hazards on arm64-coherent/);
  });

  it('--json for one platform has the design.md §5 shape', async () => {
    const io = memIO();
    assert.strictEqual(await main(['simulate', RX, '--platform', 'arm64-noncoherent', '--json'], io), 1);
    const j = JSON.parse(io.stdout);
    assert.strictEqual(j.version, 1);
    assert.strictEqual(j.platform, 'arm64-noncoherent');
    assert.strictEqual(j.steps.length, 6);
    for (const s of j.steps) {
      assert.deepStrictEqual(Object.keys(s).filter((k) => ['index', 'line', 'op', 'hazards', 'state'].includes(k)).sort(), ['hazards', 'index', 'line', 'op', 'state']);
      assert.ok(Array.isArray(s.state.buffers) && Array.isArray(s.state.mappings) && Array.isArray(s.state.iommu));
      for (const h of s.hazards) assert.ok(typeof h.kind === 'string' && typeof h.detail === 'string');
    }
    assert.deepStrictEqual(j.hazards.map((h: { kind: string; line: number; step: number }) => [h.kind, h.line, h.step]), [
      ['OWNERSHIP_VIOLATION', 14, 4],
      ['STALE_CPU_READ', 14, 4],
    ]);
    for (const h of j.hazards) assert.ok(HAZARD_KINDS.includes(h.kind) && h.detail && h.why);
  });

  it('--json with --platform all gives the matrix', async () => {
    const io = memIO();
    assert.strictEqual(await main(['simulate', RX, '--platform', 'all', '--json'], io), 1);
    const j = JSON.parse(io.stdout);
    assert.strictEqual(j.version, 1);
    assert.deepStrictEqual(Object.keys(j.matrix), [...PLATFORM_IDS]);
    for (const id of PLATFORM_IDS) {
      const kinds = j.matrix[id].hazards.map((h: { kind: string }) => h.kind);
      assert.strictEqual(kinds.includes('STALE_CPU_READ'), DATA_PLATFORMS.includes(id), id);
      for (const h of j.matrix[id].hazards) assert.deepStrictEqual(Object.keys(h).slice(0, 4), ['step', 'line', 'kind', 'detail']);
    }
  });

  // a trace as `dma-scope lifecycle` writes it: each step carries the C line it came from
  const SRC_TRACE = [
    '# extracted',
    'buffer b kmalloc 64                      # src=40',
    'dma_map_single b DMA_FROM_DEVICE         # src=dsnic_rx.c:44',
    'dma_mapping_error b                      # src=45',
    'device_write b                           # src=47',
    'cpu_read b                               # src=48 the read',
    'dma_unmap_single b DMA_FROM_DEVICE',
    '',
  ].join('\n');

  it('text: a source column next to the trace line, and trace lines in explanations carry their source line', async () => {
    const io = memIO(SRC_TRACE);
    assert.strictEqual(await main(['simulate', '-', '--platform', 'arm64-noncoherent'], io), 1);
    const out = io.stdout;
    assert.match(out, /^ step {2}line {9}source {2}operation$/m);
    assert.match(out, /^ {4}1 {5}2 {13}40 {2}buffer b kmalloc 64$/m);
    assert.match(out, /^ {4}2 {5}3 {2}dsnic_rx\.c:44 {2}dma_map_single b DMA_FROM_DEVICE /m);
    assert.match(out, /^ {4}5 {5}6 {13}48 {2}cpu_read b$/m);
    // the last step has no src=: an empty cell, the operation still in its column
    assert.match(out, /^ {4}6 {5}7 {15} {2}dma_unmap_single b DMA_FROM_DEVICE/m);
    assert.match(out, /STALE_CPU_READ: the CPU read stale data in bytes 0\.\.63 of 'b' \(the device's write of line 5 \[src 47\] is not visible\)/);
    assert.match(out, /dma_sync_single_for_device \(line 3 \[src dsnic_rx\.c:44\]\)/);
    // hazards sit under the operation column
    assert.match(out, /^ {28}✗ STALE_CPU_READ/m);
  });

  it('text without any src= keeps the plain two-number layout', async () => {
    const io = memIO(SRC_TRACE.replace(/ *# src=.*$/gm, ''));
    assert.strictEqual(await main(['simulate', '-', '--platform', 'arm64-noncoherent'], io), 1);
    assert.match(io.stdout, /^ step {2}line {2}operation$/m);
    assert.match(io.stdout, /^ {4}5 {5}6 {2}cpu_read b$/m);
    assert.match(io.stdout, /^ {13}✗ STALE_CPU_READ: [^\n]*write of line 5 is not visible/m);
    assert.ok(!io.stdout.includes('[src'));
  });

  it('matrix text names the source line of each hazard', async () => {
    const io = memIO(SRC_TRACE);
    assert.strictEqual(await main(['simulate', '-', '--platform', 'all'], io), 1);
    assert.match(io.stdout, /On every platform:\n\s+line 6 \[src 48\]: OWNERSHIP_VIOLATION/);
    assert.match(io.stdout, /arm64-noncoherent[^\n]*:\n\s+line 6 \[src 48\]: STALE_CPU_READ[^\n]*line 5 \[src 47\]/);
  });

  it('--json: steps and hazards carry source {file?, line} when the step has src=, beside the trace line', async () => {
    const io = memIO(SRC_TRACE);
    assert.strictEqual(await main(['simulate', '-', '--platform', 'arm64-noncoherent', '--json'], io), 1);
    const j = JSON.parse(io.stdout);
    assert.deepStrictEqual(j.steps.map((s: { line: number; source?: unknown }) => [s.line, s.source]), [
      [2, { line: 40 }],
      [3, { file: 'dsnic_rx.c', line: 44 }],
      [4, { line: 45 }],
      [5, { line: 47 }],
      [6, { line: 48 }],
      [7, undefined],
    ]);
    assert.deepStrictEqual(j.hazards.map((h: { kind: string; line: number; source: unknown }) => [h.kind, h.line, h.source]), [
      ['OWNERSHIP_VIOLATION', 6, { line: 48 }],
      ['STALE_CPU_READ', 6, { line: 48 }],
    ]);
    assert.deepStrictEqual(j.steps[4].hazards.map((h: { source: unknown }) => h.source), [{ line: 48 }, { line: 48 }]);
    // the stable keys come first, in the documented order
    assert.deepStrictEqual(Object.keys(j.hazards[0]), ['step', 'line', 'kind', 'detail', 'why', 'source']);
    const all = memIO(SRC_TRACE);
    assert.strictEqual(await main(['simulate', '-', '--platform', 'all', '--json'], all), 1);
    const m = JSON.parse(all.stdout);
    for (const id of PLATFORM_IDS) for (const h of m.matrix[id].hazards) assert.deepStrictEqual(h.source, { line: 48 }, id);
    // no src= on the step, no source key
    const plain = memIO(SRC_TRACE.replace(/ *# src=.*$/gm, ''));
    await main(['simulate', '-', '--platform', 'arm64-noncoherent', '--json'], plain);
    const p = JSON.parse(plain.stdout);
    assert.ok(p.hazards.length > 0 && p.hazards.every((h: object) => !('source' in h)));
    assert.ok(p.steps.every((s: object) => !('source' in s)));
  });

  it('source helpers: labels, lookup by trace line, rewriting only lines that are steps', () => {
    assert.strictEqual(sourceLabel({ line: 58 }), '58');
    assert.strictEqual(sourceLabel({ file: 'a/b.c', line: 3 }), 'a/b.c:3');
    const steps = [
      { index: 0, line: 2, source: { line: 40 } },
      { index: 1, line: 3 },
      { index: 2, line: 5, source: { file: 'x.c', line: 9 } },
    ];
    assert.deepStrictEqual(sourceOfTraceLine(steps, 5), { file: 'x.c', line: 9 });
    assert.strictEqual(sourceOfTraceLine(steps, 3), undefined);
    assert.strictEqual(sourceOfTraceLine(steps, 4), undefined);
    assert.strictEqual(withSourceLines('line 2, line 3, line 4, line 5; baseline 2', steps), 'line 2 [src 40], line 3, line 4, line 5 [src x.c:9]; baseline 2');
    assert.strictEqual(rewriteTraceLines('at line 3 and line 7', steps, (s) => `step ${s.index + 1}`), 'at step 2 and line 7');
  });

  it('an invalid trace: one line per error with its line number, exit 2, nothing simulated', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dma-sim-'));
    const f = path.join(dir, 'bad.dmatrace');
    fs.writeFileSync(f, 'buffer b kmalloc 64\ndma_map_single b DMA_SIDEWAYS\ncpu_reed b\ncpu_read c\n');
    const io = memIO();
    assert.strictEqual(await main(['simulate', f], io), 2);
    assert.strictEqual(io.stdout, '');
    const lines = io.stderr.trim().split('\n');
    assert.strictEqual(lines.length, 4);
    assert.match(lines[0], /bad\.dmatrace:2: bad direction 'DMA_SIDEWAYS'/);
    assert.match(lines[1], /bad\.dmatrace:3: unknown step 'cpu_reed'/);
    assert.match(lines[2], /bad\.dmatrace:4: unknown buffer 'c'/);
    assert.match(lines[3], /3 errors in the trace/);
    fs.rmSync(dir, { recursive: true });
  });

  it('usage and input errors exit 2 with one line and no stack trace', async () => {
    for (const argv of [
      ['simulate'],
      ['simulate', RX, '--platform', 'sparc'],
      ['simulate', RX, '--frobnicate'],
      ['simulate', 'no/such/file.dmatrace'],
      ['simulate', 'examples'],
    ]) {
      const io = memIO();
      assert.strictEqual(await main(argv, io), 2, argv.join(' '));
      assert.ok(!/\n\s+at /.test(io.stderr), io.stderr);
      assert.ok(io.stderr.length > 0);
    }
  });
});
