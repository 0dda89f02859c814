/** dma-model.md §1.2: coherent ("consistent") allocations, mmap and sg_table export. */
import {
  Entry, H_MAPPING, CTX_ALLOC, CTX_FREE_COHERENT, CTX_ANY, MEM_COHERENT_RESULT, MEM_NONE, ALLOC_RULES, FREE_RULES, RET_VOID,
} from './common';
import { coherentAlloc, coherentFree, same, withOverrides } from '../platforms';
import { PART_IA, HOWTO_CONSISTENT, MAPPING_H, MAPPING_C, attrDoc } from '../docs';

const ALLOC_PARAMS = ['dev', 'size', 'dma_handle', 'gfp'];
const ZEROED = 'The memory is always zeroed (passing __GFP_ZERO or a memset afterwards is redundant).';
const ALLOC_RET = 'CPU virtual address, or NULL on failure; *dma_handle receives the device address on success. ' + ZEROED;
const MMAP_CTX = 'Process context (called from an mmap file operation). The buffer must stay allocated until every user mapping of it is gone.';
const MMAP_PLAT = withOverrides(same('Maps the pages into the user VMA with the same memory type as the kernel side.'), {
  'arm64-noncoherent': 'User mapping is uncached/write-combined, like the kernel alias.',
  'armv7-noncoherent': 'User mapping is uncached/write-combined, like the kernel alias.',
  'riscv-noncoherent': 'User mapping is uncached, like the kernel alias.',
  cvm: 'User mapping of decrypted (host-visible) pages.',
});

