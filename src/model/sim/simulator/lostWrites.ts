/**
 * Lost-write detection after each step: a newest version that no copy (cache, RAM, bounce slot)
 * holds any more, and the platform's reason it vanished.
 */
import type { HazardKind } from '../types';
import type { Machine } from './machine';
import { Obj, Writer, spans } from './state';

/** Lost-write detection: a newest version that no copy holds any more. */
export function checkLost(M: Machine): void {
  type Group = { kind: HazardKind; obj: string; idx: number[]; writerStep: number; inMapping: boolean };
  const groups = new Map<string, Group>();
  const consider = (name: string, o: Obj, pa: number, idx: number, outside: boolean): void => {
    const g = M.g(pa);
    if (g.v === 0) return;
    const w = M.writer.get(g.v);
    if (w !== 'cpu' && w !== 'device') return;
    const key = `${pa}:${g.v}`;
    if (M.lostSeen.has(key)) return;
    if (o.cached) {
      const l = M.cache.get(M.lineOf(pa));
      if (l && l.bytes[pa - M.lineOf(pa) * M.p.lineSize].v === g.v) return;
    }
    if (M.m(pa).v === g.v) return;
    for (const s of M.slotCopies(pa)) if (M.m(s).v === g.v) return;
    M.lostSeen.add(key);
    if (w === 'cpu' && !outside && M.causes.has('inval') && M.stepOp.startsWith('dma_map')) {
      // ARMv7 FROM map: harmless unless the CPU later reads bytes the device did not overwrite
      M.deferredLoss.set(key, M.stepIndex);
      return;
    }
    const kind: HazardKind = outside ? 'NEIGHBOUR_CORRUPTION' : w === 'cpu' ? 'LOST_CPU_WRITE' : 'LOST_DEVICE_WRITE';
    const gk = `${kind}:${name}:${w}`;
    const grp = groups.get(gk) ?? { kind, obj: name, idx: [], writerStep: M.lineAt(M.writerStep.get(g.v) ?? 0), inMapping: !outside };
    grp.idx.push(idx);
    groups.set(gk, grp);
    (grp as Group & { w?: Writer }).w = w;
  };
  if (!M.touched.length) return;
  const ranges = M.touched;
  const each = (start: number, size: number, fn: (pa: number, idx: number) => void): void => {
    for (const [ra, rb] of ranges) {
      const a = Math.max(ra, start);
      const b = Math.min(rb, start + size);
      for (let pa = a; pa < b; pa++) fn(pa, pa - start);
    }
  };
  for (const o of M.objs.values()) {
    if (o.status !== 'live') continue;
    const maxMapped = o.mappings.reduce((x, m) => Math.max(x, m.family === 'coherent' ? 0 : m.size), 0);
    each(o.pa, o.size, (pa, i) => consider(o.name, o, pa, i, maxMapped > 0 && i >= maxMapped));
    for (const n of o.neighbours) each(n.pa, n.size, (pa, i) => consider(n.name, o, pa, i, true));
  }
  for (const g of groups.values()) {
    const w = (g as Group & { w?: Writer }).w;
    const who = w === 'cpu' ? 'CPU' : 'device';
    const detail = `${who} data written at line ${g.writerStep} to bytes ${spans(g.idx)} of '${g.obj}' was destroyed by ${M.stepOp}`;
    M.hz(g.kind, detail, lostWhy(M, w === 'cpu', g.kind === 'NEIGHBOUR_CORRUPTION', g.obj));
  }
}

export function lostWhy(M: Machine, cpu: boolean, neighbour: boolean, name: string): string {
  const p = M.p;
  const c = M.causes;
  const op = M.stepOp;
  const parts: string[] = [];
  if (neighbour) parts.push(`'${name}' is not part of the mapping but shares a cache line with it.`);
  if (cpu && c.has('inval')) {
    const table =
      p.ncSync === 'armv7' && op.startsWith('dma_map')
        ? 'ARMv7 invalidates the lines of a DMA_FROM_DEVICE mapping at map time'
        : p.ncSync === 'riscv'
          ? 'RISC-V invalidates whole cache blocks (cbo.inval), partial blocks at the edges included'
          : `${p.label} invalidates full lines for FROM/BIDI`;
    parts.push(`On ${p.label} the CPU's write existed only in a dirty cache line; ${op} dropped that line without writing it back (${table}).`);
  } else if (cpu && c.has('copyB2O')) {
    parts.push(`On ${p.label} the buffer is bounced: ${op} copied the swiotlb slot back over the original (b→o), replacing the CPU's bytes, written while the device owned the buffer, with the slot's contents.`);
  } else if (!cpu && c.has('writeback')) {
    parts.push(
      `On ${p.label} a dirty cache line that also covers the DMA data (the CPU wrote into it while the device owned the buffer, on top of a stale copy of the line) was written back by ${op}; ` +
        `the write-back replaced the device's bytes in RAM with the stale bytes from the cache${p.ncSync !== 'riscv' ? ' (partial lines at the edges of an invalidate are cleaned first)' : ''}.`,
    );
  } else if (!cpu && c.has('slotFree')) {
    parts.push(`On ${p.label} the device's data was only in the bounce slot, and ${op} released the slot without copying it back (DMA_ATTR_SKIP_CPU_SYNC, or a TO direction).`);
  } else if (c.has('devWrite') || c.has('uau')) {
    parts.push(`The device wrote these bytes outside what it was given.`);
  } else if (!cpu && c.has('copyB2O')) {
    parts.push(`On ${p.label} ${op} copied the bounce slot back over the buffer, and the slot held older bytes than the device's latest write.`);
  } else {
    parts.push(`On ${p.label} ${op} removed the last copy of this data.`);
  }
  return parts.join(' ');
}
