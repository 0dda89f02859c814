import type { Rule } from './types';
import { callName, callArgs, normText } from '../ast';
import { flagSpans, removeFlagEdit } from './shared/gfpFlags';
import { stripOuterParens, mentions } from '../facts';
import { cfgNodeText } from './shared/cfgQueries';

export const rule: Rule = {
  id: 'coherent-gfp-zero',
  title: 'Redundant __GFP_ZERO or memset on memory dma_alloc_coherent() already zeroes',
  severity: 'info',
  checkFunction(ctx, report) {
    for (const o of ctx.facts.objects) {
      const c = o.call;
      if (o.kind !== 'alloc' || (c.family !== 'coherent' && c.family !== 'managed') || c.role !== 'alloc') continue;
      if (c.gfp) {
        for (const s of flagSpans(c.gfp, ctx.text, /__GFP_ZERO/)) {
          const e = removeFlagEdit(c.gfp, ctx.text, s);
          report({
            start: s.start, end: s.end,
            message: `${c.name}() always returns zeroed memory; __GFP_ZERO is redundant.`,
            fixes: e ? [{ title: 'Drop __GFP_ZERO', edits: [e] }] : [],
          });
        }
      }
      const p = o.cpu;
      if (!p || c.result !== 'assigned') continue;
      const memset = ctx.allCalls.find((n) => n.startIndex > c.end && callName(n) === 'memset' && callArgs(n).length === 3 &&
        stripOuterParens(normText(callArgs(n)[0]).replace(/^\([^()]*\*\)/, '')) === p && normText(callArgs(n)[1]) === '0');
      if (!memset) continue;
      // only "directly after": nothing but NULL checks / their failure branches touch p in between
      const between = ctx.cfg.nodes.filter((n) => n.start > c.end && n.end <= memset.startIndex && n.kind !== 'entry' && n.kind !== 'exit');
      const allocNode = ctx.nodeOf(c);
      const memNode = ctx.index.at(memset.startIndex, memset.endIndex);
      if (!memNode || memNode.kind !== 'stmt' || !allocNode) continue;
      // "directly after": the memset is a statement of the same block as the allocation
      const allocStmt = allocNode.node;
      if (!allocStmt || !memNode.node || allocStmt.parent?.id !== memNode.node.parent?.id) continue;
      if (c.loops.length) continue;
      // a label in between: the memset is also reached from elsewhere (buffer reuse)
      if (between.some((n) => n.kind === 'label')) continue;
      const touches = between.some((n) => n.kind !== 'cond' && mentions(cfgNodeText(n), p) && !/\breturn\b|\bgoto\b/.test(cfgNodeText(n)));
      if (touches) continue;
      const stmt = memNode.node!;
      const ls = ctx.text.lastIndexOf('\n', stmt.startIndex - 1) + 1;
      let le = ctx.text.indexOf('\n', stmt.endIndex);
      le = le < 0 ? ctx.text.length : le + 1;
      const wholeLine = /^\s*$/.test(ctx.text.slice(ls, stmt.startIndex)) && /^\s*$/.test(ctx.text.slice(stmt.endIndex, le));
      report({
        start: memset.startIndex, end: memset.endIndex,
        message: `${c.name}() already zeroes the buffer; this memset() is redundant.`,
        related: [{ start: c.start, end: c.end, message: 'allocated (zeroed) here' }],
        fixes: [{ title: 'Remove the redundant memset()', edits: [wholeLine ? { start: ls, end: le, text: '' } : { start: stmt.startIndex, end: stmt.endIndex, text: '' }] }],
      });
    }
  },
};
