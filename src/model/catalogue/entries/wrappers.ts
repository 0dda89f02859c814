/** Common subsystem wrappers around the streaming API: skb fragments and RDMA (ib_dma_*). */
import { Entry, CTX_STREAMING, CTX_SYNC, CTX_ANY, MEM_PAGE, MEM_LINEAR, MEM_SG, MEM_HANDLE, MAP_RULES, UNMAP_RULES, SG_MAP_RULES, SG_UNMAP_RULES, SYNC_CPU_RULES, SYNC_DEV_RULES, RET_VOID } from './common';
import { streamingMap, streamingUnmap, syncForCpu, syncForDevice, mappingFailure } from '../platforms';
import { PART_ID, src } from '../docs';

const H_SKB = 'include/linux/skbuff.h';
const H_IB = 'include/rdma/ib_verbs.h';
const IB_DOC = src(H_IB);
const VIRT = ' With a software RDMA device (rxe, siw: no dma_device) it just stores the kernel virtual address and nothing is mapped.';


export const WRAPPER_ENTRIES: Entry[] = [
  {
    name: 'skb_frag_dma_map', kind: 'function', role: 'map', family: 'page', params: ['dev', 'frag', 'offset', 'size', 'dir'], header: H_SKB,
    signature: 'static inline dma_addr_t skb_frag_dma_map(struct device *dev,\n\t\t\t\t\t  const skb_frag_t *frag,\n\t\t\t\t\t  size_t offset, size_t size,\n\t\t\t\t\t  enum dma_data_direction dir)',
    summary: 'Maps (part of) a paged skb fragment for transmit: dma_map_page() on the fragment\'s page at its own offset plus offset. There is no skb_frag_dma_unmap(): release it with dma_unmap_page() using the same size and direction.',
    returns: 'The device address or DMA_MAPPING_ERROR; test it with dma_mapping_error().',
    releasedBy: ['dma_unmap_page'], context: CTX_STREAMING, memory: 'A fragment of an skb (page memory).',
    platforms: streamingMap(), rules: MAP_RULES.filter((r) => r !== 'map-stack' && r !== 'map-vmalloc' && r !== 'map-kmap' && r !== 'map-image'),
    docs: [src(H_SKB), PART_ID],
  },
  {
    name: 'ib_dma_map_single', kind: 'function', role: 'map', family: 'single', params: ['dev', 'cpu_addr', 'size', 'direction'], header: H_IB,
    signature: 'static inline u64 ib_dma_map_single(struct ib_device *dev,\n\t\t\t\t    void *cpu_addr, size_t size,\n\t\t\t\t    enum dma_data_direction direction)',
    summary: 'RDMA wrapper of dma_map_single() on the ib_device\'s DMA device.' + VIRT,
    returns: 'A u64 DMA address; test it with ib_dma_mapping_error().', releasedBy: ['ib_dma_unmap_single'],
    context: CTX_STREAMING, memory: MEM_LINEAR, platforms: streamingMap(), rules: MAP_RULES, docs: [IB_DOC, PART_ID],
  },
  {
    name: 'ib_dma_unmap_single', kind: 'function', role: 'unmap', family: 'single', params: ['dev', 'addr', 'size', 'direction'], header: H_IB,
    signature: 'static inline void ib_dma_unmap_single(struct ib_device *dev,\n\t\t\t\t       u64 addr, size_t size,\n\t\t\t\t       enum dma_data_direction direction)',
    summary: 'Ends an ib_dma_map_single() mapping; size and direction must match.' + VIRT,
    returns: RET_VOID, releasedBy: [], context: CTX_STREAMING, memory: MEM_HANDLE, platforms: streamingUnmap(), rules: UNMAP_RULES, docs: [IB_DOC, PART_ID],
  },
  {
    name: 'ib_dma_map_page', kind: 'function', role: 'map', family: 'page', params: ['dev', 'page', 'offset', 'size', 'direction'], header: H_IB,
    signature: 'static inline u64 ib_dma_map_page(struct ib_device *dev,\n\t\t\t\t  struct page *page,\n\t\t\t\t  unsigned long offset,\n\t\t\t\t  size_t size,\n\t\t\t\t\t enum dma_data_direction direction)',
    summary: 'RDMA wrapper of dma_map_page().' + VIRT,
    returns: 'A u64 DMA address; test it with ib_dma_mapping_error().', releasedBy: ['ib_dma_unmap_page'],
    context: CTX_STREAMING, memory: MEM_PAGE, platforms: streamingMap(), rules: MAP_RULES, docs: [IB_DOC, PART_ID],
  },
  {
    name: 'ib_dma_unmap_page', kind: 'function', role: 'unmap', family: 'page', params: ['dev', 'addr', 'size', 'direction'], header: H_IB,
    signature: 'static inline void ib_dma_unmap_page(struct ib_device *dev,\n\t\t\t\t     u64 addr, size_t size,\n\t\t\t\t     enum dma_data_direction direction)',
    summary: 'Ends an ib_dma_map_page() mapping.' + VIRT,
    returns: RET_VOID, releasedBy: [], context: CTX_STREAMING, memory: MEM_HANDLE, platforms: streamingUnmap(), rules: UNMAP_RULES, docs: [IB_DOC, PART_ID],
  },
  {
    name: 'ib_dma_map_sg', kind: 'function', role: 'map', family: 'sg', params: ['dev', 'sg', 'nents', 'direction'], header: H_IB,
    signature: 'static inline int ib_dma_map_sg(struct ib_device *dev,\n\t\t\t\tstruct scatterlist *sg, int nents,\n\t\t\t\tenum dma_data_direction direction)',
    summary: 'RDMA wrapper of dma_map_sg(): returns the mapped segment count (0 on failure); unmap with the original nents.' + VIRT,
    returns: 'Mapped segment count, 0 on failure.', releasedBy: ['ib_dma_unmap_sg'],
    context: CTX_STREAMING, memory: MEM_SG, platforms: streamingMap(), rules: SG_MAP_RULES, docs: [IB_DOC, PART_ID],
  },
  {
    name: 'ib_dma_unmap_sg', kind: 'function', role: 'unmap', family: 'sg', params: ['dev', 'sg', 'nents', 'direction'], header: H_IB,
    signature: 'static inline void ib_dma_unmap_sg(struct ib_device *dev,\n\t\t\t\t   struct scatterlist *sg, int nents,\n\t\t\t\t   enum dma_data_direction direction)',
    summary: 'Ends an ib_dma_map_sg() mapping; nents is the value passed to the map, not the count it returned.',
    returns: RET_VOID, releasedBy: [], context: CTX_STREAMING, memory: 'The mapped scatterlist.', platforms: streamingUnmap(), rules: SG_UNMAP_RULES, docs: [IB_DOC, PART_ID],
  },
  {
    name: 'ib_dma_map_sg_attrs', kind: 'function', role: 'map', family: 'sg', params: ['dev', 'sg', 'nents', 'direction', 'dma_attrs'], header: H_IB,
    signature: 'static inline int ib_dma_map_sg_attrs(struct ib_device *dev,\n\t\t\t\t      struct scatterlist *sg, int nents,\n\t\t\t\t      enum dma_data_direction direction,\n\t\t\t\t      unsigned long dma_attrs)',
    summary: 'RDMA wrapper of dma_map_sg_attrs().' + VIRT,
    returns: 'Mapped segment count, 0 on failure.', releasedBy: ['ib_dma_unmap_sg_attrs'],
    context: CTX_STREAMING, memory: MEM_SG, platforms: streamingMap(), rules: SG_MAP_RULES, docs: [IB_DOC, PART_ID],
  },
  {
    name: 'ib_dma_unmap_sg_attrs', kind: 'function', role: 'unmap', family: 'sg', params: ['dev', 'sg', 'nents', 'direction', 'dma_attrs'], header: H_IB,
    signature: 'static inline void ib_dma_unmap_sg_attrs(struct ib_device *dev,\n\t\t\t\t\t struct scatterlist *sg, int nents,\n\t\t\t\t\t enum dma_data_direction direction,\n\t\t\t\t\t unsigned long dma_attrs)',
    summary: 'Ends an ib_dma_map_sg_attrs() mapping (original nents, same attributes).',
    returns: RET_VOID, releasedBy: [], context: CTX_STREAMING, memory: 'The mapped scatterlist.', platforms: streamingUnmap(), rules: SG_UNMAP_RULES, docs: [IB_DOC, PART_ID],
  },
  {
    name: 'ib_dma_map_sgtable_attrs', kind: 'function', role: 'map', family: 'sgtable', params: ['dev', 'sgt', 'direction', 'dma_attrs'], header: H_IB,
    signature: 'static inline int ib_dma_map_sgtable_attrs(struct ib_device *dev,\n\t\t\t\t\t   struct sg_table *sgt,\n\t\t\t\t\t   enum dma_data_direction direction,\n\t\t\t\t\t   unsigned long dma_attrs)',
    summary: 'RDMA wrapper of dma_map_sgtable(): 0 or a negative errno, mapped count in sgt->nents.' + VIRT,
    returns: '0 on success or a negative errno.', releasedBy: ['ib_dma_unmap_sgtable_attrs'],
    context: CTX_STREAMING, memory: MEM_SG, platforms: streamingMap(), rules: ['map-sgtable-errno', 'sg-iterate-nents', 'map-leak', 'dir-none'], docs: [IB_DOC, PART_ID],
  },
  {
    name: 'ib_dma_unmap_sgtable_attrs', kind: 'function', role: 'unmap', family: 'sgtable', params: ['dev', 'sgt', 'direction', 'dma_attrs'], header: H_IB,
    signature: 'static inline void ib_dma_unmap_sgtable_attrs(struct ib_device *dev,\n\t\t\t\t\t      struct sg_table *sgt,\n\t\t\t\t\t      enum dma_data_direction direction,\n\t\t\t\t\t      unsigned long dma_attrs)',
    summary: 'Ends an ib_dma_map_sgtable_attrs() mapping.',
    returns: RET_VOID, releasedBy: [], context: CTX_STREAMING, memory: 'The mapped sg_table.', platforms: streamingUnmap(), rules: ['unmap-dir-mismatch', 'double-unmap', 'dir-none'], docs: [IB_DOC, PART_ID],
  },
  {
    name: 'ib_dma_mapping_error', kind: 'function', role: 'mapping-error', params: ['dev', 'dma_addr'], header: H_IB,
    signature: 'static inline int ib_dma_mapping_error(struct ib_device *dev, u64 dma_addr)',
    summary: 'RDMA wrapper of dma_mapping_error(); always 0 for software RDMA devices.',
    returns: 'Non-zero if the mapping failed.', releasedBy: [], context: CTX_ANY, memory: 'The handle just returned by ib_dma_map_single/page.',
    platforms: mappingFailure(), rules: ['map-error-unchecked', 'map-error-compare'], docs: [IB_DOC, PART_ID],
  },
  {
    name: 'ib_dma_sync_single_for_cpu', kind: 'function', role: 'sync-for-cpu', family: 'single', params: ['dev', 'addr', 'size', 'dir'], header: H_IB,
    signature: 'static inline void ib_dma_sync_single_for_cpu(struct ib_device *dev,\n\t\t\t\t\t      u64 addr,\n\t\t\t\t\t      size_t size,\n\t\t\t\t\t      enum dma_data_direction dir)',
    summary: 'RDMA wrapper of dma_sync_single_for_cpu() (a no-op for software RDMA devices).',
    returns: RET_VOID, releasedBy: [], context: CTX_SYNC, memory: MEM_HANDLE, platforms: syncForCpu(), rules: SYNC_CPU_RULES, docs: [IB_DOC, PART_ID],
  },
  {
    name: 'ib_dma_sync_single_for_device', kind: 'function', role: 'sync-for-device', family: 'single', params: ['dev', 'addr', 'size', 'dir'], header: H_IB,
    signature: 'static inline void ib_dma_sync_single_for_device(struct ib_device *dev,\n\t\t\t\t\t\t u64 addr,\n\t\t\t\t\t\t size_t size,\n\t\t\t\t\t\t enum dma_data_direction dir)',
    summary: 'RDMA wrapper of dma_sync_single_for_device() (a no-op for software RDMA devices).',
    returns: RET_VOID, releasedBy: [], context: CTX_SYNC, memory: MEM_HANDLE, platforms: syncForDevice(), rules: SYNC_DEV_RULES, docs: [IB_DOC, PART_ID],
  },
];
