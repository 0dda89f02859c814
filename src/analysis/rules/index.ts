/**
 * The rule registry: every rule module, listed once, in documentation order. A rule is self-describing
 * (rules/types.ts): its id, severity, what it checks, and the file-level facts it reads (factsKey), so
 * the checker names no rule. Helpers shared by several rules live in rules/shared/; no rule imports
 * another rule.
 */
import type { Rule } from './types';
import { rule as mapErrorUnchecked } from './map-error-unchecked';
import { rule as mapErrorCompare } from './map-error-compare';
import { rule as mapSgZero } from './map-sg-zero';
import { rule as mapSgtableErrno } from './map-sgtable-errno';
import { rule as unmapSizeMismatch } from './unmap-size-mismatch';
import { rule as unmapDirMismatch } from './unmap-dir-mismatch';
import { rule as unmapWrongFamily } from './unmap-wrong-family';
import { rule as freeCoherentMismatch } from './free-coherent-mismatch';
import { rule as dmamMixedFree } from './dmam-mixed-free';
import { rule as unmapSgNents } from './unmap-sg-nents';
import { rule as sgIterateNents } from './sg-iterate-nents';
import { rule as syncDirMismatch } from './sync-dir-mismatch';
import { rule as dirNone } from './dir-none';
import { rule as doubleUnmap } from './double-unmap';
import { rule as mapLeak } from './map-leak';
import { rule as mapStack } from './map-stack';
import { rule as mapVmalloc } from './map-vmalloc';
import { rule as coherentGfpZero } from './coherent-gfp-zero';
import { rule as coherentGfpZone } from './coherent-gfp-zone';
import { rule as gfpComp } from './gfp-comp';
import { rule as pagesGfpZone } from './pages-gfp-zone';
import { rule as legacyPciDma } from './legacy-pci-dma';
import { rule as internalHeader } from './internal-header';
import { rule as skipSyncHeuristic } from './skip-sync-heuristic';
import { rule as cpuAccessDeviceOwned } from './cpu-access-device-owned';
import { rule as missingSyncForCpu } from './missing-sync-for-cpu';
import { rule as missingSyncForDevice } from './missing-sync-for-device';
import { rule as syncAfterUnmap } from './sync-after-unmap';
import { rule as useAfterUnmap } from './use-after-unmap';
import { rule as allocNullUnchecked } from './alloc-null-unchecked';
import { rule as maskUnchecked } from './mask-unchecked';
import { rule as mask64FallbackDead } from './mask-64-fallback-dead';
import { rule as poolParams } from './pool-params';
import { rule as poolZalloc } from './pool-zalloc';
import { rule as mapKmap } from './map-kmap';
import { rule as mapResourceRam } from './map-resource-ram';
import { rule as coherentIntoStreaming } from './coherent-into-streaming';
import { rule as freeCoherentAtomic } from './free-coherent-atomic';
import { rule as allocSleepAtomic } from './alloc-sleep-atomic';
import { rule as cpuWritesFromBuffer } from './cpu-writes-from-buffer';
import { rule as dmaAddrTruncation } from './dma-addr-truncation';
import { rule as mapImage } from './map-image';
import { rule as nokmapDeref } from './nokmap-deref';
import { rule as poolDestroyBusy } from './pool-destroy-busy';
import { rule as bypassApi } from './bypass-api';
import { rule as needSyncCached } from './need-sync-cached';
import { rule as skipCpuSyncMisuse } from './skip-cpu-sync-misuse';
import { rule as refillWithoutSync } from './refill-without-sync';
import { rule as partialUnwind } from './partial-unwind';
import { rule as cachelineShare } from './cacheline-share';
import { rule as deviceDataUnchecked } from './device-data-unchecked';
import { rule as deviceDataDoubleFetch } from './device-data-double-fetch';
import { rule as driverDirMismatch } from './driver-dir-mismatch';
import { rule as driverUnmapFamily } from './driver-unmap-family';
import { rule as driverHelperMapLeak } from './driver-helper-map-leak';

export const RULES: readonly Rule[] = [
  mapErrorUnchecked,
  mapErrorCompare,
  mapSgZero,
  mapSgtableErrno,
  unmapSizeMismatch,
  unmapDirMismatch,
  unmapWrongFamily,
  freeCoherentMismatch,
  dmamMixedFree,
  unmapSgNents,
  sgIterateNents,
  syncDirMismatch,
  dirNone,
  doubleUnmap,
  mapLeak,
  mapStack,
  mapVmalloc,
  coherentGfpZero,
  coherentGfpZone,
  gfpComp,
  pagesGfpZone,
  legacyPciDma,
  internalHeader,
  skipSyncHeuristic,
  cpuAccessDeviceOwned,
  missingSyncForCpu,
  missingSyncForDevice,
  syncAfterUnmap,
  useAfterUnmap,
  allocNullUnchecked,
  maskUnchecked,
  mask64FallbackDead,
  poolParams,
  poolZalloc,
  mapKmap,
  mapResourceRam,
  coherentIntoStreaming,
  freeCoherentAtomic,
  allocSleepAtomic,
  cpuWritesFromBuffer,
  dmaAddrTruncation,
  mapImage,
  nokmapDeref,
  poolDestroyBusy,
  bypassApi,
  needSyncCached,
  skipCpuSyncMisuse,
  refillWithoutSync,
  partialUnwind,
  cachelineShare,
  deviceDataUnchecked,
  deviceDataDoubleFetch,
  driverDirMismatch,
  driverUnmapFamily,
  driverHelperMapLeak,
];

export const RULE_IDS: readonly string[] = RULES.map((r) => r.id);
export function ruleById(id: string): Rule | undefined { return RULES.find((r) => r.id === id); }
export type { Rule } from './types';
