/**
 * The eleven platform presets as data (the simulator and the hover tables read them).
 * Pure module: used by the simulator, the "Select Platform" quick pick, hover and the CLI.
 */
import { PLATFORM_IDS, PlatformId } from './platformIds';

export type { PlatformId } from './platformIds';

/** Which non-coherent cache-maintenance table of §3.4 applies. */
export type NcSyncTable = 'arm64' | 'armv7' | 'riscv';

/**
 * When streaming mappings go through a swiotlb bounce slot:
 * - none: never;
 * - addrLimit: the device mask cannot reach the buffer (every streaming buffer of the preset);
 * - force: swiotlb=force / confidential guest, every direct-path streaming mapping;
 * - iommuUnaligned: dma-iommu with an untrusted device: only when (phys | size) is not
 *   granule-aligned (`iommu_dma_map_page`);
 * - kmallocSmall: non-coherent arm64/riscv: FROM/BIDI mappings whose size may come from a
 *   kmalloc cache smaller than the DMA alignment (`dma_kmalloc_needs_bounce`).
 */
export type BounceMode = 'none' | 'addrLimit' | 'force' | 'iommuUnaligned' | 'kmallocSmall';

/** How the CPU sees dma_alloc_coherent memory (§3.4 second table). */
export type CoherentMemType = 'cacheable' | 'uncached' | 'shared-decrypted';

export interface BouncePolicy {
  mode: BounceMode;
  /** swiotlb slot size (IO_TLB_SIZE) */
  slotSize: number;
  /** max contiguous slots (IO_TLB_SEGSIZE): larger mappings fail with "swiotlb buffer is full" */
  maxSlots: number;
  /** ARCH_DMA_MINALIGN used by the small-kmalloc heuristic (kmallocSmall only) */
  dmaMinAlign?: number;
  /** untrusted devices: the slot padding up to the IOVA granule is zeroed */
  zeroPadding: boolean;
}

export interface IommuConfig {
  /** IOVA granule (bytes) */
  granule: number;
  /** strict: IOTLB flushed at unmap; lazy: flush queued (iommu.strict=0) */
  strict: boolean;
  /** lazy only: how many trace steps a stale IOTLB entry stays usable (models the 10 ms FQ timeout) */
  lazyWindowSteps: number;
}

export interface Platform {
  id: PlatformId;
  /** short name for pickers and table headers */
  label: string;
  /** one line, for the quick pick */
  description: string;
  /** a short paragraph: what happens at map/sync/unmap and what breaks */
  explain: string;
  /** the letter of this preset in the project's internal platform notes (not shown to users) */
  section: string;
  /** CPU architecture (dma-debug and kmalloc-bounce behaviour depend on the arch's Kconfig) */
  arch: 'x86' | 'arm64' | 'arm' | 'riscv';
  /** dev_is_dma_coherent(): device DMA snoops the CPU caches */
  coherent: boolean;
  /** CPU cache line (bytes) */
  lineSize: number;
  /** dma_get_cache_alignment(): minimum alignment/width for mappings and partial syncs */
  minAlign: number;
  /** which NC cache-maintenance table applies (null on coherent platforms) */
  ncSync: NcSyncTable | null;
  bounce: BouncePolicy;
  /** dma-iommu path in translated mode, or null for the direct path */
  iommu: IommuConfig | null;
  /** confidential guest (SEV/TDX): bounce through shared memory, coherent allocs decrypted */
  cc: boolean;
  /** dma_alloc_coherent: where it comes from and how the CPU maps it */
  coherentAlloc: { memType: CoherentMemType; source: string };
  /** adversarial speculative prefetch applies by default (non-coherent platforms) */
  speculativeFillDefault: boolean;
}

const SLOT = 2048;
const SEG = 128;
const noBounce: BouncePolicy = { mode: 'none', slotSize: SLOT, maxSlots: SEG, zeroPadding: false };

