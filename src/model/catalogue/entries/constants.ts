/** dma-model.md §1.1: types, constants, the direction enum and DMA_ATTR_* bits. */
import { Entry, H_MAPPING, H_DIRECTION, CTX_ANY, MEM_NONE } from './common';
import { same, withOverrides, directionLines, PlatformLines } from '../platforms';
import { PART_ID, HOWTO_DIRECTION, HOWTO_ADDRESSES, HOWTO_MASKS, HOWTO_ERRORS, MAPPING_H, DIRECTION_H, MAPPING_C, attrDoc, src } from '../docs';

const NOT_CALL = 'Not a call: usable anywhere.';

function dirEntry(name: string, value: string, summary: string, platforms: PlatformLines, rules: Entry['rules']): Entry {
  return {
    name, kind: 'constant', value, header: H_DIRECTION,
    signature: `enum dma_data_direction { …, ${name} = ${value}, … };`,
    summary, returns: `Integer value ${value} of enum dma_data_direction.`,
    releasedBy: [], context: NOT_CALL,
    memory: 'Describes which way data moves for a streaming mapping or sync; coherent allocations are implicitly bidirectional.',
    platforms, rules, docs: [HOWTO_DIRECTION, PART_ID, DIRECTION_H],
  };
}

function attr(name: string, bit: number, summary: string, platforms: PlatformLines, rules: Entry['rules'], memory: string, extraDocs: Entry['docs'] = []): Entry {
  return {
    name, kind: 'attribute', value: `1UL << ${bit}`, header: H_MAPPING,
    signature: `#define ${name}\t(1UL << ${bit})`,
    summary, returns: `Bit ${bit} of the unsigned long attrs mask; OR it into the attrs argument of the *_attrs calls.`,
    releasedBy: [], context: NOT_CALL, memory,
    platforms, rules, docs: [attrDoc(name), MAPPING_H, ...extraDocs],
  };
}

