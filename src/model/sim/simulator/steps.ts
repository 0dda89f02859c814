/**
 * One trace step on the machine: the dispatcher, declarations and allocations, dma_map_* and the
 * dma_sync_* pair. Accesses live in access.ts, releases and leaks in lifetime.ts.
 */
import type { Direction, Step } from '../types';
import { cpuAccess, devAccess, watchRead, watchWrite } from './access';
import { freeStep, handoff, leaks, unmapStep } from './lifetime';
import { Machine, unknown } from './machine';
import { DMA_MAPPING_ERROR, Family, Mapping, Obj, ZERO, familyOf, fromDev, permOf, short, toDev } from './state';

export function execStep(M: Machine, s: Step): void {
  switch (s.op) {
    case 'buffer':
    case 'dma_alloc_coherent':
    case 'dma_alloc_noncoherent':
      return declare(M, s);
    case 'neighbour':
      return;
    case 'cpu_write':
    case 'cpu_read':
      if (s.op === 'cpu_read') watchRead(M, s.name, s.offset, s.len);
      return cpuAccess(M, s.name, s.offset, s.len, s.op === 'cpu_write', s.op === 'cpu_write' ? s.value : undefined);
    case 'device_write':
    case 'device_read':
      if (s.op === 'device_write') watchWrite(M, s.name, s.offset, s.len);
      return devAccess(M, s.name, s.offset, s.len, s.op === 'device_write', s.op === 'device_write' ? s.value : undefined);
    case 'dma_map_single':
    case 'dma_map_page':
    case 'dma_map_sg':
      return mapStep(M, s.op, s.name, s.dir, s.size, s.attrs ?? []);
    case 'dma_mapping_error': {
      const o = M.objs.get(s.name);
      const m = o && M.latestMapping(o);
      if (m) m.errChecked = true;
      return;
    }
    case 'dma_sync_single_for_cpu':
    case 'dma_sync_single_for_device':
      return syncStep(M, s.op === 'dma_sync_single_for_cpu', s.name, s.dir, s.offset, s.len);
    case 'dma_unmap_single':
    case 'dma_unmap_page':
    case 'dma_unmap_sg':
      return unmapStep(M, s.op, s.name, s.dir, s.size, s.attrs ?? []);
    case 'dma_free_coherent':
    case 'dma_free_noncoherent':
      return freeStep(M, s.op, s.name, s.op === 'dma_free_coherent' ? s.size : undefined);
    case 'cpu_prefetch':
    case 'cpu_evict': {
      const target = M.objs.get(s.name) ?? M.neighbours.get(s.name);
      if (!target) return unknown(M, s.name);
      const o = 'owner' in target ? target.owner : target;
      if (!o.cached) return;
      for (const li of M.linesOf(target.pa, target.size)) {
        if (s.op === 'cpu_prefetch') {
          if (!M.cache.has(li)) M.fill(li, 'explicit');
        } else M.evictLine(li);
      }
      return;
    }
    case 'device_done':
      return;
    case 'driver_unbind':
      return leaks(M, true);
    case 'handoff':
      return handoff(M, s.name);
    default:
      M.hz('API_MISUSE', `unknown step '${String((s as { op?: unknown }).op)}'`, 'The simulator does not know this step; it was skipped.');
  }
}

function declare(M: Machine, s: Step & { op: 'buffer' | 'dma_alloc_coherent' | 'dma_alloc_noncoherent' }): void {
  const o = M.objs.get(s.name);
  if (!o || o.status !== 'undeclared') return;
  o.status = 'live';
  if (o.coherentMem) {
    // coherent memory: always shared with the device; zeroed by dma_alloc_coherent
    const m = newMapping(M, o, s.op, 'coherent', 'DMA_BIDIRECTIONAL', o.size, []);
    m.path = 'coherent';
    if (M.p.iommu) {
      const r = M.iommuMap(o.pa, o.size, 'RW', m.id);
      m.dma = r.dma;
      m.iovaPages = r.pages;
    } else m.dma = o.pa;
    m.owner.fill(1);
    m.errChecked = true;
    if (s.op === 'dma_alloc_coherent') {
      const v = M.newVersion('alloc');
      const c = { val: 0, v }; // cells are immutable: one per write, shared by its bytes
      for (let i = 0; i < o.size; i++) {
        M.G.set(o.pa + i, c);
        M.mem.set(o.pa + i, c);
      }
    }
    return;
  }
  if (s.op === 'dma_alloc_noncoherent') {
    const m = newMapping(M, o, s.op, 'noncoherent', s.dir, o.size, []);
    m.path = M.p.iommu ? 'iommu' : 'direct';
    if (M.p.iommu) {
      const r = M.iommuMap(o.pa, o.size, permOf(s.dir), m.id);
      m.dma = r.dma;
      m.iovaPages = r.pages;
    } else m.dma = o.pa;
    m.owner.fill(0);
    m.errChecked = true;
  }
}

