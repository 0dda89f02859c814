/**
 * Snapshots of the machine after a step, as the panel and `simulate --json` show them: per buffer
 * its truth, RAM, cache and CPU view over one line-aligned window; per mapping its bounce slot and
 * what the device would read; the IOMMU entries.
 */
import type { BufferState, ByteRow, CacheLineView, IommuEntryView, MappingView, ObjectSpan, SimState } from '../types';
import { SNAPSHOT_MAX_BYTES } from '../types';
import type { Machine } from './machine';
import { Cell, Obj, ZERO } from './state';

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
export function snapshot(M: Machine): SimState {
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
    if (m.handedOff && m.state === 'LIVE') v.handedOff = true;
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
