/*
 * The picture of one buffer after a step: a grid of cache lines (or cells of several lines) with one
 * row per copy — CPU cache or CPU view, RAM, bounce slot, device view — each marked fresh or stale.
 */
import type { BufferState, ByteRow, IommuEntryView, MappingView, SimStep } from '../../src/model/sim/types';
import { el, hex } from './dom';

type Fresh = 'fresh' | 'stale' | 'mixed' | 'empty';

/** Freshness of bytes [from, to) of a row, counting only bytes that belong to an object. */
function freshness(row: ByteRow | undefined, from: number, to: number, counted: (i: number) => boolean): { cls: Fresh; fresh: number; total: number } {
  if (!row) return { cls: 'empty', fresh: 0, total: 0 };
  let f = 0;
  let t = 0;
  for (let i = Math.max(0, from); i < Math.min(to, row.fresh.length); i++) {
    if (!counted(i)) continue;
    t++;
    if (row.fresh[i]) f++;
  }
  return { cls: t === 0 ? 'empty' : f === t ? 'fresh' : f === 0 ? 'stale' : 'mixed', fresh: f, total: t };
}

const SYM: Record<Fresh, string> = { fresh: '✓', stale: '✗', mixed: '◐', empty: '·' };
const MAX_CELLS = 64;

export function renderBuffer(b: BufferState, step: SimStep): HTMLElement {
  const box = el('section', { class: 'buffer', 'data-buffer': b.name });
  const maps = b.mappings.map((id) => step.state.mappings.find((m) => m.id === id)).filter((m): m is MappingView => !!m);
  const live = maps.filter((m) => m.state !== 'RELEASED');
  const m = live[live.length - 1] ?? maps[maps.length - 1];
  box.append(el('h2', {}, el('code', {}, b.name), ` — ${b.kind}, ${b.size} bytes at ${hex(b.pa)}${b.status === 'freed' ? ' (freed)' : ''}`));
  const facts: string[] = [`CPU access: ${b.cpuAccess}`];
  if (m) facts.push(`mapping #${m.id}: ${m.dir}, ${m.path}, ${m.state}${m.errChecked ? '' : ', error not checked'}${m.handedOff ? ', handed off' : ''}, dma ${hex(m.dma)}`);
  box.append(el('p', { class: 'muted facts' }, facts.join(' · ')));
  const shown = b.start + b.length - b.pa;
  if (shown < b.size) box.append(el('p', { class: 'muted window-note' }, `Showing the first ${Math.max(0, shown)} of ${b.size} bytes (the simulator's view window).`));

  const lines = Math.max(1, Math.ceil(b.length / b.lineSize));
  const perCell = Math.max(1, Math.ceil(lines / MAX_CELLS));
  const cells = Math.ceil(lines / perCell);
  const cellBytes = perCell * b.lineSize;
  const inObject = (i: number) => b.objects.some((o) => i >= o.offset && i < o.offset + o.size);
  const bufOff = b.pa - b.start;

  const grid = el('table', { class: 'grid' });
  const head = el('tr', {}, el('th', { scope: 'col' }, ''));
  for (let c = 0; c < cells; c++) {
    const from = c * cellBytes;
    const names = b.objects.filter((o) => o.offset < from + cellBytes && o.offset + o.size > from).map((o) => o.name);
    head.append(el('th', { scope: 'col', class: 'col', title: `bytes ${from}–${from + cellBytes - 1} of the window: ${names.join(', ') || 'padding'}` }, perCell === 1 ? `L${c}` : `${c * perCell}…`));
  }
  grid.append(el('thead', {}, head));
  const body = el('tbody', {});
  const addRow = (label: string, title: string, cell: (c: number, from: number, to: number) => { cls: string; sym: string; tip: string }) => {
    const tr = el('tr', {}, el('th', { scope: 'row', title }, label));
    for (let c = 0; c < cells; c++) {
      const r = cell(c, c * cellBytes, (c + 1) * cellBytes);
      tr.append(el('td', { class: `cell ${r.cls}`, title: r.tip }, r.sym));
    }
    body.append(tr);
  };
  const freshCell = (row: ByteRow | undefined, off: number, what: string) => (_c: number, from: number, to: number) => {
    const f = freshness(row, from - off, to - off, (i) => inObject(i + off));
    return { cls: f.cls, sym: SYM[f.cls], tip: f.total ? `${what}: ${f.fresh} of ${f.total} bytes hold the newest version` : `${what}: nothing here` };
  };

  if (b.cache) {
    addRow('CPU cache', 'The CPU cache lines covering the buffer (I invalid, S clean, D dirty)', (c, from, to) => {
      const ls = b.cache!.slice(c * perCell, (c + 1) * perCell);
      const st = ls.some((l) => l.state === 'D') ? 'D' : ls.some((l) => l.state === 'S') ? 'S' : 'I';
      if (st === 'I') return { cls: 'empty line-I', sym: 'I', tip: 'invalid: a load goes to RAM' };
      let fresh = 0;
      let total = 0;
      ls.forEach((l, k) => {
        if (l.state === 'I') return;
        for (let i = 0; i < b.lineSize; i++) {
          const w = (c * perCell + k) * b.lineSize + i;
          if (w >= to || w < from || !inObject(w)) continue;
          total++;
          if (l.bytes.fresh[i]) fresh++;
        }
      });
      const cls: Fresh = total === 0 ? 'empty' : fresh === total ? 'fresh' : fresh === 0 ? 'stale' : 'mixed';
      return { cls: `${cls} line-${st}`, sym: `${st}${SYM[cls]}`, tip: `${st === 'D' ? 'dirty' : 'clean'} line: ${fresh} of ${total} bytes hold the newest version` };
    });
  } else {
    addRow('CPU view', `What a CPU load returns (${b.cpuAccess === 'uncached' ? 'uncached mapping' : 'the cache is kept coherent by snooping'})`, freshCell(b.cpuView, 0, 'CPU load'));
  }
  addRow('RAM', 'Main memory', freshCell(b.ram, 0, 'RAM'));
  if (m?.bounce) addRow('Bounce slot', `swiotlb slot at ${hex(m.bounce.addr)} (${m.bounce.size} bytes)`, freshCell(m.bounce.bytes, bufOff, 'bounce slot'));
  else addRow('Bounce slot', 'No swiotlb bounce slot for this buffer now', () => ({ cls: 'empty', sym: '·', tip: 'not bounced' }));
  if (m?.device && m.state !== 'RELEASED' && m.state !== 'FAILED') addRow('Device view', 'What a device read through the DMA address returns now', freshCell(m.device, bufOff, 'device read'));
  else addRow('Device view', 'The device has no live mapping of this buffer', () => ({ cls: 'empty', sym: '·', tip: 'no live mapping' }));
  grid.append(body);
  box.append(el('div', { class: 'grid-wrap' }, grid));

  const entries = step.state.iommu.filter((e) => maps.some((mm) => mm.id === e.mapping));
  box.append(el('p', { class: 'iommu' }, el('strong', {}, 'IOMMU: '), entries.length ? entries.map(iommuText).join('; ') : 'no entry (direct mapping or not mapped)'));
  return box;
}

function iommuText(e: IommuEntryView): string {
  return `IOVA ${hex(e.iova)} → ${hex(e.pa)} ${e.perm} ${e.status === 'mapped' ? 'mapped' : `stale IOTLB entry (flush pending${e.expiresIn !== undefined ? `, ${e.expiresIn} steps left` : ''})`}`;
}
