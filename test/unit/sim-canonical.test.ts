/**
 * The six canonical scenarios of dma-model.md §4.7 on every platform preset.
 *
 * The expected outcome of every (scenario, platform) cell is written out by hand below, derived
 * from the platform semantics of §3.3/§3.4 (and the kernel source where it corrects the doc),
 * not from running the simulator. Each cell lists the exact set of hazard kinds reported.
 */
import * as assert from 'assert';
import { PLATFORM_IDS, PlatformId } from '../../src/model/platformIds';
import { HazardKind, parseTrace, simulate, SimResult, Trace } from '../../src/model/sim';

function trace(text: string): Trace {
  const r = parseTrace(text);
  assert.deepStrictEqual(r.errors, []);
  return r.trace;
}

function kinds(r: SimResult): HazardKind[] {
  return [...new Set(r.hazards.map((h) => h.kind))].sort();
}

type Table = Record<PlatformId, HazardKind[]>;

function check(text: string, expected: Table): void {
  const t = trace(text);
  for (const id of PLATFORM_IDS) {
    const got = kinds(simulate(t, id));
    assert.deepStrictEqual(got, [...expected[id]].sort(), `platform ${id}`);
  }
}

const OV: HazardKind = 'OWNERSHIP_VIOLATION';

describe('canonical scenarios (dma-model.md §4.7) on every platform', () => {
  // 1. RX without sync_for_cpu: map FROM → device write → CPU read (still device-owned).
  //    (a),(d),(h): coherent and not bounced: only the contract violation.
  //    (b),(c),(f): bounced: the data is stuck in the slot → STALE_CPU_READ.
  //    (e): a 1536-byte kmalloc buffer (2 KiB slab object, not 4 KiB-aligned) is bounced → stale.
  //    (g),(i),(i'): non-coherent; the line was speculatively prefetched while the device owned it.
  //    1536 ≥ 256 so arm64/riscv do not bounce it.
  const rx = `
buffer rx kmalloc 1536
dma_map_single rx DMA_FROM_DEVICE
dma_mapping_error rx
device_write rx
cpu_read rx 0 64
dma_unmap_single rx DMA_FROM_DEVICE
`;
  it('1. RX without sync_for_cpu', () => {
    check(rx, {
      'x86-direct': [OV],
      'x86-swiotlb': [OV, 'STALE_CPU_READ'],
      'swiotlb-force': [OV, 'STALE_CPU_READ'],
      'x86-iommu': [OV],
      'x86-iommu-lazy': [OV],
      'iommu-untrusted': [OV, 'STALE_CPU_READ'],
      cvm: [OV, 'STALE_CPU_READ'],
      'arm64-noncoherent': [OV, 'STALE_CPU_READ'],
      'arm64-coherent': [OV],
      'armv7-noncoherent': [OV, 'STALE_CPU_READ'],
      'riscv-noncoherent': [OV, 'STALE_CPU_READ'],
    });
  });

  it('1. RX without sync_for_cpu: on arm64 the stale read needs a speculative fill', () => {
    const t = trace(rx);
    assert.deepStrictEqual(kinds(simulate(t, 'arm64-noncoherent', { speculativeFill: false })), [OV]);
    // an explicit prefetch while the device owns the buffer brings the hazard back
    const t2 = trace(rx.replace('device_write rx', 'cpu_prefetch rx\ndevice_write rx'));
    assert.deepStrictEqual(kinds(simulate(t2, 'arm64-noncoherent', { speculativeFill: false })), [OV, 'STALE_CPU_READ']);
  });

  // 2. TX write after map: map TO → CPU write → device read.
  //    bounced platforms: no o→b after the write → STALE_DEVICE_READ ((b),(c),(f); (e): 256 B unaligned).
  //    (g),(i),(i'): the write sits in a dirty line, the device reads RAM → STALE_DEVICE_READ
  //    (TO mappings never bounce on arm64/riscv).
  it('2. TX write after map', () => {
    check(
      `
buffer tx kmalloc 256
dma_map_single tx DMA_TO_DEVICE
dma_mapping_error tx
cpu_write tx 0 64 value=0x42
device_read tx
dma_unmap_single tx DMA_TO_DEVICE
`,
      {
        'x86-direct': [OV],
        'x86-swiotlb': [OV, 'STALE_DEVICE_READ'],
        'swiotlb-force': [OV, 'STALE_DEVICE_READ'],
        'x86-iommu': [OV],
        'x86-iommu-lazy': [OV],
        'iommu-untrusted': [OV, 'STALE_DEVICE_READ'],
        cvm: [OV, 'STALE_DEVICE_READ'],
        'arm64-noncoherent': [OV, 'STALE_DEVICE_READ'],
        'arm64-coherent': [OV],
        'armv7-noncoherent': [OV, 'STALE_DEVICE_READ'],
        'riscv-noncoherent': [OV, 'STALE_DEVICE_READ'],
      },
    );
  });

  // 3a. Cache-line sharing, the doc's 32-byte FROM buffer inside a struct, a neighbour written
  //     while the device owns the buffer. Kernel 6.12: dma_kmalloc_needs_bounce() looks only at
  //     the size: 32 < 2*ARCH_DMA_MINALIGN and kmalloc_size_roundup(32)=32 is not a multiple of
  //     the 64-byte cache alignment, so arm64 and riscv BOUNCE it (b→o copies only the 32 bytes):
  //     no hazard there (the doc expected LOST_DEVICE_WRITE on arm64). ARMv7 has no such bounce:
  //     the edge line is cleaned+invalidated at unmap and its stale copy of the buffer is written
  //     over the device data → LOST_DEVICE_WRITE. Bounced x86 platforms copy only the mapping.
  it('3a. cache-line sharing, 32-byte member (kernel bounces it on arm64/riscv)', () => {
    check(
      `
buffer status kmalloc 32 align=128 offset=32
neighbour head status -32 32
dma_map_single status DMA_FROM_DEVICE
dma_mapping_error status
device_write status
cpu_write head
dma_unmap_single status DMA_FROM_DEVICE
cpu_read status
cpu_read head
`,
      {
        'x86-direct': [],
        'x86-swiotlb': [],
        'swiotlb-force': [],
        'x86-iommu': [],
        'x86-iommu-lazy': [],
        'iommu-untrusted': [],
        cvm: [],
        'arm64-noncoherent': [],
        'arm64-coherent': [],
        'armv7-noncoherent': ['LOST_DEVICE_WRITE'],
        'riscv-noncoherent': [],
      },
    );
  });

  // 3b. The same with a 64-byte member at offset 32 (kmalloc_size_roundup(64) is line-aligned:
  //     no bounce on arm64/riscv). Both edge lines are shared with CPU fields written while the
  //     device owns the buffer.
  //     arm64, ARMv7: partial lines are cleaned before the invalidate → the stale buffer bytes
  //     in those lines overwrite the device's data → LOST_DEVICE_WRITE.
  //     RISC-V: cbo.inval throws whole blocks away, partial ones included → the neighbours' CPU
  //     writes are lost → NEIGHBOUR_CORRUPTION (one per neighbour).
  it('3b. cache-line sharing, 64-byte member across two lines', () => {
    const t = trace(`
buffer status kmalloc 64 align=128 offset=32
neighbour head status -32 32
neighbour tail status 64 32
dma_map_single status DMA_FROM_DEVICE
dma_mapping_error status
device_write status
cpu_write head
cpu_write tail
dma_unmap_single status DMA_FROM_DEVICE
cpu_read status
cpu_read head
cpu_read tail
`);
    const expected: Table = {
      'x86-direct': [],
      'x86-swiotlb': [],
      'swiotlb-force': [],
      'x86-iommu': [],
      'x86-iommu-lazy': [],
      'iommu-untrusted': [],
      cvm: [],
      'arm64-noncoherent': ['LOST_DEVICE_WRITE'],
      'arm64-coherent': [],
      'armv7-noncoherent': ['LOST_DEVICE_WRITE'],
      'riscv-noncoherent': ['NEIGHBOUR_CORRUPTION'],
    };
    for (const id of PLATFORM_IDS) assert.deepStrictEqual(kinds(simulate(t, id)), expected[id], id);
    const rv = simulate(t, 'riscv-noncoherent').hazards;
    assert.deepStrictEqual(rv.map((h) => h.detail.match(/'(\w+)'/)?.[1]).sort(), ['head', 'tail']);
    assert.ok(rv.every((h) => h.line === 10), 'reported at the unmap');
    const arm = simulate(t, 'arm64-noncoherent').hazards.find((h) => h.kind === 'LOST_DEVICE_WRITE')!;
    assert.strictEqual(arm.line, 10);
    assert.match(arm.why, /written back/);
  });

  // 4. vmwgfx: map BIDI once, the CPU and the device alternate writes with no syncs, unmap.
  //    (a),(d),(h): violations only. (b),(c),(f): the CPU's update never reaches the slot
  //    (STALE_DEVICE_READ), the device's write never reaches the buffer (STALE_CPU_READ), and the
  //    unmap b→o overwrites the CPU's update with the slot (LOST_CPU_WRITE).
  //    (g),(i),(i'): the dirty line is not cleaned (STALE_DEVICE_READ), the CPU reads the stale
  //    line (STALE_CPU_READ), and the unmap invalidate drops the dirty line (LOST_CPU_WRITE).
  //    (e): depends on alignment: a page-aligned 4 KiB buffer is not bounced (violations only);
  //    a kmalloc'ed 3000-byte one is (as (c)).
  const vmw = `
buffer bo page 4096
cpu_write bo
dma_map_sg bo DMA_BIDIRECTIONAL
device_read bo
cpu_write bo 0 64
device_read bo 0 64
device_write bo 64 64
cpu_read bo 64 64
dma_unmap_sg bo DMA_BIDIRECTIONAL
`;
  const bad: HazardKind[] = [OV, 'STALE_DEVICE_READ', 'STALE_CPU_READ', 'LOST_CPU_WRITE'];
  it('4. vmwgfx map-once BIDI, page-aligned buffer', () => {
    check(vmw, {
      'x86-direct': [OV],
      'x86-swiotlb': bad,
      'swiotlb-force': bad,
      'x86-iommu': [OV],
      'x86-iommu-lazy': [OV],
      'iommu-untrusted': [OV],
      cvm: bad,
      'arm64-noncoherent': bad,
      'arm64-coherent': [OV],
      'armv7-noncoherent': bad,
      'riscv-noncoherent': bad,
    });
  });
  it('4. vmwgfx map-once BIDI, kmalloc buffer: the untrusted device now bounces it', () => {
    const t = trace(vmw.replace('buffer bo page 4096', 'buffer bo kmalloc 3000'));
    assert.deepStrictEqual(kinds(simulate(t, 'iommu-untrusted')), [...bad].sort());
    assert.deepStrictEqual(kinds(simulate(t, 'x86-iommu')), [OV]);
  });

  // 5. Skip via heuristic: a "no sync needed" answer obtained for one (page-aligned) buffer is
  //    reused for another. On the untrusted IOMMU only the unaligned buffer bounces, so only its
  //    read is stale; bounce-everything and non-coherent platforms break both; coherent ones none.
  it('5. a sync-skipping heuristic reused for another buffer', () => {
    const t = trace(`
buffer rx_a page 4096
buffer rx_b kmalloc 1536
dma_map_single rx_a DMA_FROM_DEVICE
dma_mapping_error rx_a
dma_map_single rx_b DMA_FROM_DEVICE
dma_mapping_error rx_b
device_write rx_a 0 64
device_write rx_b 0 64
cpu_read rx_a 0 64
cpu_read rx_b 0 64
dma_unmap_single rx_a DMA_FROM_DEVICE
dma_unmap_single rx_b DMA_FROM_DEVICE
`);
    const staleOn: Record<PlatformId, string[]> = {
      'x86-direct': [],
      'x86-swiotlb': ['rx_a', 'rx_b'],
      'swiotlb-force': ['rx_a', 'rx_b'],
      'x86-iommu': [],
      'x86-iommu-lazy': [],
      'iommu-untrusted': ['rx_b'],
      cvm: ['rx_a', 'rx_b'],
      'arm64-noncoherent': ['rx_a', 'rx_b'],
      'arm64-coherent': [],
      'armv7-noncoherent': ['rx_a', 'rx_b'],
      'riscv-noncoherent': ['rx_a', 'rx_b'],
    };
    for (const id of PLATFORM_IDS) {
      const r = simulate(t, id);
      const stale = r.hazards.filter((h) => h.kind === 'STALE_CPU_READ').map((h) => h.detail.match(/'(\w+)'/)![1]);
      assert.deepStrictEqual(stale, staleOn[id], id);
      assert.strictEqual(r.hazards.filter((h) => h.kind === OV).length, 2, id);
    }
  });

  // 6. Lazy IOTLB use-after-unmap: map FROM → unmap → a late device write.
  //    strict IOMMU ((d) strict, (e) always strict): the entry is gone → USE_AFTER_UNMAP + IOMMU_FAULT.
  //    lazy IOMMU: the flush is queued → USE_AFTER_UNMAP, the write lands silently.
  //    no IOMMU: it always lands (into the page, or into the freed bounce slot).
  const late = `
buffer rx page 4096
dma_map_single rx DMA_FROM_DEVICE
dma_mapping_error rx
device_write rx 0 64 value=0x11
dma_unmap_single rx DMA_FROM_DEVICE
cpu_read rx 0 64
device_write rx 0 64 value=0xee
cpu_read rx 0 64
`;
  const UAU: HazardKind = 'USE_AFTER_UNMAP';
  it('6. lazy IOTLB use-after-unmap', () => {
    check(late, {
      'x86-direct': [UAU],
      'x86-swiotlb': [UAU],
      'swiotlb-force': [UAU],
      'x86-iommu': [UAU, 'IOMMU_FAULT'],
      'x86-iommu-lazy': [UAU],
      'iommu-untrusted': [UAU, 'IOMMU_FAULT'],
      cvm: [UAU],
      'arm64-noncoherent': [UAU],
      'arm64-coherent': [UAU],
      'armv7-noncoherent': [UAU],
      'riscv-noncoherent': [UAU],
    });
  });
  it('6. the late write lands in the page on the lazy IOMMU and not on the strict one', () => {
    const t = trace(late);
    const view = (id: PlatformId) => {
      const r = simulate(t, id);
      const b = r.steps[r.steps.length - 1].state.buffers.find((x) => x.name === 'rx')!;
      const off = b.pa - b.start;
      return b.ram.values.slice(off, off + 64);
    };
    assert.ok(view('x86-iommu-lazy').every((v) => v === 0xee));
    assert.ok(view('x86-iommu').every((v) => v === 0x11));
    const lazy = simulate(t, 'x86-iommu-lazy');
    const stale = lazy.steps[4].state.iommu.filter((e) => e.status === 'stale-iotlb');
    assert.strictEqual(stale.length, 1, 'one queued IOTLB entry after the unmap');
  });
  it('6. after the flush-queue window the lazy IOMMU faults too', () => {
    const padded = late.replace('cpu_read rx 0 64\ndevice_write', 'cpu_read rx 0 64\n' + 'device_done\n'.repeat(12) + 'device_write');
    const t = trace(padded);
    assert.deepStrictEqual(kinds(simulate(t, 'x86-iommu-lazy')), ['IOMMU_FAULT', UAU]);
  });
});
