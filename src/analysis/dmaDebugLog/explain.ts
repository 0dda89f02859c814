/**
 * One paragraph per dma-debug check: what the kernel saw and what to change.
 * Pure data, shared by the CLI and the extension.
 */
import { CHECKS, DmaDebugCheck } from './checks';
import type { KernelLogReport } from './types';

const MAPPED_AT_HINT =
  'The "Mapped at:" lines after the trace are the stack recorded when the buffer was mapped, so they lead to the matching map call.';

export const EXPLANATIONS: Readonly<Record<DmaDebugCheck, string>> = {
  'map-stack':
    'The driver handed the DMA API a buffer that lives on the kernel stack (a local variable or array). With VMAP_STACK the stack is vmalloc memory, so it is neither physically contiguous nor in the linear map, and even without it the buffer shares cache lines with live locals that the cache maintenance would clobber. Allocate the buffer with kmalloc() (or use a coherent allocation) and map that instead.',
  'map-text-rodata':
    'The driver mapped memory that belongs to the kernel image text or read-only data, typically a const table or a string literal. Image memory may not be in the linear map and cannot be written by a device. Copy the data into a kmalloc() buffer (or a coherent buffer) and map the copy.',
  'map-invalid-area':
    'dma_map_single() was given an address that is not in the kernel linear map (virt_addr_valid() is false): vmalloc, vmap, ioremap or kmap memory, or a stale or bogus pointer. Only linear-map memory (kmalloc, page allocator) can be mapped with dma_map_single(); for other memory map its pages with dma_map_page()/an sg list, or allocate with dma_alloc_coherent().',
  'map-vmalloc':
    'The driver tried to map vmalloc memory with dma_map_single(). vmalloc memory is only virtually contiguous, so a single DMA address cannot describe it; since 6.x dma_map_single() refuses it with a WARN and returns DMA_MAPPING_ERROR. Use kmalloc()/the page allocator for DMA buffers, or build an sg table over the vmalloc pages (vmalloc_to_page) and map that.',
  overlap:
    'Two mappings that the device may write (FROM_DEVICE or BIDIRECTIONAL) are live at the same time and start in the same CPU cache line. On a non-coherent system the cache maintenance for one of them can destroy data of the other. Usually the same buffer was mapped twice, or two small buffers share a cache line. Unmap before re-mapping, or give each DMA buffer its own cache-line-aligned allocation (ARCH_DMA_MINALIGN). The trace and the "Mapped at:" stack both show the second mapping, the one being added.',
  'overlap-limit':
    'More than the tracked maximum of mappings overlap one cache line at once. This almost always means mappings are leaking: something maps the same memory again and again without unmapping it. Find the map call that lacks its unmap (often on an error or recycle path).',
  'sg-segment-length':
    'A scatterlist segment is longer than the maximum segment size the device advertised (dma_set_max_seg_size / dma_parms). Either the driver forgot to set its dma_parms, or the code that built the list ignored them. Set the limits at probe time and build the sg list within them.',
  'sg-segment-boundary':
    'A mapped scatterlist segment crosses the segment boundary the device declared (dma_set_seg_boundary). Devices with such a limit cannot DMA across it. Make sure the sg list is built with the device limits (e.g. via the block layer queue limits) and that dma_parms are set before mapping.',
  'free-invalid':
    'The driver unmapped or freed DMA_MAPPING_ERROR, i.e. the result of a map call that had failed. The failed mapping was used as if it had succeeded. Check every dma_map_*() result with dma_mapping_error() right after the call, and do not unmap handles whose mapping failed.',
  'free-not-allocated':
    'The driver unmapped or freed a DMA address that has no live mapping for this device: it was already unmapped (double unmap), was never mapped, belongs to another device, or the handle variable was overwritten. Clear the stored handle after unmapping, and make sure each map has exactly one unmap.',
  'unmap-size':
    'The unmap (or free) was given a different size than the map (or alloc) that created this DMA address. Every parameter of the release must be identical to the mapping: swiotlb and the IOMMU release slots or IOVA pages by that size, so a wrong size leaks or corrupts them. Pass the same length expression as the map (store it alongside the handle if it varies). ' +
    MAPPED_AT_HINT,
  'unmap-wrong-function':
    'The mapping was released with a function of another family than the one that created it (for example dma_unmap_single() on a dma_map_sg() list, or dma_free_coherent() on a streaming handle). The families keep different state, so the release goes wrong. Use the release function that pairs with the map/alloc call. ' +
    MAPPED_AT_HINT,
  'free-cpu-address':
    'A coherent or non-coherent allocation was freed with a different CPU address than dma_alloc_*() returned for that DMA handle. The free must get exactly the pointer and handle of the allocation; check that the two are stored and freed together. ' +
    MAPPED_AT_HINT,
  'sg-nents':
    'dma_unmap_sg() was called with a different entry count than dma_map_sg() was given. The unmap must get the original nents passed to dma_map_sg() (or sgt->orig_nents), not the count dma_map_sg() returned: entries merged away by an IOMMU still hold state that has to be released. ' +
    MAPPED_AT_HINT,
  'unmap-dir':
    'The unmap was given a different DMA direction than the map. The unmap-time direction decides the final cache maintenance or bounce-buffer copy, so the wrong one can drop data the device wrote or leave stale lines. Use exactly the direction of the map call. ' +
    MAPPED_AT_HINT,
  'map-error-not-checked':
    'A mapping created by dma_map_single()/dma_map_page()/dma_map_resource() was unmapped without its result ever being passed to dma_mapping_error(). Mapping can fail (swiotlb or IOVA space exhausted, address beyond the device mask), and using the error value as a bus address corrupts memory. Call dma_mapping_error(dev, handle) right after the map and bail out on failure. The "Mapped at:" stack points at the map call that lacks the check.',
  'sync-not-allocated':
    'The driver synced a DMA address range that no live mapping of this device contains: the buffer was already unmapped (sync after unmap), was never mapped, the address/offset is wrong, or the sync runs past the end of the mapping (dma-debug only finds a mapping that contains the whole synced range, so an overrun is reported this way). Sync only between map and unmap, with the handle returned by the map and at most the mapped length.',
  'sync-range':
    'A sync covers more than the mapping: offset plus size goes past the end of the mapped range. A bounce-buffer copy would overrun the slot. Sync at most the mapped size, using the same length as the map. ' +
    MAPPED_AT_HINT,
  'sync-dir':
    'The sync was given a different direction than the mapping (and the mapping is not bidirectional). swiotlb copies and non-coherent cache maintenance are chosen from the sync direction, so a mismatched one may copy or invalidate nothing. Pass the mapping direction to every dma_sync_*() call. ' +
    MAPPED_AT_HINT,
  'sync-ro-for-cpu':
    'A mapping the device only reads (DMA_TO_DEVICE) was synced for the CPU with a direction that implies the device wrote to it. Either the mapping should have been DMA_FROM_DEVICE/DMA_BIDIRECTIONAL, or the sync should use DMA_TO_DEVICE. Keep the sync direction equal to the map direction. ' +
    MAPPED_AT_HINT,
  'sync-wo-for-device':
    'A mapping the device only writes (DMA_FROM_DEVICE) was synced for the device with a direction that implies the CPU filled it for the device to read. Map it DMA_BIDIRECTIONAL (or DMA_TO_DEVICE) if the device reads it, otherwise sync with DMA_FROM_DEVICE. ' +
    MAPPED_AT_HINT,
  'sync-sg-nents':
    'dma_sync_sg_for_*() was called with a different entry count than dma_map_sg() was given. Like the unmap, the sync takes the original nents (or sgt->orig_nents), not the count returned by the map. ' +
    MAPPED_AT_HINT,
  'leak-at-unbind':
    'When the driver was unbound from the device, DMA mappings or coherent allocations of that device were still live: they leaked. The report gives how many and the details of one of them; its "Mapped at:" stack shows where it was mapped. Unmap/free everything in remove() and on every error path of probe/open, or use the managed dmam_* variants.',
  'debug-disabled':
    'dma-debug ran out of tracking entries or memory and switched itself off, so later misuse goes unreported. A growing entry pool usually means mappings leak. Boot with a larger dma_debug_entries= to keep checking, and look for a map without its unmap.',
  unknown:
    'DMA Scope does not recognise this DMA-API message. It is kept with the frames that could be read; check kernel/dma/debug.c of your kernel for the exact condition.',
};

