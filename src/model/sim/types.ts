/**
 * Types of the `.dmatrace` format (design.md §4) and of the lifecycle simulator (dma-model.md §4).
 * Pure: no vscode, no Node built-ins.
 */
import type { PlatformId } from '../platformIds';

export type Direction = 'DMA_TO_DEVICE' | 'DMA_FROM_DEVICE' | 'DMA_BIDIRECTIONAL' | 'DMA_NONE';
export const DIRECTIONS: readonly Direction[] = ['DMA_TO_DEVICE', 'DMA_FROM_DEVICE', 'DMA_BIDIRECTIONAL', 'DMA_NONE'];

export type BufferKind = 'kmalloc' | 'page' | 'stack' | 'vmalloc' | 'static' | 'coherent' | 'pool' | 'noncoherent';
export const BUFFER_KINDS: readonly BufferKind[] = ['kmalloc', 'page', 'stack', 'vmalloc', 'static', 'coherent', 'pool', 'noncoherent'];

export const MAP_OPS = ['dma_map_single', 'dma_map_page', 'dma_map_sg'] as const;
export const UNMAP_OPS = ['dma_unmap_single', 'dma_unmap_page', 'dma_unmap_sg'] as const;
export const SYNC_OPS = ['dma_sync_single_for_cpu', 'dma_sync_single_for_device'] as const;
export type MapOp = (typeof MAP_OPS)[number];
export type UnmapOp = (typeof UNMAP_OPS)[number];
export type SyncOp = (typeof SYNC_OPS)[number];

/** Where a step came from in C source (`# src=<line>` or `# src=<file>:<line>`). */
export interface SourceRef {
  file?: string;
  line: number;
}

interface StepBase {
  /** 1-based line in the trace text (0 for steps built in code) */
  line: number;
  source?: SourceRef;
  /** trailing comment text (without '#' and without the src= token), kept by the printer */
  comment?: string;
}

export type Step = StepBase &
  (
    | { op: 'buffer'; name: string; kind: BufferKind; size: number; align?: number; offset?: number }
    | { op: 'neighbour'; name: string; buffer: string; offset: number; size: number }
    | { op: 'cpu_write' | 'device_write'; name: string; offset?: number; len?: number; value?: number }
    | { op: 'cpu_read' | 'device_read'; name: string; offset?: number; len?: number }
    | { op: MapOp; name: string; dir: Direction; size?: number; attrs: string[] }
    | { op: 'dma_mapping_error'; name: string }
    | { op: SyncOp; name: string; dir: Direction; offset?: number; len?: number }
    | { op: UnmapOp; name: string; dir: Direction; size?: number; attrs: string[] }
    | { op: 'dma_alloc_coherent'; name: string; size: number }
    | { op: 'dma_free_coherent'; name: string; size?: number }
    | { op: 'dma_alloc_noncoherent'; name: string; size: number; dir: Direction }
    | { op: 'dma_free_noncoherent'; name: string }
    | { op: 'cpu_prefetch' | 'cpu_evict'; name: string }
    | { op: 'device_done' | 'driver_unbind' }
    | { op: 'handoff'; name: string }
  );

export type StepOp = Step['op'];

export interface Trace {
  /** the `platform <id>` line, if any (the CLI's --platform overrides it) */
  platform?: string;
  /** 1-based line of the platform directive */
  platformLine?: number;
  steps: Step[];
}

export interface ParseError {
  line: number;
  message: string;
}

export type HazardKind =
  | 'STALE_CPU_READ'
  | 'STALE_DEVICE_READ'
  | 'LOST_CPU_WRITE'
  | 'LOST_DEVICE_WRITE'
  | 'NEIGHBOUR_CORRUPTION'
  | 'OWNERSHIP_VIOLATION'
  | 'USE_AFTER_UNMAP'
  | 'USE_AFTER_FREE'
  | 'MAP_ERROR_USED'
  | 'IOMMU_FAULT'
  | 'INFO_LEAK'
  | 'LEAK'
  | 'API_MISUSE'
  | 'TOCTOU_READ';

export const HAZARD_KINDS: readonly HazardKind[] = [
  'STALE_CPU_READ',
  'STALE_DEVICE_READ',
  'LOST_CPU_WRITE',
  'LOST_DEVICE_WRITE',
  'NEIGHBOUR_CORRUPTION',
  'OWNERSHIP_VIOLATION',
  'USE_AFTER_UNMAP',
  'USE_AFTER_FREE',
  'MAP_ERROR_USED',
  'IOMMU_FAULT',
  'INFO_LEAK',
  'LEAK',
  'API_MISUSE',
  'TOCTOU_READ',
];

/** Data hazards corrupt data on the selected platform; the others are contract/lifetime findings. */
export const DATA_HAZARDS: readonly HazardKind[] = [
  'STALE_CPU_READ',
  'STALE_DEVICE_READ',
  'LOST_CPU_WRITE',
  'LOST_DEVICE_WRITE',
  'NEIGHBOUR_CORRUPTION',
];

