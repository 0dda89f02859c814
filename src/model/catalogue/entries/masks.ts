/** dma-model.md §1.7: masks, limits and queries. */
import { Entry, H_MAPPING, CTX_ANY, CTX_PROBE, MEM_NONE } from './common';
import { same, withOverrides, needSyncAnswer } from '../platforms';
import { PART_IC, HOWTO_MASKS, HOWTO_PLATFORM, PART_ID, MAPPING_H, MAPPING_C, swiotlbDoc, src } from '../docs';

const MASK_PLAT = withOverrides(same('Succeeds for any mask of 32 bits or more on the direct path.'), {
  'x86-swiotlb': 'Succeeds; a mask below the top of RAM makes mappings above it bounce through swiotlb.',
  'swiotlb-force': 'Succeeds; every mapping bounces regardless of the mask.',
  'x86-iommu': 'Succeeds; only bounds the IOVA range handed out.',
  'x86-iommu-lazy': 'Succeeds; only bounds the IOVA range handed out.',
  'iommu-untrusted': 'Succeeds; only bounds the IOVA range handed out.',
  cvm: 'Succeeds; every mapping bounces through shared memory anyway.',
});
const MASK_RET = '0 on success, -EIO if the device has no dma_mask pointer or the platform cannot support the mask. Do not use DMA on the device unless it succeeded.';
const ALIGN_LINES = {
  'x86-direct': '1 (x86 defines no ARCH_DMA_MINALIGN).',
  'x86-swiotlb': '1.', 'swiotlb-force': '1.', 'x86-iommu': '1.', 'x86-iommu-lazy': '1.', 'iommu-untrusted': '1.', cvm: '1.',
  'arm64-noncoherent': 'cache_line_size(): the CTR_EL0 writeback granule, falling back to 128.',
  'arm64-coherent': 'cache_line_size(): the CTR_EL0 writeback granule, falling back to 128.',
  'armv7-noncoherent': 'L1_CACHE_BYTES (32 or 64).',
  'riscv-noncoherent': 'The cache-block size from the device tree (riscv,cbom-block-size).',
};

function query(name: string, signature: string, params: string[], summary: string, returns: string, lines = same('Same on every platform.'), rules: Entry['rules'] = [], gplOnly = false, docs: Entry['docs'] = [PART_IC, MAPPING_C]): Entry {
  return { name, kind: 'function', role: 'query', params, header: H_MAPPING, signature, summary, returns, releasedBy: [], context: CTX_ANY, memory: MEM_NONE, platforms: lines, rules, docs, ...(gplOnly ? { gplOnly } : {}) };
}

function segSetter(name: string, signature: string, param: string, summary: string): Entry {
  return {
    name, kind: 'function', role: 'mask', params: ['dev', param], header: H_MAPPING, signature, summary,
    returns: 'Nothing; WARNs and does nothing if the bus did not allocate dev->dma_parms.',
    releasedBy: [], context: CTX_PROBE, memory: MEM_NONE, platforms: same('Stored in dev->dma_parms; honoured by every implementation that merges or bounces.'),
    rules: [], docs: [PART_IC, MAPPING_H],
  };
}

