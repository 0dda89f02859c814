/** Wave-2 rules (ownership, memory provenance, allocation and pools), appended to the registry in index.ts. */
import type { Rule } from './types';
import { rule as cpuAccess } from './cpu-access-device-owned';
import { rule as missingSyncCpu } from './missing-sync-for-cpu';
import { rule as missingSyncDev } from './missing-sync-for-device';
import { rule as allocNull } from './alloc-null-unchecked';
import { rule as maskUnchecked } from './mask-unchecked';
import { rule as mask64 } from './mask-64-fallback-dead';
import { rule as poolParams } from './pool-params';
import { rule as poolZalloc } from './pool-zalloc';
import { rule as syncAfterUnmap } from './sync-after-unmap';
import { rule as useAfterUnmap } from './use-after-unmap';
import { rule as mapKmap } from './map-kmap';
import { rule as mapResourceRam } from './map-resource-ram';
import { rule as coherentIntoStreaming } from './coherent-into-streaming';
import { rule as freeCoherentAtomic } from './free-coherent-atomic';
import { rule as allocSleepAtomic } from './alloc-sleep-atomic';
import { rule as cpuWritesFrom } from './cpu-writes-from-buffer';
import { rule as dmaAddrTrunc } from './dma-addr-truncation';
import { rule as mapImage } from './map-image';
import { rule as nokmapDeref } from './nokmap-deref';
import { rule as poolDestroyBusy } from './pool-destroy-busy';
import { rule as bypassApi } from './bypass-api';
import { rule as needSyncCached } from './need-sync-cached';
import { rule as skipCpuSync } from './skip-cpu-sync-misuse';
import { rule as refillWithoutSync } from './refill-without-sync';
import { rule as partialUnwind } from './partial-unwind';
import { rule as cachelineShare } from './cacheline-share';
import { rule as deviceDataUnchecked } from './device-data-unchecked';
import { rule as deviceDataDoubleFetch } from './device-data-double-fetch';

export const WAVE2_RULES: readonly Rule[] = [
  cpuAccess,
  missingSyncCpu,
  missingSyncDev,
  syncAfterUnmap,
  useAfterUnmap,
  allocNull,
  maskUnchecked,
  mask64,
  poolParams,
  poolZalloc,
  mapKmap,
  mapResourceRam,
  coherentIntoStreaming,
  freeCoherentAtomic,
  allocSleepAtomic,
  cpuWritesFrom,
  dmaAddrTrunc,
  mapImage,
  nokmapDeref,
  poolDestroyBusy,
  bypassApi,
  needSyncCached,
  skipCpuSync,
  refillWithoutSync,
  partialUnwind,
  cachelineShare,
  deviceDataUnchecked,
  deviceDataDoubleFetch,
];
