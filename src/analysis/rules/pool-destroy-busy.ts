import type { Rule } from './types';
import { callName, callArgs, normText, stripParensAndCasts } from '../ast';
import { reach } from '../cfg';
import { reassigns, pointerBase } from '../ownership';
import { apiEntry } from '../api';
import { containsSpan } from './shared/cfgQueries';
import { failureBranch } from '../conditions';

export const rule: Rule = {
  id: 'pool-destroy-busy',
  title: 'dma_pool_destroy() while a block allocated from the pool is still outstanding',
  severity: 'error',
  checkFunction(ctx, report) {
    if (ctx.facts.hasError) return;
    const destroys = ctx.allCalls.filter((n) => apiEntry(callName(n))?.role === 'pool-destroy' || callName(n) === 'dma_pool_destroy');
    if (!destroys.length) return;
    const frees = ctx.allCalls.filter((n) => apiEntry(callName(n))?.role === 'pool-free');
    for (const o of ctx.facts.objects) {
      const c = o.call;
      if (c.role !== 'pool-alloc' || c.result !== 'assigned' || !c.lvalueLocal || !o.cpu || !c.args[0]) continue;
      const pool = normText(stripParensAndCasts(callArgs(ctx.callNodes[c.id])[0]));
      const start = ctx.nodeOf(c);
      if (!start) continue;
      const cpu = o.cpu;
      const relSpans = o.releases.map((id) => ({ start: ctx.facts.calls[id].start, end: ctx.facts.calls[id].end }));
      // any dma_pool_free() of this pointer also releases it (even one the fact builder did not pair)
      for (const f of frees) {
        const a = callArgs(f)[1];
        if (a && pointerBase(normText(a)) === cpu) relSpans.push({ start: f.startIndex, end: f.endIndex });
      }
      for (const d of destroys) {
        if (d.startIndex <= c.end) continue;
        const arg = callArgs(d)[0];
        if (!arg || normText(stripParensAndCasts(arg)) !== pool) continue;
        const dn = ctx.index.at(d.startIndex, d.endIndex);
        if (!dn || dn.id === start.id) continue;
        const hit = reach(ctx.cfg, start.id, {
          target: (n) => n.id === dn.id,
          blocked: (n) => n.id !== dn.id && (containsSpan(n, relSpans) || containsSpan(n, o.escapes) || reassigns(n, cpu) || reassigns(n, pool)),
          prune: (n, e) => {
            if (n.kind !== 'cond' || !n.node || e === '') return false;
            const fb = failureBranch(ctx, n.node.text, o);
            return fb !== null && fb === e;
          },
          limit: 20000,
        });
        if (!hit) continue;
        report({
          start: d.startIndex, end: d.endIndex,
          message: `\`${cpu}\` from ${c.name}() at line ${lineOf(ctx.text, c.start)} can still be outstanding here: it was neither freed with dma_pool_free() nor handed on. dma_pool_destroy() of a pool with busy blocks logs "dma_pool_destroy <name> busy", leaks every page of the pool and frees the pool itself, so a later dma_pool_free() of the block is a use after free. Free the block first.`,
          related: [{ start: c.start, end: c.end, message: 'block allocated here' }],
        });
        break;
      }
    }
  },
};

function lineOf(text: string, off: number): number {
  let n = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < off; i = text.indexOf('\n', i + 1)) n++;
  return n;
}
