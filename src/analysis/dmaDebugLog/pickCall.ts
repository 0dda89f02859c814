/**
 * Inside one function, the DMA call a dma-debug report is about: a checker finding of the matching
 * rule, the report's fields (size, direction, entry count), a difference from the map call, or
 * the first call of the family.
 */
import type { Node } from 'web-tree-sitter';
import { normText } from '../ast';
import { DmaCall, arg, dmaCalls } from './callShapes';
import { CHECKS } from './checks';
import { foldConstant } from './constants';
import type { FindingLike, KernelLogReport, LocationHow } from './types';

export interface PickedCall {
  node: Node;
  name: string;
  how: LocationHow;
  /** the candidate calls of the same family and kind (the map sites, for a later unmap comparison) */
  sameFamily: DmaCall[];
}

/**
 * The DMA call inside `def` the report is about, with how it was picked:
 * a checker finding of the matching rule, the report's fields (a size, a
 * direction or an entry count that matches one call), a difference from the
 * map call, or the first call of the family. `findings` is called only when a checker finding
 * could decide (it may parse and check the whole file).
 */
export function pickCall(
  report: KernelLogReport,
  fn: Node,
  op: 'map' | 'unmap' | 'sync',
  mapSites: readonly DmaCall[],
  findings: () => readonly FindingLike[],
  defines: ReadonlyMap<string, string>,
): PickedCall | null {
  const f = report.fields;
  const all = dmaCalls(fn).filter((c) => c.shape.op === op);
  if (all.length === 0) return null;
  // narrow by the kind the log names (the unmap family for wrong-function, the map kind otherwise)
  const kindName = String(op === 'unmap' && report.check === 'unmap-wrong-function' ? f.unmappedAs ?? '' : f.mappedAs ?? '');
  let cands = all;
  const byKind = all.filter((c) => c.shape.kind === kindName);
  if (byKind.length > 0) cands = byKind;
  else if (report.check === 'sg-nents' || report.check === 'sync-sg-nents' || report.check.startsWith('sg-segment')) {
    const sg = all.filter((c) => c.shape.kind === 'scatter-gather');
    if (sg.length > 0) cands = sg;
  } else if (report.check === 'free-cpu-address') {
    const co = all.filter((c) => c.shape.kind === 'coherent' || c.shape.kind === 'noncoherent');
    if (co.length > 0) cands = co;
  }
  if (op === 'sync' && (report.check === 'sync-ro-for-cpu' || report.check === 'sync-wo-for-device')) {
    const to = report.check === 'sync-ro-for-cpu' ? 'cpu' : 'device';
    const w = cands.filter((c) => c.shape.to === to);
    if (w.length > 0) cands = w;
  }
  const done = (c: DmaCall, how: LocationHow) => ({ node: c.node, name: c.name, how, sameFamily: cands });

  // 1. the checker's finding of the matching rule inside this function
  const rule = op === 'map' && report.check === 'map-error-not-checked' ? 'map-error-unchecked' : CHECKS[report.check].rule;
  if (rule && (op === 'map' ? report.check === 'map-error-not-checked' || CHECKS[report.check].family === 'map' : true)) {
    const start = fn.startPosition.row + 1;
    const end = fn.endPosition.row + 1;
    const hits = findings().filter((h) => h.rule === rule && h.line >= start && h.line <= end);
    for (const h of hits) {
      const c = cands.find((c) => c.node.startPosition.row + 1 <= h.line && h.line <= c.node.endPosition.row + 1);
      if (c) return done(c, 'finding');
    }
    if (hits.length > 0) {
      const c = all.find((c) => c.node.startPosition.row + 1 <= hits[0].line && hits[0].line <= c.node.endPosition.row + 1);
      if (c) return done(c, 'finding');
    }
  }

  if (op !== 'map') {
    // 2. the report's fields
    const dirText = (c: DmaCall): string | undefined => arg(c, c.shape.dir)?.text.trim();
    const sizeOf = (c: DmaCall): number | undefined => {
      const a = arg(c, c.shape.size);
      return a ? foldConstant(a.text, defines) : undefined;
    };
    const countOf = (c: DmaCall): number | undefined => {
      const a = arg(c, c.shape.nents);
      return a ? foldConstant(a.text, defines) : undefined;
    };
    const byField = (pred: (c: DmaCall) => boolean): DmaCall | undefined => {
      const hits = cands.filter(pred);
      return hits.length >= 1 ? hits[0] : undefined;
    };
    let hit: DmaCall | undefined;
    switch (report.check) {
      case 'unmap-size':
        if (typeof f.unmapSize === 'number') hit = byField((c) => sizeOf(c) === f.unmapSize);
        break;
      case 'unmap-dir':
        if (typeof f.unmappedWith === 'string') hit = byField((c) => dirText(c) === f.unmappedWith);
        break;
      case 'sync-dir':
      case 'sync-ro-for-cpu':
      case 'sync-wo-for-device':
        if (typeof f.syncedWith === 'string') hit = byField((c) => dirText(c) === f.syncedWith);
        break;
      case 'sg-nents':
        if (typeof f.unmapCount === 'number') hit = byField((c) => countOf(c) === f.unmapCount);
        break;
      case 'sync-sg-nents':
        if (typeof f.syncCount === 'number') hit = byField((c) => countOf(c) === f.syncCount);
        break;
      case 'free-not-allocated':
      case 'sync-not-allocated':
      case 'unmap-wrong-function':
        // the size the release or sync was called with
        if (typeof f.size === 'number') hit = byField((c) => sizeOf(c) === f.size);
        break;
      case 'sync-range':
        if (typeof f.allocationSize === 'number') hit = byField((c) => (sizeOf(c) ?? 0) > (f.allocationSize as number));
        break;
      default:
        break;
    }
    if (hit) return done(hit, 'fields');

    // 3. differs from the map call (the one from "Mapped at:", else the maps in this function)
    const maps = mapSites.length > 0 ? mapSites : dmaCalls(fn).filter((c) => c.shape.op === 'map');
    if (maps.length > 0) {
      const which: 'size' | 'dir' | 'nents' | null =
        report.check === 'unmap-size' ? 'size' : report.check === 'unmap-dir' || report.check === 'sync-dir' ? 'dir' : report.check === 'sg-nents' || report.check === 'sync-sg-nents' ? 'nents' : null;
      if (which) {
        const text = (c: DmaCall): string | undefined => {
          const a = arg(c, c.shape[which]);
          return a ? normText(a) : undefined;
        };
        const mapTexts = new Set(maps.map(text).filter((t): t is string => !!t));
        if (mapTexts.size > 0) {
          const diff = cands.find((c) => {
            const t = text(c);
            return t !== undefined && !mapTexts.has(t);
          });
          if (diff) return done(diff, 'compare');
        }
      }
    }
  }

  // 4. the first call of the family
  return done(cands[0], 'family');
}