export interface Hazard {
  kind: HazardKind;
  /** index of the step (into SimResult.steps) */
  step: number;
  /** 1-based trace line of that step */
  line: number;
  /** what happened */
  detail: string;
  /** one paragraph: why this happens on THIS platform */
  why: string;
}

/**
 * One byte as stored somewhere: its value and the version tag of the write that produced it.
 * Version 0 is the initial content; every CPU or device write gets the next number.
 */
export interface ByteRow {
  values: number[];
  versions: number[];
  /** per byte: does this copy hold the newest logical version (the ground truth)? */
  fresh: boolean[];
}

/** A CPU cache line: I = invalid, S = clean-valid, D = dirty. */
export type LineState = 'I' | 'S' | 'D';

export interface CacheLineView {
  /** physical address of the line's first byte */
  addr: number;
  state: LineState;
  /** bytes of the line in the cache (all zero/0 when state is I); fresh is false for I lines */
  bytes: ByteRow;
}

/** A named object inside a buffer's view window: the buffer itself or a neighbour. */
export interface ObjectSpan {
  name: string;
  role: 'buffer' | 'neighbour';
  /** offset from BufferState.start */
  offset: number;
  size: number;
}

export type MappingPath = 'direct' | 'bounce' | 'iommu' | 'iommu+bounce' | 'coherent';
export type MappingStateName = 'DEV_OWNED' | 'CPU_OWNED' | 'FAILED' | 'RELEASED';

export interface MappingView {
  id: number;
  buffer: string;
  op: string;
  dir: Direction;
  size: number;
  /** dma_addr_t handed to the device (0xffffffffffffffff for a failed mapping, as a number it is -1) */
  dma: number;
  path: MappingPath;
  state: MappingStateName;
  /** per byte of the mapping: 'D' device-owned, 'C' CPU-owned (partial syncs) */
  owner: string;
  errChecked: boolean;
  /** a `handoff` step passed the mapping on (a ring, a structure, the device): not a leak at the end of the trace */
  handedOff?: boolean;
  /** the bounce slot (bounced mappings while live); rows cut at SNAPSHOT_MAX_BYTES like BufferState */
  bounce?: { addr: number; size: number; bytes: ByteRow };
  /** what a device read through this mapping would return right now, per mapped byte (live mappings) */
  device?: ByteRow;
}

export interface IommuEntryView {
  /** IOVA page address */
  iova: number;
  /** physical page address */
  pa: number;
  perm: 'R' | 'W' | 'RW';
  /** mapped = in the page table; stale-iotlb = unmapped but the flush is still queued (lazy) */
  status: 'mapped' | 'stale-iotlb';
  /** stale-iotlb: steps left before the queued flush drops it */
  expiresIn?: number;
  mapping: number;
}

/**
 * Everything one buffer (a `buffer` line or a coherent/noncoherent allocation) looks like now.
 * All rows cover the same window [start, start + length): the buffer and its neighbours, widened
 * to whole cache lines, so a UI can draw one row per view aligned byte for byte.
 */
export interface BufferState {
  name: string;
  kind: BufferKind;
  /** physical address and size of the buffer itself */
  pa: number;
  size: number;
  /** window start (line-aligned) and the length of the rows below */
  start: number;
  length: number;
  /** the whole window's length; rows are cut at SNAPSHOT_MAX_BYTES (8 KiB) for huge buffers */
  fullLength: number;
  truncated: boolean;
  lineSize: number;
  objects: ObjectSpan[];
  /** cached: CPU accesses go through the cache; uncached: coherent memory on a NC platform or a snooping platform (the cache is transparent) */
  cpuAccess: 'cached' | 'uncached' | 'transparent';
  status: 'live' | 'freed';
  /** the intended content: the latest logical write of each byte */
  truth: ByteRow;
  /** RAM */
  ram: ByteRow;
  /** cache lines of the window (only when cpuAccess is 'cached') */
  cache: CacheLineView[] | null;
  /** what a CPU load would return right now */
  cpuView: ByteRow;
  /** ids of this buffer's mappings, oldest first */
  mappings: number[];
}

/** Byte rows in snapshots are cut after this many bytes (a 1 MiB buffer would otherwise cost megabytes per step). */
export const SNAPSHOT_MAX_BYTES = 8192;

export interface SimState {
  /** the last version number handed out */
  seq: number;
  buffers: BufferState[];
  mappings: MappingView[];
  iommu: IommuEntryView[];
}

export interface SimStep {
  index: number;
  /** 1-based line in the trace text */
  line: number;
  source?: SourceRef;
  op: string;
  /** the step as written (printed form) */
  text: string;
  hazards: Hazard[];
  /** full snapshot after the step */
  state: SimState;
}

export interface SimResult {
  platform: PlatformId;
  steps: SimStep[];
  hazards: Hazard[];
}

export interface SimOptions {
  /** adversarial speculative prefetch; default: on for non-coherent platforms */
  speculativeFill?: boolean;
  /** set false to skip per-step snapshots (state becomes an empty snapshot); default true */
  snapshots?: boolean;
}
