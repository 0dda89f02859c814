import type { Rule } from './types';
import { releasePairs } from './shared/pairing';
import { familyVerdict } from './shared/releaseFamily';
import type { Pair } from './shared/pairing';
import type { FunctionContext } from '../facts';
import { apiEntry } from '../api';

/** `if (dma_addr) dma_pool_free(...)`: a handle that may come from several places, tested before release. */
function guardedByHandle(ctx: FunctionContext, p: Pair): boolean {
  const h = p.obj.handle;
  if (!h) return false;
  for (let n = ctx.callNodes[p.rel.id].parent; n && n.id !== ctx.body.id; n = n.parent) {
    if (n.type === 'if_statement') {
      const c = n.childForFieldName('condition');
      if (c && new RegExp(`(^|[^\\w>.])${h.replace(/[.*+?^${}()|[\]\\>-]/g, '\\$&')}($|[^\\w])`).test(c.text)) return true;
    }
  }
  return false;
}

/** `if (page_dma) dma_unmap_page(...); else dma_unmap_single(...);`: the release is chosen per path. */
function exclusiveFamilies(ctx: FunctionContext, p: Pair): boolean {
  const call = ctx.callNodes[p.rel.id];
  for (let n = call.parent; n && n.id !== ctx.body.id; n = n.parent) {
    if (n.type === 'if_statement' || n.type === 'conditional_expression') {
      let found = false;
      for (const c of ctx.facts.calls) {
        if (c.id === p.rel.id || c.role !== p.rel.role || c.family === p.rel.family || c.start < n.startIndex || c.end > n.endIndex) continue;
        if (apiEntry(c.name)?.family === p.obj.call.family || c.family === p.obj.call.family) found = true;
      }
      if (found) return true;
    }
  }
  return false;
}

export const rule: Rule = {
  id: 'unmap-wrong-family',
  title: 'A mapping or allocation is released with a function of another family',
  severity: 'error',
  checkFunction(ctx, report) {
    for (const p of releasePairs(ctx)) {
      const v = familyVerdict(p);
      if (v !== 'wrong' && v !== 'single-page') continue;
      // the same variable also receives the handle of another kind of object: which one is released depends on the path
      if (ctx.facts.objects.some((o) => o !== p.obj && o.handle === p.obj.handle && (o.kind !== p.obj.kind || o.call.family === p.rel.family))) continue;
      if (exclusiveFamilies(ctx, p) || guardedByHandle(ctx, p)) continue;
      report({
        severity: v === 'single-page' ? 'info' : undefined,
        start: p.rel.start,
        end: p.rel.start + p.rel.name.length,
        message: v === 'single-page'
          ? `${p.rel.name}() releases a ${p.obj.call.name}() mapping; dma-debug accepts it, but pair ${p.obj.call.name}() with its own unmap.`
          : `${p.rel.name}() releases memory obtained with ${p.obj.call.name}(); use the matching release function (${(p.obj.call.family ?? '')} family).`,
        related: [{ start: p.obj.call.start, end: p.obj.call.end, message: `obtained here with ${p.obj.call.name}()` }],
      });
    }
  },
};