export const CONSTANT_ENTRIES: Entry[] = [
  {
    name: 'dma_addr_t', kind: 'type', header: 'include/linux/types.h',
    signature: 'typedef u64 dma_addr_t; /* u32 without CONFIG_ARCH_DMA_ADDR_T_64BIT */',
    summary: 'The address a device uses to reach memory (a bus address or an IOVA). It belongs to one device, may differ from the physical address by an offset, an IOMMU translation or an encryption bit, and the CPU must never dereference it. Keep it in a dma_addr_t, never in a u32 or an int.',
    returns: 'A handle; DMA_MAPPING_ERROR (all ones) marks a failed mapping and is detected with dma_mapping_error().',
    releasedBy: [], context: NOT_CALL, memory: 'Holds device-side addresses only; never store a CPU physical address (virt_to_phys, page_to_phys) in it for a device.',
    platforms: withOverrides(same('Equal to the physical address (plus any bus offset).'), {
      'x86-direct': 'Physical address, plus the SME C-bit when host memory encryption is on.',
      'x86-swiotlb': 'Physical address, or the address of a bounce slot for buffers the mask cannot reach.',
      'swiotlb-force': 'Always the address of a bounce slot for streaming mappings.',
      'x86-iommu': 'An IOVA that only the IOMMU translates; unrelated to the physical address.',
      'x86-iommu-lazy': 'An IOVA; may stay reachable briefly after unmap.',
      'iommu-untrusted': 'An IOVA, pointing at a bounce slot for unaligned buffers.',
      cvm: 'The address of a slot in shared (decrypted) memory for streaming mappings.',
    }),
    rules: ['dma-addr-truncation', 'bypass-api', 'map-error-compare'],
    docs: [HOWTO_ADDRESSES, src('include/linux/types.h'), MAPPING_H],
  },
  {
    name: 'DMA_MAPPING_ERROR', kind: 'constant', value: '(~(dma_addr_t)0)', header: H_MAPPING,
    signature: '#define DMA_MAPPING_ERROR\t\t(~(dma_addr_t)0)',
    summary: 'The all-ones handle a failed streaming map returns. Drivers should not compare against it themselves: call dma_mapping_error(), which also tells dma-debug the check was done.',
    returns: 'The error value of dma_map_single/page/resource (and their _attrs forms).',
    releasedBy: [], context: NOT_CALL, memory: MEM_NONE,
    platforms: same('Same value everywhere; writing it to a device as an address corrupts memory or faults.'),
    rules: ['map-error-compare', 'map-error-unchecked'],
    docs: [PART_ID, HOWTO_ERRORS, MAPPING_H],
  },
  {
    name: 'DMA_BIT_MASK', kind: 'macro', params: ['n'], header: H_MAPPING, value: 'n == 64 ? ~0ULL : (1ULL << n) - 1',
    signature: '#define DMA_BIT_MASK(n)\t(((n) == 64) ? ~0ULL : ((1ULL<<(n))-1))',
    summary: 'Builds the address mask of a device that can drive n address bits, for dma_set_mask*(). DMA_BIT_MASK(64) is all ones.',
    returns: 'A u64 mask with the low n bits set.',
    releasedBy: [], context: NOT_CALL, memory: MEM_NONE,
    platforms: withOverrides(same('A mask covering all RAM means no addressing-limit bouncing.'), {
      'x86-swiotlb': 'A mask smaller than the top of RAM (e.g. 32 bits with > 4 GiB) makes buffers above it bounce.',
      'x86-iommu': 'Limits the IOVA range only; any mask ≥ 32 bits works.',
      'x86-iommu-lazy': 'Limits the IOVA range only.',
      'iommu-untrusted': 'Limits the IOVA range only.',
    }),
    rules: ['mask-unchecked', 'mask-64-fallback-dead'],
    docs: [HOWTO_MASKS, MAPPING_H],
  },
  {
    name: 'dma_data_direction', kind: 'enum', header: H_DIRECTION, aliases: ['enum dma_data_direction'],
    signature: 'enum dma_data_direction {\n\tDMA_BIDIRECTIONAL = 0,\n\tDMA_TO_DEVICE = 1,\n\tDMA_FROM_DEVICE = 2,\n\tDMA_NONE = 3,\n};',
    summary: 'Which way data flows for a streaming mapping: TO (CPU → device), FROM (device → CPU), BIDIRECTIONAL. The platform picks its cache operations and bounce copies from it, so it must be exact and identical across map, sync and unmap.',
    returns: 'Enum type.', releasedBy: [], context: NOT_CALL,
    memory: 'A FROM buffer is read-only for the CPU and a TO buffer read-only for the device while mapped; if both sides write, use BIDIRECTIONAL.',
    platforms: withOverrides(same('Selects the cache/bounce work at each hand-off.'), {
      'x86-direct': 'No effect on data movement; only dma-debug checks it.',
      'x86-iommu': 'Selects the IOMMU permission: TO=read, FROM=write, BIDI=read-write.',
      'x86-iommu-lazy': 'Selects the IOMMU permission: TO=read, FROM=write, BIDI=read-write.',
    }),
    rules: ['dir-none', 'unmap-dir-mismatch', 'sync-dir-mismatch'],
    docs: [HOWTO_DIRECTION, PART_ID, DIRECTION_H],
  },
  dirEntry('DMA_BIDIRECTIONAL', '0', 'Data may move both ways. Costs the most (copies and cache work in both directions, read-write IOMMU permission); use it only when the CPU and the device both write the buffer.', directionLines('BIDI'), ['unmap-dir-mismatch', 'sync-dir-mismatch', 'cpu-writes-from-buffer']),
  dirEntry('DMA_TO_DEVICE', '1', 'The device only reads the buffer (transmit, command data). The CPU fills it before mapping or before sync_for_device; the device must not write it.', directionLines('TO'), ['unmap-dir-mismatch', 'sync-dir-mismatch']),
  dirEntry('DMA_FROM_DEVICE', '2', 'The device only writes the buffer (receive). The CPU may read it only after dma_sync_*_for_cpu or unmap, and should treat it as read-only while it is mapped; writing it needs DMA_BIDIRECTIONAL.', directionLines('FROM'), ['missing-sync-for-cpu', 'cpu-writes-from-buffer', 'unmap-dir-mismatch', 'sync-dir-mismatch', 'cacheline-share']),
  dirEntry('DMA_NONE', '3', 'A placeholder for "direction not known yet", for debugging and for data structures. Passing it to any map, unmap or sync call triggers BUG_ON(!valid_dma_direction(dir)) and crashes the kernel.', same('Kernel BUG at the first map, unmap or sync that receives it.'), ['dir-none']),
  {
    name: 'valid_dma_direction', kind: 'function', params: ['dir'], header: H_DIRECTION, role: 'query',
    signature: 'static inline int valid_dma_direction(enum dma_data_direction dir)',
    summary: 'Tells whether dir is one of BIDIRECTIONAL, TO_DEVICE or FROM_DEVICE. Every map, unmap and sync entry point BUG()s when this is false.',
    returns: 'Non-zero for the three real directions, 0 for DMA_NONE and out-of-range values.',
    releasedBy: [], context: CTX_ANY, memory: MEM_NONE,
    platforms: same('Pure check, identical everywhere.'),
    rules: ['dir-none'], docs: [DIRECTION_H, MAPPING_C],
  },
  attr('DMA_ATTR_WEAK_ORDERING', 1, 'Lets reads and writes of the mapping pass each other. A hint: platforms that cannot relax ordering ignore it.',
    withOverrides(same('Ignored.'), {}), [], 'Any mapping; only a performance hint.'),
  attr('DMA_ATTR_WRITE_COMBINE', 2, 'Allows writes to the buffer to be buffered and combined. dma_alloc_wc()/dma_mmap_wc() set it; the matching free/mmap must carry it too.',
    withOverrides(same('Coherent device: no visible effect (memory stays cacheable).'), {
      'arm64-noncoherent': 'Allocation and mmap use pgprot_writecombine (Normal-NC on arm64).',
      'armv7-noncoherent': 'Allocation and mmap use a write-combining (bufferable) mapping.',
      'riscv-noncoherent': 'Allocation and mmap use a write-combining mapping.',
    }), ['free-coherent-mismatch'], 'Coherent allocations and their mmap only.'),
  attr('DMA_ATTR_NO_KERNEL_MAPPING', 4, 'Asks for no kernel virtual mapping of the allocation. The pointer dma_alloc_attrs() returns is then an opaque cookie (a struct page * on the direct path): never dereference or memset it; only pass it to dma_mmap_attrs()/dma_free_attrs() with the same attribute.',
    withOverrides(same('The cookie is a struct page *, not a usable address.'), {
      'x86-iommu': 'No vmap of the scattered pages is created; the cookie is opaque.',
      'x86-iommu-lazy': 'No vmap of the scattered pages is created; the cookie is opaque.',
      'iommu-untrusted': 'No vmap of the scattered pages is created; the cookie is opaque.',
    }), ['nokmap-deref', 'free-coherent-mismatch'], 'Coherent allocations only; the result is not CPU-accessible memory.'),
  attr('DMA_ATTR_SKIP_CPU_SYNC', 5, 'Map or unmap without the CPU-side cache maintenance, for buffers already in the device domain (e.g. shared between several devices) or when the driver syncs exactly the part it needs itself. On unmap it also skips the swiotlb copy-back, so device data can be silently dropped.',
    {
      'x86-direct': 'No visible effect (nothing to skip).',
      'x86-swiotlb': 'Map still copies o→b; unmap skips the b→o copy-back: device data not synced for the CPU is lost.',
      'swiotlb-force': 'Map still copies o→b; unmap skips b→o: unsynced device data is lost.',
      'x86-iommu': 'No visible effect (coherent).',
      'x86-iommu-lazy': 'No visible effect (coherent).',
      'iommu-untrusted': 'Bounced buffers: unmap skips b→o.',
      cvm: 'Unmap skips b→o: unsynced device data never reaches private memory.',
      'arm64-noncoherent': 'Skips the clean at map and the invalidate at unmap: stale lines unless synced explicitly.',
      'arm64-coherent': 'No visible effect unless bounced.',
      'armv7-noncoherent': 'Skips clean/invalidate at map and unmap.',
      'riscv-noncoherent': 'Skips clean/invalidate at map and unmap.',
    }, ['skip-cpu-sync-misuse'], 'Streaming mappings whose ownership is already handled by explicit syncs.', [src('kernel/dma/direct.h')]),
  attr('DMA_ATTR_FORCE_CONTIGUOUS', 6, 'Requires physically contiguous memory for the allocation. Only changes anything behind an IOMMU, which would otherwise assemble the buffer from scattered pages.',
    withOverrides(same('No effect: direct allocations are contiguous anyway.'), {
      'x86-iommu': 'Allocates contiguous pages instead of scattered pages + vmap.',
      'x86-iommu-lazy': 'Allocates contiguous pages instead of scattered pages + vmap.',
      'iommu-untrusted': 'Allocates contiguous pages instead of scattered pages + vmap.',
    }), [], 'Coherent allocations only.'),
  attr('DMA_ATTR_ALLOC_SINGLE_PAGES', 7, 'Hint to build an allocation from single pages rather than trying for larger chunks. The only attribute dma_alloc_noncontiguous() accepts.',
    withOverrides(same('Ignored on the direct path.'), {
      'x86-iommu': 'The IOMMU allocator uses order-0 pages only.',
      'x86-iommu-lazy': 'The IOMMU allocator uses order-0 pages only.',
      'iommu-untrusted': 'The IOMMU allocator uses order-0 pages only.',
    }), [], 'Allocations only (dma_alloc_attrs, dma_alloc_noncontiguous).'),
  attr('DMA_ATTR_NO_WARN', 8, 'Suppresses the allocation/mapping failure messages, like __GFP_NOWARN. dma_alloc_coherent() sets it itself when gfp has __GFP_NOWARN.',
    withOverrides(same('Silences failure warnings only.'), {
      'x86-swiotlb': 'Silences "swiotlb buffer is full" for this mapping.',
      'swiotlb-force': 'Silences "swiotlb buffer is full" for this mapping.',
      cvm: 'Silences "swiotlb buffer is full" for this mapping.',
    }), [], 'Any allocation or mapping whose failure the caller handles quietly.'),
  attr('DMA_ATTR_PRIVILEGED', 9, 'The buffer should be accessible only to privileged device accesses (adds IOMMU_PRIV to the IOMMU mapping).',
    withOverrides(same('Ignored without an IOMMU.'), {
      'x86-iommu': 'Mapping created with the IOMMU privileged bit where supported.',
      'x86-iommu-lazy': 'Mapping created with the IOMMU privileged bit where supported.',
      'iommu-untrusted': 'Mapping created with the IOMMU privileged bit where supported.',
    }), [], 'Any mapping or allocation.'),
];


