import type { Node } from 'web-tree-sitter';
import type { Rule } from './types';
import { walk, normText, callName } from '../ast';
import { stripOuterParens } from '../facts';

/** Zero tests of a count variable anywhere in the function: `!n`, `n == 0`, `n <= 0`, `n < 1`, `if (n)`, `n > 0`. */
export function zeroTests(body: Node, v: string, after: number): { zero: boolean; negOnly: Node[]; any: boolean } {
  let zero = false;
  let any = false;
  const negOnly: Node[] = [];
  walk(body, (n) => {
    if (n.endIndex <= after) return false;
    if (n.type === 'binary_expression') {
      const op = n.childForFieldName('operator')?.text ?? '';
      const l = stripOuterParens(normText(n.childForFieldName('left')!));
      const r = stripOuterParens(normText(n.childForFieldName('right')!));
      if (l === v || r === v) {
        any = true;
        const other = l === v ? r : l;
        const o = l === v ? op : ({ '<': '>', '>': '<', '<=': '>=', '>=': '<=' } as Record<string, string>)[op] ?? op;
        if (other === '0' && (o === '==' || o === '<=' || o === '!=' || o === '>')) zero = true;
        else if (other === '1' && (o === '<' || o === '>=')) zero = true;
        else if (other === '0' && o === '<') negOnly.push(n);
        else if (o === '<' || o === '>' || o === '!=' || o === '==') zero = true; // compared with something else (e.g. != nents): treat as checked
      }
    } else if (n.type === 'unary_expression' && n.text.startsWith('!')) {
      const a = n.childForFieldName('argument');
      if (a && stripOuterParens(normText(a)) === v) { zero = true; any = true; }
    } else if ((n.type === 'if_statement' || n.type === 'while_statement') && n.childForFieldName('condition')) {
      const c = stripOuterParens(normText(n.childForFieldName('condition')!)).replace(/^(unlikely|likely)\((.*)\)$/, '$2');
      if (c === v) { zero = true; any = true; }
    } else if (n.type === 'conditional_expression') {
      const c = n.childForFieldName('condition');
      if (c && stripOuterParens(normText(c)) === v) { zero = true; any = true; }
    } else if (n.type === 'call_expression' && /^(WARN|BUG)/.test(callName(n) ?? '')) {
      if (normText(n).includes(v)) { zero = true; any = true; }
    }
    return true;
  });
  return { zero, negOnly, any };
}

export const rule: Rule = {
  id: 'map-sg-zero',
  title: 'dma_map_sg() reports failure as 0, never as a negative value',
  severity: 'info',
  checkFunction(ctx, report) {
    for (const o of ctx.facts.objects) {
      const c = o.call;
      if (o.kind !== 'map' || c.family !== 'sg') continue;
      const call = ctx.callNodes[c.id];
      if (c.result === 'ignored') {
        report({ start: c.start, end: c.end, message: `The segment count returned by ${c.name}() is ignored; it is 0 when the mapping failed, so test it and bail out on 0.` });
        continue;
      }
      if (c.result === 'condition') {
        let p = call.parent;
        while (p && p.type === 'parenthesized_expression') p = p.parent;
        if (p?.type === 'binary_expression') {
          const op = p.childForFieldName('operator')?.text;
          const other = p.childForFieldName('left')?.id === (call.parent?.type === 'parenthesized_expression' ? call.parent.id : call.id) ? p.childForFieldName('right') : p.childForFieldName('left');
          if (op === '<' && other && normText(other) === '0') {
            report({ start: p.startIndex, end: p.endIndex, message: `${c.name}() never returns a negative value; failure is 0, so test for 0 (e.g. \`if (!count)\`).`, related: [{ start: c.start, end: c.end, message: 'the mapping' }] });
          }
        }
        continue;
      }
      if (c.result !== 'assigned' || !c.lvalue) continue;
      const z = zeroTests(ctx.body, c.lvalue.norm, c.end);
      if (z.zero) continue;
      for (const n of z.negOnly) {
        report({ start: n.startIndex, end: n.endIndex, message: `${c.name}() never returns a negative value; failure is 0, so this test never fires. Test for 0 instead.`, related: [{ start: c.start, end: c.end, message: 'the mapping' }] });
      }
    }
  },
};
