/**
 * The vocabulary of lifecycle extraction. DMA-API calls are classified and their arguments found by
 * parameter name through the catalogue (src/model/catalogue via src/analysis/api.ts); the rest are
 * the kernel's CPU-side allocators, frees, register writes and copies that a replay needs and the
 * catalogue does not describe (it lists DMA-API entries only).
 */
import type { Node } from 'web-tree-sitter';
import type { BufferKind, Direction } from '../../model/sim/types';
import { DIRECTIONS } from '../../model/sim/types';
import { apiEntry, P, paramIndex } from '../api';
import { callArgs, callName, stripParensAndCasts } from '../ast';

/** What a DMA-API call does to the buffer being followed. */
export type DmaCallKind =
  | 'map' | 'unmap' | 'sync-for-cpu' | 'sync-for-device' | 'mapping-error'
  | 'coherent-alloc' | 'coherent-free' | 'noncoherent-alloc' | 'noncoherent-free' | 'pool-alloc' | 'pool-free';

/** The catalogue's view of a call name, or undefined for anything that is not a DMA-API call we replay. */
export function dmaCallKind(name: string | null | undefined): DmaCallKind | undefined {
  const e = apiEntry(name);
  if (!e?.role) return undefined;
  switch (e.role) {
    case 'map':
    case 'unmap':
    case 'mapping-error':
    case 'pool-alloc':
    case 'pool-free':
      return e.role;
    case 'sync-for-cpu':
    case 'sync-for-device':
      // dma_cache_sync() (no family) syncs a noncoherent allocation by address, not a mapping
      return e.family ? e.role : undefined;
    case 'alloc':
      return e.family === 'coherent' || e.family === 'managed' ? 'coherent-alloc' : e.family === 'noncoherent' ? 'noncoherent-alloc' : undefined;
    case 'free':
      return e.family === 'coherent' || e.family === 'managed' ? 'coherent-free' : e.family === 'noncoherent' ? 'noncoherent-free' : undefined;
    default:
      return undefined;
  }
}

/** The catalogue family of a call (single, page, sg, sgtable, …). */
export function dmaFamily(name: string | null | undefined): string | undefined {
  return apiEntry(name)?.family;
}

export function isDmaCall(name: string | null | undefined, ...kinds: DmaCallKind[]): boolean {
  const k = dmaCallKind(name);
  return !!k && kinds.includes(k);
}

/** Parameter names, as the catalogue spells them, of the things the extraction looks for. */
export const ARG = {
  buffer: [...P.buffer, 'frag'],
  size: P.size,
  dir: P.dir,
  offset: P.offset,
  attrs: [...P.attrs, 'dma_attrs'],
  /** the DMA address an unmap/sync/free/check takes (an sg or sg table for the sg families) */
  handle: [...P.handle, 'sg', 'sgt'],
  cpu: P.cpu,
} as const;

/** The argument of a DMA-API call by catalogue parameter name. */
export function dmaArg(call: Node, names: readonly string[]): Node | undefined {
  const i = paramIndex(apiEntry(callName(call)), ...names);
  return i >= 0 ? callArgs(call)[i] : undefined;
}

export function isDir(s: string): s is Direction {
  return (DIRECTIONS as readonly string[]).includes(s);
}

const LEGACY_DIRECTIONS: Record<string, Direction> = { PCI_DMA_TODEVICE: 'DMA_TO_DEVICE', PCI_DMA_FROMDEVICE: 'DMA_FROM_DEVICE', PCI_DMA_BIDIRECTIONAL: 'DMA_BIDIRECTIONAL', PCI_DMA_NONE: 'DMA_NONE' };

/** A direction argument (also the removed PCI_DMA_* spellings). */
export function dirText(n: Node | undefined): Direction | undefined {
  if (!n) return undefined;
  const t = stripParensAndCasts(n).text;
  return isDir(t) ? t : LEGACY_DIRECTIONS[t];
}

