/**
 * Per-platform effect lines for catalogue entries, derived from dma-model.md
 * §3.3 (per-platform behaviour) and §3.4 (the platform × operation table).
 * One short line per platform id; entries pick the builder that matches what
 * they do, or spell lines out themselves.
 */
import { PLATFORM_IDS, PlatformId } from '../platformIds';

export type PlatformLines = Record<PlatformId, string>;

/** The same line on every platform. */
export function same(text: string): PlatformLines {
  return Object.fromEntries(PLATFORM_IDS.map((p) => [p, text])) as PlatformLines;
}

/** Starts from `base` and replaces the given platforms. */
export function withOverrides(base: PlatformLines, over: Partial<PlatformLines>): PlatformLines {
  return { ...base, ...over };
}

/** Streaming map (single, page, sg): what happens when the buffer is handed to the device. */
export function streamingMap(): PlatformLines {
  return {
    'x86-direct': 'Address translation only (phys → bus, plus the SME bit when active); no copy, no cache work.',
    'x86-swiotlb': 'Buffers the mask cannot reach are bounced: a slot is taken and the whole buffer copied in (o→b), for every direction; others as x86-direct.',
    'swiotlb-force': 'Always bounced: slot allocated and the whole buffer copied in (o→b) for every direction; fails when the pool is full or the mapping exceeds 256 KiB.',
    'x86-iommu': 'An IOVA is allocated and the 4 KiB-granule range mapped: read-only for TO, write-only for FROM, read-write for BIDI. No copy, no cache work.',
    'x86-iommu-lazy': 'As x86-iommu: IOVA allocated, granule range mapped with TO=R / FROM=W / BIDI=RW permission.',
    'iommu-untrusted': 'Buffers not aligned to the IOVA granule are bounced (o→b, padding zeroed) and only the slot is mapped; aligned buffers are mapped in place.',
    cvm: 'Always bounced through the shared (decrypted) swiotlb pool: o→b of the whole buffer for every direction.',
    'arm64-noncoherent': 'Clean (write back) the covering cache lines for every direction; small unaligned kmalloc FROM/BIDI buffers are bounced first.',
    'arm64-coherent': 'No cache work; address translation only (swiotlb only if the mask cannot reach the buffer).',
    'armv7-noncoherent': 'TO/BIDI: clean inner cache + L2. FROM: invalidate inner + L2, so unflushed CPU writes in the buffer are discarded.',
    'riscv-noncoherent': 'Clean the covering cache blocks for every direction (the invalidate is deferred to sync_for_cpu/unmap).',
  };
}

/** Streaming unmap: the buffer returns to the CPU and the mapping is torn down. */
export function streamingUnmap(): PlatformLines {
  return {
    'x86-direct': 'Nothing happens; a device that still writes after this corrupts whatever owns the page next.',
    'x86-swiotlb': 'Bounced buffers: FROM/BIDI copy the slot back (b→o) unless DMA_ATTR_SKIP_CPU_SYNC, then free the slot; others: nothing.',
    'swiotlb-force': 'FROM/BIDI: b→o copy of the whole mapping (skipped with DMA_ATTR_SKIP_CPU_SYNC), then the slot is freed. TO: slot freed.',
    'x86-iommu': 'IOVA unmapped and the IOTLB flushed synchronously (strict); a later device access faults.',
    'x86-iommu-lazy': 'IOVA unmapped but the IOTLB flush is queued: the device can still reach the old page for a short window.',
    'iommu-untrusted': 'IOVA unmapped (always strict); bounced buffers get b→o for FROM/BIDI, then the slot is freed.',
    cvm: 'FROM/BIDI: b→o out of shared memory (the only way device data reaches private memory), then the slot is freed.',
    'arm64-noncoherent': 'TO: nothing. FROM/BIDI: invalidate the lines (partial edge lines are cleaned+invalidated).',
    'arm64-coherent': 'Nothing (unless the buffer was bounced: then as x86-swiotlb).',
    'armv7-noncoherent': 'TO: nothing. FROM/BIDI: invalidate L2 and the inner cache (edge lines clean+invalidate).',
    'riscv-noncoherent': 'TO: nothing. FROM/BIDI: invalidate the covering cache blocks.',
  };
}

