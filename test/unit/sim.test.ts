/** The simulator: correct lifecycles, API misuse (dma-debug checks), leaks, snapshots, platform data. */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { PLATFORM_IDS, PlatformId } from '../../src/model/platformIds';
import { allPlatforms, kmallocSizeRoundup, PLATFORMS } from '../../src/model/platforms';
import { DATA_HAZARDS, HAZARD_KINDS, Hazard, parseTrace, simulate, simulateAll, Trace } from '../../src/model/sim';
import { REPO_ROOT } from '../helpers';

function trace(text: string): Trace {
  const r = parseTrace(text);
  assert.deepStrictEqual(r.errors, []);
  return r.trace;
}
function example(name: string): Trace {
  return trace(fs.readFileSync(path.join(REPO_ROOT, 'examples', 'traces', name), 'utf8'));
}
function misuse(text: string, id: PlatformId = 'x86-direct'): Hazard[] {
  return simulate(trace(text), id).hazards.filter((h) => h.kind === 'API_MISUSE');
}

describe('simulator: correct lifecycles', () => {
  for (const name of ['rx-correct.dmatrace', 'tx-correct.dmatrace']) {
    it(`${name}: no hazard of any kind on any platform`, () => {
      const all = simulateAll(example(name));
      for (const id of PLATFORM_IDS) assert.deepStrictEqual(all[id].hazards, [], id);
    });
  }

  it('coherent memory needs no syncs anywhere (uncached on non-coherent platforms)', () => {
    const t = trace(`
dma_alloc_coherent ring 4096
cpu_write ring 0 16 value=1
device_read ring 0 16
device_write ring 16 16 value=2
cpu_read ring 16 16
cpu_write ring 0 16 value=3
device_read ring 0 16
dma_free_coherent ring size=4096
`);
    for (const id of PLATFORM_IDS) {
      const r = simulate(t, id);
      assert.deepStrictEqual(r.hazards, [], id);
      const b = r.steps[0].state.buffers[0];
      assert.strictEqual(b.cpuAccess, PLATFORMS[id].coherent ? 'transparent' : 'uncached', id);
    }
  });

  it('dma_alloc_noncoherent with syncs is clean; without sync_for_cpu it is stale on NC platforms', () => {
    const good = `
dma_alloc_noncoherent buf 4096 DMA_BIDIRECTIONAL
cpu_write buf 0 64 value=1
dma_sync_single_for_device buf DMA_BIDIRECTIONAL
device_read buf 0 64
device_write buf 64 64 value=2
dma_sync_single_for_cpu buf DMA_BIDIRECTIONAL
cpu_read buf 0 128
dma_free_noncoherent buf
`;
    for (const id of PLATFORM_IDS) assert.deepStrictEqual(simulate(trace(good), id).hazards, [], id);
    const bad = good.replace('dma_sync_single_for_cpu buf DMA_BIDIRECTIONAL\n', '');
    const kinds = (id: PlatformId) => [...new Set(simulate(trace(bad), id).hazards.map((h) => h.kind))].sort();
    assert.deepStrictEqual(kinds('arm64-noncoherent'), ['OWNERSHIP_VIOLATION', 'STALE_CPU_READ']);
    // noncoherent allocations never bounce, so a coherent x86 guest sees only the violation
    assert.deepStrictEqual(kinds('cvm'), ['OWNERSHIP_VIOLATION']);
  });

  it('ARMv7 discards a dirty CPU write at a FROM map; it shows when the CPU reads bytes the device did not write', () => {
    const t = trace(`
buffer b kmalloc 256
cpu_write b value=0x77
dma_map_single b DMA_FROM_DEVICE
dma_mapping_error b
device_write b 0 128
dma_sync_single_for_cpu b DMA_FROM_DEVICE
cpu_read b 0 128
cpu_read b 128 128
dma_unmap_single b DMA_FROM_DEVICE
`);
    const v7 = simulate(t, 'armv7-noncoherent').hazards;
    assert.deepStrictEqual(v7.map((h) => [h.kind, h.line]), [['LOST_CPU_WRITE', 9]]);
    assert.match(v7[0].why, /invalidates/);
    // arm64 cleans at map, swiotlb copies the whole buffer into the slot: the contents survive
    for (const id of ['arm64-noncoherent', 'x86-swiotlb', 'riscv-noncoherent', 'x86-direct'] as PlatformId[]) {
      assert.deepStrictEqual(simulate(t, id).hazards, [], id);
    }
  });

  it('a CPU write to a FROM buffer while the device owns it is lost at unmap on swiotlb', () => {
    const t = trace(`
buffer b kmalloc 512
dma_map_single b DMA_FROM_DEVICE
dma_mapping_error b
cpu_write b 0 16 value=9
dma_unmap_single b DMA_FROM_DEVICE
cpu_read b 0 16
`);
    const h = simulate(t, 'x86-swiotlb').hazards.map((x) => x.kind);
    assert.deepStrictEqual(h, ['OWNERSHIP_VIOLATION', 'LOST_CPU_WRITE']);
    assert.match(simulate(t, 'x86-swiotlb').hazards[1].why, /b→o/);
    assert.deepStrictEqual(simulate(t, 'x86-direct').hazards.map((x) => x.kind), ['OWNERSHIP_VIOLATION']);
  });

  it('skipping the copy-back with DMA_ATTR_SKIP_CPU_SYNC loses the device data in the slot', () => {
    const t = trace(`
buffer b kmalloc 512
dma_map_single b DMA_FROM_DEVICE
dma_mapping_error b
device_write b
dma_unmap_single b DMA_FROM_DEVICE attrs=DMA_ATTR_SKIP_CPU_SYNC
`);
    assert.deepStrictEqual(simulate(t, 'swiotlb-force').hazards.map((x) => x.kind), ['LOST_DEVICE_WRITE']);
    assert.deepStrictEqual(simulate(t, 'x86-direct').hazards, []);
  });

  it('the IOMMU enforces the direction; a sub-page buffer leaks its page', () => {
    const t = trace(`
buffer b kmalloc 512
dma_map_single b DMA_TO_DEVICE
dma_mapping_error b
device_write b 0 4
device_read b 0 1024
dma_unmap_single b DMA_TO_DEVICE
`);
    const k = (id: PlatformId) => simulate(t, id).hazards.map((h) => h.kind);
    assert.deepStrictEqual(k('x86-iommu'), ['IOMMU_FAULT', 'INFO_LEAK']);
    assert.deepStrictEqual(k('x86-direct'), ['API_MISUSE', 'INFO_LEAK']);
    // the untrusted device gets a zero-padded bounce slot: no leak, but the write still faults
    assert.deepStrictEqual(k('iommu-untrusted'), ['IOMMU_FAULT']);
  });

  it('a failed mapping used by the device is MAP_ERROR_USED; swiotlb fails mappings over 256 KiB', () => {
    const t = trace(`
buffer big vmalloc 1048576
dma_map_page big DMA_TO_DEVICE
device_read big 0 64
`);
    assert.deepStrictEqual(simulate(t, 'swiotlb-force').hazards.map((h) => h.kind), ['MAP_ERROR_USED']);
    assert.match(simulate(t, 'swiotlb-force').hazards[0].why, /swiotlb buffer is full/);
    assert.deepStrictEqual(simulate(t, 'x86-direct').hazards.map((h) => h.kind), ['LEAK']);
  });
});

