/**
 * The rule ids of dma-model.md §2 that catalogue entries may point at. Entries
 * only reference ids from this list (a unit test enforces it), so a typo can
 * never produce a dead documentation link.
 */
export const CATALOGUE_RULE_IDS = [
  // 2.1 return values and errors
  'map-error-unchecked', 'map-error-compare', 'map-sg-zero', 'map-sgtable-errno', 'alloc-null-unchecked',
  'mask-unchecked', 'mask-64-fallback-dead', 'mask-missing', 'coherent-mask-only',
  // 2.2 pairing
  'unmap-size-mismatch', 'unmap-dir-mismatch', 'unmap-wrong-family', 'free-coherent-mismatch', 'dmam-mixed-free',
  'unmap-sg-nents', 'sg-iterate-nents', 'sg-double-map', 'double-unmap', 'unmap-unmapped', 'map-leak',
  'partial-unwind', 'pool-destroy-busy',
  // 2.3 directions
  'dir-none', 'sync-dir-mismatch', 'sync-ro-for-cpu', 'sync-wo-for-device', 'cpu-writes-from-buffer', 'dir-imprecise',
  // 2.4 ownership
  'cpu-access-device-owned', 'missing-sync-for-device', 'missing-sync-for-cpu', 'refill-without-sync',
  'sync-after-unmap', 'sync-out-of-range', 'skip-cpu-sync-misuse', 'use-after-unmap', 'unmap-while-active',
  // 2.5 memory
  'map-stack', 'map-vmalloc', 'map-kmap', 'map-image', 'map-resource-ram', 'coherent-into-streaming',
  'nokmap-deref', 'cacheline-share', 'partial-page-map', 'map-too-big', 'dma-addr-truncation',
  // 2.6 allocation flags and context
  'coherent-gfp-zero', 'coherent-gfp-zone', 'pages-gfp-zone', 'gfp-comp', 'alloc-sleep-atomic',
  'free-coherent-atomic', 'pool-create-atomic', 'pool-params', 'pool-zalloc', 'noncontig-attrs',
  'noncoherent-needs-sync', 'noncontig-vmap-flush', 'mmap-then-free', 'coherent-barrier',
  // 2.7 platform internals
  'skip-sync-heuristic', 'need-sync-cached', 'internal-header', 'bypass-api', 'legacy-pci-dma',
] as const;

export type CatalogueRuleId = (typeof CATALOGUE_RULE_IDS)[number];
