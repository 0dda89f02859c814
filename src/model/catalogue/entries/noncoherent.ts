/** dma-model.md §1.3 (non-coherent allocations) and §1.4 (DMA pools). */
import { Entry, H_MAPPING, H_POOL, CTX_ALLOC, CTX_ANY, RET_VOID } from './common';
import { noncoherentAlloc, noncoherentFree, poolAlloc, same, withOverrides, coherentFree } from '../platforms';
import { PART_II, PART_IB, MAPPING_H, MAPPING_C, DMAPOOL_H, DMAPOOL_C } from '../docs';

const NC_MEM =
  'Returns cacheable memory owned by the CPU: sync it for the device (dma_sync_single_for_device) before the device reads it and for the CPU (dma_sync_single_for_cpu) before reading what the device wrote.';
const NC_CTX = CTX_ALLOC + ' Zone flags (GFP_DMA, GFP_DMA32, __GFP_HIGHMEM) and __GFP_COMP make it WARN and return NULL.';
const NC_RULES: Entry['rules'] = ['alloc-null-unchecked', 'pages-gfp-zone', 'gfp-comp', 'alloc-sleep-atomic', 'map-leak'];
const POOL_CTX_SLEEP = 'May sleep: process context only, never under a spinlock or in interrupt context.';
const POOL_PLAT_CREATE = same('Creates bookkeeping only; pages are allocated lazily with dma_alloc_coherent as blocks are requested.');

