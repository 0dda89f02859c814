import type { Rule } from './types';
import type { Node } from 'web-tree-sitter';
import { callName, stripParensAndCasts, normText } from '../ast';
import { mappedBuffers } from './shared/bufferOrigin';
import { localValues } from './shared/locals';
import { pointerBase, reassigns } from '../ownership';
import { reach } from '../cfg';
import { stripOuterParens } from '../facts';
import { apiEntry } from '../api';

const COHERENT = (name: string | null): boolean => {
  const e = apiEntry(name);
  return !!e && (e.role === 'alloc' && (e.family === 'coherent' || e.family === 'managed') || e.role === 'pool-alloc');
};

/** The `if` conditions around a node, with the branch it sits in: `!x` is stored as (x, 'f'). */
function guards(n: Node, stop: Node): { cond: string; branch: 't' | 'f' }[] {
  const out: { cond: string; branch: 't' | 'f' }[] = [];
  for (let cur: Node = n, p = n.parent; p && p.id !== stop.id; cur = p, p = p.parent) {
    if (p.type !== 'if_statement') continue;
    const c = p.childForFieldName('condition');
    if (!c || c.id === cur.id) continue;
    let t = stripOuterParens(normText(c));
    let b: 't' | 'f' = p.childForFieldName('consequence')?.id === cur.id ? 't' : 'f';
    while (t.startsWith('!') && !t.startsWith('!=')) { t = stripOuterParens(t.slice(1)); b = b === 't' ? 'f' : 't'; }
    out.push({ cond: t, branch: b });
  }
  return out;
}

export const rule: Rule = {
  id: 'coherent-into-streaming',
  title: 'Memory from dma_alloc_coherent()/dma_pool_alloc() passed to dma_map_single()',
  severity: 'error',
  checkFunction(ctx, report) {
    const allocs = ctx.facts.objects.filter((o) => o.kind === 'alloc' && o.cpu && COHERENT(o.call.name));
    for (const b of mappedBuffers(ctx)) {
      if (b.call.startsWith('sg_')) continue; // sg entries of coherent memory are often bookkeeping with sg_dma_address set by hand
      const base = pointerBase(normText(b.arg));
      const direct = stripParensAndCasts(b.arg);
      let src: string | null = null;
      let from: { start: number; end: number } | null = null;
      if (direct.type === 'call_expression' && COHERENT(callName(direct))) { src = callName(direct); from = { start: direct.startIndex, end: direct.endIndex }; }
      const mapNode = ctx.index.at(b.callNode.startIndex, b.callNode.endIndex);
      if (!src && mapNode) {
        for (const o of allocs) {
          if (o.cpu !== base) continue;
          const an = ctx.nodeOf(o.call);
          if (!an) continue;
          // the pointer must still hold the coherent allocation when it is mapped, on a path
          // consistent with the `if` that chose the allocation
          const g = guards(ctx.callNodes[o.call.id], ctx.body);
          const hit = reach(ctx.cfg, an.id, {
            target: (n) => n.id === mapNode.id,
            blocked: (n) => reassigns(n, base),
            prune: (n, e) => {
              if (n.kind !== 'cond' || !n.node || e === '') return false;
              let t = stripOuterParens(normText(n.node));
              let ee = e;
              while (t.startsWith('!') && !t.startsWith('!=')) { t = stripOuterParens(t.slice(1)); ee = ee === 't' ? 'f' : 't'; }
              return g.some((x) => x.cond === t && x.branch !== ee);
            },
            limit: 20000,
          });
          if (hit) { src = o.call.name; from = o.call; break; }
        }
      }
      if (!src && /^[A-Za-z_]\w*$/.test(base) && ctx.locals.has(base)) {
        const vals = localValues(ctx, base);
        const names = (vals ?? []).map((v) => { const s = stripParensAndCasts(v); return s.type === 'call_expression' ? callName(s) : null; });
        if (vals && vals.length && names.every((n) => COHERENT(n))) { src = names[0]; from = { start: vals[0].startIndex, end: vals[0].endIndex }; }
      }
      if (!src || !from) continue;
      report({
        start: b.arg.startIndex, end: b.arg.endIndex,
        message: `\`${b.arg.text}\` is coherent DMA memory from ${src}(); it already has a DMA address (the dma_handle) and may be uncached or vmalloc-remapped, so ${b.call}() flushes through the wrong alias. Use the handle from the allocation instead of mapping it again.`,
        related: [{ start: from.start, end: from.end, message: `allocated coherent by ${src}() here` }],
      });
    }
  },
};
