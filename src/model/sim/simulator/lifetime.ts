/**
 * The end of a buffer's life: dma_unmap_*, dma_free_*, and what is still live at driver_unbind
 * or at the end of the trace (leaks).
 */
import type { Direction } from '../types';
import { Machine, unknown } from './machine';
import { Family, Mapping, familyOf, fromDev, short } from './state';

export function unmapStep(M: Machine, op: string, name: string, dir: Direction, sizeArg: number | undefined, attrs: string[]): void {
  const o = M.objs.get(name);
  if (!o || o.status === 'undeclared') return unknown(M, name);
  const fam = familyOf(op);
  let m = M.liveMapping(o, ['single', 'sg', 'noncoherent', 'coherent']);
  if (m && m.family === 'coherent' && !o.tracked) m = undefined;
  if (!m) {
    const last = M.latestMapping(o);
    if (last && last.state === 'FAILED') {
      M.hz('API_MISUSE', `${op} of '${name}', whose mapping failed`, 'dma-debug: "device driver tries to free an invalid DMA memory address": the handle is DMA_MAPPING_ERROR. Check dma_mapping_error() after mapping and do not unmap a failed mapping.');
      last.state = 'RELEASED';
      return;
    }
    M.hz(
      'API_MISUSE',
      last ? `${op} of '${name}', which is already unmapped (double unmap)` : `${op} of '${name}', which was never mapped`,
      'dma-debug: "device driver tries to free DMA memory it has not allocated": no live mapping has this device address.',
    );
    return;
  }
  const size = sizeArg ?? o.size;
  if (m.family !== fam) {
    M.hz('API_MISUSE', `${op} of '${name}', which was obtained with ${m.op}`, 'dma-debug: "device driver frees DMA memory with wrong function": every acquire has exactly one matching release (map_single/map_page → unmap_single/unmap_page, map_sg → unmap_sg, dma_alloc_coherent → dma_free_coherent, dma_alloc_noncoherent → dma_free_noncoherent).');
  }
  if (size !== m.size) {
    M.hz('API_MISUSE', `${op} of '${name}' with size ${size}, but ${m.size} bytes were mapped`, 'dma-debug: "device driver frees DMA memory with different size". The unmap must pass the size given to the map: swiotlb and the IOMMU release exactly that many bytes or pages.');
  }
  if (dir !== m.dir) {
    M.hz('API_MISUSE', `${op} of '${name}' with ${dir}, but it was mapped ${m.dir}`, 'dma-debug: "device driver frees DMA memory with different direction". Platforms act on the unmap direction: a TO unmap of a FROM mapping skips the copy-back or invalidate.');
  }
  if (!m.errChecked && m.family === 'single') {
    M.hz('API_MISUSE', `'${name}' is unmapped but dma_mapping_error() was never called on its handle`, 'dma-debug: "device driver failed to check map error". Any map can fail (swiotlb full, IOVA space exhausted, address overflow); the handle must be checked with dma_mapping_error() before use.');
  }
  if (m.family === 'coherent' || m.family === 'noncoherent') {
    // wrong release function: still release it so the trace can go on
    releaseMapping(M, m);
    return;
  }
  const skip = attrs.includes('DMA_ATTR_SKIP_CPU_SYNC');
  if (m.path === 'direct' && o.cached && !skip) M.arch4cpu(dir, o.pa, m.size);
  if (m.path === 'iommu' || m.path === 'iommu+bounce') M.iommuUnmap(m);
  if (m.slot) {
    if (fromDev(dir) && !skip) {
      for (let i = 0; i < m.size; i++) M.cpuStoreRaw(o.pa + i, M.m(m.slot.addr + i), o.cached);
      M.causes.add('copyB2O');
    }
    M.causes.add('slotFree');
    M.touch(o.pa, m.size);
  }
  m.state = 'RELEASED';
  m.owner.fill(0);
}