/** The paragraph for a report, with its figures filled in where they help. */
export function explainReport(report: KernelLogReport): string {
  const base = EXPLANATIONS[report.check];
  const f = report.fields;
  const extra: string[] = [];
  if (report.check === 'unmap-size' && typeof f.mapSize === 'number' && typeof f.unmapSize === 'number') extra.push(`Here: mapped ${f.mapSize} bytes, unmapped ${f.unmapSize}.`);
  if (report.check === 'unmap-dir' && f.mappedWith && f.unmappedWith) extra.push(`Here: mapped with ${f.mappedWith}, unmapped with ${f.unmappedWith}.`);
  if ((report.check === 'sync-dir' || report.check === 'sync-ro-for-cpu' || report.check === 'sync-wo-for-device') && f.mappedWith && f.syncedWith)
    extra.push(`Here: mapped with ${f.mappedWith}, synced with ${f.syncedWith}.`);
  if (report.check === 'unmap-wrong-function' && f.mappedAs && f.unmappedAs) extra.push(`Here: mapped as ${f.mappedAs}, released as ${f.unmappedAs}.`);
  if ((report.check === 'sg-nents' || report.check === 'sync-sg-nents') && typeof f.mapCount === 'number') extra.push(`Here: ${f.mapCount} entries at map time, ${f.unmapCount ?? f.syncCount} at ${report.check === 'sg-nents' ? 'unmap' : 'sync'}.`);
  if (report.check === 'leak-at-unbind' && typeof f.count === 'number') extra.push(`Here: ${f.count} live mapping${f.count === 1 ? '' : 's'} at unbind.`);
  if (report.truncated) extra.push('(The report was cut off in the log; this is what could be read.)');
  return [base, ...extra].join(' ');
}

export function checkTitle(check: DmaDebugCheck): string {
  return CHECKS[check].title;
}
