/**
 * DMA-layer internals that exist in 6.12 but are not driver API
 * (<linux/dma-map-ops.h>, <linux/dma-direct.h>, kernel/dma/direct.h, swiotlb).
 * Using them to decide whether to sync is the anti-pattern of dma-model.md §0.
 */
import { Entry, H_MAP_OPS, H_DIRECT, H_KDIRECT, H_SWIOTLB, H_MAPPING, CTX_ANY, MEM_NONE } from './common';
import { internalAnswer, same, streamingMap, streamingUnmap, syncForCpu, syncForDevice, coherentAlloc, coherentFree, needSyncAnswer } from '../platforms';
import { MAP_OPS_H, DIRECT_H, KDIRECT_H, MAPPING_C, src } from '../docs';

const WHY = ' Internal to the DMA layer: a driver must not call it, and must never use its answer to skip dma_sync_*/unmap calls, because bouncing is decided per buffer at run time.';
const FIX = 'Call the sync unconditionally (the inline wrapper already skips no-ops), use dma_need_sync(dev, handle) after mapping, or allocate with dma_alloc_coherent().';

interface I {
  name: string; sig: string; params: string[]; header: string; what: string; returns: string; platforms: Entry['platforms'];
  docs?: Entry['docs']; kind?: Entry['kind']; availability?: string; rules?: Entry['rules'];
}

function internal(i: I): Entry {
  return {
    name: i.name, kind: i.kind ?? 'internal', role: 'other', params: i.params, header: i.header, signature: i.sig,
    summary: i.what + WHY, returns: i.returns, releasedBy: [], context: CTX_ANY, memory: MEM_NONE,
    platforms: i.platforms, rules: i.rules ?? ['skip-sync-heuristic', 'internal-header'], docs: i.docs ?? [MAP_OPS_H],
    replacement: FIX, ...(i.availability ? { availability: i.availability } : {}),
  };
}

const COHERENT_ANSWER = internalAnswer({
  'arm64-noncoherent': 'false.', 'armv7-noncoherent': 'false.', 'riscv-noncoherent': 'false.',
  'swiotlb-force': 'true, yet every mapping is bounced and needs syncs.', cvm: 'true, yet every mapping is bounced through shared memory.',
  'x86-swiotlb': 'true, yet buffers above the mask are bounced and need syncs.', 'iommu-untrusted': 'true, yet unaligned buffers are bounced.',
}, 'true (constant on x86; dev->dma_coherent elsewhere).');

const OPS_ANSWER = internalAnswer({
  'x86-iommu': 'NULL too: dma-iommu is selected by dev->dma_iommu, not by ops.', 'x86-iommu-lazy': 'NULL (dma-iommu is not an ops table in 6.12).',
  'iommu-untrusted': 'NULL (dma-iommu is not an ops table in 6.12).',
}, 'NULL on the direct path; an ops table only for Xen, some arm32 IOMMUs and similar.');

