/**
 * The checks of CONFIG_DMA_API_DEBUG (kernel/dma/debug.c): their short names, the rule of ours
 * each corresponds to, and the classifier from a report's message to its check. Pure data.
 */

/** Short stable names for the checks of kernel/dma/debug.c (dma-model.md §2.8 D1–D24). */
export type DmaDebugCheck =
  | 'map-stack' // D1
  | 'map-text-rodata' // D2
  | 'map-invalid-area' // D3
  | 'map-vmalloc' // D4 (and the dma_map_single_attrs refusal, which is what 6.12 prints)
  | 'overlap' // D5
  | 'overlap-limit' // D6
  | 'sg-segment-length' // D7
  | 'sg-segment-boundary' // D8
  | 'free-invalid' // D9
  | 'free-not-allocated' // D10
  | 'unmap-size' // D11
  | 'unmap-wrong-function' // D12
  | 'free-cpu-address' // D13
  | 'sg-nents' // D14
  | 'unmap-dir' // D15
  | 'map-error-not-checked' // D16
  | 'sync-not-allocated' // D17
  | 'sync-range' // D18
  | 'sync-dir' // D19
  | 'sync-ro-for-cpu' // D20
  | 'sync-wo-for-device' // D21
  | 'sync-sg-nents' // D22
  | 'leak-at-unbind' // D23
  | 'debug-disabled' // D24
  | 'unknown';

/** What kind of DMA call the offending code made, used to pick the call in the source. */
export type CallFamily = 'map' | 'unmap' | 'sync' | 'none';

export interface CheckInfo {
  check: DmaDebugCheck;
  /** the matching rule id of our static checker (dma-model.md §2), or null when none exists */
  rule: string | null;
  /** dma-model.md §2.8 number, e.g. 'D11' */
  model: string | null;
  /** the call the Call Trace points at (the one that tripped the check) */
  family: CallFamily;
  /** one-line title */
  title: string;
}

export const CHECKS: Readonly<Record<DmaDebugCheck, CheckInfo>> = {
  'map-stack': { check: 'map-stack', rule: 'map-stack', model: 'D1', family: 'map', title: 'maps memory from the stack' },
  'map-text-rodata': { check: 'map-text-rodata', rule: 'map-image', model: 'D2', family: 'map', title: 'maps kernel text or rodata' },
  'map-invalid-area': { check: 'map-invalid-area', rule: 'map-vmalloc', model: 'D3', family: 'map', title: 'maps memory that is not in the linear map' },
  'map-vmalloc': { check: 'map-vmalloc', rule: 'map-vmalloc', model: 'D4', family: 'map', title: 'maps vmalloc memory' },
  overlap: { check: 'overlap', rule: 'cacheline-share', model: 'D5', family: 'map', title: 'overlapping mappings of one cache line' },
  'overlap-limit': { check: 'overlap-limit', rule: 'map-leak', model: 'D6', family: 'map', title: 'too many overlapping mappings of one cache line' },
  'sg-segment-length': { check: 'sg-segment-length', rule: null, model: 'D7', family: 'map', title: 'sg segment longer than the device supports' },
  'sg-segment-boundary': { check: 'sg-segment-boundary', rule: null, model: 'D8', family: 'map', title: 'sg segment crosses the device boundary' },
  'free-invalid': { check: 'free-invalid', rule: 'double-unmap', model: 'D9', family: 'unmap', title: 'unmaps the error value' },
  'free-not-allocated': { check: 'free-not-allocated', rule: 'double-unmap', model: 'D10', family: 'unmap', title: 'unmaps memory that is not mapped' },
  'unmap-size': { check: 'unmap-size', rule: 'unmap-size-mismatch', model: 'D11', family: 'unmap', title: 'unmap size differs from the map size' },
  'unmap-wrong-function': { check: 'unmap-wrong-function', rule: 'unmap-wrong-family', model: 'D12', family: 'unmap', title: 'released with the wrong function' },
  'free-cpu-address': { check: 'free-cpu-address', rule: 'free-coherent-mismatch', model: 'D13', family: 'unmap', title: 'freed with a different CPU address' },
  'sg-nents': { check: 'sg-nents', rule: 'unmap-sg-nents', model: 'D14', family: 'unmap', title: 'sg list unmapped with a different entry count' },
  'unmap-dir': { check: 'unmap-dir', rule: 'unmap-dir-mismatch', model: 'D15', family: 'unmap', title: 'unmap direction differs from the map direction' },
  'map-error-not-checked': { check: 'map-error-not-checked', rule: 'map-error-unchecked', model: 'D16', family: 'unmap', title: 'map result never checked with dma_mapping_error()' },
  'sync-not-allocated': { check: 'sync-not-allocated', rule: 'sync-after-unmap', model: 'D17', family: 'sync', title: 'syncs memory that is not mapped' },
  'sync-range': { check: 'sync-range', rule: 'sync-out-of-range', model: 'D18', family: 'sync', title: 'sync outside the mapped range' },
  'sync-dir': { check: 'sync-dir', rule: 'sync-dir-mismatch', model: 'D19', family: 'sync', title: 'sync direction differs from the map direction' },
  'sync-ro-for-cpu': { check: 'sync-ro-for-cpu', rule: 'sync-ro-for-cpu', model: 'D20', family: 'sync', title: 'syncs device read-only memory for the CPU' },
  'sync-wo-for-device': { check: 'sync-wo-for-device', rule: 'sync-wo-for-device', model: 'D21', family: 'sync', title: 'syncs device write-only memory for the device' },
  'sync-sg-nents': { check: 'sync-sg-nents', rule: 'unmap-sg-nents', model: 'D22', family: 'sync', title: 'sg list synced with a different entry count' },
  'leak-at-unbind': { check: 'leak-at-unbind', rule: 'map-leak', model: 'D23', family: 'none', title: 'mappings still live when the driver unbound' },
  'debug-disabled': { check: 'debug-disabled', rule: null, model: 'D24', family: 'none', title: 'dma-debug switched itself off' },
  unknown: { check: 'unknown', rule: null, model: null, family: 'none', title: 'DMA-API report not recognised' },
};