export function releaseMapping(M: Machine, m: Mapping): void {
  if (m.path === 'iommu' || m.path === 'iommu+bounce' || (m.path === 'coherent' && M.p.iommu)) M.iommuUnmap(m);
  m.state = 'RELEASED';
  m.owner.fill(0);
}

export function freeStep(M: Machine, op: string, name: string, sizeArg: number | undefined): void {
  const o = M.objs.get(name);
  if (!o || o.status === 'undeclared') return unknown(M, name);
  const want: Family = op === 'dma_free_coherent' ? 'coherent' : 'noncoherent';
  if (o.status === 'freed') {
    M.hz('API_MISUSE', `${op} of '${name}', which is already freed (double free)`, 'dma-debug: "device driver tries to free DMA memory it has not allocated".');
    return;
  }
  const m = M.liveMapping(o, ['coherent', 'noncoherent', 'single', 'sg']);
  if (!o.tracked || !m || m.family !== want) {
    M.hz(
      'API_MISUSE',
      `${op} of '${name}', which ${o.tracked ? `was allocated with ${o.mappings[0]?.op ?? 'another function'}` : `is a ${o.kind} buffer, not a DMA allocation`}`,
      'dma-debug: "device driver frees DMA memory with wrong function" (or "…it has not allocated"): release memory with the call that matches its allocation.',
    );
    if (!o.tracked) return;
  }
  if (sizeArg !== undefined && sizeArg !== o.size) {
    M.hz('API_MISUSE', `${op} of '${name}' with size ${sizeArg}, but ${o.size} bytes were allocated`, 'dma-debug: "device driver frees DMA memory with different size".');
  }
  for (const x of o.mappings) if (x.state === 'LIVE') releaseMapping(M, x);
  o.status = 'freed';
}

/**
 * `handoff <name>`: the function the trace came from returns with the buffer's handle or pointer stored
 * where the driver finds it again (a ring, a structure, an out-parameter, the device). Its live
 * mappings and allocation are not leaks at the end of the trace; at driver_unbind they still are,
 * because by then the driver must have taken them back.
 */
export function handoff(M: Machine, name: string): void {
  const o = M.objs.get(name);
  if (!o || o.status === 'undeclared') return unknown(M, name);
  for (const m of o.mappings) if (m.state === 'LIVE') m.handedOff = true;
}

export function leaks(M: Machine, unbind: boolean): void {
  const live: string[] = [];
  for (const m of M.mappings) {
    if (m.state !== 'LIVE' || m.leakReported) continue;
    if (m.family === 'coherent' && !m.obj.tracked) continue;
    if (m.handedOff && !unbind) continue;
    m.leakReported = true;
    live.push(m.family === 'coherent' || m.family === 'noncoherent' ? `${m.obj.name} (${m.op}, ${m.size} bytes)` : `${m.obj.name} (${m.op} ${short(m.dir)}, ${m.size} bytes)`);
  }
  if (!live.length) return;
  for (const l of live) {
    M.hz(
      'LEAK',
      unbind ? `${l} is still live at driver_unbind` : `${l} is still live at the end of the trace`,
      unbind
        ? `dma-debug: "device driver has pending DMA allocations while released from device [count=${live.length}]". Every mapping must be unmapped and every allocation freed before the driver lets go of the device; ${M.p.iommu ? 'on this platform the IOVA range and page-table entries stay reserved' : M.p.bounce.mode !== 'none' ? 'on this platform a bounced mapping also keeps its swiotlb slots' : 'the memory stays owned by the device'}.`
        : `Nothing released it before the trace ended. If the driver keeps the handle for a later release (a ring, a structure, the device), end the trace with a \`handoff\` step; otherwise it leaks ${M.p.iommu ? 'IOVA space' : M.p.bounce.mode !== 'none' ? 'swiotlb slots' : 'memory'} on ${M.p.label}.`,
    );
  }
}

export function endOfTrace(M: Machine): void {
  leaks(M, false);
}
