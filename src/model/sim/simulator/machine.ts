/**
 * One simulated machine on one platform preset: the versioned memory, the CPU cache primitives
 * (clean, invalidate, the arch_sync_dma_for_{device,cpu} tables of dma-model.md §3.4), swiotlb
 * slots, the IOMMU page table and lazy IOTLB, and the hazards of the current step.
 */
import { Platform, kmallocSizeRoundup } from '../../platforms';
import { ReadWatch } from '../toctou';
import type { Direction, Hazard, HazardKind } from '../types';
import {
  Cause,
  Cell,
  IOVA_BASE,
  Line,
  Mapping,
  Neighbour,
  Obj,
  POOL_BASE,
  PtEntry,
  Writer,
  ZERO,
  Family,
  hex,
  roundDown,
  roundUp,
  short,
} from './state';

export class Machine {
  readonly p: Platform;
  readonly spec: boolean;
  seq = 0;
  readonly writer = new Map<number, Writer>([[0, 'init']]);
  readonly writerStep = new Map<number, number>();
  readonly G = new Map<number, Cell>();
  readonly mem = new Map<number, Cell>();
  readonly cache = new Map<number, Line>();
  readonly objs = new Map<string, Obj>();
  readonly neighbours = new Map<string, Neighbour>();
  readonly mappings: Mapping[] = [];
  readonly pt = new Map<number, PtEntry>();
  readonly iotlb = new Map<number, PtEntry & { expiresAt: number }>();
  readonly lostSeen = new Set<string>();
  /** CPU versions dropped by an ARMv7 FROM map: reported only if the CPU later reads the older bytes */
  readonly deferredLoss = new Map<string, number>();
  poolCursor = POOL_BASE;
  iovaCursor = IOVA_BASE;
  nextMappingId = 1;
  stepIndex = 0;
  stepLine = 0;
  stepOp = '';
  /** trace line of each step index */
  stepLines: number[] = [];
  causes = new Set<Cause>();
  /** address ranges whose copies changed during this step (lost-write detection looks only there) */
  touched: [number, number][] = [];
  /** the object the current step names (its mapping views are rebuilt) */
  stepObj: Obj | undefined;
  /** CPU reads and device writes, for TOCTOU_READ (src/model/sim/toctou.ts) */
  readonly watch = new ReadWatch();

  touch(a: number, len: number): void {
    if (len <= 0) return;
    const last = this.touched[this.touched.length - 1];
    if (last && last[1] === a) last[1] = a + len;
    else this.touched.push([a, a + len]);
  }
  causeLine = -1;
  hazards: Hazard[] = [];

  constructor(p: Platform, spec: boolean) {
    this.p = p;
    this.spec = spec;
  }

  // ---- hazards -------------------------------------------------------------------------------

  lineAt(stepIdx: number): number {
    return this.stepLines[stepIdx] ?? 0;
  }

  hz(kind: HazardKind, detail: string, why: string): void {
    if (this.hazards.some((h) => h.kind === kind && h.detail === detail)) return;
    this.hazards.push({ kind, step: this.stepIndex, line: this.stepLine, detail, why });
  }

  // ---- versions ------------------------------------------------------------------------------

  newVersion(w: Writer): number {
    const v = ++this.seq;
    this.writer.set(v, w);
    this.writerStep.set(v, this.stepIndex);
    return v;
  }
  g(pa: number): Cell {
    return this.G.get(pa) ?? ZERO;
  }
  m(pa: number): Cell {
    return this.mem.get(pa) ?? ZERO;
  }

  // ---- CPU cache primitives (§4.3) -----------------------------------------------------------

