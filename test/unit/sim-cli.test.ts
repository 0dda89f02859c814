/** `dma-scope simulate`: exit codes, text report, matrix, design.md §5 JSON. */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { CliIO } from '../../src/cli/args';
import { main } from '../../src/cli/main';
import { PLATFORM_IDS } from '../../src/model/platformIds';
import { HAZARD_KINDS } from '../../src/model/sim';
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
