/**
 * Memory layout: every buffer and DMA allocation of the trace gets its physical address before the
 * first step (alignment by kind, neighbours around it, a guard page between objects), and a view
 * window widened to whole cache lines.
 */
import type { BufferKind, Step } from '../types';
import type { Machine } from './machine';
import { Neighbour, Obj, PAGE, RAM_BASE, roundDown, roundUp } from './state';

function defaultAlign(kind: BufferKind, size: number): number {
  switch (kind) {
    case 'kmalloc':
    case 'pool': {
      let a = 8;
      while (a < size && a < PAGE) a *= 2;
      return a;
    }
    case 'stack':
      return 16;
    case 'static':
      return 32;
    default:
      return PAGE;
  }
}

export function layout(M: Machine, steps: Step[]): void {
  const decl: { name: string; kind: BufferKind; size: number; align?: number; offset?: number; tracked: boolean }[] = [];
  const neigh: { name: string; buffer: string; offset: number; size: number }[] = [];
  for (const s of steps) {
    if (!s || typeof s !== 'object') continue;
    if (s.op === 'buffer') decl.push({ name: s.name, kind: s.kind, size: s.size, align: s.align, offset: s.offset, tracked: false });
    else if (s.op === 'dma_alloc_coherent') decl.push({ name: s.name, kind: 'coherent', size: s.size, tracked: true });
    else if (s.op === 'dma_alloc_noncoherent') decl.push({ name: s.name, kind: 'noncoherent', size: s.size, tracked: true });
    else if (s.op === 'neighbour') neigh.push(s);
  }
  let cursor = RAM_BASE;
  const ls = M.p.lineSize;
  for (const d of decl) {
    if (M.objs.has(d.name)) continue;
    const size = Math.max(1, Math.min(Math.floor(Number(d.size) || 1), 1 << 24));
    const ns = neigh.filter((n) => n.buffer === d.name);
    let minOff = 0;
    let maxEnd = size;
    for (const n of ns) {
      minOff = Math.min(minOff, n.offset);
      maxEnd = Math.max(maxEnd, n.offset + n.size);
    }
    const align = d.tracked ? PAGE : Math.max(1, d.align ?? defaultAlign(d.kind, size));
    const offset = Math.max(0, d.offset ?? 0);
    const lead = roundUp(Math.max(0, -minOff - offset), PAGE) + PAGE;
    const allocStart = cursor + lead + (align < PAGE ? align : 0);
    const pa = allocStart + offset;
    const coherentMem = d.kind === 'coherent' || d.kind === 'pool';
    const cached = !M.p.coherent && !coherentMem;
    const o: Obj = {
      name: d.name,
      kind: d.kind,
      pa,
      size,
      cached,
      coherentMem,
      status: 'undeclared',
      tracked: d.tracked,
      neighbours: [],
      winStart: roundDown(pa + minOff, ls),
      winEnd: roundUp(pa + maxEnd, ls),
      mappings: [],
      leakReported: false,
    };
    M.objs.set(d.name, o);
    for (const n of ns) {
      const nb: Neighbour = { name: n.name, owner: o, pa: pa + n.offset, size: n.size };
      o.neighbours.push(nb);
      M.neighbours.set(n.name, nb);
    }
    cursor = roundUp(pa + maxEnd, PAGE) + PAGE;
  }
}