const LIST: Platform[] = [
  {
    id: 'x86-direct',
    label: 'x86-64 direct',
    description: 'x86-64, coherent, no IOMMU translation, mask reaches the buffer: syncs do nothing',
    explain:
      'x86 snoops the CPU caches on device DMA, so dev_is_dma_coherent() is always true. map, sync and unmap only ' +
      'translate addresses; nothing is copied and no cache is maintained. Skipped syncs therefore work here by luck; ' +
      'CPU access while the device owns a buffer is still a data race, and a device access after unmap lands in ' +
      'whatever now owns the page.',
    section: '(a)',
    arch: 'x86',
    coherent: true,
    lineSize: 64,
    minAlign: 1,
    ncSync: null,
    bounce: noBounce,
    iommu: null,
    cc: false,
    coherentAlloc: { memType: 'cacheable', source: 'page allocator/CMA, zone from the coherent mask' },
    speculativeFillDefault: false,
  },
  {
    id: 'x86-swiotlb',
    label: 'x86-64 swiotlb (addressing-limited)',
    description: 'x86-64, device mask below the buffer: every streaming mapping bounces through swiotlb',
    explain:
      'The device cannot address the buffer, so dma_map_* copies the whole buffer into a 2 KiB-slot bounce buffer ' +
      '(for every direction) and gives the device the slot. sync_for_device copies the original to the slot for TO/BIDI; ' +
      'sync_for_cpu and unmap copy the slot back for FROM/BIDI. A skipped sync_for_cpu leaves the device data stuck in ' +
      'the slot; a CPU write while the device owns a FROM buffer is overwritten by the copy-back at unmap. ' +
      'dma_alloc_coherent memory does not come from the pool and never bounces.',
    section: '(b)',
    arch: 'x86',
    coherent: true,
    lineSize: 64,
    minAlign: 1,
    ncSync: null,
    bounce: { mode: 'addrLimit', slotSize: SLOT, maxSlots: SEG, zeroPadding: false },
    iommu: null,
    cc: false,
    coherentAlloc: { memType: 'cacheable', source: 'page allocator with GFP_DMA32 (not the swiotlb pool)' },
    speculativeFillDefault: false,
  },
  {
    id: 'swiotlb-force',
    label: 'swiotlb=force',
    description: 'x86-64 booted with swiotlb=force: every streaming mapping bounces',
    explain:
      'The swiotlb=force boot option bounces every streaming mapping of every direct-path device, exactly as an ' +
      'addressing-limited device would (see x86-swiotlb). The largest mapping is 256 KiB. It is the easiest way to reproduce ' +
      'skipped-sync bugs on an x86 test machine.',
    section: '(c)',
    arch: 'x86',
    coherent: true,
    lineSize: 64,
    minAlign: 1,
    ncSync: null,
    bounce: { mode: 'force', slotSize: SLOT, maxSlots: SEG, zeroPadding: false },
    iommu: null,
    cc: false,
    coherentAlloc: { memType: 'cacheable', source: 'page allocator (unchanged by swiotlb=force)' },
    speculativeFillDefault: false,
  },
  {
    id: 'x86-iommu',
    label: 'x86 IOMMU (strict)',
    description: 'Intel VT-d / AMD-Vi in translated mode, strict IOTLB flush: syncs are no-ops, unmap faults later access',
    explain:
      'dma-iommu maps the 4 KiB granules covering the buffer with R (TO), W (FROM) or RW (BIDI) permission. The device ' +
      'is coherent, so syncs return at once. Unmap removes the page-table entries and flushes the IOTLB synchronously, ' +
      'so a device access after unmap faults. A sub-page buffer exposes the rest of its 4 KiB page to the device.',
    section: '(d)',
    arch: 'x86',
    coherent: true,
    lineSize: 64,
    minAlign: 1,
    ncSync: null,
    bounce: noBounce,
    iommu: { granule: 4096, strict: true, lazyWindowSteps: 0 },
    cc: false,
    coherentAlloc: { memType: 'cacheable', source: 'iommu_dma_alloc: pages mapped into an IOVA range' },
    speculativeFillDefault: false,
  },
  {
    id: 'x86-iommu-lazy',
    label: 'x86 IOMMU (lazy)',
    description: 'IOMMU with iommu.strict=0: the IOTLB flush after unmap is deferred, a late device access still lands',
    explain:
      'As the strict IOMMU, but unmap only queues the IOTLB flush (the flush queue drains after about 10 ms or 256 ' +
      'entries). Until then the device can still reach the old page through a stale IOTLB entry, silently corrupting ' +
      'whatever owns the page now. The simulator keeps the stale entry for a few trace steps.',
    section: '(d) lazy',
    arch: 'x86',
    coherent: true,
    lineSize: 64,
    minAlign: 1,
    ncSync: null,
    bounce: noBounce,
    iommu: { granule: 4096, strict: false, lazyWindowSteps: 8 },
    cc: false,
    coherentAlloc: { memType: 'cacheable', source: 'iommu_dma_alloc: pages mapped into an IOVA range' },
    speculativeFillDefault: false,
  },
  {
    id: 'iommu-untrusted',
    label: 'IOMMU, untrusted device',
    description: 'Thunderbolt/external device behind the IOMMU: buffers not granule-aligned bounce through swiotlb',
    explain:
      'For an untrusted PCI device, dma-iommu bounces every buffer whose address or size is not 4 KiB-aligned into a ' +
      'granule-aligned swiotlb slot, zeroes the padding and maps only the slot; aligned buffers are mapped in place and ' +
      'their syncs are no-ops. The domain is always strict. So the same driver behaves differently per buffer: a ' +
      'kmalloc\'ed 1.5 KiB RX buffer exposes a missing sync that a page-aligned test buffer hides.',
    section: '(e)',
    arch: 'x86',
    coherent: true,
    lineSize: 64,
    minAlign: 1,
    ncSync: null,
    bounce: { mode: 'iommuUnaligned', slotSize: SLOT, maxSlots: SEG, zeroPadding: true },
    iommu: { granule: 4096, strict: true, lazyWindowSteps: 0 },
    cc: false,
    coherentAlloc: { memType: 'cacheable', source: 'iommu_dma_alloc: pages mapped into an IOVA range' },
    speculativeFillDefault: false,
  },
  {
    id: 'cvm',
    label: 'Confidential VM (SEV/TDX)',
    description: 'AMD SEV / Intel TDX guest: every streaming mapping bounces through shared (decrypted) memory',
    explain:
      'In an encrypted guest the device (the host) can only see shared memory, so swiotlb is forced and every ' +
      'streaming mapping is copied through the decrypted pool. The copy is the only path across the private/shared ' +
      'boundary: every skipped sync loses data. dma_alloc_coherent memory is decrypted (host-visible) and never bounces.',
    section: '(f)',
    arch: 'x86',
    coherent: true,
    lineSize: 64,
    minAlign: 1,
    ncSync: null,
    bounce: { mode: 'force', slotSize: SLOT, maxSlots: SEG, zeroPadding: false },
    iommu: null,
    cc: true,
    coherentAlloc: { memType: 'shared-decrypted', source: 'page allocator + set_memory_decrypted (atomic: decrypted pool)' },
    speculativeFillDefault: false,
  },
  {
    id: 'arm64-noncoherent',
    label: 'arm64 non-coherent',
    description: 'arm64 device without dma-coherent: clean at map, invalidate at sync_for_cpu/unmap; small kmalloc FROM buffers bounce',
    explain:
      'Device DMA does not snoop the caches. Map and sync_for_device clean the lines (even for FROM), sync_for_cpu and ' +
      'unmap invalidate them for FROM/BIDI, cleaning partial lines at either end. The CPU may speculatively prefetch ' +
      'lines while the device owns the buffer, so without sync_for_cpu the CPU reads stale lines; a dirty line that ' +
      'shares a cache line with a FROM buffer is written back over the device data. FROM/BIDI mappings smaller than ' +
      '256 bytes whose kmalloc size is not line-aligned are bounced instead. Coherent allocations are uncached.',
    section: '(g)',
    arch: 'arm64',
    coherent: false,
    lineSize: 64,
    minAlign: 64,
    ncSync: 'arm64',
    bounce: { mode: 'kmallocSmall', slotSize: SLOT, maxSlots: SEG, dmaMinAlign: 128, zeroPadding: false },
    iommu: null,
    cc: false,
    coherentAlloc: { memType: 'uncached', source: 'pages remapped Normal-NC (atomic pool if non-blocking)' },
    speculativeFillDefault: true,
  },
  {
    id: 'arm64-coherent',
    label: 'arm64 coherent',
    description: 'arm64 device marked dma-coherent: like x86 direct, syncs skip cache maintenance',
    explain:
      'The device snoops the caches (dma-coherent in DT, _CCA=1), so arch syncs are skipped and coherent allocations ' +
      'are ordinary cacheable pages. Skipped syncs work here by luck; the same driver on a non-coherent SoC does not.',
    section: '(h)',
    arch: 'arm64',
    coherent: true,
    lineSize: 64,
    minAlign: 64,
    ncSync: null,
    bounce: noBounce,
    iommu: null,
    cc: false,
    coherentAlloc: { memType: 'cacheable', source: 'page allocator, cacheable, no remap' },
    speculativeFillDefault: false,
  },
  {
    id: 'armv7-noncoherent',
    label: 'ARMv7 non-coherent',
    description: '32-bit ARM without coherency: map FROM invalidates (dropping dirty CPU data), sync_for_cpu invalidates',
    explain:
      'Map and sync_for_device clean the lines for TO/BIDI but invalidate them for FROM (inner cache and L2), so unlike ' +
      'arm64 a dirty CPU write made before a FROM map is discarded. sync_for_cpu and unmap invalidate for FROM/BIDI, ' +
      'with clean+invalidate of partial end lines. There is no small-kmalloc bouncing (kmalloc is aligned to the cache ' +
      'line). Coherent allocations are remapped uncached.',
    section: '(i)',
    arch: 'arm',
    coherent: false,
    lineSize: 64,
    minAlign: 64,
    ncSync: 'armv7',
    bounce: noBounce,
    iommu: null,
    cc: false,
    coherentAlloc: { memType: 'uncached', source: 'CMA/remap buffer with pgprot_dmacoherent (atomic pool if non-blocking)' },
    speculativeFillDefault: true,
  },
  {
    id: 'riscv-noncoherent',
    label: 'RISC-V non-coherent',
    description: 'RISC-V Zicbom non-coherent: clean at map, invalidate whole blocks at sync_for_cpu; small kmalloc FROM buffers bounce',
    explain:
      'Map and sync_for_device clean (write back) the cache blocks for every direction; sync_for_cpu and unmap ' +
      'invalidate them for FROM/BIDI. The invalidate (cbo.inval) covers whole blocks, partial ones included, so dirty ' +
      'data of a neighbouring object sharing an edge block is thrown away. FROM/BIDI mappings smaller than 128 bytes ' +
      'whose kmalloc size is not block-aligned are bounced. Coherent allocations are remapped uncached.',
    section: "(i')",
    arch: 'riscv',
    coherent: false,
    lineSize: 64,
    minAlign: 64,
    ncSync: 'riscv',
    bounce: { mode: 'kmallocSmall', slotSize: SLOT, maxSlots: SEG, dmaMinAlign: 64, zeroPadding: false },
    iommu: null,
    cc: false,
    coherentAlloc: { memType: 'uncached', source: 'pages remapped uncached (DMA_DIRECT_REMAP)' },
    speculativeFillDefault: true,
  },
];

export const PLATFORMS: Readonly<Record<PlatformId, Platform>> = Object.freeze(
  Object.fromEntries(LIST.map((p) => [p.id, Object.freeze(p)])) as Record<PlatformId, Platform>,
);

/** All presets in the order of PLATFORM_IDS. */
export function allPlatforms(): Platform[] {
  return PLATFORM_IDS.map((id) => PLATFORMS[id]);
}

export function getPlatform(id: PlatformId): Platform {
  return PLATFORMS[id];
}

/** kmalloc_size_roundup() for the generic kmalloc caches (8..8192 plus the 96 and 192 caches). */
export function kmallocSizeRoundup(size: number): number {
  if (size <= 0) return 0;
  if (size <= 8) return 8;
  if (size > 64 && size <= 96) return 96;
  if (size > 128 && size <= 192) return 192;
  let s = 8;
  while (s < size) s *= 2;
  return s;
}
