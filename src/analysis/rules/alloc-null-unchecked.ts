import type { Rule } from './types';
import type { Node } from 'web-tree-sitter';
import { normText, callName, callArgs, stripParensAndCasts, lineAt } from '../ast';
import { reach, walkOwn, CfgNode } from '../cfg';
import { mentions } from '../facts';
import { reassigns } from '../ownership';

/** Does the CFG node dereference `v` (subscript, `*v`, `v->f`, memset/memcpy destination or source)? */
function derefOf(n: CfgNode, v: string): Node | null {
  if (!n.node) return null;
  let hit: Node | null = null;
  walkOwn(n, (x) => {
    if (hit) return false;
    if (x.type === 'sizeof_expression' || x.type === 'offsetof_expression') return false;
    if (x.type === 'subscript_expression' || (x.type === 'field_expression' && x.childForFieldName('operator')?.text === '->') || (x.type === 'pointer_expression' && x.text.startsWith('*'))) {
      const a = x.childForFieldName('argument');
      if (a && normText(stripParensAndCasts(a)) === v) hit = x;
    } else if (x.type === 'call_expression' && /^(memset|memcpy|memset_io|memcpy_toio|memcpy_fromio|dma_pool_alloc|dma_pool_zalloc)$/.test(callName(x) ?? '')) {
      const a = callArgs(x);
      if (a.some((y, i) => i < 2 && normText(stripParensAndCasts(y)) === v)) hit = x;
    }
    return true;
  });
  return hit;
}

export const rule: Rule = {
  id: 'alloc-null-unchecked',
  title: 'A DMA allocation (coherent, pool, pages) is dereferenced before a NULL check',
  severity: 'error',
  checkFunction(ctx, report) {
    const objs: { call: { start: number; end: number; name: string }; v: string }[] = [];
    for (const o of ctx.facts.objects) {
      if (o.kind !== 'alloc' || o.call.result !== 'assigned' || !o.cpu || o.cpu.startsWith('*')) continue;
      if (o.call.name === 'dma_alloc_noncontiguous') continue;
      objs.push({ call: o.call, v: o.cpu });
    }
    for (const c of ctx.allCalls) {
      if (!/^(dma_pool_create|dmam_pool_create)$/.test(callName(c) ?? '')) continue;
      const p = c.parent;
      const lv = p?.type === 'assignment_expression' ? p.childForFieldName('left') : null;
      if (lv) objs.push({ call: { start: c.startIndex, end: c.endIndex, name: callName(c)! }, v: normText(lv) });
    }
    for (const o of objs) {
      const start = ctx.index.at(o.call.start, o.call.end);
      if (!start || start.kind !== 'stmt') continue;
      const bases = (o.v.match(/^[A-Za-z_]\w*/) ?? []).filter((b) => b !== o.v);
      let where: Node | null = null;
      const hit = reach(ctx.cfg, start.id, {
        target: (n) => !!(where = derefOf(n, o.v)),
        // any test of the pointer counts as a NULL check; reassignment ends the object
        blocked: (n) => (n.kind === 'cond' && !!n.node && mentions(normText(n.node), o.v)) || reassigns(n, o.v) || bases.some((b) => reassigns(n, b)) || (n.kind === 'stmt' && !!n.node && /\b(BUG_ON|WARN_ON|WARN_ON_ONCE)\s*\(/.test(n.node.text) && mentions(normText(n.node), o.v)),
        limit: 20000,
      });
      if (!hit || !where) continue;
      const w = where as Node;
      report({
        start: w.startIndex, end: w.endIndex,
        message: `\`${o.v}\` comes from ${o.call.name}() at line ${lineAt(ctx.text, o.call.start)}, which returns NULL on failure, and is used here without a NULL check.`,
        related: [{ start: o.call.start, end: o.call.end, message: 'allocated here' }],
      });
    }
  },
};
