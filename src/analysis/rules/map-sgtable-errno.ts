import type { Node } from 'web-tree-sitter';
import type { Rule } from './types';
import { walk, normText } from '../ast';
import { stripOuterParens } from '../facts';

/** Does the statement (a branch) bail out: goto, or return of a negative/NULL value? */
function bailsOut(n: Node | null): boolean {
  if (!n) return false;
  const t = normText(n);
  return /\bgoto\b/.test(t) || /\breturn\s*(-|ERR_PTR|NULL|false)/.test(t) || /\breturn\s+\w*(err|ret|rc)\w*\s*;/.test(t);
}

export const rule: Rule = {
  id: 'map-sgtable-errno',
  title: 'dma_map_sgtable() returns 0 or a negative errno, not a segment count',
  severity: 'info',
  checkFunction(ctx, report) {
    for (const o of ctx.facts.objects) {
      const c = o.call;
      if (o.kind !== 'map' || c.family !== 'sgtable') continue;
      const call = ctx.callNodes[c.id];
      if (c.result === 'ignored') {
        report({ start: c.start, end: c.end, message: `The result of ${c.name}() is ignored; it returns a negative errno on failure, so test it (\`if (ret) goto err;\`).` });
        continue;
      }
      if (c.result === 'condition') {
        let p = call.parent;
        while (p && p.type === 'parenthesized_expression') p = p.parent;
        if (p?.type === 'unary_expression' && p.text.startsWith('!')) {
          const ifs = p.parent?.type === 'parenthesized_expression' ? p.parent.parent : null;
          if (ifs?.type === 'if_statement' && bailsOut(ifs.childForFieldName('consequence'))) {
            report({ start: p.startIndex, end: p.endIndex, message: `${c.name}() returns 0 on success: \`!${c.name}(...)\` is true when the mapping worked. Test for a non-zero (negative) result instead.`, related: [{ start: c.start, end: c.end, message: 'the mapping' }] });
          }
        }
        continue;
      }
      if (c.result !== 'assigned' || !c.lvalue) continue;
      const v = c.lvalue.norm;
      walk(ctx.body, (n) => {
        if (n.endIndex <= c.end) return false;
        if (n.type === 'if_statement') {
          const cond = n.childForFieldName('condition');
          const t = cond ? stripOuterParens(normText(cond)).replace(/^(unlikely|likely)\((.*)\)$/, '$2') : '';
          if ((t === '!' + v || t === v + '==0' || t === v + '<=0' || t === '0==' + v) && bailsOut(n.childForFieldName('consequence'))) {
            report({ start: cond!.startIndex + 1, end: cond!.endIndex - 1, message: `${c.name}() returns 0 on success and a negative errno on failure; this treats success as failure. The mapped count is in sgt->nents.`, related: [{ start: c.start, end: c.end, message: 'the mapping' }] });
          }
        } else if (n.type === 'binary_expression') {
          const op = n.childForFieldName('operator')?.text;
          const r = n.childForFieldName('right');
          if (op === '<' && r && normText(r) === v && n.parent?.type === 'for_statement') {
            report({ start: n.startIndex, end: n.endIndex, message: `${c.name}() does not return a segment count; loop over sgt->nents (for_each_sgtable_dma_sg()) instead.`, related: [{ start: c.start, end: c.end, message: 'the mapping' }] });
          }
        }
        return true;
      });
    }
  },
};
