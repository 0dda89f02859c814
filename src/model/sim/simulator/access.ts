/**
 * CPU and device accesses: ownership checks, stale reads (with the platform's reason), accesses
 * after unmap or free, and device accesses outside the mapping.
 */
import type { HazardKind } from '../types';
import type { Line, Mapping, Obj } from './state';
import { Machine, unknown } from './machine';
import { untrustedWriter } from '../toctou';
import { PAGE, fromDev, hex, permOf, roundDown, spans, toDev } from './state';

export function rangeOf(size: number, off: number | undefined, len: number | undefined): [number, number] {
  const a = Math.max(0, off ?? 0);
  const b = Math.max(a, len === undefined ? (off === undefined ? size : size - a) : a + len);
  return [a, Math.min(b, a + (1 << 20))];
}

export function cpuAccess(M: Machine, name: string, offArg: number | undefined, lenArg: number | undefined, write: boolean, value: number | undefined): void {
  const nb = M.neighbours.get(name);
  const o = nb ? nb.owner : M.objs.get(name);
  if (!o || o.status === 'undeclared') return unknown(M, name);
  const base = nb ? nb.pa : o.pa;
  const size = nb ? nb.size : o.size;
  const [a, b] = rangeOf(size, offArg, lenArg);
  const what = write ? 'wrote' : 'read';
  if (o.status === 'freed') {
    M.hz('USE_AFTER_FREE', `the CPU ${what} '${name}' after it was freed`, `'${o.name}' was released with dma_free_*; its memory (and on ${M.p.label} its mapping) is gone, so the access hits memory that may belong to someone else.`);
    return;
  }
  // ownership: bytes of a live streaming/noncoherent mapping owned by the device
  if (!nb) {
    const owned: number[] = [];
    let holder: Mapping | undefined;
    for (const m of o.mappings) {
      if (m.state !== 'LIVE' || m.family === 'coherent') continue;
      for (let i = a; i < b; i++) if (i < m.size && m.owner[i]) {
        owned.push(i);
        holder = m;
      }
    }
    if (holder) {
      const uniq = [...new Set(owned)].sort((x, y) => x - y);
      M.hz(
        'OWNERSHIP_VIOLATION',
        `the CPU ${what} bytes ${spans(uniq)} of '${name}' while the device owns them`,
        `'${name}' was handed to the device by ${holder.op === 'dma_alloc_noncoherent' ? 'dma_sync_single_for_device' : holder.op} / dma_sync_single_for_device (line ${M.lineAt(holder.lastDevHandoff)}) and not yet given back by dma_sync_single_for_cpu or unmap. ` +
          `The DMA API forbids CPU access in that window on every platform; on ${M.p.label} the mapping is ${M.pathLabel(holder)}` +
          (M.p.coherent && !holder.slot ? ', so the data happens to be coherent here: it works by luck and breaks on bouncing or non-coherent platforms.' : '.'),
      );
    }
  }
  if (write) {
    const v = M.newVersion('cpu');
    const val = value ?? v % 256;
    const c = { val, v };
    for (let i = a; i < b; i++) {
      M.G.set(base + i, c);
      M.cpuStoreRaw(base + i, c, o.cached);
    }
    return;
  }
  const stale: number[] = [];
  const reverted: number[] = [];
  let revertedAt = 0;
  let revertedV = 0;
  let staleLine: Line | undefined;
  let staleV = 0;
  for (let i = a; i < b; i++) {
    const obs = M.cpuLoad(base + i, o.cached);
    const g = M.g(base + i);
    if (obs.v >= g.v) continue;
    const key = `${base + i}:${g.v}`;
    const d = M.deferredLoss.get(key);
    if (d !== undefined) {
      M.deferredLoss.delete(key);
      reverted.push(i);
      revertedAt = d;
      revertedV = g.v;
      continue;
    }
    if (M.lostSeen.has(key)) continue; // already reported as a lost write
    if (M.writer.get(g.v) === 'device') {
      stale.push(i);
      staleV = g.v;
      if (o.cached) staleLine = M.cache.get(M.lineOf(base + i));
    }
  }
  if (reverted.length) {
    const ws = M.lineAt(M.writerStep.get(revertedV) ?? 0);
    M.hz(
      'LOST_CPU_WRITE',
      `the CPU read bytes ${spans(reverted)} of '${name}' and got older data than its own write of line ${ws}`,
      `On ${M.p.label} a DMA_FROM_DEVICE map invalidates the buffer's cache lines (line ${M.lineAt(revertedAt)}) instead of cleaning them, so the CPU's write, still dirty in the cache, was discarded; ` +
        'the bytes the device did not overwrite reverted to the older RAM contents. swiotlb and arm64 preserve the original contents; ARMv7 does not.',
    );
  }
  if (stale.length) {
    const m = o.mappings[o.mappings.length - 1];
    let why: string;
    const devStep = M.lineAt(M.writerStep.get(staleV) ?? 0);
    if (m && m.slot) {
      why =
        `On ${M.p.label} this mapping was ${M.pathLabel(m)} because ${M.bounceReason(m)}. The device wrote the bounce slot (line ${devStep}), not '${o.name}'. ` +
        `The CPU read the original buffer, and no dma_sync_single_for_cpu (or unmap) with DMA_FROM_DEVICE/BIDI copied the slot back (b→o), so it saw the bytes from before the DMA.`;
    } else if (o.cached && staleLine) {
      const how =
        staleLine.how === 'prefetch'
          ? `speculatively prefetched at line ${M.lineAt(staleLine.filledAt)} while the device owned the buffer`
          : staleLine.how === 'explicit'
            ? `filled by cpu_prefetch at line ${M.lineAt(staleLine.filledAt)}`
            : `loaded by an earlier CPU access (line ${M.lineAt(staleLine.filledAt)}) and left valid by the clean at map time`;
      why =
        `On ${M.p.label} the device does not snoop the CPU caches: it wrote RAM directly (line ${devStep}), but the CPU read cache line ${hex(M.lineOf(base + stale[0]) * M.p.lineSize)}, which still held the bytes from before the device wrote (${how}). ` +
        `Only dma_sync_single_for_cpu or unmap with DMA_FROM_DEVICE/BIDI invalidates those lines before the CPU looks.`;
    } else {
      why = `On ${M.p.label} the CPU observed an older version of these bytes than the one the device wrote at line ${devStep}.`;
    }
    M.hz('STALE_CPU_READ', `the CPU read stale data in bytes ${spans(stale)} of '${name}' (the device's write of line ${devStep} is not visible)`, why);
  }
}

