/** dma-model.md §1.5 (streaming mappings, unmap-state helpers) and §1.6 (syncs). */
import {
  Entry, H_MAPPING, CTX_STREAMING, CTX_SYNC, CTX_ANY, MEM_LINEAR, MEM_PAGE, MEM_SG, MEM_HANDLE, MEM_NONE,
  MAP_RULES, UNMAP_RULES, SG_MAP_RULES, SG_UNMAP_RULES, SYNC_CPU_RULES, SYNC_DEV_RULES, RET_VOID,
} from './common';
import { streamingMap, streamingUnmap, syncForCpu, syncForDevice, resourceMap, resourceUnmap, mappingFailure, same } from '../platforms';
import { PART_ID, HOWTO_STREAMING, HOWTO_ERRORS, HOWTO_MEMORY, HOWTO_UNMAP_STATE, MAPPING_H, MAPPING_C } from '../docs';

const MAP_RET = 'The device address, or DMA_MAPPING_ERROR on failure. Always test it with dma_mapping_error(dev, handle) before use; never compare with 0.';
const SG_RET =
  'The number of DMA segments actually mapped (may be fewer than nents when an IOMMU merges entries), or 0 on any failure; it is never negative. Program the device with for_each_sg() over the returned count, but unmap and sync with the original nents.';
const UNMAP_SUMMARY_TAIL = ' dev, handle, size and dir must be exactly those of the map call (size as passed, not as used), and the device must have finished with the buffer.';
const SINGLE_MAP_PARAMS = ['dev', 'ptr', 'size', 'dir'];
const SINGLE_UNMAP_PARAMS = ['dev', 'addr', 'size', 'dir'];
const PAGE_MAP_PARAMS = ['dev', 'page', 'offset', 'size', 'dir'];
const SG_PARAMS = ['dev', 'sg', 'nents', 'dir'];

function unmapCtx(): string {
  return CTX_STREAMING + ' Call it only after the device has finished with the buffer.';
}