describe('simulator: API misuse (dma-debug)', () => {
  it('DMA_NONE is a BUG', () => {
    const h = misuse('buffer b kmalloc 64\ndma_map_single b DMA_NONE');
    assert.strictEqual(h.length, 1);
    assert.match(h[0].detail, /DMA_NONE/);
    assert.match(h[0].why, /BUG_ON/);
  });
  it('unmap with a different size and direction, and an unchecked handle', () => {
    const h = misuse('buffer b kmalloc 64\ndma_map_single b DMA_TO_DEVICE\ndma_unmap_single b DMA_FROM_DEVICE size=32');
    assert.deepStrictEqual(
      h.map((x) => x.why.match(/"([^"]+)"/)![1]),
      ['device driver frees DMA memory with different size', 'device driver frees DMA memory with different direction', 'device driver failed to check map error'],
    );
    assert.ok(h.every((x) => x.line === 3 && x.step === 2));
  });
  it('double unmap, unmap of a failed mapping, family mismatch', () => {
    assert.match(misuse('buffer b kmalloc 64\ndma_map_single b DMA_TO_DEVICE\ndma_mapping_error b\ndma_unmap_single b DMA_TO_DEVICE\ndma_unmap_single b DMA_TO_DEVICE')[0].detail, /double unmap/);
    assert.match(misuse('buffer v vmalloc 64\ndma_map_single v DMA_TO_DEVICE\ndma_unmap_single v DMA_TO_DEVICE')[1].why, /invalid DMA memory address/);
    assert.match(misuse('buffer b kmalloc 64\ndma_map_sg b DMA_TO_DEVICE\ndma_unmap_single b DMA_TO_DEVICE')[0].why, /wrong function/);
    assert.match(misuse('dma_alloc_coherent r 4096\ndma_free_noncoherent r')[0].why, /wrong function/);
  });
  it('sync out of range, with the wrong direction, or of nothing', () => {
    const base = 'buffer b kmalloc 64\ndma_map_single b DMA_TO_DEVICE\ndma_mapping_error b\n';
    assert.match(misuse(base + 'dma_sync_single_for_device b DMA_TO_DEVICE 32 64')[0].why, /outside allocated range/);
    const dir = misuse(base + 'dma_sync_single_for_cpu b DMA_FROM_DEVICE').map((h) => h.why);
    assert.ok(dir.some((w) => /different direction/.test(w)) && dir.some((w) => /read-only DMA memory for cpu/.test(w)));
    assert.match(misuse('buffer b kmalloc 64\ndma_sync_single_for_cpu b DMA_FROM_DEVICE')[0].why, /not allocated/);
  });
  it('mapping the stack; overlapping FROM mappings of one cache line (not reported where kmalloc bounce is on)', () => {
    assert.match(misuse('buffer s stack 64\ndma_map_single s DMA_TO_DEVICE\ndma_mapping_error s\ndma_unmap_single s DMA_TO_DEVICE')[0].why, /stack/);
    const overlap = 'buffer b kmalloc 64\ndma_map_single b DMA_FROM_DEVICE\ndma_map_single b DMA_FROM_DEVICE\n';
    assert.match(misuse(overlap, 'x86-direct')[0].why, /overlapping mappings/);
    assert.ok(!misuse(overlap, 'arm64-noncoherent').some((h) => /overlapping/.test(h.why)));
  });
  it('leaks at driver_unbind and at the end of the trace', () => {
    const t = trace('buffer b kmalloc 64\ndma_map_single b DMA_TO_DEVICE\ndma_mapping_error b\ndma_alloc_coherent r 4096\ndriver_unbind\nbuffer c kmalloc 64\ndma_map_single c DMA_TO_DEVICE\ndma_mapping_error c');
    const leaks = simulate(t, 'x86-iommu').hazards.filter((h) => h.kind === 'LEAK');
    assert.deepStrictEqual(leaks.map((h) => h.line), [5, 5, 8]);
    assert.match(leaks[0].why, /pending DMA allocations while released from device \[count=2\]/);
    assert.match(leaks[2].detail, /end of the trace/);
    assert.match(leaks[2].why, /end the trace with a `handoff` step/);
  });
  it('handoff: no LEAK at the end of the trace, still LEAK at driver_unbind, not for a later mapping', () => {
    const leaksOf = (text: string) => simulate(trace(text), 'x86-iommu').hazards.filter((h) => h.kind === 'LEAK');
    const refill = 'buffer b kmalloc 64\ndma_map_single b DMA_FROM_DEVICE\ndma_mapping_error b\ndma_alloc_coherent r 4096\n';
    assert.deepStrictEqual(leaksOf(`${refill}handoff b\nhandoff r`), []);
    assert.deepStrictEqual(leaksOf(`${refill}handoff b`).map((h) => h.line), [5], 'only the allocation not handed off');
    const unbind = leaksOf(`${refill}handoff b\nhandoff r\ndriver_unbind`);
    assert.deepStrictEqual(unbind.map((h) => h.line), [7, 7]);
    assert.match(unbind[0].detail, /still live at driver_unbind/);
    const again = leaksOf('buffer b kmalloc 64\ndma_map_single b DMA_TO_DEVICE\ndma_mapping_error b\nhandoff b\ndma_unmap_single b DMA_TO_DEVICE\ndma_map_single b DMA_TO_DEVICE\ndma_mapping_error b');
    assert.deepStrictEqual(again.map((h) => h.line), [7], 'a mapping made after the handoff is not covered');
    const r = simulate(trace(`${refill}handoff b`), 'x86-direct');
    assert.strictEqual(r.steps[4].text, 'handoff b');
    assert.strictEqual(r.steps[4].state.mappings.find((m) => m.buffer === 'b')?.handedOff, true);
    assert.strictEqual(r.steps[3].state.mappings.find((m) => m.buffer === 'b')?.handedOff, undefined);
  });
  it('CPU or device use after dma_free_coherent', () => {
    const h = simulate(trace('dma_alloc_coherent r 4096\ndma_free_coherent r\ncpu_read r 0 4\ndevice_write r 0 4'), 'x86-iommu').hazards.map((x) => x.kind);
    assert.deepStrictEqual(h, ['USE_AFTER_FREE', 'USE_AFTER_FREE', 'IOMMU_FAULT']);
  });
});