export function devAccess(M: Machine, name: string, offArg: number | undefined, lenArg: number | undefined, write: boolean, value: number | undefined): void {
  const o = M.objs.get(name);
  if (!o || o.status === 'undeclared') return unknown(M, name);
  const [a, b] = rangeOf(o.size, offArg, lenArg);
  const what = write ? 'wrote' : 'read';
  const m = M.latestMapping(o);
  if (!m) {
    M.hz('OWNERSHIP_VIOLATION', `the device ${what} '${name}', which was never mapped`, 'The device can only be given memory through dma_map_* or a DMA allocation; this buffer has no device address.');
    if (M.p.iommu) M.hz('IOMMU_FAULT', `the device ${what} '${name}' without any IOMMU mapping`, `On ${M.p.label} every device access is translated; an address nobody mapped faults.`);
    return;
  }
  if (m.state === 'FAILED') {
    M.hz('MAP_ERROR_USED', `the device ${what} '${name}' through a failed mapping (${m.failReason ?? 'DMA_MAPPING_ERROR'})`, `The map returned DMA_MAPPING_ERROR${m.failReason === 'swiotlb buffer is full' ? ' ("swiotlb buffer is full": the mapping needs more than 128 contiguous 2 KiB slots)' : ''}; programming the device with it sends DMA to address ~0. Check dma_mapping_error() and bail out.`);
    return;
  }
  if (o.status === 'freed' || m.state === 'RELEASED') {
    const freed = o.status === 'freed';
    const kind: HazardKind = freed && m.family !== 'single' && m.family !== 'sg' ? 'USE_AFTER_FREE' : 'USE_AFTER_UNMAP';
    const detail = `the device ${what} '${name}' after it was ${freed ? 'freed' : 'unmapped'}`;
    let outcome: string;
    let reach: number | undefined;
    if (M.p.iommu) {
      const t = M.translate(m.dma + a, write ? 'W' : 'R', true);
      if ('fault' in t) {
        outcome = M.p.iommu.strict
          ? `On ${M.p.label} the unmap removed the IOMMU entries and flushed the IOTLB at once, so the access faults.`
          : `On ${M.p.label} the queued IOTLB flush has already run, so the access faults.`;
        M.hz(kind, detail, outcome);
        M.hz('IOMMU_FAULT', `IOMMU fault: ${t.fault}`, outcome);
        return;
      }
      outcome = `On ${M.p.label} the IOTLB flush after unmap is only queued (iommu.strict=0): the device still reached physical page ${hex(roundDown(t.pa, PAGE))} through the stale IOTLB entry, which silently corrupts whatever owns that page now.`;
      reach = t.pa - a;
    } else if (m.slot) {
      outcome = `On ${M.p.label} the bounce slot ${hex(m.slot.addr)} was released at unmap; the device's access went to a free swiotlb slot that another mapping may own now.`;
      reach = m.slot.addr;
    } else {
      outcome = `On ${M.p.label} there is no IOMMU: the device's access went straight to physical memory that may already belong to someone else (silent corruption).`;
      reach = o.pa;
    }
    M.hz(kind, detail, outcome);
    if (write && reach !== undefined) {
      const v = M.newVersion('device');
      const cell = { val: value ?? v % 256, v };
      for (let i = a; i < b; i++) {
        const g = M.g(o.pa + i);
        M.lostSeen.add(`${o.pa + i}:${g.v}`);
        M.mem.set(reach + i, cell);
      }
      M.touch(reach + a, b - a);
      M.causes.add('uau');
    }
    return;
  }
  // live mapping (streaming, coherent or noncoherent)
  if (m.family !== 'coherent') {
    const notOwned: number[] = [];
    for (let i = a; i < b && i < m.size; i++) if (!m.owner[i]) notOwned.push(i);
    if (notOwned.length) {
      M.hz(
        'OWNERSHIP_VIOLATION',
        `the device ${what} bytes ${spans(notOwned)} of '${name}' while the CPU owns them`,
        `'${name}' was given back to the CPU (dma_sync_single_for_cpu${m.family === 'noncoherent' ? ', or never handed over with dma_sync_single_for_device after dma_alloc_noncoherent' : ''}); the device may only touch it after dma_sync_single_for_device.`,
      );
    }
    const dirOk = write ? fromDev(m.dir) : toDev(m.dir);
    if (!dirOk) {
      if (M.p.iommu && m.path !== 'coherent') {
        const t = M.translate(m.dma + a, write ? 'W' : 'R', false);
        if ('fault' in t) {
          M.hz('IOMMU_FAULT', `IOMMU fault: ${t.fault}`, `On ${M.p.label} a ${m.dir} mapping gets ${permOf(m.dir)} permission only; the device's ${write ? 'write' : 'read'} is blocked and reported as a DMA fault.`);
          return;
        }
      }
      M.hz('API_MISUSE', `the device ${what} '${name}', which is mapped ${m.dir}`, `A ${m.dir} mapping is ${write ? 'read-only' : 'write-only'} for the device; use DMA_BIDIRECTIONAL when both sides write. ${M.p.iommu ? '' : `On ${M.p.label} nothing enforces it.`}`);
    }
  }
  // out-of-bounds part
  const inEnd = Math.min(b, m.size);
  if (b > m.size) {
    const extra = b - Math.max(a, m.size);
    if (M.p.iommu && m.path !== 'coherent') {
      const t = M.translate(m.dma + Math.max(a, m.size), write ? 'W' : 'R', false);
      const lastT = M.translate(m.dma + b - 1, write ? 'W' : 'R', false);
      if ('fault' in t || 'fault' in lastT) {
        M.hz('IOMMU_FAULT', `IOMMU fault: the device ${what} ${extra} bytes past the end of '${name}'`, `On ${M.p.label} only the granules covering the mapping are in the page table; the access beyond them faults.`);
      } else if (!m.slot) {
        if (!write) M.hz('INFO_LEAK', `the device read ${extra} bytes past the end of '${name}' inside its IOMMU page`, `On ${M.p.label} the IOMMU maps whole 4 KiB granules, so the device can read the rest of the page around '${name}', including unrelated kernel objects. A sub-page buffer exposes its page.`);
        else outOfBoundsWrite(M, o, m, Math.max(a, m.size), b, value, t.pa - Math.max(a, m.size));
      } else if (!write && !M.p.bounce.zeroPadding) {
        M.hz('INFO_LEAK', `the device read ${extra} bytes of bounce-slot padding past '${name}'`, 'The slot padding holds whatever earlier users left in the swiotlb pool.');
      }
    } else if (m.slot) {
      if (!write) M.hz('INFO_LEAK', `the device read ${extra} bytes of bounce-slot padding past '${name}'`, `On ${M.p.label} the slot padding holds whatever earlier mappings left in the swiotlb pool.`);
    } else {
      if (!write) M.hz('INFO_LEAK', `the device read ${extra} bytes past the end of '${name}'`, `On ${M.p.label} nothing stops the device from reading memory outside its mapping: those bytes belong to other objects.`);
      else outOfBoundsWrite(M, o, m, Math.max(a, m.size), b, value, m.dma - o.pa);
    }
  }
  if (inEnd <= a) return;
  // translate the first byte (pages are contiguous for one mapping)
  let target: number;
  if (M.p.iommu && m.path !== 'coherent' && m.family !== 'noncoherent') {
    const t = M.translate(m.dma + a, write ? 'W' : 'R', false);
    if ('fault' in t) return; // already reported above (direction)
    target = t.pa - a;
  } else if (m.slot) target = m.slot.addr;
  else target = o.pa;
  if (write) {
    const v = M.newVersion('device');
    const c = { val: value ?? v % 256, v };
    for (let i = a; i < inEnd; i++) {
      M.G.set(o.pa + i, c);
      M.mem.set(target + i, c);
    }
    M.touch(target + a, inEnd - a);
    M.touch(o.pa + a, inEnd - a);
    M.causes.add('devWrite');
    return;
  }
  const stale: number[] = [];
  let cacheDirty = false;
  let cpuStep = 0;
  for (let i = a; i < inEnd; i++) {
    const obs = M.m(target + i);
    const g = M.g(o.pa + i);
    if (obs.v < g.v && M.writer.get(g.v) === 'cpu') {
      stale.push(i);
      cpuStep = M.lineAt(M.writerStep.get(g.v) ?? 0);
      const l = M.cache.get(M.lineOf(o.pa + i));
      if (l && l.state === 'D') cacheDirty = true;
    }
  }
  if (stale.length) {
    let why: string;
    if (m.slot) {
      why =
        `On ${M.p.label} this mapping was ${M.pathLabel(m)} because ${M.bounceReason(m)}. The CPU wrote '${o.name}' at line ${cpuStep}, after the last copy into the slot (the map, or dma_sync_single_for_device with TO/BIDI); ` +
        `the device read the slot, which still holds the older bytes.`;
    } else if (cacheDirty) {
      why =
        `On ${M.p.label} the device does not snoop the CPU caches. The CPU's write of line ${cpuStep} is still sitting in a dirty cache line; the device read RAM, and no dma_sync_single_for_device (or map) after the write cleaned the line to memory.`;
    } else {
      why = `On ${M.p.label} the device read an older version of these bytes than the CPU's write of line ${cpuStep}: that write never reached memory the device reads.`;
    }
    M.hz('STALE_DEVICE_READ', `the device read stale data in bytes ${spans(stale)} of '${name}' (the CPU's write of line ${cpuStep} is not visible)`, why);
  }
}