export const MASK_ENTRIES: Entry[] = [
  {
    name: 'dma_set_mask', kind: 'function', role: 'mask', params: ['dev', 'mask'], header: H_MAPPING,
    signature: 'int dma_set_mask(struct device *dev, u64 mask);',
    summary: 'Declares how many address bits the device can drive for streaming mappings. Without it the kernel assumes 32 bits. It also re-evaluates whether syncs can be skipped for the device.',
    returns: MASK_RET, releasedBy: [], context: CTX_PROBE, memory: MEM_NONE, platforms: MASK_PLAT,
    rules: ['mask-unchecked', 'mask-64-fallback-dead'], docs: [HOWTO_MASKS, PART_IC, MAPPING_C],
  },
  {
    name: 'dma_set_coherent_mask', kind: 'function', role: 'mask', params: ['dev', 'mask'], header: H_MAPPING,
    signature: 'int dma_set_coherent_mask(struct device *dev, u64 mask);',
    summary: 'Declares the address bits usable for coherent allocations (it picks the zone dma_alloc_coherent() allocates from). A driver that only does coherent allocations must check its result.',
    returns: MASK_RET, releasedBy: [], context: CTX_PROBE, memory: MEM_NONE,
    platforms: withOverrides(MASK_PLAT, { 'x86-direct': 'Picks the allocation zone: ≤ 24 bits GFP_DMA, ≤ 32 bits GFP_DMA32, else normal.' }),
    rules: ['mask-unchecked', 'coherent-gfp-zone'], docs: [HOWTO_MASKS, MAPPING_C],
  },
  {
    name: 'dma_set_mask_and_coherent', kind: 'function', role: 'mask', params: ['dev', 'mask'], header: H_MAPPING,
    signature: 'static inline int dma_set_mask_and_coherent(struct device *dev, u64 mask)',
    summary: 'Sets the streaming and the coherent mask to the same value; the usual call in probe(). A mask of 32 bits or more never fails, so falling back from 64 to 32 bits is dead code.',
    returns: 'The result of dma_set_mask() (the coherent part cannot fail once the streaming mask was accepted).',
    releasedBy: [], context: CTX_PROBE, memory: MEM_NONE, platforms: MASK_PLAT,
    rules: ['mask-unchecked', 'mask-64-fallback-dead'], docs: [HOWTO_MASKS, MAPPING_H],
  },
  {
    name: 'dma_coerce_mask_and_coherent', kind: 'function', role: 'mask', params: ['dev', 'mask'], header: H_MAPPING,
    signature: 'static inline int dma_coerce_mask_and_coherent(struct device *dev, u64 mask)',
    summary: 'Like dma_set_mask_and_coherent() for buses that never set up dev->dma_mask: it first points dma_mask at coherent_dma_mask. A workaround for platform code, not for normal PCI drivers.',
    returns: 'As dma_set_mask_and_coherent().', releasedBy: [], context: CTX_PROBE, memory: MEM_NONE, platforms: MASK_PLAT,
    rules: ['mask-unchecked'], docs: [HOWTO_MASKS, MAPPING_H],
  },
  query('dma_get_mask', 'static inline u64 dma_get_mask(struct device *dev)', ['dev'],
    'Reads the device\'s current streaming mask.', 'The mask, or DMA_BIT_MASK(32) when none was set.', same('Same on every platform.'), [], false, [HOWTO_MASKS, MAPPING_H]),
  query('dma_get_required_mask', 'u64 dma_get_required_mask(struct device *dev);', ['dev'],
    'Reports the smallest mask that reaches all memory, so a device with optional 64-bit descriptors can pick the cheaper format when it suffices.',
    'A mask covering the top of RAM on the direct path; usually 32 bits behind an IOMMU.',
    withOverrides(same('Covers the highest RAM address.'), { 'x86-iommu': '32-bit: IOVAs are allocated low.', 'x86-iommu-lazy': '32-bit: IOVAs are allocated low.', 'iommu-untrusted': '32-bit: IOVAs are allocated low.' }), [], true),
  query('dma_addressing_limited', 'bool dma_addressing_limited(struct device *dev);', ['dev'],
    'Tells whether the device\'s mask (or bus limit) fails to cover all memory, which is the main, but not the only, reason mappings get bounced. Not a reason to skip syncs.',
    'true if some memory is out of reach.',
    withOverrides(same('false for a 64-bit device.'), { 'x86-swiotlb': 'true: the mask cannot reach all RAM, so buffers above it bounce.', 'x86-iommu': 'false: the IOMMU remaps.', 'x86-iommu-lazy': 'false: the IOMMU remaps.' }),
    ['skip-sync-heuristic'], true),
  query('dma_max_mapping_size', 'size_t dma_max_mapping_size(struct device *dev);', ['dev'],
    'The largest single streaming mapping the device can get. Cap transfer or segment sizes with it.',
    'A size in bytes: 256 KiB when swiotlb may bounce, the IOMMU limit behind an IOMMU, SIZE_MAX otherwise.',
    withOverrides(same('SIZE_MAX.'), { 'x86-swiotlb': '256 KiB (swiotlb segment limit).', 'swiotlb-force': '256 KiB.', cvm: '256 KiB.', 'iommu-untrusted': 'Capped for bounced buffers (swiotlb limit).', 'arm64-noncoherent': '256 KiB when small-buffer bouncing is active.' }),
    [], true, [PART_IC, swiotlbDoc('Core Functionality Constraints'), MAPPING_C]),
  query('dma_opt_mapping_size', 'size_t dma_opt_mapping_size(struct device *dev);', ['dev'],
    'The largest mapping size that is still cheap (fits the IOMMU IOVA caches), never above dma_max_mapping_size().',
    'A size in bytes.', withOverrides(same('Same as dma_max_mapping_size().'), { 'x86-iommu': 'The IOVA rcache limit (e.g. 128 KiB … 4 MiB).', 'x86-iommu-lazy': 'The IOVA rcache limit.' }), [], true),
  query('dma_get_merge_boundary', 'unsigned long dma_get_merge_boundary(struct device *dev);', ['dev'],
    'The boundary mask below which the implementation can merge sg segments into one DMA segment.',
    '0 when segments are never merged, else a mask (the IOMMU page mask).',
    withOverrides(same('0: the direct path never merges.'), { 'x86-iommu': 'IOMMU page mask (4 KiB - 1).', 'x86-iommu-lazy': 'IOMMU page mask.', 'iommu-untrusted': 'IOMMU page mask.' }), [], true),
  query('dma_get_max_seg_size', 'static inline unsigned int dma_get_max_seg_size(struct device *dev)', ['dev'],
    'The largest sg segment the device accepts.', 'dma_parms->max_segment_size, or 64 KiB when unset.', same('Same on every platform.'), [], false, [PART_IC, MAPPING_H]),
  segSetter('dma_set_max_seg_size', 'static inline void dma_set_max_seg_size(struct device *dev, unsigned int size)', 'size',
    'Declares the largest sg segment the device can handle; merging and dma-debug respect it.'),
  query('dma_get_seg_boundary', 'static inline unsigned long dma_get_seg_boundary(struct device *dev)', ['dev'],
    'The address boundary no DMA segment may cross.', 'The boundary mask, ULONG_MAX when unset.', same('Same on every platform.'), [], false, [PART_IC, MAPPING_H]),
  segSetter('dma_set_seg_boundary', 'static inline void dma_set_seg_boundary(struct device *dev, unsigned long mask)', 'mask',
    'Declares an address boundary (mask) that no DMA segment may cross.'),
  query('dma_get_min_align_mask', 'static inline unsigned int dma_get_min_align_mask(struct device *dev)', ['dev'],
    'The low address bits that must be preserved between the original buffer and a bounce slot.', 'The mask, or 0 when unset.', same('Same on every platform.'), [], false, [swiotlbDoc('Core Functionality'), MAPPING_H]),
  segSetter('dma_set_min_align_mask', 'static inline void dma_set_min_align_mask(struct device *dev,\n\t\tunsigned int min_align_mask)', 'min_align_mask',
    'Asks swiotlb to keep these low address bits identical in the bounce slot (needed by devices like NVMe that derive offsets from the address).'),
  {
    name: 'dma_get_cache_alignment', kind: 'function', role: 'query', params: [], header: H_MAPPING,
    signature: 'static inline int dma_get_cache_alignment(void)',
    summary: 'The minimum alignment and size granule for streaming buffers and partial syncs: anything smaller may share a cache line with other data on non-coherent platforms. arm64 and RISC-V override it with the real cache line size.',
    returns: 'ARCH_DMA_MINALIGN when the architecture defines one, otherwise 1.',
    releasedBy: [], context: CTX_ANY, memory: MEM_NONE, platforms: ALIGN_LINES,
    rules: ['cacheline-share'], docs: [PART_ID, HOWTO_PLATFORM, MAPPING_H, src('arch/arm64/include/asm/cache.h')],
  },
  {
    name: 'ARCH_DMA_MINALIGN', kind: 'constant', header: 'include/linux/cache.h', value: 'arch-specific',
    signature: '#define ARCH_DMA_MINALIGN\t(128)\t/* arm64; arm: L1_CACHE_BYTES; default: __alignof__(unsigned long long) */',
    summary: 'The alignment that makes a buffer safe for non-coherent DMA on this architecture. Align DMA buffers embedded in structures to it (__aligned(ARCH_DMA_MINALIGN), or wrap them in __dma_from_device_group_begin/end) and pad their size to it, so no other field shares their cache lines.',
    returns: 'A compile-time constant; ARCH_HAS_DMA_MINALIGN is defined only when the architecture sets it.',
    releasedBy: [], context: 'Compile-time constant.', memory: 'Applies to every FROM/BIDI streaming buffer that lives inside a larger object.',
    platforms: {
      'x86-direct': 'Not defined by x86: falls back to __alignof__(unsigned long long) (8); no DMA cache hazard.',
      'x86-swiotlb': '8 (fallback); coherent, no line-sharing hazard.', 'swiotlb-force': '8 (fallback).', 'x86-iommu': '8 (fallback).', 'x86-iommu-lazy': '8 (fallback).',
      'iommu-untrusted': '8 (fallback); sub-page data is exposed by the IOMMU granule instead.', cvm: '8 (fallback).',
      'arm64-noncoherent': '128: kmalloc is only 8-aligned, small unaligned kmalloc buffers are bounced, struct members are not.',
      'arm64-coherent': '128.', 'armv7-noncoherent': 'L1_CACHE_BYTES (32 or 64).', 'riscv-noncoherent': 'L1_CACHE_BYTES (64) with RISCV_DMA_NONCOHERENT.',
    },
    rules: ['cacheline-share'], docs: [HOWTO_PLATFORM, src('include/linux/cache.h'), src('arch/arm64/include/asm/cache.h')],
  },
  {
    name: '__dma_from_device_group_begin', kind: 'macro', params: ['GROUP'], header: H_MAPPING,
    signature: '#define __dma_from_device_group_begin(GROUP)\t\t\t\\\n\t__cacheline_group_begin(GROUP) ____dma_from_device_aligned',
    summary: 'Marks the start of struct members that the device writes (FROM_DEVICE), aligning them to ARCH_DMA_MINALIGN so no CPU-written field shares their cache lines. Pair with __dma_from_device_group_end(GROUP).',
    returns: 'A zero-size aligned marker member.', releasedBy: [], context: 'Inside a struct definition.',
    memory: 'For device-written buffers embedded in a structure.',
    platforms: withOverrides(same('No alignment added (ARCH_HAS_DMA_MINALIGN undefined); marker only.'), { 'arm64-noncoherent': 'Aligns to 128 bytes.', 'arm64-coherent': 'Aligns to 128 bytes.', 'armv7-noncoherent': 'Aligns to the L1 line.', 'riscv-noncoherent': 'Aligns to the L1 line.' }),
    rules: ['cacheline-share'], docs: [MAPPING_H], availability: 'Present in 6.12.117 (stable backport); not in the original 6.12.0 release.',
  },
  {
    name: '__dma_from_device_group_end', kind: 'macro', params: ['GROUP'], header: H_MAPPING,
    signature: '#define __dma_from_device_group_end(GROUP)\t\t\t\\\n\t__cacheline_group_end(GROUP) ____dma_from_device_aligned',
    summary: 'Marks the end of a __dma_from_device_group_begin() region and aligns what follows, so the next field starts on a fresh cache line.',
    returns: 'A zero-size aligned marker member.', releasedBy: [], context: 'Inside a struct definition.',
    memory: 'For device-written buffers embedded in a structure.',
    platforms: withOverrides(same('No alignment added; marker only.'), { 'arm64-noncoherent': 'Aligns to 128 bytes.', 'arm64-coherent': 'Aligns to 128 bytes.', 'armv7-noncoherent': 'Aligns to the L1 line.', 'riscv-noncoherent': 'Aligns to the L1 line.' }),
    rules: ['cacheline-share'], docs: [MAPPING_H], availability: 'Present in 6.12.117 (stable backport); not in the original 6.12.0 release.',
  },
  {
    name: 'dma_need_sync', kind: 'function', role: 'query', params: ['dev', 'dma_addr'], header: H_MAPPING, gplOnly: true,
    signature: 'static inline bool dma_need_sync(struct device *dev, dma_addr_t dma_addr)',
    summary: 'The sanctioned way to skip syncs: asks, for one existing mapping, whether dma_sync_* calls do anything. The answer is per address and can change once any buffer of the device is bounced, so ask after mapping and cache the answer per mapping only.',
    returns: 'true if this mapping needs sync calls.',
    releasedBy: [], context: CTX_ANY, memory: 'Takes the handle of an existing mapping.',
    platforms: needSyncAnswer(), rules: ['need-sync-cached', 'skip-sync-heuristic'], docs: [PART_IC, MAPPING_H, MAPPING_C],
  },
  {
    name: 'dma_need_unmap', kind: 'function', role: 'query', params: ['dev'], header: H_MAPPING,
    signature: 'bool dma_need_unmap(struct device *dev); /* not in 6.12 */',
    summary: 'A later kernel\'s query telling whether unmap calls can be skipped for a device. It does not exist in 6.12: always unmap there.',
    returns: 'Not available in 6.12.',
    releasedBy: [], context: CTX_ANY, memory: MEM_NONE,
    platforms: same('Does not build on 6.12.'), rules: ['map-leak'], docs: [MAPPING_C],
    availability: 'Not in 6.12; added later by the IOVA-link API series (release unverified, about 6.16).',
  },
  {
    name: 'dma_pci_p2pdma_supported', kind: 'function', role: 'query', params: ['dev'], header: H_MAPPING, gplOnly: true,
    signature: 'bool dma_pci_p2pdma_supported(struct device *dev);',
    summary: 'Tells whether the device\'s DMA implementation can map PCI peer-to-peer memory.',
    returns: 'true if P2PDMA pages can be mapped for this device.',
    releasedBy: [], context: CTX_ANY, memory: MEM_NONE,
    platforms: withOverrides(same('true on the direct path.'), { 'x86-iommu': 'true with dma-iommu.', 'x86-iommu-lazy': 'true with dma-iommu.', 'iommu-untrusted': 'true with dma-iommu.' }),
    rules: [], docs: [MAPPING_C],
  },
];
