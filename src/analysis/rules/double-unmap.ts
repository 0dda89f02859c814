import type { Rule } from './types';
import { reach } from '../cfg';
import type { Node } from 'web-tree-sitter';
import { assigns, baseNames } from '../writes';
import { cfgNodeText, containsSpan } from './shared/cfgQueries';
import { mentions, stripOuterParens } from '../facts';
import type { CallFact, FunctionContext } from '../facts';

export const rule: Rule = {
  id: 'double-unmap',
  title: 'A handle is unmapped or freed twice on one path',
  severity: 'error',
  checkFunction(ctx, report) {
    if (ctx.facts.hasError) return;
    const rel = ctx.facts.calls.filter((c) => (c.role === 'unmap' || c.role === 'free' || c.role === 'pool-free'));
    const handleOf = (c: typeof rel[number]): string | null => {
      const a = c.family === 'sg' || c.family === 'sgtable' ? c.buffer : c.handle;
      return a ? stripOuterParens(a.norm) : null;
    };
    const reported = new Set<number>();
    const remapsOf = (h: string) => ctx.facts.objects.filter((o) => o.handle === h || o.cpu === h).map((o) => o.call);
    for (const a of rel) {
      const h = handleOf(a);
      if (!h || /\[[^\]]*[A-Za-z_][^\]]*\]/.test(h) || /\(|\+\+|--/.test(h)) continue;
      const na = ctx.nodeOf(a);
      if (!na) continue;
      for (const b of rel) {
        if (b.id === a.id || reported.has(b.id) || handleOf(b) !== h || b.start < a.start) continue;
        if (a.role !== b.role || a.family !== b.family) continue;
        // the second release sits under its own condition: assume it tests whether the first happened
        if (guardedApart(ctx, b, a)) continue;
        const others = [a.cpu, a.buffer].filter((x): x is NonNullable<typeof x> => !!x).map((x) => stripOuterParens(x.norm)).filter((x) => x !== h);
        const nb = ctx.nodeOf(b);
        if (!nb || nb.id === na.id) continue;
        const loops = a.loops;
        const remaps = remapsOf(h);
        const r = reach(ctx.cfg, na.id, {
          target: (n) => n.id === nb.id,
          blocked: (n) => {
            if (n.loop && loops.some((l) => l.start === n.loop!.startIndex)) return true;
            if (n.kind === 'loop-head' && loops.some((l) => l.start === n.start)) return true;
            if (assigns(n, h) || others.some((o) => assigns(n, o))) return true;
            if (n.kind === 'loop-head' && baseNames(h).concat(h).some((x) => mentions(cfgNodeText(n), x))) return true;
            if (containsSpan(n, remaps)) return true;
            // a guard on the handle (`if (h)`, `if (dma_unmap_len(...))`) may have been cleared elsewhere
            if (n.kind === 'cond' && [h, ...others].some((x) => mentions(cfgNodeText(n), x))) return true;
            return false;
          },
          limit: 20000,
        });
        if (!r) continue;
        reported.add(b.id);
        report({
          start: b.start, end: b.end,
          message: `\`${h}\` was already released by ${a.name}() on this path; releasing it again corrupts the swiotlb/IOVA allocator state.`,
          related: [{ start: a.start, end: a.end, message: 'first release' }],
        });
      }
    }
  },
};

/** Is `b` inside an if/else branch (or a loop) that does not also contain `a`? */
function guardedApart(ctx: FunctionContext, b: CallFact, a: CallFact): boolean {
  for (let p: Node | null = ctx.callNodes[b.id].parent; p && p.id !== ctx.body.id; p = p.parent) {
    if (p.type === 'if_statement' || p.type === 'conditional_expression' || p.type === 'case_statement') {
      if (!(p.startIndex <= a.start && a.end <= p.endIndex)) return true;
    }
  }
  return false;
}
