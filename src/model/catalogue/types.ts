/**
 * The shape of one DMA-API catalogue entry. The catalogue (this folder) is the
 * single table of DMA-API facts: hover, `dma-scope explain` and the checker's
 * rules all read it, so structural facts (roles, families, parameter names,
 * what releases what) live here and nowhere else.
 */
import type { PlatformId } from '../platformIds';

export type EntryKind =
  | 'function'
  | 'macro'
  | 'constant'
  | 'attribute'
  | 'type'
  | 'enum'
  | 'legacy'      // removed API (pci_* wrappers, PCI_DMA_*), diagnosed as errors
  | 'internal';   // exists, but drivers must not use it (dev_is_dma_coherent, dma_direct_*, ...)

/** What a call does to a DMA object; the checker keys its tracking on this. */
export type ApiRole =
  | 'map' | 'unmap'
  | 'sync-for-cpu' | 'sync-for-device'
  | 'alloc' | 'free'
  | 'pool-create' | 'pool-destroy' | 'pool-alloc' | 'pool-free'
  | 'mapping-error' | 'mask' | 'query' | 'mmap' | 'sgtable' | 'unmap-state' | 'other';

/** dma-debug's tracking families (kernel/dma/debug.c type2name), plus pools. */
export type ApiFamily = 'single' | 'page' | 'sg' | 'sgtable' | 'resource' | 'coherent' | 'noncoherent' | 'noncontiguous' | 'pool' | 'managed';

export interface ApiEntry {
  name: string;
  kind: EntryKind;
  /** exact 6.12 prototype or #define, as C */
  signature: string;
  /**
   * parameter names in order (functions and function-like macros), e.g. ['dev','ptr','size','dir','attrs'].
   * For a function these are the prototype's names. For a macro that only forwards to a function
   * (dma_map_single(d, a, s, r) → dma_map_single_attrs) they are the forwarded function's names,
   * so a rule can look up 'size' / 'dir' / 'nents' the same way for both.
   */
  params?: string[];
  /** one paragraph, our own words */
  summary: string;
  /** return value and error convention ("DMA_MAPPING_ERROR; test with dma_mapping_error()") */
  returns: string;
  /** names of the calls that release what this one acquires; [] when nothing to release */
  releasedBy: string[];
  /** sleep / IRQ / atomic context rules */
  context: string;
  /** which memory may be passed (linear map only, not stack, not vmalloc, ...) or '' when not applicable */
  memory: string;
  role?: ApiRole;
  family?: ApiFamily;
  /** value of constants and attributes, e.g. '1UL << 5' */
  value?: string;
  /** what it physically does on each platform (short, one line each) */
  platforms: Record<PlatformId, string>;
  /** rule ids (docs/rules/<id>.md) that concern this entry */
  rules: string[];
  /** kernel documentation / source references: { title, ref } where ref is a path or URL */
  docs: { title: string; ref: string }[];
  /** for legacy entries: the replacement, e.g. 'dma_map_single(&pdev->dev, ...)' */
  replacement?: string;
  /** other names that resolve to this entry (macro aliases) */
  aliases?: string[];
  /** the header (or source file) that defines it in 6.12, e.g. 'include/linux/dma-mapping.h' */
  header?: string;
  /** set when the name does not exist in 6.12: when it went away (or arrived) and what to know */
  availability?: string;
  /** exported EXPORT_SYMBOL_GPL only (usable from GPL modules only) */
  gplOnly?: boolean;
}
