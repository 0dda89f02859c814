import { apiEntry } from '../../api';
import type { Pair } from './pairing';

export type FamilyVerdict = 'ok' | 'single-page' | 'wrong' | 'dmam-mixed' | 'coherent-mismatch';

/** Classifies the release call of a pair against the catalogue's families and releasedBy lists. */
export function familyVerdict(p: Pair): FamilyVerdict {
  const a = p.obj.call;
  const r = p.rel;
  if (p.obj.kind === 'map') {
    if (r.role !== 'unmap') return 'wrong';
    if (a.family === r.family) return 'ok';
    const sp = new Set([a.family, r.family]);
    if (sp.has('single') && sp.has('page') && sp.size === 2) return 'single-page';
    if (sp.has('sg') && sp.has('sgtable') && sp.size === 2) return 'ok';
    return 'wrong';
  }
  const ae = apiEntry(a.name);
  const released = new Set(ae?.releasedBy ?? []);
  if (released.has(r.name)) return 'ok';
  // dma_free_attrs(..., attrs) is the general form of every coherent free
  const re = apiEntry(r.name);
  if (a.family === 'managed' && r.family === 'coherent') return 'dmam-mixed';
  if (a.family === r.family && a.family === 'coherent') {
    if (r.name === 'dma_free_attrs' && a.name === 'dma_alloc_attrs') return 'ok';
    return 'coherent-mismatch';
  }
  if (a.family === r.family) return 'ok';
  if (a.role === 'pool-alloc' && r.role === 'pool-free') return 'ok';
  void re;
  return 'wrong';
}
