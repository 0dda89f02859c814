/**
 * The byte-accurate DMA lifecycle simulator (dma-model.md §4) over the platform presets (§3).
 *
 * Memory model: every byte write (CPU or device) gets a version number; the ground truth G holds
 * the latest logical write of each byte. Physical memory (RAM and the swiotlb pool, one address
 * space) holds (value, version) cells; non-coherent platforms add a CPU cache of I/S/D lines.
 * Observations are compared with G; a version that vanishes from every copy is a lost write.
 *
 * Pure module: no vscode, no Node built-ins. Never throws on any Trace.
 */
import { ReadWatch, untrustedWriter } from './toctou';
import { PLATFORM_IDS, PlatformId } from '../platformIds';
import { Platform, PLATFORMS, kmallocSizeRoundup } from '../platforms';
import { stepText } from './trace';
import {
  BufferKind,
  BufferState,
  ByteRow,
  CacheLineView,
  Direction,
  Hazard,
  HazardKind,
  IommuEntryView,
  MappingPath,
  MappingView,
  ObjectSpan,
  SimOptions,
  SimResult,
  SimState,
  SimStep,
  Step,
  Trace,
  SNAPSHOT_MAX_BYTES,
} from './types';

interface Cell {
  val: number;
  v: number;
}
const ZERO: Cell = { val: 0, v: 0 };
type Writer = 'init' | 'cpu' | 'device' | 'alloc';

interface Line {
  state: 'S' | 'D';
  bytes: Cell[];
  filledAt: number;
  how: 'prefetch' | 'demand' | 'explicit';
}

interface Neighbour {
  name: string;
  owner: Obj;
  pa: number;
  size: number;
}

interface Obj {
  name: string;
  kind: BufferKind;
  pa: number;
  size: number;
  /** CPU accesses go through the modelled cache */
  cached: boolean;
  coherentMem: boolean;
  status: 'undeclared' | 'live' | 'freed';
  /** an allocation whose lifetime is tracked (dma_alloc_coherent / dma_alloc_noncoherent) */
  tracked: boolean;
  neighbours: Neighbour[];
  winStart: number;
  winEnd: number;
  mappings: Mapping[];
  leakReported: boolean;
  /** the last snapshot view, reused while nothing in the window changed */
  view?: BufferState;
  viewKey?: string;
}

type Family = 'single' | 'sg' | 'coherent' | 'noncoherent';

interface Mapping {
  id: number;
  obj: Obj;
  op: string;
  family: Family;
  dir: Direction;
  size: number;
  attrs: string[];
  path: MappingPath;
  state: 'LIVE' | 'FAILED' | 'RELEASED';
  /** per byte: 1 = device owns */
  owner: Uint8Array;
  errChecked: boolean;
  dma: number;
  slot?: { addr: number; size: number };
  iovaPages: number[];
  mappedAt: number;
  lastDevHandoff: number;
  leakReported: boolean;
  failReason?: string;
  view?: MappingView;
}

interface PtEntry {
  pa: number;
  perm: 'R' | 'W' | 'RW';
  mapping: number;
}

const PAGE = 4096;
const RAM_BASE = 0x10000000;
const POOL_BASE = 0x30000000; // below 2^30: byte addresses stay small integers (fast Map keys)
const IOVA_BASE = 0x38000000;
const DMA_MAPPING_ERROR = -1;

const hex = (n: number): string => '0x' + (n >>> 0).toString(16);
const roundUp = (n: number, a: number): number => Math.ceil(n / a) * a;
const roundDown = (n: number, a: number): number => Math.floor(n / a) * a;
const short = (d: Direction): string => ({ DMA_TO_DEVICE: 'TO', DMA_FROM_DEVICE: 'FROM', DMA_BIDIRECTIONAL: 'BIDI', DMA_NONE: 'NONE' })[d];

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

function fromDev(d: Direction): boolean {
  return d === 'DMA_FROM_DEVICE' || d === 'DMA_BIDIRECTIONAL';
}
function toDev(d: Direction): boolean {
  return d === 'DMA_TO_DEVICE' || d === 'DMA_BIDIRECTIONAL';
}

/** A destructive primitive that ran during the current step (used to explain lost writes). */
type Cause = 'inval' | 'writeback' | 'copyB2O' | 'slotFree' | 'devWrite' | 'uau';