export function newMapping(M: Machine, o: Obj, op: string, family: Family, dir: Direction, size: number, attrs: string[]): Mapping {
  const m: Mapping = {
    id: M.nextMappingId++,
    obj: o,
    op,
    family,
    dir,
    size,
    attrs,
    path: 'direct',
    state: 'LIVE',
    owner: new Uint8Array(size),
    errChecked: false,
    dma: DMA_MAPPING_ERROR,
    iovaPages: [],
    mappedAt: M.stepIndex,
    lastDevHandoff: M.stepIndex,
    leakReported: false,
    handedOff: false,
  };
  o.mappings.push(m);
  M.mappings.push(m);
  return m;
}

function mapStep(M: Machine, op: string, name: string, dir: Direction, sizeArg: number | undefined, attrs: string[]): void {
  const o = M.objs.get(name);
  if (!o || o.status === 'undeclared') return unknown(M, name);
  const size = Math.max(1, Math.min(Math.floor(sizeArg ?? o.size), 1 << 24));
  const skip = attrs.includes('DMA_ATTR_SKIP_CPU_SYNC');
  const m = newMapping(M, o, op, familyOf(op), dir, size, attrs);
  if (o.status === 'freed') {
    M.hz('USE_AFTER_FREE', `${op} of '${name}', which was already freed`, 'The buffer was freed earlier in the trace; mapping it hands the device memory that may belong to someone else.');
  }
  if (dir === 'DMA_NONE') {
    m.state = 'FAILED';
    m.failReason = 'DMA_NONE';
    M.hz(
      'API_MISUSE',
      `${op} of '${name}' with DMA_NONE`,
      'dma_map_* starts with BUG_ON(!valid_dma_direction(dir)): DMA_NONE is only a debugging placeholder, so the kernel oopses here on every platform.',
    );
    return;
  }
  if (o.kind === 'stack') {
    M.hz('API_MISUSE', `${op} maps '${name}', which lives on the stack`, 'dma-debug: "device driver maps memory from stack". Stack memory may be vmapped (VMAP_STACK) and shares cache lines with live locals; it must never be mapped for DMA on any platform.');
  }
  if (o.kind === 'vmalloc' && op === 'dma_map_single') {
    m.state = 'FAILED';
    m.failReason = 'vmalloc';
    M.hz('API_MISUSE', `dma_map_single of vmalloc memory '${name}'`, 'dma_map_single_attrs() refuses vmalloc addresses with a WARN and returns DMA_MAPPING_ERROR (dma-debug: "device driver maps memory from vmalloc area"); map the pages with dma_map_page/dma_map_sgtable instead.');
    return;
  }
  if (o.coherentMem) {
    M.hz('API_MISUSE', `${op} of coherent memory '${name}'`, 'Memory from dma_alloc_coherent/dma_pool already has a device address; streaming-mapping it again is not allowed (on non-coherent platforms it is a vmap alias that dma_map_single rejects).');
  }
  if (dir !== 'DMA_TO_DEVICE' && !skip && M.p.arch !== 'arm64' && M.p.arch !== 'riscv') {
    const cl = Math.floor(o.pa / 64);
    const other = M.mappings.find(
      (x) => x !== m && x.state === 'LIVE' && (x.family === 'single' || x.family === 'sg') && x.dir !== 'DMA_TO_DEVICE' && Math.floor(x.obj.pa / 64) === cl,
    );
    if (other) {
      M.hz(
        'API_MISUSE',
        `'${name}' is mapped ${short(dir)} while '${other.obj.name}' (mapped at line ${M.lineAt(other.mappedAt)}) is live in the same cache line`,
        'dma-debug: "cacheline tracking EEXIST, overlapping mappings aren\'t supported". Two device-writable mappings sharing a cache line corrupt each other on non-coherent platforms, whatever this platform does.',
      );
    }
  }
  m.owner.fill(1);
  m.lastDevHandoff = M.stepIndex;
  const bounce = M.bounces(o, size, dir);
  if (bounce) {
    const slot = M.allocSlot(size);
    if (!slot) {
      m.state = 'FAILED';
      m.failReason = 'swiotlb buffer is full';
      return;
    }
    m.slot = slot;
    m.path = M.p.iommu ? 'iommu+bounce' : 'bounce';
    // o→b of the whole mapping, every direction, even with SKIP_CPU_SYNC (swiotlb_tbl_map_single)
    for (let i = 0; i < size; i++) M.mem.set(slot.addr + i, M.cpuLoad(o.pa + i, o.cached));
    M.touch(o.pa, size);
    if (M.p.bounce.zeroPadding) for (let i = size; i < slot.size; i++) M.mem.set(slot.addr + i, ZERO);
    M.touch(slot.addr, slot.size);
    if (M.p.iommu) {
      const r = M.iommuMap(slot.addr, size, permOf(dir), m.id);
      m.dma = r.dma;
      m.iovaPages = r.pages;
    } else m.dma = slot.addr;
    return;
  }
  if (M.p.iommu) {
    m.path = 'iommu';
    const r = M.iommuMap(o.pa, size, permOf(dir), m.id);
    m.dma = r.dma;
    m.iovaPages = r.pages;
    return;
  }
  m.path = 'direct';
  m.dma = o.pa;
  if (o.cached && !skip) M.arch4dev(dir, o.pa, size);
}