  lineOf(pa: number): number {
    return Math.floor(pa / this.p.lineSize);
  }
  fill(li: number, how: Line['how']): Line {
    const base = li * this.p.lineSize;
    const bytes: Cell[] = [];
    for (let i = 0; i < this.p.lineSize; i++) bytes.push(this.m(base + i));
    const l: Line = { state: 'S', bytes, filledAt: this.stepIndex, how };
    this.cache.set(li, l);
    this.touch(base, this.p.lineSize);
    return l;
  }
  cleanLine(li: number): void {
    const l = this.cache.get(li);
    if (!l || l.state !== 'D') return;
    const base = li * this.p.lineSize;
    for (let i = 0; i < this.p.lineSize; i++) this.mem.set(base + i, l.bytes[i]);
    this.touch(base, this.p.lineSize);
    l.state = 'S';
    this.causes.add('writeback');
  }
  invalLine(li: number): void {
    const l = this.cache.get(li);
    if (!l) return;
    if (l.state === 'D') this.causes.add('inval');
    this.touch(li * this.p.lineSize, this.p.lineSize);
    this.cache.delete(li);
  }
  evictLine(li: number): void {
    this.cleanLine(li);
    this.cache.delete(li);
  }
  linesOf(pa: number, len: number): number[] {
    if (len <= 0) return [];
    const out: number[] = [];
    for (let li = this.lineOf(pa); li <= this.lineOf(pa + len - 1); li++) out.push(li);
    return out;
  }
  /** C: clean every line of the range */
  opClean(pa: number, len: number): void {
    for (const li of this.linesOf(pa, len)) this.cleanLine(li);
  }
  /** I: invalidate; partial lines at either end are cleaned first when edgeClean (arm64, ARMv7) */
  opInval(pa: number, len: number, edgeClean: boolean): void {
    const ls = this.p.lineSize;
    for (const li of this.linesOf(pa, len)) {
      const partial = li * ls < pa || (li + 1) * ls > pa + len;
      if (partial && edgeClean) this.cleanLine(li);
      this.invalLine(li);
    }
  }
  /** arch_sync_dma_for_device per §3.4 */
  arch4dev(dir: Direction, pa: number, len: number): void {
    switch (this.p.ncSync) {
      case 'arm64':
      case 'riscv':
        this.opClean(pa, len);
        break;
      case 'armv7':
        if (dir === 'DMA_FROM_DEVICE') this.opInval(pa, len, true);
        else this.opClean(pa, len);
        break;
      default:
        break;
    }
  }
  /** arch_sync_dma_for_cpu per §3.4 */
  arch4cpu(dir: Direction, pa: number, len: number): void {
    if (!this.p.ncSync || dir === 'DMA_TO_DEVICE') return;
    this.opInval(pa, len, this.p.ncSync !== 'riscv');
  }

  cpuLoad(pa: number, cached: boolean): Cell {
    if (!cached) return this.m(pa);
    const li = this.lineOf(pa);
    const l = this.cache.get(li) ?? this.fill(li, 'demand');
    return l.bytes[pa - li * this.p.lineSize];
  }
  cpuPeek(pa: number, cached: boolean): Cell {
    if (!cached) return this.m(pa);
    const li = this.lineOf(pa);
    const l = this.cache.get(li);
    return l ? l.bytes[pa - li * this.p.lineSize] : this.m(pa);
  }
  cpuStoreRaw(pa: number, c: Cell, cached: boolean): void {
    this.touch(pa, 1);
    if (!cached) {
      this.mem.set(pa, c);
      return;
    }
    const li = this.lineOf(pa);
    const l = this.cache.get(li) ?? this.fill(li, 'demand');
    l.bytes[pa - li * this.p.lineSize] = c;
    l.state = 'D';
  }

  // ---- object lookup -------------------------------------------------------------------------

  liveMapping(o: Obj, families: Family[]): Mapping | undefined {
    for (let i = o.mappings.length - 1; i >= 0; i--) {
      const m = o.mappings[i];
      if (m.state === 'LIVE' && families.includes(m.family)) return m;
    }
    return undefined;
  }
  latestMapping(o: Obj): Mapping | undefined {
    return o.mappings[o.mappings.length - 1];
  }
  /** is the byte at pa inside a live bounce slot (returns the slot address holding its copy) */
  slotCopies(pa: number): number[] {
    const out: number[] = [];
    for (const m of this.mappings) {
      if (m.state !== 'LIVE' || !m.slot) continue;
      const off = pa - m.obj.pa;
      if (off >= 0 && off < m.size) out.push(m.slot.addr + off);
    }
    return out;
  }

  // ---- bouncing, IOMMU -----------------------------------------------------------------------

