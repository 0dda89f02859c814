/**
 * The DMA-API calls a dma-debug report can be about, by family (map, unmap, sync) and kind, with
 * the argument positions of their size, direction and entry count.
 */
import type { Node } from 'web-tree-sitter';
import { callArgs, callName, descendantsOfType } from '../ast';

export type Kind = 'single' | 'scatter-gather' | 'coherent' | 'resource' | 'noncoherent';

export interface CallShape {
  op: 'map' | 'unmap' | 'sync';
  kind: Kind;
  size?: number;
  dir?: number;
  nents?: number;
  /** sync: which way */
  to?: 'cpu' | 'device';
}

export function shape(name: string): CallShape | null {
  let m: RegExpExecArray | null;
  if ((m = /^dma_map_(single|page)(_attrs)?$/.exec(name))) return { op: 'map', kind: 'single', size: m[1] === 'page' ? 3 : 2, dir: m[1] === 'page' ? 4 : 3 };
  if (name === 'skb_frag_dma_map') return { op: 'map', kind: 'single', size: 3, dir: 4 };
  if (/^dma_map_sg(_attrs)?$/.test(name)) return { op: 'map', kind: 'scatter-gather', nents: 2, dir: 3 };
  if (name === 'dma_map_sgtable') return { op: 'map', kind: 'scatter-gather', dir: 2 };
  if (name === 'dma_map_resource') return { op: 'map', kind: 'resource', size: 2, dir: 3 };
  if (/^(dma_alloc_(coherent|attrs|wc)|dmam_alloc_(coherent|attrs))$/.test(name)) return { op: 'map', kind: 'coherent', size: 1 };
  if (/^dma_alloc_(pages|noncoherent)$/.test(name)) return { op: 'map', kind: 'noncoherent', size: 1, dir: 3 };
  if (name === 'dma_alloc_noncontiguous') return { op: 'map', kind: 'scatter-gather', size: 1, dir: 2 };
  if ((m = /^dma_unmap_(single|page)(_attrs)?$/.exec(name))) return { op: 'unmap', kind: 'single', size: 2, dir: 3 };
  if (/^dma_unmap_sg(_attrs)?$/.test(name)) return { op: 'unmap', kind: 'scatter-gather', nents: 2, dir: 3 };
  if (name === 'dma_unmap_sgtable') return { op: 'unmap', kind: 'scatter-gather', dir: 2 };
  if (name === 'dma_unmap_resource') return { op: 'unmap', kind: 'resource', size: 2, dir: 3 };
  if (/^(dma_free_(coherent|attrs|wc)|dmam_free_coherent)$/.test(name)) return { op: 'unmap', kind: 'coherent', size: 1 };
  if (/^dma_free_(pages|noncoherent)$/.test(name)) return { op: 'unmap', kind: 'noncoherent', size: 1, dir: 4 };
  if (name === 'dma_free_noncontiguous') return { op: 'unmap', kind: 'scatter-gather', size: 1, dir: 3 };
  if ((m = /^dma_sync_single_for_(cpu|device)$/.exec(name))) return { op: 'sync', kind: 'single', size: 2, dir: 3, to: m[1] as 'cpu' | 'device' };
  if ((m = /^dma_sync_single_range_for_(cpu|device)$/.exec(name))) return { op: 'sync', kind: 'single', size: 3, dir: 4, to: m[1] as 'cpu' | 'device' };
  if ((m = /^dma_sync_sg_for_(cpu|device)$/.exec(name))) return { op: 'sync', kind: 'scatter-gather', nents: 2, dir: 3, to: m[1] as 'cpu' | 'device' };
  if ((m = /^dma_sync_sgtable_for_(cpu|device)$/.exec(name))) return { op: 'sync', kind: 'scatter-gather', dir: 2, to: m[1] as 'cpu' | 'device' };
  return null;
}

export interface DmaCall {
  node: Node;
  name: string;
  shape: CallShape;
}

export function dmaCalls(fn: Node): DmaCall[] {
  const out: DmaCall[] = [];
  for (const c of descendantsOfType(fn, 'call_expression')) {
    const name = callName(c);
    const s = name ? shape(name) : null;
    if (name && s) out.push({ node: c, name, shape: s });
  }
  return out;
}

export function arg(call: DmaCall, idx: number | undefined): Node | undefined {
  return idx === undefined ? undefined : callArgs(call.node)[idx];
}