/**
 * Message classes, matched against the text after "DMA-API: <driver> <device>: ".
 * `stem` is the fixed start of the message in 6.12, used to classify a line
 * that was cut before the whole pattern could match.
 */
interface MessageClass {
  check: DmaDebugCheck;
  re: RegExp;
  stem: string;
}

const MESSAGE_CLASSES: readonly MessageClass[] = [
  { check: 'map-stack', re: /^device driver maps memory from stack\b/, stem: 'device driver maps memory from stack' },
  { check: 'map-text-rodata', re: /^device driver maps memory from kernel text or rodata\b/, stem: 'device driver maps memory from kernel text' },
  { check: 'map-invalid-area', re: /^device driver maps memory from invalid area\b/, stem: 'device driver maps memory from invalid' },
  { check: 'map-vmalloc', re: /^device driver maps memory from vmalloc area\b/, stem: 'device driver maps memory from vmalloc' },
  { check: 'overlap', re: /^cacheline tracking EEXIST\b/, stem: 'cacheline tracking EEXIST' },
  { check: 'sg-segment-length', re: /^mapping sg segment longer than device claims to support\b/, stem: 'mapping sg segment longer' },
  { check: 'sg-segment-boundary', re: /^mapping sg segment across boundary\b/, stem: 'mapping sg segment across' },
  { check: 'free-invalid', re: /^device driver tries to free an invalid DMA memory address\b/, stem: 'device driver tries to free an invalid' },
  { check: 'free-not-allocated', re: /^device driver tries to free DMA memory it has not allocated\b/, stem: 'device driver tries to free DMA memory' },
  { check: 'unmap-size', re: /^device driver frees DMA memory with different size\b/, stem: 'device driver frees DMA memory with different size' },
  { check: 'unmap-wrong-function', re: /^device driver frees DMA memory with wrong function\b/, stem: 'device driver frees DMA memory with wrong' },
  { check: 'free-cpu-address', re: /^device driver frees DMA memory with different CPU address\b/, stem: 'device driver frees DMA memory with different CPU' },
  { check: 'sg-nents', re: /^device driver frees DMA sg list with different entry count\b/, stem: 'device driver frees DMA sg list' },
  { check: 'unmap-dir', re: /^device driver frees DMA memory with different direction\b/, stem: 'device driver frees DMA memory with different dir' },
  // 6.12 prints no space between "error" and the first field
  { check: 'map-error-not-checked', re: /^device driver failed to check map error\b|^device driver failed to check map error(?=\[)/, stem: 'device driver failed to check map' },
  { check: 'sync-not-allocated', re: /^device driver tries to sync DMA memory it has not allocated\b/, stem: 'device driver tries to sync' },
  { check: 'sync-range', re: /^device driver syncs DMA memory outside allocated range\b/, stem: 'device driver syncs DMA memory outside' },
  { check: 'sync-dir', re: /^device driver syncs DMA memory with different direction\b/, stem: 'device driver syncs DMA memory with' },
  { check: 'sync-ro-for-cpu', re: /^device driver syncs device read-only DMA memory for cpu\b/, stem: 'device driver syncs device read-only' },
  { check: 'sync-wo-for-device', re: /^device driver syncs device write-only DMA memory to device\b/, stem: 'device driver syncs device write-only' },
  { check: 'sync-sg-nents', re: /^device driver syncs DMA sg list with different entry count\b/, stem: 'device driver syncs DMA sg list' },
  { check: 'leak-at-unbind', re: /^device driver has pending DMA allocations while released from device\b/, stem: 'device driver has pending DMA' },
];

/** Classifies the message part of a `DMA-API: <driver> <device>: ` line. */
export function classifyMessage(message: string): { check: DmaDebugCheck; partial: boolean } {
  const m = message.trim();
  for (const c of MESSAGE_CLASSES) if (c.re.test(m)) return { check: c.check, partial: false };
  // A line cut short: the message is a long-enough prefix of one stem, or a stem
  // prefix that is unique among the classes.
  if (m.length >= 16) {
    const hits = MESSAGE_CLASSES.filter((c) => c.stem.startsWith(m) || m.startsWith(c.stem));
    const distinct = new Set(hits.map((h) => h.check));
    if (distinct.size === 1) return { check: hits[0].check, partial: true };
  }
  return { check: 'unknown', partial: false };
}
