/**
 * The DMA-API catalogue: every function, macro, constant, type and attribute
 * of dma-model.md §1 plus the common subsystem wrappers. Hover, `dma-scope
 * explain` and the checker read it through the functions below.
 */
import type { ApiEntry, ApiRole, ApiFamily, EntryKind } from './types';
import { CONSTANT_ENTRIES } from './entries/constants';
import { COHERENT_ENTRIES } from './entries/coherent';
import { NONCOHERENT_ENTRIES } from './entries/noncoherent';
import { STREAMING_ENTRIES } from './entries/streaming';
import { MASK_ENTRIES } from './entries/masks';
import { LEGACY_ENTRIES } from './entries/legacy';
import { INTERNAL_ENTRIES } from './entries/internal';
import { WRAPPER_ENTRIES } from './entries/wrappers';

export type { ApiEntry, ApiRole, ApiFamily, EntryKind } from './types';
export { CATALOGUE_RULE_IDS } from './ruleIds';

const ENTRIES: readonly ApiEntry[] = Object.freeze([
  ...CONSTANT_ENTRIES,
  ...COHERENT_ENTRIES,
  ...NONCOHERENT_ENTRIES,
  ...STREAMING_ENTRIES,
  ...MASK_ENTRIES,
  ...LEGACY_ENTRIES,
  ...INTERNAL_ENTRIES,
  ...WRAPPER_ENTRIES,
]);

/** Entries by name, built once at import and never changed (a duplicate name is a catalogue bug). */
const BY_NAME: ReadonlyMap<string, ApiEntry> = new Map(
  ENTRIES.map((e, i) => {
    if (ENTRIES.findIndex((x) => x.name === e.name) !== i) throw new Error(`duplicate catalogue entry ${e.name}`);
    return [e.name, e] as const;
  }),
);
/** Other names of entries (legacy spellings), unless an entry has that name itself. */
const ALIASES: ReadonlyMap<string, ApiEntry> = new Map(
  ENTRIES.flatMap((e) => (e.aliases ?? []).filter((a) => !BY_NAME.has(a)).map((a) => [a, e] as const)),
);

/** Every entry, in catalogue order (grouped by topic: coherent, streaming, syncs, masks, …). */
export function allEntries(): readonly ApiEntry[] {
  return ENTRIES;
}

/** Every name lookup() accepts (entry names and aliases). */
export function allNames(): string[] {
  return [...BY_NAME.keys(), ...ALIASES.keys()];
}

/** The entry for a name or alias; `enum dma_data_direction` and surrounding spaces are accepted. */
export function lookup(name: string): ApiEntry | undefined {
  const n = name.trim().replace(/\s+/g, ' ');
  return BY_NAME.get(n) ?? ALIASES.get(n) ?? BY_NAME.get(n.replace(/^(enum|struct) /, ''));
}

export function entriesByRole(role: ApiRole): ApiEntry[] {
  return ENTRIES.filter((e) => e.role === role);
}

export function entriesByKind(kind: EntryKind): ApiEntry[] {
  return ENTRIES.filter((e) => e.kind === kind);
}

export function entriesByFamily(family: ApiFamily): ApiEntry[] {
  return ENTRIES.filter((e) => e.family === family);
}

/** Entry counts per kind, for reports. */
export function countsByKind(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const e of ENTRIES) out[e.kind] = (out[e.kind] ?? 0) + 1;
  return out;
}

/**
 * Canonical argument names and the prototype spellings that mean the same
 * thing: ib_dma_* call the direction `direction`, dma_sync_sg_* call the
 * count `nelems`, ib_dma_*_attrs call the attributes `dma_attrs`.
 */
const ARG_SYNONYMS: Record<string, readonly string[]> = {
  dir: ['dir', 'direction'],
  nents: ['nents', 'nelems'],
  attrs: ['attrs', 'dma_attrs'],
  size: ['size'],
  dev: ['dev', 'hwdev', 'pdev'],
  handle: ['addr', 'dma_addr', 'dma_handle', 'dma_address', 'handle'],
  buffer: ['ptr', 'page', 'cpu_addr', 'vaddr', 'frag', 'phys_addr'],
  sg: ['sg', 'sgl', 'sgt'],
  offset: ['offset'],
  gfp: ['gfp', 'flag', 'mem_flags'],
};

export type ArgName = keyof typeof ARG_SYNONYMS | string;

/**
 * Index of an argument in calls of `entry`, by canonical name ('dir', 'size',
 * 'nents', 'attrs', 'handle', 'buffer', 'sg', 'gfp', 'dev', 'offset') or by the
 * exact prototype name. -1 when the entry has no such parameter.
 */
export function paramIndex(entry: ApiEntry, name: ArgName): number {
  const params = entry.params ?? [];
  const exact = params.indexOf(name);
  if (exact >= 0) return exact;
  for (const alt of ARG_SYNONYMS[name] ?? []) {
    const i = params.indexOf(alt);
    if (i >= 0) return i;
  }
  return -1;
}

/** Names of the calls that release what `name` acquires (empty when nothing, undefined when unknown). */
export function releasersOf(name: string): string[] | undefined {
  return lookup(name)?.releasedBy;
}

/** Names whose entry lists `name` in releasedBy (e.g. dma_unmap_sg → dma_map_sg, dma_map_sg_attrs…). */
export function acquirersReleasedBy(name: string): string[] {
  return ENTRIES.filter((e) => e.releasedBy.includes(name)).map((e) => e.name);
}

/**
 * Families of kernel APIs that merely start with `dma`/`DMA` but are not the
 * DMA mapping API: fences, reservation objects, dma-buf, dmaengine, DMA heaps.
 */
export const NOT_MAPPING_PREFIXES: readonly string[] = [
  'dma_fence', 'dma_resv', 'dma_buf', 'dmabuf', 'dma_async', 'dmaengine', 'dma_chan', 'dma_request_chan',
  'dma_request_slave_channel', 'dma_release_channel', 'dma_slave', 'dma_cookie', 'dma_heap', 'dma_cap_',
  'dma_tx_', 'dma_find_channel', 'dma_sync_wait', 'dma_wait_for_async_tx', 'dma_issue_pending',
  'DMA_SLAVE', 'DMA_MEM_TO_', 'DMA_DEV_TO_', 'DMA_PREP_', 'DMA_CTRL_', 'DMA_FENCE', 'DMA_RESV', 'DMA_BUF',
];

/**
 * Whether an identifier belongs to the DMA mapping API we document: true for
 * catalogued names and aliases, false for dma_fence_*, dma_resv_*, dma_buf_*,
 * dma_async_*, dmaengine_* and every other name.
 */
export function isDmaMappingIdentifier(name: string): boolean {
  if (NOT_MAPPING_PREFIXES.some((p) => name.startsWith(p))) return false;
  return lookup(name) !== undefined;
}
