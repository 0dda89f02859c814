import type { Rule } from './types';
import { reach } from '../cfg';
import { assigns, cfgNodeText, mentions } from './util';
import { stripOuterParens } from '../facts';

export const rule: Rule = {
  id: 'double-unmap',
  title: 'A handle is unmapped or freed twice on one path',
  severity: 'error',
  checkFunction(ctx, report) {
    if (ctx.cfg.truncated) return;
    const rel = ctx.facts.calls.filter((c) => (c.role === 'unmap' || c.role === 'free' || c.role === 'pool-free'));
    const handleOf = (c: typeof rel[number]): string | null => {
      const a = c.family === 'sg' || c.family === 'sgtable' ? c.buffer : c.handle;
      return a ? stripOuterParens(a.norm) : null;
    };
    const reported = new Set<number>();
    for (const a of rel) {
      const h = handleOf(a);
      if (!h || /\[[^\]]*[A-Za-z_][^\]]*\]/.test(h) || /\(|\+\+|--/.test(h)) continue;
      const na = ctx.nodeOf(a);
      if (!na) continue;
      for (const b of rel) {
        if (b.id === a.id || reported.has(b.id) || handleOf(b) !== h || b.start < a.start) continue;
        const nb = ctx.nodeOf(b);
        if (!nb || nb.id === na.id) continue;
        const loops = a.loops;
        const r = reach(ctx.cfg, na.id, {
          target: (n) => n.id === nb.id,
          blocked: (n) => {
            if (n.loop && loops.some((l) => l.start === n.loop!.startIndex)) return true;
            if (n.kind === 'loop-head' && loops.some((l) => l.start === n.start)) return true;
            if (assigns(n, h)) return true;
            // a guard on the handle (`if (h)`, `if (dma_unmap_len(...))`) may have been cleared elsewhere
            if (n.kind === 'cond' && mentions(cfgNodeText(n), h)) return true;
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
