import type { Rule } from './types';
import { callName, callArgs, normText } from '../ast';
import { stripOuterParens } from '../facts';
import { reach } from '../cfg';
import { reassigns } from '../ownership';

export const rule: Rule = {
  id: 'pool-zalloc',
  title: 'dma_pool_alloc() followed by a memset of the whole block: use dma_pool_zalloc()',
  severity: 'info',
  checkFunction(ctx, report) {
    for (const o of ctx.facts.objects) {
      const c = o.call;
      if (c.name !== 'dma_pool_alloc' || c.result !== 'assigned' || !o.cpu) continue;
      const start = ctx.nodeOf(c);
      if (!start) continue;
      const cpu = o.cpu;
      const target = ctx.allCalls.find((m) => {
        if (m.startIndex <= c.end || callName(m) !== 'memset') return false;
        const a = callArgs(m);
        return a.length === 3 && stripOuterParens(normText(a[0]).replace(/^\([^()]*\*\)/, '')) === cpu && /^(0|0x0|'\\0')$/.test(normText(a[1]));
      });
      if (!target) continue;
      const tn = ctx.index.at(target.startIndex, target.endIndex);
      if (!tn) continue;
      // the memset must follow on a path with no reassignment of the pointer
      const hit = reach(ctx.cfg, start.id, { target: (n) => n.id === tn.id, blocked: (n) => reassigns(n, cpu), limit: 20000 });
      if (!hit) continue;
      // the memset must only ever clear the fresh block: not reachable from entry or around a loop without the alloc
      const notFresh = (from: number): boolean => !!reach(ctx.cfg, from, { target: (n) => n.id === tn.id, blocked: (n) => n.id === start.id, limit: 20000 });
      if (notFresh(ctx.cfg.entry) || notFresh(tn.id)) continue;
      const name = c.args[0] ? callName : null;
      void name;
      report({
        start: target.startIndex, end: target.endIndex,
        message: `This memset() clears a block just allocated with dma_pool_alloc(); use dma_pool_zalloc(), which returns it zeroed, and drop the memset().`,
        related: [{ start: c.start, end: c.end, message: 'allocated here' }],
        fixes: [{
          title: 'Use dma_pool_zalloc() and drop the memset',
          edits: [
            { start: c.start, end: c.start + 'dma_pool_alloc'.length, text: 'dma_pool_zalloc' },
            ...removeStatement(ctx.text, target.startIndex, target.endIndex),
          ],
        }],
      });
    }
  },
};

/** Edits that delete the statement `memset(...);` and its line when it stands alone. */
function removeStatement(text: string, start: number, end: number): { start: number; end: number; text: string }[] {
  const ls = text.lastIndexOf('\n', start - 1) + 1;
  let e = end;
  while (e < text.length && (text[e] === ' ' || text[e] === '\t')) e++;
  if (text[e] !== ';') return [];
  e++;
  const le = text.indexOf('\n', e);
  if (text.slice(ls, start).trim() === '' && text.slice(e, le < 0 ? text.length : le).trim() === '') return [{ start: ls, end: le < 0 ? text.length : le + 1, text: '' }];
  return [{ start, end: e, text: '' }];
}