export const INTERNAL_ENTRIES: Entry[] = [
  internal({ name: 'dev_is_dma_coherent', sig: 'static inline bool dev_is_dma_coherent(struct device *dev)', params: ['dev'], header: H_MAP_OPS,
    what: 'Reports whether the device snoops CPU caches. Coherent devices still get bounced (addressing limits, swiotlb=force, confidential VMs, untrusted devices), so "coherent" never means "syncs are unnecessary".',
    returns: 'dev->dma_coherent, or constant true on architectures without cache-maintenance hooks (x86).', platforms: COHERENT_ANSWER }),
  internal({ name: 'get_dma_ops', sig: 'static inline const struct dma_map_ops *get_dma_ops(struct device *dev)', params: ['dev'], header: H_MAP_OPS,
    what: 'Returns the device\'s dma_map_ops table, if it has one. NULL does not mean "no IOMMU and no bouncing".', returns: 'An ops pointer or NULL.', platforms: OPS_ANSWER }),
  internal({ name: 'set_dma_ops', sig: 'static inline void set_dma_ops(struct device *dev,\n\t\tconst struct dma_map_ops *dma_ops)', params: ['dev', 'dma_ops'], header: H_MAP_OPS,
    what: 'Installs a dma_map_ops table for a device (bus and IOMMU code only).', returns: 'Nothing.', platforms: same('Changes which implementation every later DMA call of the device uses.'), rules: ['internal-header'] }),
  internal({ name: 'dma_map_ops', kind: 'internal', sig: 'struct dma_map_ops {\n\tvoid *(*alloc)(struct device *dev, size_t size, dma_addr_t *dma_handle, gfp_t gfp, unsigned long attrs);\n\t/* … map_page, unmap_page, map_sg, sync_*, … */\n};', params: [], header: H_MAP_OPS,
    what: 'The method table of an alternative DMA implementation. Comparing its members (e.g. ops->map_page) to guess the platform is exactly the vmwgfx mistake.', returns: 'Type.', platforms: OPS_ANSWER }),
  internal({ name: 'dma_is_direct', sig: 'static inline bool dma_is_direct(const struct dma_map_ops *ops) /* gone */', params: ['ops'], header: H_MAPPING,
    what: 'Old helper that returned true when ops was NULL. It no longer exists in 6.12 (the mapping core uses a private dma_map_direct() instead).',
    returns: 'Was: !ops.', platforms: same('Does not build on 6.12.'), docs: [MAPPING_C], availability: 'Not in 6.12: moved into kernel/dma/mapping.c and replaced by dma_go_direct()/dma_map_direct() around 5.10.' }),
  internal({ name: 'dma_dev_need_sync', sig: 'static inline bool dma_dev_need_sync(const struct device *dev)', params: ['dev'], header: H_MAPPING,
    what: 'The per-device fast-path test the sync wrappers use (!dev->dma_skip_sync, always true under CONFIG_DMA_API_DEBUG). It can flip from false to true the first time any buffer is bounced.',
    returns: 'true if sync calls must be issued for this device right now.', platforms: needSyncAnswer(), docs: [src('include/linux/dma-mapping.h')] }),
  internal({ name: 'dma_reset_need_sync', sig: 'static inline void dma_reset_need_sync(struct device *dev)', params: ['dev'], header: H_MAP_OPS,
    what: 'Clears dev->dma_skip_sync; swiotlb calls it on the first bounce, which is why cached "no sync needed" answers go stale.', returns: 'Nothing.', platforms: same('Called by swiotlb when a mapping of the device is first bounced.') }),
  internal({ name: 'dma_kmalloc_needs_bounce', sig: 'static inline bool dma_kmalloc_needs_bounce(struct device *dev, size_t size,\n\t\tenum dma_data_direction dir)', params: ['dev', 'size', 'dir'], header: H_MAP_OPS,
    what: 'The size heuristic that bounces small kmalloc buffers on non-coherent arm64/RISC-V. It only looks at the size; buffers embedded in structures are not protected.',
    returns: 'true for non-coherent, non-TO mappings whose kmalloc size is not cache-aligned.',
    platforms: internalAnswer({ 'arm64-noncoherent': 'true for FROM/BIDI buffers under 256 bytes that are not cache-aligned.', 'riscv-noncoherent': 'true for small unaligned FROM/BIDI buffers when swiotlb is built in.' }, 'false (coherent device or option not selected).'),
    rules: ['cacheline-share', 'internal-header'] }),
  internal({ name: 'arch_sync_dma_for_device', sig: 'void arch_sync_dma_for_device(phys_addr_t paddr, size_t size,\n\t\tenum dma_data_direction dir);', params: ['paddr', 'size', 'dir'], header: H_MAP_OPS,
    what: 'The architecture cache operation behind map and sync_for_device on non-coherent devices.', returns: 'Nothing.', platforms: syncForDevice() }),
  internal({ name: 'arch_sync_dma_for_cpu', sig: 'void arch_sync_dma_for_cpu(phys_addr_t paddr, size_t size,\n\t\tenum dma_data_direction dir);', params: ['paddr', 'size', 'dir'], header: H_MAP_OPS,
    what: 'The architecture cache operation behind unmap and sync_for_cpu on non-coherent devices.', returns: 'Nothing.', platforms: syncForCpu() }),
  internal({ name: 'dma_direct_map_page', sig: 'static inline dma_addr_t dma_direct_map_page(struct device *dev,\n\t\tstruct page *page, unsigned long offset, size_t size,\n\t\tenum dma_data_direction dir, unsigned long attrs)', params: ['dev', 'page', 'offset', 'size', 'dir', 'attrs'], header: H_KDIRECT,
    what: 'The direct-path map: decides between bouncing and cache maintenance per buffer.', returns: 'Bus address or DMA_MAPPING_ERROR.', platforms: streamingMap(), docs: [KDIRECT_H] }),
  internal({ name: 'dma_direct_unmap_page', sig: 'static inline void dma_direct_unmap_page(struct device *dev, dma_addr_t addr,\n\t\tsize_t size, enum dma_data_direction dir, unsigned long attrs)', params: ['dev', 'addr', 'size', 'dir', 'attrs'], header: H_KDIRECT,
    what: 'The direct-path unmap: cache maintenance, then the swiotlb copy-back and slot release.', returns: 'Nothing.', platforms: streamingUnmap(), docs: [KDIRECT_H] }),
  internal({ name: 'dma_direct_sync_single_for_cpu', sig: 'static inline void dma_direct_sync_single_for_cpu(struct device *dev,\n\t\tdma_addr_t addr, size_t size, enum dma_data_direction dir)', params: ['dev', 'addr', 'size', 'dir'], header: H_KDIRECT,
    what: 'The direct-path sync_for_cpu.', returns: 'Nothing.', platforms: syncForCpu(), docs: [KDIRECT_H] }),
  internal({ name: 'dma_direct_sync_single_for_device', sig: 'static inline void dma_direct_sync_single_for_device(struct device *dev,\n\t\tdma_addr_t addr, size_t size, enum dma_data_direction dir)', params: ['dev', 'addr', 'size', 'dir'], header: H_KDIRECT,
    what: 'The direct-path sync_for_device.', returns: 'Nothing.', platforms: syncForDevice(), docs: [KDIRECT_H] }),
  internal({ name: 'dma_direct_map_sg', sig: 'int dma_direct_map_sg(struct device *dev, struct scatterlist *sgl, int nents,\n\t\tenum dma_data_direction dir, unsigned long attrs);', params: ['dev', 'sgl', 'nents', 'dir', 'attrs'], header: H_KDIRECT,
    what: 'The direct-path scatterlist map.', returns: 'nents or a negative errno.', platforms: streamingMap(), docs: [KDIRECT_H] }),
  internal({ name: 'dma_direct_unmap_sg', sig: 'void dma_direct_unmap_sg(struct device *dev, struct scatterlist *sgl,\n\t\tint nents, enum dma_data_direction dir, unsigned long attrs);', params: ['dev', 'sgl', 'nents', 'dir', 'attrs'], header: H_KDIRECT,
    what: 'The direct-path scatterlist unmap.', returns: 'Nothing.', platforms: streamingUnmap(), docs: [KDIRECT_H] }),
  internal({ name: 'dma_direct_need_sync', sig: 'bool dma_direct_need_sync(struct device *dev, dma_addr_t dma_addr);', params: ['dev', 'dma_addr'], header: H_KDIRECT,
    what: 'The direct-path answer behind dma_need_sync(): non-coherent device, or an address inside a swiotlb pool.', returns: 'true if the mapping needs syncs.', platforms: needSyncAnswer(), docs: [KDIRECT_H] }),
  internal({ name: 'dma_direct_alloc', sig: 'void *dma_direct_alloc(struct device *dev, size_t size, dma_addr_t *dma_handle,\n\t\tgfp_t gfp, unsigned long attrs);', params: ['dev', 'size', 'dma_handle', 'gfp', 'attrs'], header: H_DIRECT,
    what: 'The direct-path coherent allocator.', returns: 'CPU address (or a page cookie with NO_KERNEL_MAPPING) or NULL.', platforms: coherentAlloc(), docs: [DIRECT_H], rules: ['internal-header', 'bypass-api'] }),
  internal({ name: 'dma_direct_free', sig: 'void dma_direct_free(struct device *dev, size_t size, void *cpu_addr,\n\t\tdma_addr_t dma_addr, unsigned long attrs);', params: ['dev', 'size', 'cpu_addr', 'dma_addr', 'attrs'], header: H_DIRECT,
    what: 'The direct-path coherent free.', returns: 'Nothing.', platforms: coherentFree(), docs: [DIRECT_H], rules: ['internal-header'] }),
  internal({ name: 'dma_direct_supported', sig: 'int dma_direct_supported(struct device *dev, u64 mask);', params: ['dev', 'mask'], header: H_DIRECT,
    what: 'Whether the direct path can honour a mask (any mask of 32 bits or more).', returns: 'Non-zero if supported.', platforms: same('true for masks of 32 bits or more.'), docs: [DIRECT_H] }),
  internal({ name: 'dma_direct_max_mapping_size', sig: 'size_t dma_direct_max_mapping_size(struct device *dev);', params: ['dev'], header: H_KDIRECT,
    what: 'The direct-path limit behind dma_max_mapping_size().', returns: 'Bytes.', platforms: internalAnswer({ 'x86-swiotlb': '256 KiB.', 'swiotlb-force': '256 KiB.', cvm: '256 KiB.' }, 'SIZE_MAX unless swiotlb may bounce.'), docs: [KDIRECT_H] }),
  internal({ name: 'dma_direct_get_required_mask', sig: 'u64 dma_direct_get_required_mask(struct device *dev);', params: ['dev'], header: H_DIRECT,
    what: 'The direct-path answer behind dma_get_required_mask().', returns: 'A mask covering all RAM.', platforms: same('Mask covering the highest RAM address.'), docs: [DIRECT_H], rules: ['internal-header'] }),
  internal({ name: 'dma_capable', sig: 'static inline bool dma_capable(struct device *dev, dma_addr_t addr, size_t size,\n\t\tbool is_ram)', params: ['dev', 'addr', 'size', 'is_ram'], header: H_DIRECT,
    what: 'Whether an address range fits under the device mask and bus limit; the direct path bounces when it does not.', returns: 'true if the device can reach the whole range.', platforms: internalAnswer({ 'x86-swiotlb': 'false for buffers above the mask (they bounce).' }, 'true for reachable memory.'), docs: [DIRECT_H] }),
  internal({ name: 'force_dma_unencrypted', sig: 'bool force_dma_unencrypted(struct device *dev);', params: ['dev'], header: H_DIRECT,
    what: 'Whether DMA memory of the device must be shared/decrypted (memory-encryption guests and hosts).', returns: 'true if allocations must be decrypted.', platforms: internalAnswer({ cvm: 'true for every device.' }, 'false (no memory encryption).'), docs: [DIRECT_H] }),
  internal({ name: 'is_swiotlb_active', sig: 'bool is_swiotlb_active(struct device *dev);', params: ['dev'], header: H_SWIOTLB,
    what: 'Whether a swiotlb pool exists for the device. It says nothing about whether a given buffer will bounce.', returns: 'true if a bounce pool is available.',
    platforms: internalAnswer({ 'x86-direct': 'false on machines with ≤ 4 GiB (true on most larger x86 systems).', 'x86-iommu': 'false (or true without affecting coherent IOMMU mappings).', 'x86-iommu-lazy': 'false or true; irrelevant for aligned buffers.', 'arm64-coherent': 'Usually true (small pool) without any bouncing.' }, 'true.'),
    docs: [src('include/linux/swiotlb.h')] }),
  internal({ name: 'is_swiotlb_force_bounce', sig: 'static inline bool is_swiotlb_force_bounce(struct device *dev)', params: ['dev'], header: H_SWIOTLB,
    what: 'Whether every mapping of the device is forced through swiotlb (swiotlb=force, confidential guests).', returns: 'true if all mappings bounce.',
    platforms: internalAnswer({ 'swiotlb-force': 'true.', cvm: 'true.' }, 'false.'), docs: [src('include/linux/swiotlb.h')] }),
];