  allocSlot(size: number): { addr: number; size: number } | undefined {
    const b = this.p.bounce;
    const align = this.p.iommu ? this.p.iommu.granule : b.slotSize;
    const alloc = roundUp(size, align);
    if (alloc / b.slotSize > b.maxSlots) return undefined;
    const addr = roundUp(this.poolCursor, align);
    this.poolCursor = addr + alloc + align;
    return { addr, size: alloc };
  }
  iommuMap(pa: number, size: number, perm: PtEntry['perm'], mapping: number): { dma: number; pages: number[] } {
    const gr = this.p.iommu!.granule;
    const first = roundDown(pa, gr);
    const last = roundUp(pa + size, gr);
    const iova = this.iovaCursor;
    this.iovaCursor += last - first + gr;
    const pages: number[] = [];
    for (let a = first; a < last; a += gr) {
      const ip = iova + (a - first);
      this.pt.set(ip, { pa: a, perm, mapping });
      pages.push(ip);
    }
    return { dma: iova + (pa - first), pages };
  }
  iommuUnmap(m: Mapping): void {
    const io = this.p.iommu!;
    for (const ip of m.iovaPages) {
      const e = this.pt.get(ip);
      if (!e) continue;
      this.pt.delete(ip);
      if (!io.strict) this.iotlb.set(ip, { ...e, expiresAt: this.stepIndex + io.lazyWindowSteps });
    }
  }
  /** translate a device address; 'fault' when the IOMMU blocks it */
  translate(dma: number, need: 'R' | 'W', allowStale: boolean): { pa: number } | { fault: string } {
    const io = this.p.iommu;
    if (!io) return { pa: dma };
    const ip = roundDown(dma, io.granule);
    const e = this.pt.get(ip) ?? (allowStale ? this.iotlb.get(ip) : undefined);
    if (!e) return { fault: `no IOMMU entry for IOVA ${hex(dma)}` };
    if (!e.perm.includes(need)) return { fault: `IOVA ${hex(dma)} is mapped ${e.perm}-only; the device tried to ${need === 'W' ? 'write' : 'read'}` };
    return { pa: e.pa + (dma - ip) };
  }

  /** does a map of `o` with (size, dir) bounce on this platform? */
  bounces(o: Obj, size: number, dir: Direction): boolean {
    const b = this.p.bounce;
    switch (b.mode) {
      case 'addrLimit':
      case 'force':
        return true;
      case 'iommuUnaligned':
        return ((o.pa | size) & (this.p.iommu!.granule - 1)) !== 0;
      case 'kmallocSmall': {
        if (dir === 'DMA_TO_DEVICE') return false;
        const minAlign = b.dmaMinAlign ?? 128;
        const aligned = size >= 2 * minAlign || kmallocSizeRoundup(size) % this.p.minAlign === 0;
        return !aligned;
      }
      default:
        return false;
    }
  }

  pathLabel(m: Mapping): string {
    switch (m.path) {
      case 'bounce':
      case 'iommu+bounce':
        return `bounced through swiotlb slot ${hex(m.slot?.addr ?? 0)}`;
      case 'iommu':
        return `mapped in place through the IOMMU at IOVA ${hex(m.dma)}`;
      case 'direct':
        return this.p.coherent ? 'mapped directly (dma address = physical address)' : 'mapped directly on a non-coherent device';
      case 'coherent':
        return 'coherent memory';
    }
  }

  bounceReason(m: Mapping): string {
    switch (this.p.bounce.mode) {
      case 'addrLimit':
        return 'the device mask cannot reach the buffer';
      case 'force':
        return this.p.cc ? 'a confidential guest bounces every streaming mapping through shared memory' : 'swiotlb=force bounces every streaming mapping';
      case 'iommuUnaligned':
        return `the device is untrusted and the buffer (${hex(m.obj.pa)}, ${m.size} bytes) is not 4 KiB-granule aligned`;
      case 'kmallocSmall':
        return `a ${short(m.dir)} mapping of ${m.size} bytes may be a kmalloc buffer smaller than the DMA alignment (dma_kmalloc_needs_bounce)`;
      default:
        return 'swiotlb';
    }
  }
}

/** A step that names a buffer the trace never declared. */
export function unknown(M: Machine, name: string): void {
  M.hz('API_MISUSE', `unknown buffer '${name}'`, 'The step names a buffer the trace never declared; it was skipped.');
}

/** Adversarial speculative prefetch: every invalid line of a device-owned buffer is refilled now. */
export function speculate(M: Machine): void {
  if (!M.spec) return;
  for (const m of M.mappings) {
    if (m.state !== 'LIVE' || m.path !== 'direct' || !m.obj.cached || m.obj.status !== 'live') continue;
    const ls = M.p.lineSize;
    for (let i = 0; i < m.size; ) {
      const li = M.lineOf(m.obj.pa + i);
      const next = (li + 1) * ls - m.obj.pa;
      if (!M.cache.has(li)) {
        let owned = false;
        for (let j = i; j < next && j < m.size; j++) if (m.owner[j]) {
          owned = true;
          break;
        }
        if (owned) M.fill(li, 'prefetch');
      }
      i = next;
    }
  }
}
