/**
 * The rule ids that catalogue entries may point at: exactly the rules DMA Scope ships (each has a module in
 * src/analysis/rules and a page docs/rules/<id>.md). Entries only reference ids from this list, and unit tests
 * check both directions against the rule registry and docs/rules, so a catalogue link can never be dead.
 *
 * Misuse classes the catalogue describes without a rule (an sg list mapped twice, a sync outside the mapped
 * range, a coherent buffer freed while still mmap()ed, …) are explained in the entries' text; they are not
 * linked until a rule checks them.
 */
export const CATALOGUE_RULE_IDS = [
  // return values and errors
  'map-error-unchecked', 'map-error-compare', 'map-sg-zero', 'map-sgtable-errno', 'alloc-null-unchecked',
  'mask-unchecked', 'mask-64-fallback-dead',
  // pairing
  'unmap-size-mismatch', 'unmap-dir-mismatch', 'unmap-wrong-family', 'free-coherent-mismatch', 'dmam-mixed-free',
  'unmap-sg-nents', 'sg-iterate-nents', 'double-unmap', 'map-leak', 'partial-unwind', 'pool-destroy-busy',
  // across the functions and files of a driver (driver index)
  'driver-dir-mismatch', 'driver-unmap-family', 'driver-helper-map-leak',
  // directions
  'dir-none', 'sync-dir-mismatch', 'cpu-writes-from-buffer',
  // ownership
  'cpu-access-device-owned', 'missing-sync-for-device', 'missing-sync-for-cpu', 'refill-without-sync',
  'sync-after-unmap', 'skip-cpu-sync-misuse', 'use-after-unmap',
  // memory
  'map-stack', 'map-vmalloc', 'map-kmap', 'map-image', 'map-resource-ram', 'coherent-into-streaming',
  'nokmap-deref', 'cacheline-share', 'dma-addr-truncation',
  // allocation flags and context
  'coherent-gfp-zero', 'coherent-gfp-zone', 'pages-gfp-zone', 'gfp-comp', 'alloc-sleep-atomic', 'free-coherent-atomic', 'pool-params',
  'pool-zalloc',
  // device-written memory as untrusted input
  'device-data-unchecked', 'device-data-double-fetch',
  // platform internals
  'skip-sync-heuristic', 'need-sync-cached', 'internal-header', 'bypass-api', 'legacy-pci-dma',
] as const;

export type CatalogueRuleId = (typeof CATALOGUE_RULE_IDS)[number];
