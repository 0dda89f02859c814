import type { Rule } from './types';
import { reach } from '../cfg';
import { stripOuterParens } from '../facts';
import { reassigns } from '../ownership';
import { baseNames } from '../writes';
import { lineAt } from '../ast';

export const rule: Rule = {
  id: 'sync-after-unmap',
  title: 'dma_sync_*() on a handle after it was unmapped',
  severity: 'error',
  checkFunction(ctx, report) {
    const handleOf = (c: (typeof ctx.facts.calls)[number]): string | undefined => {
      const a = c.family === 'sg' || c.family === 'sgtable' ? c.buffer : c.handle;
      return a ? stripOuterParens(a.norm) : undefined;
    };
    for (const u of ctx.facts.calls) {
      if (u.role !== 'unmap') continue;
      const h = handleOf(u);
      const un = ctx.nodeOf(u);
      if (!h || !un || h.includes('(')) continue;
      const names = [h, ...baseNames(h)];
      for (const s of ctx.facts.calls) {
        if ((s.role !== 'sync-for-cpu' && s.role !== 'sync-for-device') || handleOf(s) !== h) continue;
        const sn = ctx.nodeOf(s);
        if (!sn || sn.id === un.id) continue;
        const hit = reach(ctx.cfg, un.id, {
          target: (n) => n.id === sn.id,
          blocked: (n) => names.some((x) => reassigns(n, x)) || ctx.facts.calls.some((m) => m.role === 'map' && m.lvalue?.norm === h && m.start >= n.start && m.end <= n.end),
          limit: 20000,
        });
        if (!hit) continue;
        report({
          start: s.start, end: s.end,
          message: `${s.name}() on \`${h}\`, which ${u.name}() at line ${lineAt(ctx.text, u.start)} already released on this path; the mapping (and any swiotlb slot or IOVA) is gone. Sync before unmapping, or map again first.`,
          related: [{ start: u.start, end: u.end, message: 'unmapped here' }],
        });
      }
    }
  },
};