export const STREAMING_ENTRIES: Entry[] = [
  // ---- single
  {
    name: 'dma_map_single_attrs', kind: 'function', role: 'map', family: 'single', params: [...SINGLE_MAP_PARAMS, 'attrs'], header: H_MAPPING,
    signature: 'static inline dma_addr_t dma_map_single_attrs(struct device *dev, void *ptr,\n\t\tsize_t size, enum dma_data_direction dir, unsigned long attrs)',
    summary: 'Hands one virtually and physically contiguous kernel buffer to the device for a streaming transfer and returns the address the device must use. From now on the device owns the buffer: the CPU must not touch it until dma_sync_single_for_cpu() or the unmap. vmalloc addresses are refused with a WARN and an error.',
    returns: MAP_RET, releasedBy: ['dma_unmap_single_attrs', 'dma_unmap_single'],
    context: CTX_STREAMING, memory: MEM_LINEAR, platforms: streamingMap(), rules: MAP_RULES,
    docs: [PART_ID, HOWTO_STREAMING, HOWTO_MEMORY, MAPPING_H],
  },
  {
    name: 'dma_map_single', kind: 'macro', role: 'map', family: 'single', params: SINGLE_MAP_PARAMS, header: H_MAPPING,
    signature: '#define dma_map_single(d, a, s, r) dma_map_single_attrs(d, a, s, r, 0)',
    summary: 'Maps one contiguous kernel buffer (kmalloc or page memory) for a streaming transfer; dma_map_single_attrs() with no attributes. After the call the device owns the buffer until dma_sync_single_for_cpu() or dma_unmap_single().',
    returns: MAP_RET, releasedBy: ['dma_unmap_single'],
    context: CTX_STREAMING, memory: MEM_LINEAR, platforms: streamingMap(), rules: MAP_RULES,
    docs: [PART_ID, HOWTO_STREAMING, HOWTO_MEMORY, MAPPING_H],
  },
  {
    name: 'dma_unmap_single_attrs', kind: 'function', role: 'unmap', family: 'single', params: [...SINGLE_UNMAP_PARAMS, 'attrs'], header: H_MAPPING,
    signature: 'static inline void dma_unmap_single_attrs(struct device *dev, dma_addr_t addr,\n\t\tsize_t size, enum dma_data_direction dir, unsigned long attrs)',
    summary: 'Ends a dma_map_single_attrs() mapping and gives the buffer back to the CPU.' + UNMAP_SUMMARY_TAIL,
    returns: RET_VOID, releasedBy: [], context: unmapCtx(), memory: MEM_HANDLE, platforms: streamingUnmap(), rules: UNMAP_RULES,
    docs: [PART_ID, HOWTO_STREAMING, MAPPING_H],
  },
  {
    name: 'dma_unmap_single', kind: 'macro', role: 'unmap', family: 'single', params: SINGLE_UNMAP_PARAMS, header: H_MAPPING,
    signature: '#define dma_unmap_single(d, a, s, r) dma_unmap_single_attrs(d, a, s, r, 0)',
    summary: 'Ends a dma_map_single() mapping and gives the buffer back to the CPU.' + UNMAP_SUMMARY_TAIL,
    returns: RET_VOID, releasedBy: [], context: unmapCtx(), memory: MEM_HANDLE, platforms: streamingUnmap(), rules: UNMAP_RULES,
    docs: [PART_ID, HOWTO_STREAMING, MAPPING_H],
  },
  // ---- page
  {
    name: 'dma_map_page_attrs', kind: 'function', role: 'map', family: 'page', params: [...PAGE_MAP_PARAMS, 'attrs'], header: H_MAPPING,
    signature: 'dma_addr_t dma_map_page_attrs(struct device *dev, struct page *page,\n\t\tsize_t offset, size_t size, enum dma_data_direction dir,\n\t\tunsigned long attrs);',
    summary: 'Maps size bytes starting offset bytes into a page (highmem pages included) for a streaming transfer. The out-of-line worker behind dma_map_single() too. Fails (WARN) if the device has no DMA mask.',
    returns: MAP_RET, releasedBy: ['dma_unmap_page_attrs', 'dma_unmap_page'],
    context: CTX_STREAMING, memory: MEM_PAGE, platforms: streamingMap(), rules: [...MAP_RULES],
    docs: [PART_ID, HOWTO_STREAMING, MAPPING_C],
  },
  {
    name: 'dma_map_page', kind: 'macro', role: 'map', family: 'page', params: PAGE_MAP_PARAMS, header: H_MAPPING,
    signature: '#define dma_map_page(d, p, o, s, r) dma_map_page_attrs(d, p, o, s, r, 0)',
    summary: 'Maps part of a page (offset, size) for a streaming transfer; dma_map_page_attrs() with no attributes. Works for highmem pages, which dma_map_single() cannot reach.',
    returns: MAP_RET, releasedBy: ['dma_unmap_page'],
    context: CTX_STREAMING, memory: MEM_PAGE, platforms: streamingMap(), rules: [...MAP_RULES],
    docs: [PART_ID, HOWTO_STREAMING, MAPPING_H],
  },
  {
    name: 'dma_unmap_page_attrs', kind: 'function', role: 'unmap', family: 'page', params: [...SINGLE_UNMAP_PARAMS, 'attrs'], header: H_MAPPING,
    signature: 'void dma_unmap_page_attrs(struct device *dev, dma_addr_t addr, size_t size,\n\t\tenum dma_data_direction dir, unsigned long attrs);',
    summary: 'Ends a dma_map_page_attrs() mapping.' + UNMAP_SUMMARY_TAIL,
    returns: RET_VOID, releasedBy: [], context: unmapCtx(), memory: MEM_HANDLE, platforms: streamingUnmap(), rules: UNMAP_RULES,
    docs: [PART_ID, MAPPING_C],
  },
  {
    name: 'dma_unmap_page', kind: 'macro', role: 'unmap', family: 'page', params: SINGLE_UNMAP_PARAMS, header: H_MAPPING,
    signature: '#define dma_unmap_page(d, a, s, r) dma_unmap_page_attrs(d, a, s, r, 0)',
    summary: 'Ends a dma_map_page() (or skb_frag_dma_map()) mapping.' + UNMAP_SUMMARY_TAIL,
    returns: RET_VOID, releasedBy: [], context: unmapCtx(), memory: MEM_HANDLE, platforms: streamingUnmap(), rules: UNMAP_RULES,
    docs: [PART_ID, MAPPING_H],
  },
  // ---- scatterlists
  {
    name: 'dma_map_sg_attrs', kind: 'function', role: 'map', family: 'sg', params: [...SG_PARAMS, 'attrs'], header: H_MAPPING,
    signature: 'unsigned int dma_map_sg_attrs(struct device *dev, struct scatterlist *sg,\n\t\tint nents, enum dma_data_direction dir, unsigned long attrs);',
    summary: 'Maps a scatterlist of nents entries for a streaming transfer. The implementation may merge entries, so the device-side list can be shorter; it also overwrites the DMA fields of the entries, so a list must not be mapped twice.',
    returns: SG_RET, releasedBy: ['dma_unmap_sg_attrs', 'dma_unmap_sg'],
    context: CTX_STREAMING, memory: MEM_SG, platforms: streamingMap(), rules: SG_MAP_RULES,
    docs: [PART_ID, HOWTO_STREAMING, MAPPING_C],
  },
  {
    name: 'dma_map_sg', kind: 'macro', role: 'map', family: 'sg', params: SG_PARAMS, header: H_MAPPING,
    signature: '#define dma_map_sg(d, s, n, r) dma_map_sg_attrs(d, s, n, r, 0)',
    summary: 'Maps a scatterlist of nents entries for a streaming transfer (dma_map_sg_attrs() with no attributes). The returned count of DMA segments may be smaller than nents when an IOMMU merges entries; iterate the device-side list with the returned count, but pass the original nents to dma_unmap_sg() and dma_sync_sg_*().',
    returns: SG_RET, releasedBy: ['dma_unmap_sg'],
    context: CTX_STREAMING, memory: MEM_SG, platforms: streamingMap(), rules: SG_MAP_RULES,
    docs: [PART_ID, HOWTO_STREAMING, MAPPING_H, MAPPING_C],
  },
  {
    name: 'dma_unmap_sg_attrs', kind: 'function', role: 'unmap', family: 'sg', params: [...SG_PARAMS, 'attrs'], header: H_MAPPING,
    signature: 'void dma_unmap_sg_attrs(struct device *dev, struct scatterlist *sg,\n\t\t\t\t      int nents, enum dma_data_direction dir,\n\t\t\t\t      unsigned long attrs);',
    summary: 'Ends a scatterlist mapping. nents must be the value originally passed to dma_map_sg_attrs(), not the count it returned: merged-away entries still hold state (e.g. bounce slots) that must be released.',
    returns: RET_VOID, releasedBy: [], context: unmapCtx(), memory: 'The same scatterlist that was mapped.', platforms: streamingUnmap(), rules: SG_UNMAP_RULES,
    docs: [PART_ID, MAPPING_C],
  },
  {
    name: 'dma_unmap_sg', kind: 'macro', role: 'unmap', family: 'sg', params: SG_PARAMS, header: H_MAPPING,
    signature: '#define dma_unmap_sg(d, s, n, r) dma_unmap_sg_attrs(d, s, n, r, 0)',
    summary: 'Ends a dma_map_sg() mapping. Pass the original nents given to dma_map_sg(), not the number of segments it returned.',
    returns: RET_VOID, releasedBy: [], context: unmapCtx(), memory: 'The same scatterlist that was mapped.', platforms: streamingUnmap(), rules: SG_UNMAP_RULES,
    docs: [PART_ID, HOWTO_STREAMING, MAPPING_H],
  },
  {
    name: 'dma_map_sgtable', kind: 'function', role: 'map', family: 'sgtable', params: ['dev', 'sgt', 'dir', 'attrs'], header: H_MAPPING, gplOnly: true,
    signature: 'int dma_map_sgtable(struct device *dev, struct sg_table *sgt,\n\t\tenum dma_data_direction dir, unsigned long attrs);',
    summary: 'Maps all sgt->orig_nents entries of an sg_table and stores the mapped segment count in sgt->nents, so the two counts cannot be mixed up. Iterate the device side with for_each_sgtable_dma_sg().',
    returns: '0 on success or a negative errno: -EINVAL (bad arguments, will not succeed on retry), -ENOMEM (out of bounce/IOVA space, may succeed later), -EIO (other failure), -EREMOTEIO (P2P not reachable). Not a count.',
    releasedBy: ['dma_unmap_sgtable'], context: CTX_STREAMING, memory: MEM_SG, platforms: streamingMap(),
    rules: ['map-sgtable-errno', 'sg-iterate-nents', 'map-leak', 'unmap-dir-mismatch', 'dir-none', 'cpu-access-device-owned', 'coherent-into-streaming', 'cacheline-share', 'skip-sync-heuristic'],
    docs: [PART_ID, MAPPING_C],
  },
  {
    name: 'dma_unmap_sgtable', kind: 'function', role: 'unmap', family: 'sgtable', params: ['dev', 'sgt', 'dir', 'attrs'], header: H_MAPPING,
    signature: 'static inline void dma_unmap_sgtable(struct device *dev, struct sg_table *sgt,\n\t\tenum dma_data_direction dir, unsigned long attrs)',
    summary: 'Ends a dma_map_sgtable() mapping (unmaps sgt->orig_nents entries) and returns ownership to the CPU.',
    returns: RET_VOID, releasedBy: [], context: unmapCtx(), memory: 'The same sg_table that was mapped.', platforms: streamingUnmap(),
    rules: ['unmap-dir-mismatch', 'double-unmap', 'use-after-unmap', 'dir-none'], docs: [PART_ID, MAPPING_H],
  },
  // ---- resource
  {
    name: 'dma_map_resource', kind: 'function', role: 'map', family: 'resource', params: ['dev', 'phys_addr', 'size', 'dir', 'attrs'], header: H_MAPPING,
    signature: 'dma_addr_t dma_map_resource(struct device *dev, phys_addr_t phys_addr,\n\t\tsize_t size, enum dma_data_direction dir, unsigned long attrs);',
    summary: 'Makes an MMIO region (e.g. another device\'s FIFO, for peer-to-peer DMA) reachable by the device. There is no cache maintenance and no bouncing, so RAM must never be mapped this way.',
    returns: MAP_RET, releasedBy: ['dma_unmap_resource'], context: CTX_STREAMING,
    memory: 'A physical MMIO address only; never RAM (virt_to_phys/page_to_phys of memory).',
    platforms: resourceMap(), rules: ['map-resource-ram', 'map-error-unchecked', 'map-error-compare', 'unmap-size-mismatch', 'unmap-dir-mismatch', 'map-leak', 'dir-none'],
    docs: [PART_ID, MAPPING_C],
  },
  {
    name: 'dma_unmap_resource', kind: 'function', role: 'unmap', family: 'resource', params: ['dev', 'addr', 'size', 'dir', 'attrs'], header: H_MAPPING,
    signature: 'void dma_unmap_resource(struct device *dev, dma_addr_t addr, size_t size,\n\t\tenum dma_data_direction dir, unsigned long attrs);',
    summary: 'Removes a dma_map_resource() mapping; arguments must match the map call.',
    returns: RET_VOID, releasedBy: [], context: unmapCtx(), memory: MEM_HANDLE, platforms: resourceUnmap(),
    rules: ['unmap-size-mismatch', 'unmap-dir-mismatch', 'unmap-wrong-family', 'double-unmap', 'dir-none'], docs: [PART_ID, MAPPING_C],
  },
  {
    name: 'dma_mapping_error', kind: 'function', role: 'mapping-error', params: ['dev', 'dma_addr'], header: H_MAPPING,
    signature: 'static inline int dma_mapping_error(struct device *dev, dma_addr_t dma_addr)',
    summary: 'The only correct test of a handle from dma_map_single/page/resource (and wrappers built on them). It also records, for dma-debug, that the driver checked; an unmap of an unchecked handle is reported.',
    returns: '-ENOMEM if dma_addr is DMA_MAPPING_ERROR, 0 otherwise. Usually written if (dma_mapping_error(dev, h)) goto err;',
    releasedBy: [], context: CTX_ANY, memory: 'Takes the handle just returned by a map call.',
    platforms: mappingFailure(), rules: ['map-error-unchecked', 'map-error-compare'], docs: [PART_ID, HOWTO_ERRORS, MAPPING_H],
  },
  // ---- unmap state
  {
    name: 'DEFINE_DMA_UNMAP_ADDR', kind: 'macro', role: 'unmap-state', params: ['ADDR_NAME'], header: H_MAPPING,
    signature: '#define DEFINE_DMA_UNMAP_ADDR(ADDR_NAME)        dma_addr_t ADDR_NAME',
    summary: 'Declares a struct member that keeps a handle only for the later unmap. Without CONFIG_NEED_DMA_MAP_STATE the member vanishes, so nothing but dma_unmap_addr() may read it.',
    returns: 'A dma_addr_t member declaration, or nothing when the config option is off.',
    releasedBy: [], context: 'Inside a struct definition.', memory: MEM_NONE,
    platforms: same('Present when NEED_DMA_MAP_STATE is set (IOMMU, swiotlb and DMA_API_DEBUG configs select it); empty otherwise.'),
    rules: [], docs: [HOWTO_UNMAP_STATE, MAPPING_H],
  },
  {
    name: 'DEFINE_DMA_UNMAP_LEN', kind: 'macro', role: 'unmap-state', params: ['LEN_NAME'], header: H_MAPPING,
    signature: '#define DEFINE_DMA_UNMAP_LEN(LEN_NAME)          __u32 LEN_NAME',
    summary: 'Declares a struct member that keeps a mapping length only for the later unmap; it disappears without CONFIG_NEED_DMA_MAP_STATE.',
    returns: 'A __u32 member declaration, or nothing.', releasedBy: [], context: 'Inside a struct definition.', memory: MEM_NONE,
    platforms: same('Present when NEED_DMA_MAP_STATE is set; empty otherwise.'), rules: [], docs: [HOWTO_UNMAP_STATE, MAPPING_H],
  },
  {
    name: 'dma_unmap_addr', kind: 'macro', role: 'unmap-state', params: ['PTR', 'ADDR_NAME'], header: H_MAPPING,
    signature: '#define dma_unmap_addr(PTR, ADDR_NAME)           ((PTR)->ADDR_NAME)',
    summary: 'Reads a handle saved with dma_unmap_addr_set(), to pass it to the unmap call. Evaluates to 0 without CONFIG_NEED_DMA_MAP_STATE, so never use it to program the device.',
    returns: 'The saved dma_addr_t, or 0 when the state is compiled out.', releasedBy: [], context: CTX_ANY, memory: MEM_NONE,
    platforms: same('Real value only when NEED_DMA_MAP_STATE is set; 0 otherwise.'), rules: ['use-after-unmap'], docs: [HOWTO_UNMAP_STATE, MAPPING_H],
  },
  {
    name: 'dma_unmap_addr_set', kind: 'macro', role: 'unmap-state', params: ['PTR', 'ADDR_NAME', 'VAL'], header: H_MAPPING,
    signature: '#define dma_unmap_addr_set(PTR, ADDR_NAME, VAL)  (((PTR)->ADDR_NAME) = (VAL))',
    summary: 'Saves a handle in a DEFINE_DMA_UNMAP_ADDR member for the later unmap (a no-op when the state is compiled out).',
    returns: 'Nothing useful.', releasedBy: [], context: CTX_ANY, memory: MEM_NONE,
    platforms: same('Stores only when NEED_DMA_MAP_STATE is set.'), rules: [], docs: [HOWTO_UNMAP_STATE, MAPPING_H],
  },
  {
    name: 'dma_unmap_len', kind: 'macro', role: 'unmap-state', params: ['PTR', 'LEN_NAME'], header: H_MAPPING,
    signature: '#define dma_unmap_len(PTR, LEN_NAME)             ((PTR)->LEN_NAME)',
    summary: 'Reads a length saved with dma_unmap_len_set(), for the unmap call only; evaluates to 0 when the state is compiled out.',
    returns: 'The saved length, or 0.', releasedBy: [], context: CTX_ANY, memory: MEM_NONE,
    platforms: same('Real value only when NEED_DMA_MAP_STATE is set; 0 otherwise.'), rules: ['unmap-size-mismatch'], docs: [HOWTO_UNMAP_STATE, MAPPING_H],
  },
  {
    name: 'dma_unmap_len_set', kind: 'macro', role: 'unmap-state', params: ['PTR', 'LEN_NAME', 'VAL'], header: H_MAPPING,
    signature: '#define dma_unmap_len_set(PTR, LEN_NAME, VAL)    (((PTR)->LEN_NAME) = (VAL))',
    summary: 'Saves a mapping length in a DEFINE_DMA_UNMAP_LEN member (a no-op when the state is compiled out).',
    returns: 'Nothing useful.', releasedBy: [], context: CTX_ANY, memory: MEM_NONE,
    platforms: same('Stores only when NEED_DMA_MAP_STATE is set.'), rules: [], docs: [HOWTO_UNMAP_STATE, MAPPING_H],
  },
  // ---- syncs
  {
    name: 'dma_sync_single_for_cpu', kind: 'function', role: 'sync-for-cpu', family: 'single', params: ['dev', 'addr', 'size', 'dir'], header: H_MAPPING,
    signature: 'static inline void dma_sync_single_for_cpu(struct device *dev, dma_addr_t addr,\n\t\tsize_t size, enum dma_data_direction dir)',
    summary: 'Gives a mapped range back to the CPU without unmapping it, so the CPU can read what the device wrote. A sub-range of the mapping is allowed; dir must match the mapping. Before the device may use the buffer again, call dma_sync_single_for_device(). Works for single and page mappings.',
    returns: RET_VOID, releasedBy: [], context: CTX_SYNC, memory: MEM_HANDLE, platforms: syncForCpu(), rules: SYNC_CPU_RULES,
    docs: [PART_ID, HOWTO_STREAMING, MAPPING_H],
  },
  {
    name: 'dma_sync_single_for_device', kind: 'function', role: 'sync-for-device', family: 'single', params: ['dev', 'addr', 'size', 'dir'], header: H_MAPPING,
    signature: 'static inline void dma_sync_single_for_device(struct device *dev,\n\t\tdma_addr_t addr, size_t size, enum dma_data_direction dir)',
    summary: 'Hands a still-mapped range back to the device after the CPU accessed it (after its last write, before the device reads or is rearmed). dir must match the mapping.',
    returns: RET_VOID, releasedBy: [], context: CTX_SYNC, memory: MEM_HANDLE, platforms: syncForDevice(), rules: SYNC_DEV_RULES,
    docs: [PART_ID, HOWTO_STREAMING, MAPPING_H],
  },
  {
    name: 'dma_sync_single_range_for_cpu', kind: 'function', role: 'sync-for-cpu', family: 'single', params: ['dev', 'addr', 'offset', 'size', 'dir'], header: H_MAPPING,
    signature: 'static inline void dma_sync_single_range_for_cpu(struct device *dev,\n\t\tdma_addr_t addr, unsigned long offset, size_t size,\n\t\tenum dma_data_direction dir)',
    summary: 'dma_sync_single_for_cpu() on [addr + offset, addr + offset + size): gives part of a mapping back to the CPU, e.g. just the received bytes of a large RX buffer.',
    returns: RET_VOID, releasedBy: [], context: CTX_SYNC, memory: MEM_HANDLE, platforms: syncForCpu(), rules: SYNC_CPU_RULES,
    docs: [PART_ID, MAPPING_H],
  },
  {
    name: 'dma_sync_single_range_for_device', kind: 'function', role: 'sync-for-device', family: 'single', params: ['dev', 'addr', 'offset', 'size', 'dir'], header: H_MAPPING,
    signature: 'static inline void dma_sync_single_range_for_device(struct device *dev,\n\t\tdma_addr_t addr, unsigned long offset, size_t size,\n\t\tenum dma_data_direction dir)',
    summary: 'dma_sync_single_for_device() on a sub-range starting offset bytes into the mapping.',
    returns: RET_VOID, releasedBy: [], context: CTX_SYNC, memory: MEM_HANDLE, platforms: syncForDevice(), rules: SYNC_DEV_RULES,
    docs: [PART_ID, MAPPING_H],
  },
  {
    name: 'dma_sync_sg_for_cpu', kind: 'function', role: 'sync-for-cpu', family: 'sg', params: ['dev', 'sg', 'nelems', 'dir'], header: H_MAPPING,
    signature: 'static inline void dma_sync_sg_for_cpu(struct device *dev,\n\t\tstruct scatterlist *sg, int nelems, enum dma_data_direction dir)',
    summary: 'Gives a mapped scatterlist back to the CPU. nelems must be the original nents passed to dma_map_sg(), not the count it returned.',
    returns: RET_VOID, releasedBy: [], context: CTX_SYNC, memory: 'The scatterlist that was mapped.', platforms: syncForCpu(),
    rules: [...SYNC_CPU_RULES, 'unmap-sg-nents'], docs: [PART_ID, HOWTO_STREAMING, MAPPING_H],
  },
  {
    name: 'dma_sync_sg_for_device', kind: 'function', role: 'sync-for-device', family: 'sg', params: ['dev', 'sg', 'nelems', 'dir'], header: H_MAPPING,
    signature: 'static inline void dma_sync_sg_for_device(struct device *dev,\n\t\tstruct scatterlist *sg, int nelems, enum dma_data_direction dir)',
    summary: 'Hands a mapped scatterlist back to the device. nelems must be the original nents passed to dma_map_sg().',
    returns: RET_VOID, releasedBy: [], context: CTX_SYNC, memory: 'The scatterlist that was mapped.', platforms: syncForDevice(),
    rules: [...SYNC_DEV_RULES, 'unmap-sg-nents'], docs: [PART_ID, MAPPING_H],
  },
  {
    name: 'dma_sync_sgtable_for_cpu', kind: 'function', role: 'sync-for-cpu', family: 'sgtable', params: ['dev', 'sgt', 'dir'], header: H_MAPPING,
    signature: 'static inline void dma_sync_sgtable_for_cpu(struct device *dev,\n\t\tstruct sg_table *sgt, enum dma_data_direction dir)',
    summary: 'Gives a mapped sg_table back to the CPU (syncs sgt->orig_nents entries). Also the sync for dma_alloc_noncontiguous() memory.',
    returns: RET_VOID, releasedBy: [], context: CTX_SYNC, memory: 'An sg_table mapped with dma_map_sgtable() or from dma_alloc_noncontiguous().', platforms: syncForCpu(),
    rules: [...SYNC_CPU_RULES], docs: [PART_ID, MAPPING_H],
  },
  {
    name: 'dma_sync_sgtable_for_device', kind: 'function', role: 'sync-for-device', family: 'sgtable', params: ['dev', 'sgt', 'dir'], header: H_MAPPING,
    signature: 'static inline void dma_sync_sgtable_for_device(struct device *dev,\n\t\tstruct sg_table *sgt, enum dma_data_direction dir)',
    summary: 'Hands a mapped sg_table back to the device (syncs sgt->orig_nents entries).',
    returns: RET_VOID, releasedBy: [], context: CTX_SYNC, memory: 'An sg_table mapped with dma_map_sgtable() or from dma_alloc_noncontiguous().', platforms: syncForDevice(),
    rules: [...SYNC_DEV_RULES], docs: [PART_ID, MAPPING_H],
  },
];