describe('simulator: steps and snapshots', () => {
  it('gives one step per trace step with its line, source, text and a full snapshot', () => {
    const t = trace('# c\nbuffer rx kmalloc 100  # src=foo.c:7\ndma_map_single rx DMA_FROM_DEVICE\n\ndevice_write rx 0 10 value=0x5\n');
    const r = simulate(t, 'arm64-noncoherent');
    assert.deepStrictEqual(r.steps.map((s) => [s.index, s.line, s.op]), [[0, 2, 'buffer'], [1, 3, 'dma_map_single'], [2, 5, 'device_write']]);
    assert.deepStrictEqual(r.steps[0].source, { file: 'foo.c', line: 7 });
    assert.strictEqual(r.steps[2].text, 'device_write rx 0 10 value=0x05');
    const st = r.steps[2].state;
    const b = st.buffers[0];
    assert.strictEqual(b.start % 64, 0);
    assert.strictEqual(b.length % 64, 0);
    assert.strictEqual(b.truth.values.length, b.length);
    assert.strictEqual(b.ram.versions.length, b.length);
    assert.strictEqual(b.cache!.length, b.length / 64);
    const off = b.pa - b.start;
    // the device wrote RAM; the prefetched cache lines still hold the old bytes
    assert.ok(b.ram.fresh.slice(off, off + 10).every(Boolean));
    assert.ok(b.cache!.every((l) => l.state === 'S'));
    assert.ok(b.cpuView.fresh.slice(off, off + 10).every((f) => !f));
    const m = st.mappings[0];
    assert.strictEqual(m.state, 'DEV_OWNED');
    assert.strictEqual(m.path, 'direct');
    assert.strictEqual(m.owner, 'D'.repeat(100));
    assert.ok(m.device!.fresh.every(Boolean));
  });

  it('shows the bounce slot and IOMMU entries', () => {
    const t = trace('buffer rx kmalloc 1536\ndma_map_single rx DMA_FROM_DEVICE\ndevice_write rx 0 8');
    const m = simulate(t, 'iommu-untrusted').steps[2].state;
    assert.strictEqual(m.mappings[0].path, 'iommu+bounce');
    assert.ok(m.mappings[0].bounce!.bytes.fresh.slice(0, 8).every(Boolean));
    assert.strictEqual(m.mappings[0].bounce!.addr % 4096, 0);
    assert.deepStrictEqual(m.iommu.map((e) => [e.perm, e.status]), [['W', 'mapped']]);
    // the original buffer has not seen the write
    const b = m.buffers[0];
    assert.ok(b.ram.fresh.slice(b.pa - b.start, b.pa - b.start + 8).every((f) => !f));
  });

  it('every hazard kind of design.md §4 is spelled as there, and data hazards are a subset', () => {
    assert.deepStrictEqual(HAZARD_KINDS, [
      'STALE_CPU_READ', 'STALE_DEVICE_READ', 'LOST_CPU_WRITE', 'LOST_DEVICE_WRITE', 'NEIGHBOUR_CORRUPTION', 'OWNERSHIP_VIOLATION',
      'USE_AFTER_UNMAP', 'USE_AFTER_FREE', 'MAP_ERROR_USED', 'IOMMU_FAULT', 'INFO_LEAK', 'LEAK', 'API_MISUSE', 'TOCTOU_READ',
    ]);
    for (const k of DATA_HAZARDS) assert.ok(HAZARD_KINDS.includes(k));
  });
});

