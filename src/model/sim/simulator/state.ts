/**
 * The simulator's machine state, as data: memory cells, cache lines, buffers (objects), their
 * neighbours and mappings, IOMMU page-table entries, the address-space constants and the small
 * pure helpers every part of the simulator shares.
 *
 * Memory model: every byte write (CPU or device) gets a version number; the ground truth G holds
 * the latest logical write of each byte. Physical memory (RAM and the swiotlb pool, one address
 * space) holds (value, version) cells; non-coherent platforms add a CPU cache of I/S/D lines.
 * Cells are immutable: one per write, shared by the bytes it wrote.
 */
import type { BufferKind, BufferState, Direction, MappingPath, MappingView } from '../types';

export interface Cell {
  val: number;
  v: number;
}
export const ZERO: Cell = { val: 0, v: 0 };
export type Writer = 'init' | 'cpu' | 'device' | 'alloc';

export interface Line {
  state: 'S' | 'D';
  bytes: Cell[];
  filledAt: number;
  how: 'prefetch' | 'demand' | 'explicit';
}

export interface Neighbour {
  name: string;
  owner: Obj;
  pa: number;
  size: number;
}

export interface Obj {
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

export type Family = 'single' | 'sg' | 'coherent' | 'noncoherent';

export interface Mapping {
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
  /** a `handoff` step passed it on: the end of the trace is not its end (driver_unbind still is) */
  handedOff: boolean;
  failReason?: string;
  view?: MappingView;
}

export interface PtEntry {
  pa: number;
  perm: 'R' | 'W' | 'RW';
  mapping: number;
}

export const PAGE = 4096;
export const RAM_BASE = 0x10000000;
export const POOL_BASE = 0x30000000; // below 2^30: byte addresses stay small integers (fast Map keys)
export const IOVA_BASE = 0x38000000;
export const DMA_MAPPING_ERROR = -1;

export const hex = (n: number): string => '0x' + (n >>> 0).toString(16);
export const roundUp = (n: number, a: number): number => Math.ceil(n / a) * a;
export const roundDown = (n: number, a: number): number => Math.floor(n / a) * a;
export const short = (d: Direction): string => ({ DMA_TO_DEVICE: 'TO', DMA_FROM_DEVICE: 'FROM', DMA_BIDIRECTIONAL: 'BIDI', DMA_NONE: 'NONE' })[d];

export function fromDev(d: Direction): boolean {
  return d === 'DMA_FROM_DEVICE' || d === 'DMA_BIDIRECTIONAL';
}
export function toDev(d: Direction): boolean {
  return d === 'DMA_TO_DEVICE' || d === 'DMA_BIDIRECTIONAL';
}

/** A destructive primitive that ran during the current step (used to explain lost writes). */
export type Cause = 'inval' | 'writeback' | 'copyB2O' | 'slotFree' | 'devWrite' | 'uau';

export function permOf(d: Direction): PtEntry['perm'] {
  return d === 'DMA_TO_DEVICE' ? 'R' : d === 'DMA_FROM_DEVICE' ? 'W' : 'RW';
}

export function familyOf(op: string): Family {
  return op.endsWith('_sg') ? 'sg' : 'single';
}

/** `3..5, 9` — byte indexes as short spans (at most three, then an ellipsis). */
export function spans(idx: number[]): string {
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
