import type { Rule } from './types';
import { leakingExit } from './shared/leakPaths';

export const rule: Rule = {
  id: 'map-leak',
  title: 'An error return leaves a successful map or allocation unreleased',
  severity: 'warning',
  checkFunction(ctx, report) {
    if (ctx.facts.hasError) return;
    for (const o of ctx.facts.objects) {
      const c = o.call;
      if (c.result !== 'assigned' || !c.lvalueLocal) continue;
      if (o.kind === 'alloc' && (c.family === 'managed' || !o.handle || !ctx.locals.has(o.handle))) continue;
      if (o.kind === 'map' && c.family !== 'single' && c.family !== 'page') continue;
      const rr = leakingExit(ctx, o);
      if (!rr) continue;
      report({
        start: rr.start, end: rr.end,
        message: `This error return leaks the ${o.kind === 'map' ? 'mapping' : 'allocation'} made by ${c.name}() at line ${lineOf(ctx.text, c.start)}; ${o.kind === 'map' ? 'unmap' : 'free'} it before returning (or jump to the unwind label that does).`,
        related: [{ start: c.start, end: c.end, message: `${o.kind === 'map' ? 'mapped' : 'allocated'} here` }],
      });
    }
  },
};

function lineOf(text: string, off: number): number {
  let n = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < off; i = text.indexOf('\n', i + 1)) n++;
  return n;
}