export function outOfBoundsWrite(M: Machine, o: Obj, m: Mapping, a: number, b: number, value: number | undefined, delta: number): void {
  const v = M.newVersion('device');
  const cell = { val: value ?? v % 256, v };
  for (let i = a; i < b; i++) M.mem.set(o.pa + i + delta, cell);
  M.touch(o.pa + a + delta, b - a);
  M.causes.add('devWrite');
  void m;
}

/**
 * A device write the CPU may read twice around (TOCTOU_READ). Coherent memory only: it has no ownership
 * protocol, so the CPU sees the other side's writes at once; a streaming buffer changes hands by sync/unmap
 * (and bounces on cvm), where a second read after a new hand-off is the normal recycle.
 */
export function watchWrite(M: Machine, name: string, off: number | undefined, len: number | undefined): void {
  const o = M.objs.get(name);
  if (!o || o.status !== 'live' || !o.coherentMem) return;
  const [a, b] = rangeOf(o.size, off, len);
  M.watch.deviceWrite({ obj: name, a, b, step: M.stepIndex, line: M.stepLine });
}

/** The second CPU read of bytes the device rewrote since the first: TOCTOU_READ where the writer is untrusted. */
export function watchRead(M: Machine, name: string, off: number | undefined, len: number | undefined): void {
  const o = M.objs.get(name);
  if (!o || o.status !== 'live' || !o.coherentMem) return;
  const [a, b] = rangeOf(o.size, off, len);
  const hit = M.watch.cpuRead({ obj: name, a, b, step: M.stepIndex, line: M.stepLine });
  const who = untrustedWriter(M.p);
  if (!hit || !who) return;
  const bytes = hit.b - hit.a === 1 ? `byte ${hit.a}` : `bytes ${hit.a}..${hit.b - 1}`;
  M.hz(
    'TOCTOU_READ',
    `the CPU read ${bytes} of '${name}' again (first read at line ${hit.first.line}); the device rewrote them at line ${hit.write.line}`,
    `On ${M.p.label} ${who === 'host' ? 'the host can rewrite shared (decrypted) DMA memory' : 'the untrusted device can rewrite the memory mapped for it'} at any moment, ` +
      'so a check made on the first read does not hold for the second. Read the value once (READ_ONCE() into a local), check the local and use the local.',
  );
}