function syncStep(M: Machine, forCpu: boolean, name: string, dir: Direction, offArg: number | undefined, lenArg: number | undefined): void {
  const o = M.objs.get(name);
  if (!o || o.status === 'undeclared') return unknown(M, name);
  const call = forCpu ? 'dma_sync_single_for_cpu' : 'dma_sync_single_for_device';
  const m = M.liveMapping(o, ['single', 'sg', 'noncoherent']);
  if (!m) {
    M.hz('API_MISUSE', `${call} of '${name}', which has no live mapping`, 'dma-debug: "device driver tries to sync DMA memory it has not allocated": there is no live mapping at this address (never mapped, mapping failed, or already unmapped).');
    return;
  }
  const off = offArg ?? 0;
  const len = lenArg ?? m.size - off;
  if (off + len > m.size || off >= m.size) {
    M.hz('API_MISUSE', `${call} of '${name}' covers bytes ${off}..${off + len - 1}, beyond the ${m.size}-byte mapping`, 'dma-debug: "device driver syncs DMA memory outside allocated range". Only the mapped range may be synced.');
  }
  if (dir === 'DMA_NONE') {
    M.hz('API_MISUSE', `${call} of '${name}' with DMA_NONE`, 'The sync helpers BUG_ON(!valid_dma_direction(dir)).');
    return;
  }
  if (m.dir !== 'DMA_BIDIRECTIONAL') {
    if (dir !== m.dir) {
      M.hz('API_MISUSE', `${call} of '${name}' with ${dir}, but it was mapped ${m.dir}`, 'dma-debug: "device driver syncs DMA memory with different direction". The sync direction must match the mapping (or the mapping must be BIDI).');
    }
    if (forCpu && m.dir !== 'DMA_FROM_DEVICE' && dir !== 'DMA_TO_DEVICE') {
      M.hz('API_MISUSE', `${call} of '${name}' (${short(m.dir)}) for the CPU with ${dir}`, 'dma-debug: "device driver syncs device read-only DMA memory for cpu".');
    }
    if (!forCpu && m.dir !== 'DMA_TO_DEVICE' && dir !== 'DMA_FROM_DEVICE') {
      M.hz('API_MISUSE', `${call} of '${name}' (${short(m.dir)}) for the device with ${dir}`, 'dma-debug: "device driver syncs device write-only DMA memory to device".');
    }
  }
  const a = Math.max(0, Math.min(off, m.size));
  const b = Math.max(a, Math.min(off + len, m.size));
  if (forCpu) {
    if (m.path === 'direct' && o.cached) M.arch4cpu(dir, o.pa + a, b - a);
    if (m.slot && fromDev(dir)) {
      for (let i = a; i < b; i++) M.cpuStoreRaw(o.pa + i, M.m(m.slot.addr + i), o.cached);
      M.causes.add('copyB2O');
    }
    m.owner.fill(0, a, b);
  } else {
    if (m.slot && toDev(dir)) {
      for (let i = a; i < b; i++) M.mem.set(m.slot.addr + i, M.cpuLoad(o.pa + i, o.cached));
      M.touch(o.pa + a, b - a);
      M.touch(m.slot.addr + a, b - a);
    }
    if (m.path === 'direct' && o.cached) M.arch4dev(dir, o.pa + a, b - a);
    m.owner.fill(1, a, b);
    m.lastDevHandoff = M.stepIndex;
  }
}