class Machine {
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

/** Runs a trace on one platform. Never throws. */
export function simulate(trace: Trace, platform: PlatformId, options?: SimOptions): SimResult {
  const p = PLATFORMS[platform] ?? PLATFORMS['x86-direct'];
  const spec = options?.speculativeFill ?? p.speculativeFillDefault;
  const wantSnapshots = options?.snapshots !== false;
  const M = new Machine(p, spec && !p.coherent);
  M.stepLines = (Array.isArray(trace?.steps) ? trace.steps : []).map((s) => (typeof s?.line === 'number' ? s.line : 0));
  const steps: SimStep[] = [];
  const all: Hazard[] = [];
  const list = Array.isArray(trace?.steps) ? trace.steps : [];
  try {
    layout(M, list);
  } catch {
    /* layout of malformed hand-built traces: objects missing from the map are skipped later */
  }
  for (let i = 0; i < list.length; i++) {
    const s = list[i];
    M.stepIndex = i;
    M.stepLine = typeof s?.line === 'number' ? s.line : 0;
    M.stepOp = String(s?.op ?? '');
    M.hazards = [];
    M.causes = new Set();
    M.touched = [];
    const nm = (s as { name?: unknown })?.name;
    M.stepObj = typeof nm === 'string' ? M.objs.get(nm) ?? M.neighbours.get(nm)?.owner : undefined;
    // age the lazy IOTLB
    for (const [ip, e] of M.iotlb) if (e.expiresAt < i) M.iotlb.delete(ip);
    try {
      execStep(M, s);
    } catch (e) {
      M.hz('API_MISUSE', `the simulator could not run this step: ${(e as Error)?.message ?? String(e)}`, 'Internal error while simulating; the step was skipped.');
    }
    if (i === list.length - 1) endOfTrace(M);
    try {
      checkLost(M);
      speculate(M);
    } catch {
      /* never throw */
    }
    let text = '';
    try {
      text = stepText(s);
    } catch {
      text = String(s?.op ?? '');
    }
    const st: SimStep = {
      index: i,
      line: M.stepLine,
      op: M.stepOp,
      text,
      hazards: M.hazards,
      state: wantSnapshots ? snapshot(M) : { seq: M.seq, buffers: [], mappings: [], iommu: [] },
    };
    if (s?.source) st.source = { ...s.source };
    steps.push(st);
    all.push(...M.hazards);
  }
  return { platform: p.id, steps, hazards: all };
}

/** Runs a trace on every platform preset. */
export function simulateAll(trace: Trace, options?: SimOptions): Record<PlatformId, SimResult> {
  const out = {} as Record<PlatformId, SimResult>;
  for (const id of PLATFORM_IDS) out[id] = simulate(trace, id, options);
  return out;
}

// ---- layout ----------------------------------------------------------------------------------

function layout(M: Machine, steps: Step[]): void {
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

// ---- steps -----------------------------------------------------------------------------------

function execStep(M: Machine, s: Step): void {
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
    default:
      M.hz('API_MISUSE', `unknown step '${String((s as { op?: unknown }).op)}'`, 'The simulator does not know this step; it was skipped.');
  }
}

/**
 * A device write the CPU may read twice around (TOCTOU_READ). Coherent memory only: it has no ownership
 * protocol, so the CPU sees the other side's writes at once; a streaming buffer changes hands by sync/unmap
 * (and bounces on cvm), where a second read after a new hand-off is the normal recycle.
 */
function watchWrite(M: Machine, name: string, off: number | undefined, len: number | undefined): void {
  const o = M.objs.get(name);
  if (!o || o.status !== 'live' || !o.coherentMem) return;
  const [a, b] = rangeOf(o.size, off, len);
  M.watch.deviceWrite({ obj: name, a, b, step: M.stepIndex, line: M.stepLine });
}

/** The second CPU read of bytes the device rewrote since the first: TOCTOU_READ where the writer is untrusted. */
function watchRead(M: Machine, name: string, off: number | undefined, len: number | undefined): void {
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

function unknown(M: Machine, name: string): void {
  M.hz('API_MISUSE', `unknown buffer '${name}'`, 'The step names a buffer the trace never declared; it was skipped.');
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

function permOf(d: Direction): PtEntry['perm'] {
  return d === 'DMA_TO_DEVICE' ? 'R' : d === 'DMA_FROM_DEVICE' ? 'W' : 'RW';
}

function newMapping(M: Machine, o: Obj, op: string, family: Family, dir: Direction, size: number, attrs: string[]): Mapping {
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
  };
  o.mappings.push(m);
  M.mappings.push(m);
  return m;
}

function familyOf(op: string): Family {
  return op.endsWith('_sg') ? 'sg' : 'single';
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

function unmapStep(M: Machine, op: string, name: string, dir: Direction, sizeArg: number | undefined, attrs: string[]): void {
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

function releaseMapping(M: Machine, m: Mapping): void {
  if (m.path === 'iommu' || m.path === 'iommu+bounce' || (m.path === 'coherent' && M.p.iommu)) M.iommuUnmap(m);
  m.state = 'RELEASED';
  m.owner.fill(0);
}

function freeStep(M: Machine, op: string, name: string, sizeArg: number | undefined): void {
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

// ---- accesses --------------------------------------------------------------------------------

function rangeOf(size: number, off: number | undefined, len: number | undefined): [number, number] {
  const a = Math.max(0, off ?? 0);
  const b = Math.max(a, len === undefined ? (off === undefined ? size : size - a) : a + len);
  return [a, Math.min(b, a + (1 << 20))];
}

function spans(idx: number[]): string {
  if (idx.length === 0) return '';
  const parts: string[] = [];
  let s = idx[0];
  let prev = idx[0];
  for (let i = 1; i <= idx.length; i++) {
    const x = idx[i];
    if (x === prev + 1) {
      prev = x;
      continue;
    }
    parts.push(s === prev ? `${s}` : `${s}..${prev}`);
    if (x !== undefined) s = prev = x;
  }
  return parts.length > 3 ? `${parts.slice(0, 3).join(', ')}, …` : parts.join(', ');
}

function cpuAccess(M: Machine, name: string, offArg: number | undefined, lenArg: number | undefined, write: boolean, value: number | undefined): void {
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

function devAccess(M: Machine, name: string, offArg: number | undefined, lenArg: number | undefined, write: boolean, value: number | undefined): void {
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

function outOfBoundsWrite(M: Machine, o: Obj, m: Mapping, a: number, b: number, value: number | undefined, delta: number): void {
  const v = M.newVersion('device');
  const cell = { val: value ?? v % 256, v };
  for (let i = a; i < b; i++) M.mem.set(o.pa + i + delta, cell);
  M.touch(o.pa + a + delta, b - a);
  M.causes.add('devWrite');
  void m;
}

// ---- lifetime --------------------------------------------------------------------------------

function leaks(M: Machine, unbind: boolean): void {
  const live: string[] = [];
  for (const m of M.mappings) {
    if (m.state !== 'LIVE' || m.leakReported) continue;
    if (m.family === 'coherent' && !m.obj.tracked) continue;
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
        : `Nothing released it before the trace ended. If the handle is stored for later release this is fine; otherwise it leaks ${M.p.iommu ? 'IOVA space' : M.p.bounce.mode !== 'none' ? 'swiotlb slots' : 'memory'} on ${M.p.label}.`,
    );
  }
}

function endOfTrace(M: Machine): void {
  leaks(M, false);
}

/** Lost-write detection: a newest version that no copy holds any more. */
function checkLost(M: Machine): void {
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

function lostWhy(M: Machine, cpu: boolean, neighbour: boolean, name: string): string {
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

/** Adversarial speculative prefetch: every invalid line of a device-owned buffer is refilled now. */
function speculate(M: Machine): void {
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

// ---- snapshots -------------------------------------------------------------------------------

function row(cells: Cell[], truth: Cell[]): ByteRow {
  const n = cells.length;
  const values = new Array<number>(n);
  const versions = new Array<number>(n);
  const fresh = new Array<boolean>(n);
  for (let i = 0; i < n; i++) {
    const c = cells[i];
    values[i] = c.val;
    versions[i] = c.v;
    fresh[i] = c.v === truth[i].v;
  }
  return { values, versions, fresh };
}

function touchedIn(M: Machine, a: number, b: number): boolean {
  for (const [ra, rb] of M.touched) if (ra < b && rb > a) return true;
  return false;
}

function ownerString(o: Uint8Array): string {
  const n = Math.min(o.length, SNAPSHOT_MAX_BYTES);
  let out = '';
  let i = 0;
  while (i < n) {
    let j = i;
    while (j < n && o[j] === o[i]) j++;
    out += (o[i] ? 'D' : 'C').repeat(j - i);
    i = j;
  }
  return out;
}

function bufferView(M: Machine, o: Obj): BufferState {
  const fullLength = o.winEnd - o.winStart;
  const len = Math.min(fullLength, SNAPSHOT_MAX_BYTES);
  const truth: Cell[] = new Array(len);
  const ram: Cell[] = new Array(len);
  for (let i = 0; i < len; i++) {
    const pa = o.winStart + i;
    truth[i] = M.G.get(pa) ?? ZERO;
    ram[i] = M.mem.get(pa) ?? ZERO;
  }
  let cache: CacheLineView[] | null = null;
  let cpuView: ByteRow;
  const ramRow = row(ram, truth);
  if (o.cached) {
    cache = [];
    const cpu: Cell[] = ram.slice();
    const ls = M.p.lineSize;
    for (let a = o.winStart; a < o.winStart + len; a += ls) {
      const l = M.cache.get(M.lineOf(a));
      const off = a - o.winStart;
      const t = truth.slice(off, off + ls);
      if (l) {
        for (let i = 0; i < ls && off + i < len; i++) cpu[off + i] = l.bytes[i];
        cache.push({ addr: a, state: l.state, bytes: row(l.bytes, t) });
      } else {
        const zeros = new Array<number>(ls).fill(0);
        cache.push({ addr: a, state: 'I', bytes: { values: zeros, versions: zeros.slice(), fresh: new Array<boolean>(ls).fill(false) } });
      }
    }
    cpuView = row(cpu, truth);
  } else cpuView = ramRow;
  const objects: ObjectSpan[] = [{ name: o.name, role: 'buffer', offset: o.pa - o.winStart, size: o.size }];
  for (const n of o.neighbours) objects.push({ name: n.name, role: 'neighbour', offset: n.pa - o.winStart, size: n.size });
  return {
    name: o.name,
    kind: o.kind,
    pa: o.pa,
    size: o.size,
    start: o.winStart,
    length: len,
    fullLength,
    truncated: len < fullLength,
    lineSize: M.p.lineSize,
    objects,
    cpuAccess: o.cached ? 'cached' : M.p.coherent ? 'transparent' : 'uncached',
    status: o.status === 'freed' ? 'freed' : 'live',
    truth: row(truth, truth),
    ram: ramRow,
    cache,
    cpuView,
    mappings: o.mappings.map((m) => m.id),
  };
}

/**
 * The state after a step. Views of buffers and mappings nothing touched during the step are
 * shared with the previous snapshot (snapshots are read-only).
 */
function snapshot(M: Machine): SimState {
  const buffers: BufferState[] = [];
  for (const o of M.objs.values()) {
    if (o.status === 'undeclared') continue;
    const key = `${o.status}:${o.mappings.length}`;
    if (!o.view || o.viewKey !== key || touchedIn(M, o.winStart, o.winEnd)) {
      o.view = bufferView(M, o);
      o.viewKey = key;
    }
    buffers.push(o.view);
  }
  const mappings: MappingView[] = M.mappings.map((m) => {
    const reuse =
      m.view &&
      m.obj !== M.stepObj &&
      (m.state !== 'LIVE' || (!touchedIn(M, m.obj.pa, m.obj.pa + m.size) && !(m.slot && touchedIn(M, m.slot.addr, m.slot.addr + m.slot.size))));
    if (reuse) return m.view!;
    const state = m.state === 'LIVE' ? (m.family === 'coherent' || m.owner.some((x) => x === 1) ? 'DEV_OWNED' : 'CPU_OWNED') : m.state;
    const v: MappingView = {
      id: m.id,
      buffer: m.obj.name,
      op: m.op,
      dir: m.dir,
      size: m.size,
      dma: m.dma,
      path: m.path,
      state,
      owner: ownerString(m.owner),
      errChecked: m.errChecked,
    };
    if (m.state === 'LIVE') {
      const n = Math.min(m.size, SNAPSHOT_MAX_BYTES);
      const truth: Cell[] = [];
      for (let i = 0; i < n; i++) truth.push(M.g(m.obj.pa + i));
      if (m.slot) {
        const cells: Cell[] = [];
        for (let i = 0; i < n; i++) cells.push(M.m(m.slot.addr + i));
        v.bounce = { addr: m.slot.addr, size: m.slot.size, bytes: row(cells, truth) };
      }
      const base = m.slot ? m.slot.addr : m.obj.pa;
      const dev: Cell[] = [];
      for (let i = 0; i < n; i++) dev.push(M.m(base + i));
      v.device = row(dev, truth);
    }
    m.view = v;
    return v;
  });
  const iommu: IommuEntryView[] = [];
  for (const [iova, e] of M.pt) iommu.push({ iova, pa: e.pa, perm: e.perm, status: 'mapped', mapping: e.mapping });
  for (const [iova, e] of M.iotlb) iommu.push({ iova, pa: e.pa, perm: e.perm, status: 'stale-iotlb', expiresIn: e.expiresAt - M.stepIndex, mapping: e.mapping });
  return { seq: M.seq, buffers, mappings, iommu };
}
