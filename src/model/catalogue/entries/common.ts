/** Shared wording and rule groups for the catalogue entry files. */
import type { ApiEntry } from '../types';
import type { CatalogueRuleId } from '../ruleIds';

export type Entry = Omit<ApiEntry, 'rules'> & { rules: CatalogueRuleId[] };

export const H_MAPPING = 'include/linux/dma-mapping.h';
export const H_DIRECTION = 'include/linux/dma-direction.h';
export const H_POOL = 'include/linux/dmapool.h';
export const H_MAP_OPS = 'include/linux/dma-map-ops.h';
export const H_DIRECT = 'include/linux/dma-direct.h';
export const H_KDIRECT = 'kernel/dma/direct.h';
export const H_SWIOTLB = 'include/linux/swiotlb.h';
export const H_PCI_COMPAT = 'include/linux/pci-dma-compat.h (deleted in 5.18)';

export const CTX_STREAMING =
  'Never sleeps: callable from process, softirq and hardirq context and under spinlocks. dir must be TO, FROM or BIDI (DMA_NONE hits a BUG_ON).';
export const CTX_SYNC = 'Never sleeps; any context. dir must be the direction the buffer was mapped with (or the mapping must be BIDI).';
export const CTX_ALLOC =
  'Sleeps only if gfp allows blocking: GFP_KERNEL in process context, GFP_ATOMIC under a spinlock or in interrupt context.';
export const CTX_FREE_COHERENT =
  'Only with interrupts enabled and not in interrupt context: it WARNs if IRQs are off, and on non-coherent platforms it vunmaps, which may sleep.';
export const CTX_ANY = 'Any context; does not sleep.';
export const CTX_PROBE = 'Process context, normally in probe() before any mapping or allocation is made.';

export const MEM_LINEAR =
  'Only linear-map memory: kmalloc, kmem_cache, page allocator. Not the stack, not vmalloc/vmap/kvmalloc memory (rejected with a WARN and an error), not kmap() addresses, not kernel or module image data, not coherent (dma_alloc_*/dma_pool) memory. The range must be physically contiguous; a FROM/BIDI buffer should start and end on a cache-line boundary (ARCH_DMA_MINALIGN) so it shares no line with other data.';
export const MEM_PAGE =
  'Any struct page, including highmem. Keep offset and size multiples of dma_get_cache_alignment() unless you know the cache line size; never a page of coherent memory or of the stack.';
export const MEM_SG =
  'Every sg entry must describe linear-map or page memory (sg_set_buf/sg_set_page), never stack, vmalloc or coherent memory. The list must not already be mapped.';
export const MEM_HANDLE = 'Takes the handle returned by the matching map call, not a CPU pointer.';
export const MEM_NONE = 'Takes no buffer.';
export const MEM_COHERENT_RESULT =
  'Returns coherent memory: use it directly for descriptors and shared state; never pass it (or an sg_table built from it) to dma_map_*/dma_sync_*.';

export const MAP_RULES: CatalogueRuleId[] = [
  'map-error-unchecked', 'map-error-compare', 'map-leak', 'partial-unwind', 'unmap-size-mismatch', 'unmap-dir-mismatch',
  'unmap-wrong-family', 'dir-none', 'cpu-access-device-owned', 'map-stack', 'map-vmalloc', 'map-kmap',
  'map-image', 'coherent-into-streaming', 'cacheline-share', 'dma-addr-truncation', 'skip-sync-heuristic',
];
export const UNMAP_RULES: CatalogueRuleId[] = [
  'unmap-size-mismatch', 'unmap-dir-mismatch', 'unmap-wrong-family', 'double-unmap', 'use-after-unmap',
  'skip-cpu-sync-misuse', 'dir-none', 'skip-sync-heuristic',
];
export const SG_MAP_RULES: CatalogueRuleId[] = [
  'map-sg-zero', 'unmap-sg-nents', 'sg-iterate-nents', 'map-leak', 'partial-unwind', 'unmap-dir-mismatch',
  'unmap-wrong-family', 'dir-none', 'cpu-access-device-owned', 'map-stack', 'map-vmalloc',
  'coherent-into-streaming', 'cacheline-share', 'skip-sync-heuristic',
];
export const SG_UNMAP_RULES: CatalogueRuleId[] = [
  'unmap-sg-nents', 'unmap-dir-mismatch', 'unmap-wrong-family', 'double-unmap', 'use-after-unmap',
  'dir-none', 'skip-sync-heuristic',
];
export const SYNC_CPU_RULES: CatalogueRuleId[] = [
  'missing-sync-for-cpu', 'sync-dir-mismatch', 'sync-after-unmap', 'dir-none',
  'skip-sync-heuristic', 'need-sync-cached',
];
export const SYNC_DEV_RULES: CatalogueRuleId[] = [
  'missing-sync-for-device', 'refill-without-sync', 'sync-dir-mismatch', 'sync-after-unmap',
  'cpu-writes-from-buffer', 'dir-none', 'skip-sync-heuristic', 'need-sync-cached',
];
export const ALLOC_RULES: CatalogueRuleId[] = [
  'alloc-null-unchecked', 'free-coherent-mismatch', 'map-leak', 'coherent-gfp-zero', 'coherent-gfp-zone', 'gfp-comp',
  'alloc-sleep-atomic', 'coherent-into-streaming', 'dma-addr-truncation',
];
export const FREE_RULES: CatalogueRuleId[] = [
  'free-coherent-mismatch', 'free-coherent-atomic', 'dmam-mixed-free', 'use-after-unmap', 'double-unmap',
];

/** The standard "same size and direction" return line of unmap/free calls. */
export const RET_VOID = 'Nothing (void).';