export const COHERENT_ENTRIES: Entry[] = [
  {
    name: 'dma_alloc_coherent', kind: 'function', role: 'alloc', family: 'coherent', params: ALLOC_PARAMS, header: H_MAPPING,
    signature: 'static inline void *dma_alloc_coherent(struct device *dev, size_t size,\n\t\tdma_addr_t *dma_handle, gfp_t gfp)',
    summary: 'Allocates a buffer that the CPU and the device can both access at any time without sync calls, and returns both its CPU address and its device address. Meant for descriptor rings and shared control structures; it is allocated in whole pages, so use a dma_pool for many small objects. Ordering still needs barriers (dma_wmb) before a doorbell.',
    returns: ALLOC_RET,
    releasedBy: ['dma_free_coherent'],
    context: CTX_ALLOC + ' Zone flags (GFP_DMA, GFP_DMA32, __GFP_HIGHMEM) are ignored: the coherent mask decides. __GFP_COMP makes it fail.',
    memory: MEM_COHERENT_RESULT,
    platforms: coherentAlloc(),
    rules: ALLOC_RULES, docs: [PART_IA, HOWTO_CONSISTENT, MAPPING_H, MAPPING_C],
  },
  {
    name: 'dma_free_coherent', kind: 'function', role: 'free', family: 'coherent', params: ['dev', 'size', 'cpu_addr', 'dma_handle'], header: H_MAPPING,
    signature: 'static inline void dma_free_coherent(struct device *dev, size_t size,\n\t\tvoid *cpu_addr, dma_addr_t dma_handle)',
    summary: 'Releases a dma_alloc_coherent() buffer. dev, size, cpu_addr and dma_handle must be exactly what the allocation used and returned. The device must have stopped using the buffer.',
    returns: RET_VOID, releasedBy: [], context: CTX_FREE_COHERENT,
    memory: 'Only memory from dma_alloc_coherent() (not dmam_alloc_coherent, not dma_alloc_wc, not a streaming handle).',
    platforms: coherentFree(), rules: FREE_RULES, docs: [PART_IA, MAPPING_H],
  },
  {
    name: 'dma_alloc_attrs', kind: 'function', role: 'alloc', family: 'coherent', params: ['dev', 'size', 'dma_handle', 'flag', 'attrs'], header: H_MAPPING,
    signature: 'void *dma_alloc_attrs(struct device *dev, size_t size, dma_addr_t *dma_handle,\n\t\tgfp_t flag, unsigned long attrs);',
    summary: 'The general form of dma_alloc_coherent() with DMA_ATTR_* flags (WRITE_COMBINE, NO_KERNEL_MAPPING, FORCE_CONTIGUOUS, NO_WARN …). With DMA_ATTR_NO_KERNEL_MAPPING the return value is an opaque cookie, not an address.',
    returns: ALLOC_RET,
    releasedBy: ['dma_free_attrs'],
    context: CTX_ALLOC + ' WARNs when the device has no coherent mask.',
    memory: MEM_COHERENT_RESULT,
    platforms: coherentAlloc(), rules: [...ALLOC_RULES, 'nokmap-deref'], docs: [PART_IA, attrDoc('DMA_ATTR_NO_KERNEL_MAPPING'), MAPPING_C],
  },
  {
    name: 'dma_free_attrs', kind: 'function', role: 'free', family: 'coherent', params: ['dev', 'size', 'cpu_addr', 'dma_handle', 'attrs'], header: H_MAPPING,
    signature: 'void dma_free_attrs(struct device *dev, size_t size, void *cpu_addr,\n\t\tdma_addr_t dma_handle, unsigned long attrs);',
    summary: 'Releases a dma_alloc_attrs() buffer; every argument, including attrs, must match the allocation (the free path depends on the attributes). A NULL cpu_addr is ignored.',
    returns: RET_VOID, releasedBy: [], context: CTX_FREE_COHERENT,
    memory: 'Only memory from dma_alloc_attrs() with the same attrs.',
    platforms: coherentFree(), rules: FREE_RULES, docs: [PART_IA, MAPPING_C],
  },
  {
    name: 'dmam_alloc_coherent', kind: 'function', role: 'alloc', family: 'managed', params: ALLOC_PARAMS, header: H_MAPPING,
    signature: 'static inline void *dmam_alloc_coherent(struct device *dev, size_t size,\n\t\tdma_addr_t *dma_handle, gfp_t gfp)',
    summary: 'Device-managed dma_alloc_coherent(): the buffer is freed automatically when the driver detaches. Free it early only with dmam_free_coherent(), never with dma_free_coherent().',
    returns: ALLOC_RET,
    releasedBy: ['dmam_free_coherent'],
    context: CTX_ALLOC, memory: MEM_COHERENT_RESULT,
    platforms: coherentAlloc(), rules: ['alloc-null-unchecked', 'dmam-mixed-free', 'coherent-gfp-zero', 'coherent-gfp-zone', 'gfp-comp', 'alloc-sleep-atomic', 'coherent-into-streaming'], docs: [PART_IA, MAPPING_H],
  },
  {
    name: 'dmam_alloc_attrs', kind: 'function', role: 'alloc', family: 'managed', params: ['dev', 'size', 'dma_handle', 'gfp', 'attrs'], header: H_MAPPING,
    signature: 'void *dmam_alloc_attrs(struct device *dev, size_t size, dma_addr_t *dma_handle,\n\t\tgfp_t gfp, unsigned long attrs);',
    summary: 'Device-managed dma_alloc_attrs(). The devres record is allocated with the same gfp, and the buffer is released on driver detach.',
    returns: ALLOC_RET, releasedBy: ['dmam_free_coherent'],
    context: CTX_ALLOC, memory: MEM_COHERENT_RESULT,
    platforms: coherentAlloc(), rules: ['alloc-null-unchecked', 'dmam-mixed-free', 'coherent-gfp-zero', 'coherent-gfp-zone', 'gfp-comp', 'alloc-sleep-atomic'], docs: [PART_IA, MAPPING_C],
  },
  {
    name: 'dmam_free_coherent', kind: 'function', role: 'free', family: 'managed', params: ['dev', 'size', 'vaddr', 'dma_handle'], header: H_MAPPING,
    signature: 'void dmam_free_coherent(struct device *dev, size_t size, void *vaddr,\n\t\tdma_addr_t dma_handle);',
    summary: 'Frees a managed coherent buffer before detach and drops its devres record. WARNs if no record matches or if size/handle differ from the allocation.',
    returns: RET_VOID, releasedBy: [], context: CTX_FREE_COHERENT,
    memory: 'Only memory from dmam_alloc_coherent()/dmam_alloc_attrs().',
    platforms: coherentFree(), rules: ['dmam-mixed-free', 'free-coherent-mismatch', 'free-coherent-atomic'], docs: [PART_IA, MAPPING_C],
  },
  {
    name: 'dma_alloc_wc', kind: 'function', role: 'alloc', family: 'coherent', params: ['dev', 'size', 'dma_addr', 'gfp'], header: H_MAPPING,
    signature: 'static inline void *dma_alloc_wc(struct device *dev, size_t size,\n\t\tdma_addr_t *dma_addr, gfp_t gfp)',
    summary: 'dma_alloc_attrs() with DMA_ATTR_WRITE_COMBINE (plus NO_WARN when gfp has __GFP_NOWARN): coherent memory whose CPU writes may be combined, typical for frame buffers.',
    returns: ALLOC_RET, releasedBy: ['dma_free_wc'],
    context: CTX_ALLOC, memory: MEM_COHERENT_RESULT,
    platforms: withOverrides(coherentAlloc(), { 'arm64-noncoherent': 'Pages cleaned and remapped write-combining (Normal-NC); atomic pool when non-blocking.' }),
    rules: ALLOC_RULES, docs: [PART_IA, attrDoc('DMA_ATTR_WRITE_COMBINE'), MAPPING_H],
  },
  {
    name: 'dma_free_wc', kind: 'function', role: 'free', family: 'coherent', params: ['dev', 'size', 'cpu_addr', 'dma_addr'], header: H_MAPPING,
    signature: 'static inline void dma_free_wc(struct device *dev, size_t size,\n\t\tvoid *cpu_addr, dma_addr_t dma_addr)',
    summary: 'Frees a dma_alloc_wc() buffer (dma_free_attrs with DMA_ATTR_WRITE_COMBINE). Do not free such a buffer with dma_free_coherent(): the attributes would differ.',
    returns: RET_VOID, releasedBy: [], context: CTX_FREE_COHERENT,
    memory: 'Only memory from dma_alloc_wc().', platforms: coherentFree(), rules: FREE_RULES, docs: [PART_IA, MAPPING_H],
  },
  {
    name: 'dma_mmap_attrs', kind: 'function', role: 'mmap', family: 'coherent', params: ['dev', 'vma', 'cpu_addr', 'dma_addr', 'size', 'attrs'], header: H_MAPPING,
    signature: 'int dma_mmap_attrs(struct device *dev, struct vm_area_struct *vma,\n\t\tvoid *cpu_addr, dma_addr_t dma_addr, size_t size,\n\t\tunsigned long attrs);',
    summary: 'Maps a coherent allocation into a user VMA with the right memory type. attrs must be those of the allocation.',
    returns: '0 on success or a negative errno (-ENXIO when mmap is unsupported or the range does not fit).',
    releasedBy: [], context: MMAP_CTX, memory: 'Only a buffer from dma_alloc_coherent/dma_alloc_attrs/dma_alloc_wc.',
    platforms: MMAP_PLAT, rules: [], docs: [PART_IA, MAPPING_C],
  },
  {
    name: 'dma_mmap_coherent', kind: 'macro', role: 'mmap', family: 'coherent', params: ['dev', 'vma', 'cpu_addr', 'dma_addr', 'size'], header: H_MAPPING,
    signature: '#define dma_mmap_coherent(d, v, c, h, s) dma_mmap_attrs(d, v, c, h, s, 0)',
    summary: 'dma_mmap_attrs() with no attributes, for buffers from dma_alloc_coherent().',
    returns: '0 on success or a negative errno (-ENXIO when unsupported).',
    releasedBy: [], context: MMAP_CTX, memory: 'Only a buffer from dma_alloc_coherent().',
    platforms: MMAP_PLAT, rules: [], docs: [PART_IA, MAPPING_H],
  },
  {
    name: 'dma_mmap_wc', kind: 'function', role: 'mmap', family: 'coherent', params: ['dev', 'vma', 'cpu_addr', 'dma_addr', 'size'], header: H_MAPPING,
    signature: 'static inline int dma_mmap_wc(struct device *dev,\n\t\tstruct vm_area_struct *vma,\n\t\tvoid *cpu_addr, dma_addr_t dma_addr,\n\t\tsize_t size)',
    summary: 'Maps a dma_alloc_wc() buffer into user space (dma_mmap_attrs with DMA_ATTR_WRITE_COMBINE).',
    returns: '0 on success or a negative errno.', releasedBy: [], context: MMAP_CTX, memory: 'Only a buffer from dma_alloc_wc().',
    platforms: MMAP_PLAT, rules: [], docs: [PART_IA, MAPPING_H],
  },
  {
    name: 'dma_can_mmap', kind: 'function', role: 'query', params: ['dev'], header: H_MAPPING, gplOnly: true,
    signature: 'bool dma_can_mmap(struct device *dev);',
    summary: 'Tells whether dma_mmap_attrs() can work for this device, so a driver can refuse mmap early.',
    returns: 'true if coherent allocations of this device can be mapped to user space.',
    releasedBy: [], context: CTX_ANY, memory: MEM_NONE,
    platforms: same('true on the direct and dma-iommu paths with an MMU.'),
    rules: [], docs: [PART_IA, MAPPING_C],
  },
  {
    name: 'dma_get_sgtable_attrs', kind: 'function', role: 'sgtable', family: 'coherent', params: ['dev', 'sgt', 'cpu_addr', 'dma_addr', 'size', 'attrs'], header: H_MAPPING,
    signature: 'int dma_get_sgtable_attrs(struct device *dev, struct sg_table *sgt,\n\t\tvoid *cpu_addr, dma_addr_t dma_addr, size_t size,\n\t\tunsigned long attrs);',
    summary: 'Describes a coherent allocation as an sg_table (e.g. to export it as a dma-buf). The kernel itself calls the idea unsafe: not all coherent memory has struct pages, and the table must never be handed to the streaming API.',
    returns: '0 on success or a negative errno (-ENXIO when unsupported); free the table with sg_free_table().',
    releasedBy: ['sg_free_table'], context: 'Process context (allocates the table with GFP_KERNEL).',
    memory: 'Only a coherent allocation; the resulting sg_table must not be passed to dma_map_sg/dma_map_sgtable.',
    platforms: same('Builds a one-entry table from the allocation\'s pages.'), rules: ['coherent-into-streaming'], docs: [PART_IA, MAPPING_C],
  },
  {
    name: 'dma_get_sgtable', kind: 'macro', role: 'sgtable', family: 'coherent', params: ['dev', 'sgt', 'cpu_addr', 'dma_addr', 'size'], header: H_MAPPING,
    signature: '#define dma_get_sgtable(d, t, v, h, s) dma_get_sgtable_attrs(d, t, v, h, s, 0)',
    summary: 'dma_get_sgtable_attrs() with no attributes.',
    returns: '0 on success or a negative errno.', releasedBy: ['sg_free_table'], context: 'Process context.',
    memory: 'Only a coherent allocation; never map the resulting table with the streaming API.',
    platforms: same('Builds a one-entry table from the allocation\'s pages.'), rules: ['coherent-into-streaming'], docs: [PART_IA, MAPPING_H],
  },
];