describe('platform presets', () => {
  it('one preset per platform id, with the §3.3 semantics as data', () => {
    assert.deepStrictEqual(allPlatforms().map((p) => p.id), [...PLATFORM_IDS]);
    for (const p of allPlatforms()) {
      assert.ok(p.label && p.description && p.explain.length > 100, p.id);
      assert.strictEqual(p.ncSync === null, p.coherent, p.id);
      assert.strictEqual(p.speculativeFillDefault, !p.coherent, p.id);
      assert.strictEqual(p.coherentAlloc.memType === 'uncached', !p.coherent, p.id);
    }
    assert.strictEqual(PLATFORMS['x86-iommu'].iommu!.strict, true);
    assert.strictEqual(PLATFORMS['x86-iommu-lazy'].iommu!.strict, false);
    assert.strictEqual(PLATFORMS['iommu-untrusted'].iommu!.strict, true);
    assert.strictEqual(PLATFORMS.cvm.cc, true);
    assert.strictEqual(PLATFORMS.cvm.bounce.mode, 'force');
    assert.strictEqual(PLATFORMS['armv7-noncoherent'].bounce.mode, 'none');
    assert.deepStrictEqual(['arm64-noncoherent', 'armv7-noncoherent', 'riscv-noncoherent'].map((id) => PLATFORMS[id as PlatformId].ncSync), ['arm64', 'armv7', 'riscv']);
  });
  it('kmalloc_size_roundup follows the generic kmalloc caches', () => {
    assert.deepStrictEqual([1, 8, 9, 32, 33, 65, 96, 97, 129, 192, 193, 1500].map(kmallocSizeRoundup), [8, 8, 16, 32, 64, 96, 96, 128, 192, 192, 256, 2048]);
  });
});

