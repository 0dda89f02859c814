/**
 * The checker's view of the DMA-API catalogue (src/model/catalogue). Every
 * structural fact the analysis uses (role, family, parameter names, what
 * releases what, legacy replacements) is read from the catalogue entries; this
 * module only indexes them by name and alias.
 */
import type { ApiEntry, ApiRole } from '../model/catalogue/types';
import { allEntries } from '../model/catalogue';

/** Name or alias → entry, built once at import from the (constant) catalogue and never changed. */
const INDEX: ReadonlyMap<string, ApiEntry> = (() => {
  const m = new Map<string, ApiEntry>();
  for (const e of allEntries()) {
    if (!m.has(e.name)) m.set(e.name, e);
    for (const a of e.aliases ?? []) if (!m.has(a)) m.set(a, e);
  }
  return m;
})();

export function apiEntry(name: string | null | undefined): ApiEntry | undefined {
  if (!name) return undefined;
  return INDEX.get(name);
}

export function apiRole(name: string | null | undefined): ApiRole | undefined {
  return apiEntry(name)?.role;
}

/** Index of a named parameter of an API call (catalogue `params`), or -1. */
export function paramIndex(entry: ApiEntry | undefined, ...names: string[]): number {
  const ps = entry?.params;
  if (!ps) return -1;
  for (const n of names) {
    const i = ps.indexOf(n);
    if (i >= 0) return i;
  }
  return -1;
}

/** Parameter-name spellings used across the catalogue for the same concept. */
export const P = {
  dev: ['dev', 'hwdev', 'pdev'],
  buffer: ['ptr', 'page', 'sg', 'sgt', 'phys_addr', 'cpu_addr', 'vaddr'],
  size: ['size'],
  dir: ['dir', 'direction'],
  attrs: ['attrs'],
  nents: ['nents', 'nelems'],
  /** the dma_addr_t a map returns / an unmap, sync or free takes */
  handle: ['addr', 'dma_addr', 'dma_handle', 'dma_address', 'handle'],
  gfp: ['gfp', 'flag', 'mem_flags'],
  cpu: ['cpu_addr', 'vaddr', 'page'],
  offset: ['offset'],
} as const;

/** Every entry of a given kind (e.g. 'legacy'), for rules that scan identifiers. */
export function entriesOfKind(kind: ApiEntry['kind']): ApiEntry[] {
  return [...new Set(INDEX.values())].filter((e) => e.kind === kind);
}

const PREFILTER_ROLES = new Set<ApiRole>(['map', 'unmap', 'sync-for-cpu', 'sync-for-device', 'alloc', 'free', 'pool-alloc', 'pool-free', 'mapping-error', 'mask', 'pool-create', 'pool-destroy']);

/** Names whose presence in a text means a rule may fire (DMA calls and legacy wrappers). */
export function entriesForPrefilter(): string[] {
  const out = new Set<string>();
  for (const [name, e] of INDEX) if ((e.role && PREFILTER_ROLES.has(e.role)) || e.kind === 'legacy') out.add(name);
  return [...out].filter((n) => /^\w+$/.test(n)).sort((a, b) => b.length - a.length);
}