/** sync_for_cpu: the CPU takes the buffer back while it stays mapped. */
export function syncForCpu(): PlatformLines {
  return {
    'x86-direct': 'No-op (the inline wrapper usually skips the call entirely).',
    'x86-swiotlb': 'Bounced buffers: FROM/BIDI copy the slot back (b→o); TO: nothing. Unbounced buffers: nothing.',
    'swiotlb-force': 'FROM/BIDI: b→o copy of the synced range; TO: nothing. Skipping it leaves device data stuck in the slot.',
    'x86-iommu': 'No-op: the device is coherent and nothing was bounced.',
    'x86-iommu-lazy': 'No-op: the device is coherent and nothing was bounced.',
    'iommu-untrusted': 'Bounced (unaligned) buffers: b→o for FROM/BIDI; granule-aligned buffers: nothing.',
    cvm: 'FROM/BIDI: b→o from the shared slot; without it the CPU never sees device data.',
    'arm64-noncoherent': 'TO: nothing. FROM/BIDI: invalidate the lines, dropping anything the CPU prefetched while the device owned them.',
    'arm64-coherent': 'No-op unless the buffer was bounced.',
    'armv7-noncoherent': 'TO: nothing. FROM/BIDI: invalidate L2 then the inner cache.',
    'riscv-noncoherent': 'TO: nothing. FROM/BIDI: invalidate the covering cache blocks.',
  };
}

/** sync_for_device: the buffer is handed back to the device. */
export function syncForDevice(): PlatformLines {
  return {
    'x86-direct': 'No-op (the inline wrapper usually skips the call entirely).',
    'x86-swiotlb': 'Bounced buffers: TO/BIDI copy the original into the slot (o→b); FROM: nothing.',
    'swiotlb-force': 'TO/BIDI: o→b copy of the synced range; FROM: nothing. Skipping it leaves the device reading the old slot.',
    'x86-iommu': 'No-op: the device is coherent and nothing was bounced.',
    'x86-iommu-lazy': 'No-op: the device is coherent and nothing was bounced.',
    'iommu-untrusted': 'Bounced (unaligned) buffers: o→b for TO/BIDI; granule-aligned buffers: nothing.',
    cvm: 'TO/BIDI: o→b into the shared slot; without it the device never sees CPU updates.',
    'arm64-noncoherent': 'Clean the lines for every direction, so no dirty line can later be written over device data.',
    'arm64-coherent': 'No-op unless the buffer was bounced.',
    'armv7-noncoherent': 'TO/BIDI: clean inner + L2. FROM: invalidate inner + L2.',
    'riscv-noncoherent': 'Clean the covering cache blocks for every direction.',
  };
}

/** dma_alloc_coherent and friends: where the memory comes from and how the CPU sees it. */
export function coherentAlloc(): PlatformLines {
  return {
    'x86-direct': 'Page allocator (or CMA), zone chosen from the coherent mask; cacheable linear mapping; zeroed.',
    'x86-swiotlb': 'Page allocator with GFP_DMA32/GFP_DMA as the mask needs, never the swiotlb pool; cacheable; zeroed.',
    'swiotlb-force': 'Unaffected by swiotlb=force: page allocator, cacheable, zeroed, never bounced.',
    'x86-iommu': 'Pages (scattered + vmap when the caller may block) mapped into one contiguous IOVA range; cacheable; zeroed.',
    'x86-iommu-lazy': 'As x86-iommu; the IOVA is released with a deferred IOTLB flush on free.',
    'iommu-untrusted': 'As x86-iommu: coherent memory is never bounced.',
    cvm: 'Pages decrypted (shared with the host) via set_memory_decrypted; non-blocking calls use the pre-decrypted atomic pool. Never keep secrets here.',
    'arm64-noncoherent': 'Pages cleaned, then remapped Normal-NC (uncached); non-blocking calls use the atomic pool. Use dma_wmb() for ordering.',
    'arm64-coherent': 'Cacheable pages, no remap.',
    'armv7-noncoherent': 'CMA or remap pool, mapped uncached/bufferable; non-blocking calls use the atomic pool.',
    'riscv-noncoherent': 'Pages remapped uncached (DMA_DIRECT_REMAP); non-blocking calls use the atomic pool.',
  };
}

export function coherentFree(): PlatformLines {
  return {
    'x86-direct': 'Pages returned to the page allocator or CMA.',
    'x86-swiotlb': 'Pages returned to the page allocator.',
    'swiotlb-force': 'Pages returned to the page allocator.',
    'x86-iommu': 'IOVA unmapped (strict flush), pages freed.',
    'x86-iommu-lazy': 'IOVA unmapped with a queued IOTLB flush, pages freed.',
    'iommu-untrusted': 'IOVA unmapped (strict), pages freed.',
    cvm: 'Pages re-encrypted before freeing; if that fails they are deliberately leaked.',
    'arm64-noncoherent': 'The uncached remap is vunmapped (so IRQs must be enabled), pages freed.',
    'arm64-coherent': 'Pages freed.',
    'armv7-noncoherent': 'Uncached remap torn down, pages returned to CMA or the pool.',
    'riscv-noncoherent': 'Uncached remap torn down, pages freed.',
  };
}