describe('simulator: TOCTOU reads of shared memory (issue 16)', () => {
  // the mana-style completion: check the id on one read, index with another; the host rewrites it in between
  const doubleRead = `
dma_alloc_coherent cq 4096
device_write cq 0 2 value=3
device_done
cpu_read cq 0 2
device_write cq 0 2 value=200
cpu_read cq 0 2
dma_free_coherent cq size=4096
`;
  it('a device_write between two cpu_reads of the same coherent bytes is TOCTOU_READ on cvm and iommu-untrusted only', () => {
    const t = trace(doubleRead);
    for (const id of PLATFORM_IDS) {
      const kinds = simulate(t, id).hazards.map((h) => h.kind);
      const expected = id === 'cvm' || id === 'iommu-untrusted' ? ['TOCTOU_READ'] : [];
      assert.deepStrictEqual(kinds, expected, id);
    }
    const h = simulate(t, 'cvm').hazards[0];
    assert.strictEqual(h.line, 7);
    assert.match(h.detail, /read bytes 0\.\.1 of 'cq' again \(first read at line 5\); the device rewrote them at line 6/);
    assert.match(h.why, /host can rewrite shared/);
    assert.match(simulate(t, 'iommu-untrusted').hazards[0].why, /untrusted device/);
  });
  it('one read (READ_ONCE into a local), other bytes, or a write before both reads: no TOCTOU_READ', () => {
    const once = trace('dma_alloc_coherent cq 4096\ndevice_write cq 0 2 value=3\ncpu_read cq 0 2\ndevice_write cq 0 2 value=9\ndma_free_coherent cq size=4096');
    const other = trace('dma_alloc_coherent cq 4096\ncpu_read cq 0 2\ndevice_write cq 2 2 value=9\ncpu_read cq 0 2\ndma_free_coherent cq size=4096');
    const before = trace('dma_alloc_coherent cq 4096\ndevice_write cq 0 2 value=9\ncpu_read cq 0 2\ncpu_read cq 0 2\ndma_free_coherent cq size=4096');
    for (const t of [once, other, before]) assert.deepStrictEqual(simulate(t, 'cvm').hazards.map((h) => h.kind), []);
  });
  it('a streaming buffer recycled between two reads (sync for the device, device write, sync for the CPU) is not a TOCTOU read', () => {
    const t = trace('buffer b kmalloc 64\ndma_map_single b DMA_FROM_DEVICE\ndma_mapping_error b\ndevice_write b 0 4\ndma_sync_single_for_cpu b DMA_FROM_DEVICE\ncpu_read b 0 4\ndma_sync_single_for_device b DMA_FROM_DEVICE\ndevice_write b 0 4\ndma_sync_single_for_cpu b DMA_FROM_DEVICE\ncpu_read b 0 4\ndma_unmap_single b DMA_FROM_DEVICE');
    assert.deepStrictEqual(simulate(t, 'cvm').hazards.map((h) => h.kind), []);
  });
});