export const NONCOHERENT_ENTRIES: Entry[] = [
  {
    name: 'dma_alloc_pages', kind: 'function', role: 'alloc', family: 'noncoherent', params: ['dev', 'size', 'dma_handle', 'dir', 'gfp'], header: H_MAPPING, gplOnly: true,
    signature: 'struct page *dma_alloc_pages(struct device *dev, size_t size,\n\t\tdma_addr_t *dma_handle, enum dma_data_direction dir, gfp_t gfp);',
    summary: 'Allocates pages that are addressable by the device and already mapped for it, but cacheable: ownership moves between CPU and device only through explicit dma_sync_single_* calls. The size is rounded up to whole pages.',
    returns: 'The first struct page, or NULL on failure; *dma_handle receives the device address.',
    releasedBy: ['dma_free_pages'], context: NC_CTX, memory: NC_MEM,
    platforms: noncoherentAlloc(), rules: NC_RULES, docs: [PART_II, MAPPING_C],
  },
  {
    name: 'dma_free_pages', kind: 'function', role: 'free', family: 'noncoherent', params: ['dev', 'size', 'page', 'dma_handle', 'dir'], header: H_MAPPING, gplOnly: true,
    signature: 'void dma_free_pages(struct device *dev, size_t size, struct page *page,\n\t\tdma_addr_t dma_handle, enum dma_data_direction dir);',
    summary: 'Frees dma_alloc_pages() memory; size, page, handle and dir must match the allocation.',
    returns: RET_VOID, releasedBy: [], context: 'Process context; may sleep on some platforms.',
    memory: 'Only pages from dma_alloc_pages().', platforms: noncoherentFree(), rules: ['free-coherent-mismatch', 'unmap-dir-mismatch'], docs: [PART_II, MAPPING_C],
  },
  {
    name: 'dma_mmap_pages', kind: 'function', role: 'mmap', family: 'noncoherent', params: ['dev', 'vma', 'size', 'page'], header: H_MAPPING, gplOnly: true,
    signature: 'int dma_mmap_pages(struct device *dev, struct vm_area_struct *vma,\n\t\tsize_t size, struct page *page);',
    summary: 'Maps dma_alloc_pages() memory into a user VMA (cacheable, so user space shares the sync obligations).',
    returns: '0 on success, -ENXIO if the VMA does not fit, or the remap error.',
    releasedBy: [], context: 'Process context (mmap file operation).', memory: 'Only pages from dma_alloc_pages().',
    platforms: same('Cacheable user mapping of the pages.'), rules: [], docs: [PART_II, MAPPING_C],
  },
  {
    name: 'dma_alloc_noncoherent', kind: 'function', role: 'alloc', family: 'noncoherent', params: ['dev', 'size', 'dma_handle', 'dir', 'gfp'], header: H_MAPPING,
    signature: 'static inline void *dma_alloc_noncoherent(struct device *dev, size_t size,\n\t\tdma_addr_t *dma_handle, enum dma_data_direction dir, gfp_t gfp)',
    summary: 'dma_alloc_pages() returning a kernel virtual address instead of a page. Cheap on non-coherent platforms because the memory stays cacheable, at the price of explicit syncs around every device access.',
    returns: 'Kernel virtual address, or NULL on failure; *dma_handle receives the device address.',
    releasedBy: ['dma_free_noncoherent'], context: NC_CTX, memory: NC_MEM,
    platforms: noncoherentAlloc(), rules: NC_RULES, docs: [PART_II, MAPPING_H],
  },
  {
    name: 'dma_free_noncoherent', kind: 'function', role: 'free', family: 'noncoherent', params: ['dev', 'size', 'vaddr', 'dma_handle', 'dir'], header: H_MAPPING,
    signature: 'static inline void dma_free_noncoherent(struct device *dev, size_t size,\n\t\tvoid *vaddr, dma_addr_t dma_handle, enum dma_data_direction dir)',
    summary: 'Frees a dma_alloc_noncoherent() buffer; arguments must match the allocation.',
    returns: RET_VOID, releasedBy: [], context: 'Process context with IRQs enabled.',
    memory: 'Only memory from dma_alloc_noncoherent().', platforms: noncoherentFree(), rules: ['free-coherent-mismatch', 'free-coherent-atomic'], docs: [PART_II, MAPPING_H],
  },
  {
    name: 'dma_alloc_noncontiguous', kind: 'function', role: 'alloc', family: 'noncontiguous', params: ['dev', 'size', 'dir', 'gfp', 'attrs'], header: H_MAPPING, gplOnly: true,
    signature: 'struct sg_table *dma_alloc_noncontiguous(struct device *dev, size_t size,\n\t\tenum dma_data_direction dir, gfp_t gfp, unsigned long attrs);',
    summary: 'Allocates cacheable memory that is contiguous for the device (one DMA segment) but may be scattered for the CPU, described by an sg_table. Use dma_vmap_noncontiguous() for a CPU mapping and dma_sync_sgtable_* for ownership.',
    returns: 'An sg_table (nents = 1 DMA segment, orig_nents = CPU segments), or NULL on failure.',
    releasedBy: ['dma_free_noncontiguous'], context: NC_CTX + ' attrs may only be 0 or DMA_ATTR_ALLOC_SINGLE_PAGES.',
    memory: 'Returns cacheable memory: sync with dma_sync_sgtable_for_device/_for_cpu around device access.',
    platforms: withOverrides(noncoherentAlloc(), {
      'x86-direct': 'One contiguous chunk of pages in a single-entry table; syncs are no-ops.',
      'x86-iommu': 'Scattered pages mapped into one contiguous IOVA range.',
      'x86-iommu-lazy': 'Scattered pages mapped into one contiguous IOVA range.',
      'iommu-untrusted': 'Scattered pages mapped into one contiguous IOVA range.',
    }),
    rules: [...NC_RULES], docs: [PART_II, MAPPING_C],
  },
  {
    name: 'dma_free_noncontiguous', kind: 'function', role: 'free', family: 'noncontiguous', params: ['dev', 'size', 'sgt', 'dir'], header: H_MAPPING, gplOnly: true,
    signature: 'void dma_free_noncontiguous(struct device *dev, size_t size,\n\t\tstruct sg_table *sgt, enum dma_data_direction dir);',
    summary: 'Frees a dma_alloc_noncontiguous() table and its memory; vunmap it first if it was vmapped.',
    returns: RET_VOID, releasedBy: [], context: 'Process context.',
    memory: 'Only a table from dma_alloc_noncontiguous().', platforms: noncoherentFree(), rules: ['free-coherent-mismatch'], docs: [PART_II, MAPPING_C],
  },
  {
    name: 'dma_vmap_noncontiguous', kind: 'function', role: 'other', family: 'noncontiguous', params: ['dev', 'size', 'sgt'], header: H_MAPPING, gplOnly: true,
    signature: 'void *dma_vmap_noncontiguous(struct device *dev, size_t size,\n\t\tstruct sg_table *sgt);',
    summary: 'Creates a contiguous kernel virtual mapping of a dma_alloc_noncontiguous() buffer. On aliasing caches the driver must keep this alias coherent with flush_kernel_vmap_range()/invalidate_kernel_vmap_range() in addition to the DMA syncs.',
    returns: 'A kernel virtual address, or NULL on failure.',
    releasedBy: ['dma_vunmap_noncontiguous'], context: 'Process context (vmap may sleep).',
    memory: 'Only a table from dma_alloc_noncontiguous().',
    platforms: same('vmap of the pages (or page_address when they are contiguous).'), rules: [], docs: [PART_II, MAPPING_C],
  },
  {
    name: 'dma_vunmap_noncontiguous', kind: 'function', role: 'other', family: 'noncontiguous', params: ['dev', 'vaddr'], header: H_MAPPING, gplOnly: true,
    signature: 'void dma_vunmap_noncontiguous(struct device *dev, void *vaddr);',
    summary: 'Removes a mapping made by dma_vmap_noncontiguous().',
    returns: RET_VOID, releasedBy: [], context: 'Process context.', memory: 'Only an address from dma_vmap_noncontiguous().',
    platforms: same('vunmap (nothing when the pages were contiguous).'), rules: [], docs: [PART_II, MAPPING_C],
  },
  {
    name: 'dma_mmap_noncontiguous', kind: 'function', role: 'mmap', family: 'noncontiguous', params: ['dev', 'vma', 'size', 'sgt'], header: H_MAPPING, gplOnly: true,
    signature: 'int dma_mmap_noncontiguous(struct device *dev, struct vm_area_struct *vma,\n\t\tsize_t size, struct sg_table *sgt);',
    summary: 'Maps a dma_alloc_noncontiguous() buffer into a user VMA.',
    returns: '0 on success or a negative errno.', releasedBy: [], context: 'Process context (mmap file operation).',
    memory: 'Only a table from dma_alloc_noncontiguous().', platforms: same('Cacheable user mapping of the pages.'), rules: [], docs: [PART_II, MAPPING_C],
  },
  // ---- pools
  {
    name: 'dma_pool_create', kind: 'function', role: 'pool-create', family: 'pool', params: ['name', 'dev', 'size', 'align', 'allocation'], header: H_POOL,
    signature: 'struct dma_pool *dma_pool_create(const char *name, struct device *dev,\n\t\t\tsize_t size, size_t align, size_t allocation);',
    summary: 'Creates a pool of equal-sized small coherent blocks (descriptors, command buffers) carved from dma_alloc_coherent() pages. align must be a power of two; the last argument (called boundary in mm/dmapool.c) is 0 or a power of two ≥ size, and no block crosses it.',
    returns: 'A pool, or NULL: when dev is NULL, align is not a power of two, size is 0 or above INT_MAX, the boundary is invalid, or memory runs out.',
    releasedBy: ['dma_pool_destroy'], context: POOL_CTX_SLEEP,
    memory: 'Blocks are coherent memory: never pass them to dma_map_*.',
    platforms: POOL_PLAT_CREATE, rules: ['alloc-null-unchecked', 'pool-params', 'pool-destroy-busy'], docs: [PART_IB, DMAPOOL_H, DMAPOOL_C],
  },
  {
    name: 'dma_pool_destroy', kind: 'function', role: 'pool-destroy', family: 'pool', params: ['pool'], header: H_POOL,
    signature: 'void dma_pool_destroy(struct dma_pool *pool);',
    summary: 'Destroys a pool and frees its pages. Every block must have been returned first: if some are still allocated it logs "<name> busy" and leaks the pages. NULL is accepted.',
    returns: RET_VOID, releasedBy: [], context: POOL_CTX_SLEEP,
    memory: 'Only a pool from dma_pool_create().', platforms: coherentFree(), rules: ['pool-destroy-busy'], docs: [PART_IB, DMAPOOL_C],
  },
  {
    name: 'dma_pool_alloc', kind: 'function', role: 'pool-alloc', family: 'pool', params: ['pool', 'mem_flags', 'handle'], header: H_POOL,
    signature: 'void *dma_pool_alloc(struct dma_pool *pool, gfp_t mem_flags,\n\t\t     dma_addr_t *handle);',
    summary: 'Takes one block from the pool, growing it with a new coherent page when needed. Unlike dma_alloc_coherent(), the block is not zeroed unless __GFP_ZERO is passed (or use dma_pool_zalloc).',
    returns: 'Block CPU address, or NULL; *handle receives its device address.',
    releasedBy: ['dma_pool_free'], context: CTX_ALLOC,
    memory: 'Returns coherent memory: never pass it to dma_map_*/dma_sync_*.',
    platforms: poolAlloc(), rules: ['alloc-null-unchecked', 'alloc-sleep-atomic', 'pool-zalloc', 'coherent-into-streaming', 'map-leak'], docs: [PART_IB, DMAPOOL_C],
  },
  {
    name: 'dma_pool_zalloc', kind: 'function', role: 'pool-alloc', family: 'pool', params: ['pool', 'mem_flags', 'handle'], header: H_POOL,
    signature: 'static inline void *dma_pool_zalloc(struct dma_pool *pool, gfp_t mem_flags,\n\t\t\t\t    dma_addr_t *handle)',
    summary: 'dma_pool_alloc() with __GFP_ZERO: the block comes back zeroed.',
    returns: 'Zeroed block CPU address, or NULL; *handle receives its device address.',
    releasedBy: ['dma_pool_free'], context: CTX_ALLOC,
    memory: 'Returns coherent memory: never pass it to dma_map_*/dma_sync_*.',
    platforms: poolAlloc(), rules: ['alloc-null-unchecked', 'alloc-sleep-atomic', 'coherent-into-streaming', 'map-leak'], docs: [PART_IB, DMAPOOL_H],
  },
  {
    name: 'dma_pool_free', kind: 'function', role: 'pool-free', family: 'pool', params: ['pool', 'vaddr', 'addr'], header: H_POOL,
    signature: 'void dma_pool_free(struct dma_pool *pool, void *vaddr, dma_addr_t addr);',
    summary: 'Returns a block to its pool (the pages stay in the pool until dma_pool_destroy). vaddr and addr must be the pair dma_pool_alloc() gave; with pool debugging a mismatch logs "bad dma" or "already free".',
    returns: RET_VOID, releasedBy: [], context: CTX_ANY + ' Callable from interrupt context.',
    memory: 'Only a block from the same pool.', platforms: same('Block returned to the pool\'s free list; nothing is unmapped.'),
    rules: ['double-unmap', 'use-after-unmap'], docs: [PART_IB, DMAPOOL_C],
  },
  {
    name: 'dmam_pool_create', kind: 'function', role: 'pool-create', family: 'managed', params: ['name', 'dev', 'size', 'align', 'allocation'], header: H_POOL,
    signature: 'struct dma_pool *dmam_pool_create(const char *name, struct device *dev,\n\t\t\t\t  size_t size, size_t align, size_t allocation);',
    summary: 'Device-managed dma_pool_create(): the pool is destroyed automatically on driver detach (blocks must still be freed before that).',
    returns: 'A pool, or NULL on the same conditions as dma_pool_create().',
    releasedBy: ['dmam_pool_destroy'], context: POOL_CTX_SLEEP,
    memory: 'Blocks are coherent memory.', platforms: POOL_PLAT_CREATE, rules: ['alloc-null-unchecked', 'pool-params'], docs: [PART_IB, DMAPOOL_H],
  },
  {
    name: 'dmam_pool_destroy', kind: 'function', role: 'pool-destroy', family: 'managed', params: ['pool'], header: H_POOL,
    signature: 'void dmam_pool_destroy(struct dma_pool *pool);',
    summary: 'Destroys a managed pool early and drops its devres record.',
    returns: RET_VOID, releasedBy: [], context: POOL_CTX_SLEEP,
    memory: 'Only a pool from dmam_pool_create().', platforms: coherentFree(), rules: ['pool-destroy-busy'], docs: [PART_IB, DMAPOOL_C],
  },
];