/** dma_alloc_pages / dma_alloc_noncoherent / dma_alloc_noncontiguous: cacheable memory that needs syncs. */
export function noncoherentAlloc(): PlatformLines {
  return {
    'x86-direct': 'Cacheable pages; the required syncs are no-ops here.',
    'x86-swiotlb': 'Cacheable pages reachable by the mask; syncs are no-ops (the memory is never bounced).',
    'swiotlb-force': 'Cacheable pages, not bounced; syncs are no-ops.',
    'x86-iommu': 'Cacheable pages mapped into an IOVA range; syncs are no-ops.',
    'x86-iommu-lazy': 'Cacheable pages mapped into an IOVA range; syncs are no-ops.',
    'iommu-untrusted': 'Cacheable pages mapped into an IOVA range; syncs are no-ops.',
    cvm: 'Pages decrypted (shared with the host); syncs are no-ops.',
    'arm64-noncoherent': 'Cacheable pages: dma_sync_*_for_device (clean) before the device reads, _for_cpu (invalidate) before the CPU reads.',
    'arm64-coherent': 'Cacheable pages; syncs are no-ops.',
    'armv7-noncoherent': 'Cacheable pages: explicit syncs do the clean/invalidate.',
    'riscv-noncoherent': 'Cacheable pages: explicit syncs do the clean/invalidate.',
  };
}

export function noncoherentFree(): PlatformLines {
  return withOverrides(same('Pages returned to the allocator.'), {
    cvm: 'Pages re-encrypted, then freed (leaked if re-encryption fails).',
    'x86-iommu': 'IOVA unmapped, pages freed.',
    'x86-iommu-lazy': 'IOVA unmapped (deferred flush), pages freed.',
    'iommu-untrusted': 'IOVA unmapped, pages freed.',
  });
}

/** Pool blocks inherit the memory type of dma_alloc_coherent. */
export function poolAlloc(): PlatformLines {
  const c = coherentAlloc();
  const out = {} as PlatformLines;
  for (const p of PLATFORM_IDS) out[p] = `Block carved from a coherent page. ${c[p]}`.replace('; zeroed.', '.').replace(', zeroed.', '.');
  return out;
}

/** dma_map_resource: MMIO, never cache maintenance or bounce. */
export function resourceMap(): PlatformLines {
  return withOverrides(same('Returns the physical address unchanged (or an error if the mask cannot reach it); no cache work, no bounce.'), {
    'x86-iommu': 'MMIO range mapped into an IOVA range (IOMMU_MMIO); no cache work.',
    'x86-iommu-lazy': 'MMIO range mapped into an IOVA range; no cache work.',
    'iommu-untrusted': 'MMIO range mapped into an IOVA range; never bounced.',
  });
}

export function resourceUnmap(): PlatformLines {
  return withOverrides(same('No-op on the direct path.'), {
    'x86-iommu': 'IOVA unmapped, strict IOTLB flush.',
    'x86-iommu-lazy': 'IOVA unmapped, IOTLB flush queued.',
    'iommu-untrusted': 'IOVA unmapped, strict IOTLB flush.',
  });
}

/** What makes a streaming map fail on each platform (for dma_mapping_error). */
export function mappingFailure(): PlatformLines {
  return {
    'x86-direct': 'Rare: only when the mask cannot reach the buffer and no swiotlb exists ("DMA addr … overflow" warning).',
    'x86-swiotlb': 'When the swiotlb pool is full or one mapping exceeds 256 KiB.',
    'swiotlb-force': 'When the pool is full ("swiotlb buffer is full") or one mapping exceeds 256 KiB.',
    'x86-iommu': 'When the IOVA space is exhausted (e.g. after a mapping leak).',
    'x86-iommu-lazy': 'When the IOVA space is exhausted.',
    'iommu-untrusted': 'IOVA exhaustion, a full bounce pool, or an unaligned buffer with swiotlb inactive.',
    cvm: 'When the shared bounce pool (6 % of RAM, 64 MiB–1 GiB) is full or one mapping exceeds 256 KiB.',
    'arm64-noncoherent': 'Addressing overflow without swiotlb, or a full pool for bounced small buffers.',
    'arm64-coherent': 'Addressing overflow without swiotlb.',
    'armv7-noncoherent': 'Addressing overflow, or IOMMU/bounce exhaustion where present.',
    'riscv-noncoherent': 'Addressing overflow, or a full bounce pool.',
  };
}

