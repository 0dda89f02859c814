/** dma-model.md §1.8: the removed pci_* wrappers, PCI_DMA_* constants and other removed API. */
import { Entry, H_PCI_COMPAT, H_MAPPING, CTX_STREAMING, CTX_SYNC, CTX_ALLOC, CTX_FREE_COHERENT, CTX_PROBE, CTX_ANY, MEM_LINEAR, MEM_PAGE, MEM_SG, MEM_HANDLE, MEM_NONE, MEM_COHERENT_RESULT } from './common';
import { removed } from '../platforms';
import { HOWTO_DIRECTION, PART_IA, PART_ID, PART_II, MAPPING_H } from '../docs';
import type { ApiRole, ApiFamily } from '../types';

const GONE = 'include/linux/pci-dma-compat.h was deleted in Linux 5.18';
const LEGACY_DOCS = [PART_ID, { title: 'commit 7968778914e5 "PCI: Remove the deprecated pci-dma-compat.h API" (5.18)', ref: 'https://git.kernel.org/torvalds/c/7968778914e5' }];

interface L {
  name: string; sig: string; params: string[]; repl: string; what: string; returns: string;
  role: ApiRole; family?: ApiFamily; releasedBy?: string[]; context: string; memory: string;
}

function legacy(l: L): Entry {
  return {
    name: l.name, kind: 'legacy', role: l.role, ...(l.family ? { family: l.family } : {}), params: l.params, header: H_PCI_COMPAT,
    signature: l.sig,
    summary: `Removed PCI-specific wrapper: ${l.what} It no longer exists in 6.12; call ${l.repl} instead.`,
    returns: l.returns, releasedBy: l.releasedBy ?? [], context: l.context, memory: l.memory,
    platforms: removed(GONE), rules: ['legacy-pci-dma'], docs: LEGACY_DOCS, replacement: l.repl,
    availability: 'Removed in Linux 5.18.',
  };
}

function pciDir(name: string, target: string, value: string): Entry {
  return {
    name, kind: 'legacy', value, header: H_PCI_COMPAT,
    signature: `#define ${name}\t${target}`,
    summary: `Old PCI spelling of ${target}, deleted together with pci-dma-compat.h in 5.18. Use ${target}.`,
    returns: `Was ${target} (${value}).`, releasedBy: [], context: 'Not a call.', memory: MEM_NONE,
    platforms: removed(GONE), rules: ['legacy-pci-dma'], docs: [HOWTO_DIRECTION, ...LEGACY_DOCS], replacement: target,
    availability: 'Removed in Linux 5.18.',
  };
}