/** Conditions that ask the platform whether a sync is needed (a driver never decides that: Documentation/core-api/dma-api-howto.rst). */
export const PLATFORM_GUARD = /\b(dev_is_dma_coherent|dma_need_sync|dma_dev_need_sync|is_swiotlb_\w+|cc_platform_has|iommu_present|device_iommu_mapped|intel_iommu_enabled|dma_is_direct)\b/;

/** CPU allocators: kind and which argument holds the size (or 'order' for page orders). */
export const CPU_ALLOC: Record<string, { kind: BufferKind; size?: number; count?: number; order?: number; zero?: boolean; pageSize?: boolean }> = {
  kmalloc: { kind: 'kmalloc', size: 0 },
  kzalloc: { kind: 'kmalloc', size: 0, zero: true },
  kmalloc_node: { kind: 'kmalloc', size: 0 },
  kzalloc_node: { kind: 'kmalloc', size: 0, zero: true },
  kmalloc_array: { kind: 'kmalloc', count: 0, size: 1 },
  kcalloc: { kind: 'kmalloc', count: 0, size: 1, zero: true },
  kmalloc_array_node: { kind: 'kmalloc', count: 0, size: 1 },
  kcalloc_node: { kind: 'kmalloc', count: 0, size: 1, zero: true },
  kmemdup: { kind: 'kmalloc', size: 1 },
  krealloc: { kind: 'kmalloc', size: 1 },
  kvmalloc: { kind: 'kmalloc', size: 0 },
  kvzalloc: { kind: 'kmalloc', size: 0, zero: true },
  devm_kmalloc: { kind: 'kmalloc', size: 1 },
  devm_kzalloc: { kind: 'kmalloc', size: 1, zero: true },
  devm_kcalloc: { kind: 'kmalloc', count: 1, size: 2, zero: true },
  devm_kmalloc_array: { kind: 'kmalloc', count: 1, size: 2 },
  netdev_alloc_frag: { kind: 'kmalloc', size: 0 },
  napi_alloc_frag: { kind: 'kmalloc', size: 0 },
  page_frag_alloc: { kind: 'kmalloc', size: 1 },
  alloc_page: { kind: 'page', pageSize: true },
  alloc_pages: { kind: 'page', order: 1 },
  alloc_pages_node: { kind: 'page', order: 2 },
  dev_alloc_page: { kind: 'page', pageSize: true },
  dev_alloc_pages: { kind: 'page', order: 0 },
  __get_free_page: { kind: 'page', pageSize: true },
  get_zeroed_page: { kind: 'page', pageSize: true, zero: true },
  __get_free_pages: { kind: 'page', order: 1 },
  page_pool_dev_alloc_pages: { kind: 'page', pageSize: true },
  page_pool_alloc_pages: { kind: 'page', pageSize: true },
  vmalloc: { kind: 'vmalloc', size: 0 },
  vzalloc: { kind: 'vmalloc', size: 0, zero: true },
  vmalloc_user: { kind: 'vmalloc', size: 0, zero: true },
  netdev_alloc_skb: { kind: 'kmalloc', size: 1 },
  netdev_alloc_skb_ip_align: { kind: 'kmalloc', size: 1 },
  napi_alloc_skb: { kind: 'kmalloc', size: 1 },
  dev_alloc_skb: { kind: 'kmalloc', size: 0 },
  alloc_skb: { kind: 'kmalloc', size: 0 },
  __netdev_alloc_skb: { kind: 'kmalloc', size: 1 },
};

export const CPU_FREE = new Set(['kfree', 'kvfree', 'kfree_sensitive', 'kzfree', 'vfree', 'devm_kfree', 'free_page', 'free_pages', '__free_page', '__free_pages', 'put_page', 'page_frag_free', 'skb_free_frag', 'dev_kfree_skb', 'dev_kfree_skb_any', 'dev_kfree_skb_irq', 'kfree_skb', 'consume_skb', 'napi_consume_skb', 'page_pool_put_full_page', 'page_pool_recycle_direct']);