/** The whole-mapping effect of one direction constant, read from the §3.4 table. */
export function directionLines(dir: 'TO' | 'FROM' | 'BIDI'): PlatformLines {
  if (dir === 'TO') {
    return {
      'x86-direct': 'No data movement at any step.',
      'x86-swiotlb': 'Bounced: o→b at map and sync_for_device; nothing copied back at sync_for_cpu/unmap.',
      'swiotlb-force': 'o→b at map and sync_for_device; no copy-back.',
      'x86-iommu': 'Mapped read-only for the device (a device write faults).',
      'x86-iommu-lazy': 'Mapped read-only for the device.',
      'iommu-untrusted': 'Read-only mapping; unaligned buffers get o→b at map and sync_for_device.',
      cvm: 'o→b into shared memory at map and sync_for_device.',
      'arm64-noncoherent': 'Clean at map/sync_for_device; nothing at sync_for_cpu/unmap.',
      'arm64-coherent': 'No cache work.',
      'armv7-noncoherent': 'Clean inner + L2 at map/sync_for_device; nothing at sync_for_cpu/unmap.',
      'riscv-noncoherent': 'Clean at map/sync_for_device; nothing at sync_for_cpu/unmap.',
    };
  }
  if (dir === 'FROM') {
    return {
      'x86-direct': 'No data movement at any step.',
      'x86-swiotlb': 'Bounced: o→b at map (to keep untouched bytes), b→o at sync_for_cpu and unmap.',
      'swiotlb-force': 'o→b at map, b→o at sync_for_cpu/unmap; CPU writes while mapped are overwritten by the copy-back.',
      'x86-iommu': 'Mapped write-only for the device (a device read faults).',
      'x86-iommu-lazy': 'Mapped write-only for the device.',
      'iommu-untrusted': 'Write-only mapping; unaligned buffers get b→o at sync_for_cpu/unmap.',
      cvm: 'b→o from shared memory at sync_for_cpu/unmap: skipping them loses the data.',
      'arm64-noncoherent': 'Clean at map, invalidate at sync_for_cpu/unmap (drops prefetched lines).',
      'arm64-coherent': 'No cache work.',
      'armv7-noncoherent': 'Invalidate at map (dirty CPU data is dropped) and again at sync_for_cpu/unmap.',
      'riscv-noncoherent': 'Clean at map, invalidate at sync_for_cpu/unmap.',
    };
  }
  return {
    'x86-direct': 'No data movement at any step.',
    'x86-swiotlb': 'Bounced: o→b at map and sync_for_device, b→o at sync_for_cpu and unmap.',
    'swiotlb-force': 'Copies both ways: o→b at map/sync_for_device, b→o at sync_for_cpu/unmap.',
    'x86-iommu': 'Mapped read-write.',
    'x86-iommu-lazy': 'Mapped read-write.',
    'iommu-untrusted': 'Read-write mapping; unaligned buffers copied both ways.',
    cvm: 'Copies both ways through shared memory.',
    'arm64-noncoherent': 'Clean at map/sync_for_device, invalidate at sync_for_cpu/unmap.',
    'arm64-coherent': 'No cache work.',
    'armv7-noncoherent': 'Clean at map/sync_for_device, invalidate at sync_for_cpu/unmap.',
    'riscv-noncoherent': 'Clean at map/sync_for_device, invalidate at sync_for_cpu/unmap.',
  };
}

/** For dma_need_sync and similar per-mapping queries. */
export function needSyncAnswer(): PlatformLines {
  return {
    'x86-direct': 'false (coherent, not bounced).',
    'x86-swiotlb': 'true only for addresses inside the swiotlb pool (bounced buffers).',
    'swiotlb-force': 'true (every mapping is bounced).',
    'x86-iommu': 'false for coherent, unbounced mappings.',
    'x86-iommu-lazy': 'false for coherent, unbounced mappings.',
    'iommu-untrusted': 'true once any buffer was bounced; syncs then matter for unaligned buffers.',
    cvm: 'true (every mapping is bounced).',
    'arm64-noncoherent': 'true (cache maintenance needed).',
    'arm64-coherent': 'false unless the address is a bounce slot.',
    'armv7-noncoherent': 'true (cache maintenance needed).',
    'riscv-noncoherent': 'true (cache maintenance needed).',
  };
}

/** Text for APIs that no longer exist in 6.12. */
export function removed(what: string): PlatformLines {
  return same(`Does not build on 6.12 (${what}).`);
}

/** Text for internals whose answer differs per platform but that drivers must not consult. */
export function internalAnswer(lines: Partial<PlatformLines>, fallback: string): PlatformLines {
  return withOverrides(same(fallback), lines);
}