export const LEGACY_ENTRIES: Entry[] = [
  legacy({ name: 'pci_alloc_consistent', sig: 'static inline void *pci_alloc_consistent(struct pci_dev *hwdev, size_t size,\n\t\tdma_addr_t *dma_handle)', params: ['hwdev', 'size', 'dma_handle'],
    repl: 'dma_alloc_coherent(&pdev->dev, size, &handle, GFP_KERNEL)', what: 'allocated coherent memory, always with GFP_ATOMIC.', returns: 'CPU address or NULL.', role: 'alloc', family: 'coherent', releasedBy: ['pci_free_consistent'], context: CTX_ALLOC, memory: MEM_COHERENT_RESULT }),
  legacy({ name: 'pci_zalloc_consistent', sig: 'static inline void *pci_zalloc_consistent(struct pci_dev *hwdev, size_t size,\n\t\tdma_addr_t *dma_handle)', params: ['hwdev', 'size', 'dma_handle'],
    repl: 'dma_alloc_coherent(&pdev->dev, size, &handle, GFP_KERNEL) (it already zeroes)', what: 'allocated zeroed coherent memory with GFP_ATOMIC.', returns: 'CPU address or NULL.', role: 'alloc', family: 'coherent', releasedBy: ['pci_free_consistent'], context: CTX_ALLOC, memory: MEM_COHERENT_RESULT }),
  legacy({ name: 'pci_free_consistent', sig: 'static inline void pci_free_consistent(struct pci_dev *hwdev, size_t size,\n\t\tvoid *vaddr, dma_addr_t dma_handle)', params: ['hwdev', 'size', 'vaddr', 'dma_handle'],
    repl: 'dma_free_coherent(&pdev->dev, size, vaddr, handle)', what: 'freed coherent memory.', returns: 'Nothing.', role: 'free', family: 'coherent', context: CTX_FREE_COHERENT, memory: 'Memory from pci_alloc_consistent().' }),
  legacy({ name: 'pci_map_single', sig: 'static inline dma_addr_t pci_map_single(struct pci_dev *hwdev, void *ptr,\n\t\tsize_t size, int direction)', params: ['hwdev', 'ptr', 'size', 'direction'],
    repl: 'dma_map_single(&pdev->dev, ptr, size, dir)', what: 'mapped a kernel buffer.', returns: 'Handle; errors via pci_dma_mapping_error().', role: 'map', family: 'single', releasedBy: ['pci_unmap_single'], context: CTX_STREAMING, memory: MEM_LINEAR }),
  legacy({ name: 'pci_unmap_single', sig: 'static inline void pci_unmap_single(struct pci_dev *hwdev, dma_addr_t dma_addr,\n\t\tsize_t size, int direction)', params: ['hwdev', 'dma_addr', 'size', 'direction'],
    repl: 'dma_unmap_single(&pdev->dev, handle, size, dir)', what: 'unmapped a pci_map_single() buffer.', returns: 'Nothing.', role: 'unmap', family: 'single', context: CTX_STREAMING, memory: MEM_HANDLE }),
  legacy({ name: 'pci_map_page', sig: 'static inline dma_addr_t pci_map_page(struct pci_dev *hwdev, struct page *page,\n\t\tunsigned long offset, size_t size, int direction)', params: ['hwdev', 'page', 'offset', 'size', 'direction'],
    repl: 'dma_map_page(&pdev->dev, page, offset, size, dir)', what: 'mapped part of a page.', returns: 'Handle; errors via pci_dma_mapping_error().', role: 'map', family: 'page', releasedBy: ['pci_unmap_page'], context: CTX_STREAMING, memory: MEM_PAGE }),
  legacy({ name: 'pci_unmap_page', sig: 'static inline void pci_unmap_page(struct pci_dev *hwdev, dma_addr_t dma_address,\n\t\tsize_t size, int direction)', params: ['hwdev', 'dma_address', 'size', 'direction'],
    repl: 'dma_unmap_page(&pdev->dev, handle, size, dir)', what: 'unmapped a pci_map_page() mapping.', returns: 'Nothing.', role: 'unmap', family: 'page', context: CTX_STREAMING, memory: MEM_HANDLE }),
  legacy({ name: 'pci_map_sg', sig: 'static inline int pci_map_sg(struct pci_dev *hwdev, struct scatterlist *sg,\n\t\tint nents, int direction)', params: ['hwdev', 'sg', 'nents', 'direction'],
    repl: 'dma_map_sg(&pdev->dev, sg, nents, dir)', what: 'mapped a scatterlist.', returns: 'Mapped segment count, 0 on failure.', role: 'map', family: 'sg', releasedBy: ['pci_unmap_sg'], context: CTX_STREAMING, memory: MEM_SG }),
  legacy({ name: 'pci_unmap_sg', sig: 'static inline void pci_unmap_sg(struct pci_dev *hwdev, struct scatterlist *sg,\n\t\tint nents, int direction)', params: ['hwdev', 'sg', 'nents', 'direction'],
    repl: 'dma_unmap_sg(&pdev->dev, sg, nents, dir)', what: 'unmapped a scatterlist (original nents).', returns: 'Nothing.', role: 'unmap', family: 'sg', context: CTX_STREAMING, memory: 'The mapped scatterlist.' }),
  legacy({ name: 'pci_dma_sync_single_for_cpu', sig: 'static inline void pci_dma_sync_single_for_cpu(struct pci_dev *hwdev,\n\t\tdma_addr_t dma_handle, size_t size, int direction)', params: ['hwdev', 'dma_handle', 'size', 'direction'],
    repl: 'dma_sync_single_for_cpu(&pdev->dev, handle, size, dir)', what: 'synced a mapping for the CPU.', returns: 'Nothing.', role: 'sync-for-cpu', family: 'single', context: CTX_SYNC, memory: MEM_HANDLE }),
  legacy({ name: 'pci_dma_sync_single_for_device', sig: 'static inline void pci_dma_sync_single_for_device(struct pci_dev *hwdev,\n\t\tdma_addr_t dma_handle, size_t size, int direction)', params: ['hwdev', 'dma_handle', 'size', 'direction'],
    repl: 'dma_sync_single_for_device(&pdev->dev, handle, size, dir)', what: 'synced a mapping for the device.', returns: 'Nothing.', role: 'sync-for-device', family: 'single', context: CTX_SYNC, memory: MEM_HANDLE }),
  legacy({ name: 'pci_dma_sync_sg_for_cpu', sig: 'static inline void pci_dma_sync_sg_for_cpu(struct pci_dev *hwdev,\n\t\tstruct scatterlist *sg, int nelems, int direction)', params: ['hwdev', 'sg', 'nelems', 'direction'],
    repl: 'dma_sync_sg_for_cpu(&pdev->dev, sg, nents, dir)', what: 'synced a scatterlist for the CPU.', returns: 'Nothing.', role: 'sync-for-cpu', family: 'sg', context: CTX_SYNC, memory: 'The mapped scatterlist.' }),
  legacy({ name: 'pci_dma_sync_sg_for_device', sig: 'static inline void pci_dma_sync_sg_for_device(struct pci_dev *hwdev,\n\t\tstruct scatterlist *sg, int nelems, int direction)', params: ['hwdev', 'sg', 'nelems', 'direction'],
    repl: 'dma_sync_sg_for_device(&pdev->dev, sg, nents, dir)', what: 'synced a scatterlist for the device.', returns: 'Nothing.', role: 'sync-for-device', family: 'sg', context: CTX_SYNC, memory: 'The mapped scatterlist.' }),
  legacy({ name: 'pci_dma_mapping_error', sig: 'static inline int pci_dma_mapping_error(struct pci_dev *pdev, dma_addr_t dma_addr)', params: ['pdev', 'dma_addr'],
    repl: 'dma_mapping_error(&pdev->dev, handle)', what: 'tested a handle for failure.', returns: 'Non-zero on a failed mapping.', role: 'mapping-error', context: CTX_ANY, memory: MEM_HANDLE }),
  legacy({ name: 'pci_set_dma_mask', sig: 'static inline int pci_set_dma_mask(struct pci_dev *dev, u64 mask)', params: ['dev', 'mask'],
    repl: 'dma_set_mask(&pdev->dev, mask) (or dma_set_mask_and_coherent)', what: 'set the streaming DMA mask.', returns: '0 or -EIO.', role: 'mask', context: CTX_PROBE, memory: MEM_NONE }),
  legacy({ name: 'pci_set_consistent_dma_mask', sig: 'static inline int pci_set_consistent_dma_mask(struct pci_dev *dev, u64 mask)', params: ['dev', 'mask'],
    repl: 'dma_set_coherent_mask(&pdev->dev, mask)', what: 'set the coherent DMA mask.', returns: '0 or -EIO.', role: 'mask', context: CTX_PROBE, memory: MEM_NONE }),
  pciDir('PCI_DMA_BIDIRECTIONAL', 'DMA_BIDIRECTIONAL', '0'),
  pciDir('PCI_DMA_TODEVICE', 'DMA_TO_DEVICE', '1'),
  pciDir('PCI_DMA_FROMDEVICE', 'DMA_FROM_DEVICE', '2'),
  pciDir('PCI_DMA_NONE', 'DMA_NONE', '3'),
  {
    name: 'dma_zalloc_coherent', kind: 'legacy', role: 'alloc', family: 'coherent', params: ['dev', 'size', 'dma_handle', 'flag'], header: H_MAPPING,
    signature: 'static inline void *dma_zalloc_coherent(struct device *dev, size_t size,\n\t\tdma_addr_t *dma_handle, gfp_t flag) /* removed */',
    summary: 'Removed: once the zeroing variant of dma_alloc_coherent(). Since dma_alloc_coherent() always returns zeroed memory it was dropped; use dma_alloc_coherent().',
    returns: 'Was: zeroed CPU address or NULL.', releasedBy: ['dma_free_coherent'], context: CTX_ALLOC, memory: MEM_COHERENT_RESULT,
    platforms: removed('removed around Linux 5.0; dma_alloc_coherent zeroes'), rules: ['coherent-gfp-zero'], docs: [PART_IA, MAPPING_H],
    replacement: 'dma_alloc_coherent(dev, size, &handle, gfp)', availability: 'Removed from the kernel (about 5.0; exact release unverified).',
  },
  {
    name: 'DMA_ATTR_NON_CONSISTENT', kind: 'legacy', value: '1UL << 3', header: H_MAPPING,
    signature: '#define DMA_ATTR_NON_CONSISTENT\t(1UL << 3) /* removed; bit 3 is unused in 6.12 */',
    summary: 'Removed attribute that asked dma_alloc_attrs() for non-coherent memory. Use dma_alloc_pages() or dma_alloc_noncoherent() with dma_sync_* calls.',
    returns: 'Was bit 3 of attrs.', releasedBy: [], context: 'Not a call.', memory: MEM_NONE,
    platforms: removed('attribute removed around 5.10'), rules: [], docs: [PART_II, MAPPING_H],
    replacement: 'dma_alloc_noncoherent(dev, size, &handle, dir, gfp)', availability: 'Removed (about 5.10; exact release unverified).',
  },
  {
    name: 'dma_cache_sync', kind: 'legacy', role: 'sync-for-device', params: ['dev', 'vaddr', 'size', 'dir'], header: H_MAPPING,
    signature: 'void dma_cache_sync(struct device *dev, void *vaddr, size_t size,\n\t\tenum dma_data_direction dir); /* removed */',
    summary: 'Removed companion of DMA_ATTR_NON_CONSISTENT that flushed non-coherent allocations. Use dma_sync_single_for_device()/_for_cpu() on dma_alloc_noncoherent() memory.',
    returns: 'Was void.', releasedBy: [], context: CTX_SYNC, memory: 'Was: memory from a DMA_ATTR_NON_CONSISTENT allocation.',
    platforms: removed('removed around 5.10'), rules: [], docs: [PART_II],
    replacement: 'dma_sync_single_for_device(dev, handle, size, dir)', availability: 'Removed (about 5.10; exact release unverified).',
  },
];