/** Register writes: value argument index. */
export const REG_WRITES: Record<string, number> = {
  writel: 0, writel_relaxed: 0, writeq: 0, writeq_relaxed: 0, writew: 0, writeb: 0, __raw_writel: 0, __raw_writeq: 0,
  iowrite32: 0, iowrite64: 0, iowrite16: 0, iowrite32be: 0, iowrite64be: 0, lo_hi_writeq: 0, hi_lo_writeq: 0,
  lo_hi_writeq_relaxed: 0, hi_lo_writeq_relaxed: 0, iowrite64_lo_hi: 0, iowrite64_hi_lo: 0, outl: 0,
  regmap_write: 2, mmio_write_32: 1, pci_write_config_dword: 2,
};

/** Value wrappers a handle passes through on its way to the device. */
export const HANDLE_WRAPPERS = new Set(['cpu_to_le64', 'cpu_to_le32', 'cpu_to_be64', 'cpu_to_be32', 'lower_32_bits', 'upper_32_bits', '__cpu_to_le64', '__cpu_to_le32', 'cpu_to_le16']);

/** Calls that copy memory: [dst index or -1, src index or -1, len index or -1]. */
export const COPY_CALLS: Record<string, [number, number, number]> = {
  memcpy: [0, 1, 2], memmove: [0, 1, 2], __memcpy: [0, 1, 2], memcpy_fromio: [0, -1, 2], memcpy_toio: [-1, 1, 2],
  copy_from_user: [0, -1, 2], copy_to_user: [-1, 1, 2], strscpy: [0, 1, 2], strncpy: [0, 1, 2], strcpy: [0, 1, -1],
  skb_copy_from_linear_data: [1, 0, 2], skb_copy_to_linear_data: [0, 1, 2], skb_copy_bits: [2, 0, 3],
  memcmp: [-1, 0, 2], crc32: [-1, 1, 2], crc32_le: [-1, 1, 2], csum_partial: [-1, 0, 1], print_hex_dump_bytes: [-1, 2, 3],
};

/** Calls whose name suggests they fill the buffer passed to them (heuristic). */
export const WRITER_NAME = /(fill|write|put|build|prepare|prep|init|setup|set|encode|format|copy_to|store|zero|clear|make|random|read|recv|fetch|^get_)/i;
/** …but these consume what the buffer holds, whatever else their name says. */
export const READER_NAME = /(receive|process|parse|handle|check|verify|dump|print|crc|csum|xmit|send|tx|compare|cmp|hash)/i;

/** Pure value helpers that neither read nor write the memory a pointer argument points to. */
export const NEUTRAL_CALLS = new Set(['sizeof', 'likely', 'unlikely', 'virt_to_page', 'virt_to_phys', 'offset_in_page', 'page_to_phys', 'IS_ERR', 'PTR_ERR', 'IS_ERR_OR_NULL', 'WARN_ON', 'BUG_ON', 'ALIGN', 'PTR_ALIGN', 'IS_ALIGNED', 'dev_dbg', 'netdev_dbg', 'pr_debug', 'dma_mapping_error', 'skb_reserve', 'skb_put', 'skb_push', 'skb_pull', 'skb_headroom', 'skb_tailroom', 'prefetch', 'prefetchw', 'net_prefetch', 'page_address']);

/** Logging and tracing calls: given the DMA address, they print it; they neither keep it nor hand it to the device. */
export const LOGGING_CALL = /^(printk\w*|pr_\w+|dev_(err|warn|info|dbg|notice|crit|alert|emerg|printk)\w*|netdev_(err|warn|info|dbg|notice|crit|printk)\w*|netif_(err|warn|info|dbg|notice)\w*|trace_\w+|WARN\w*|BUG_ON)$/;
