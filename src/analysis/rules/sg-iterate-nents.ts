import type { Node } from 'web-tree-sitter';
import type { Rule } from './types';
import { callName, callArgs, normText, walk } from '../ast';
import { isIteratorMacro } from '../cfg';
import { replaceFix } from './shared/fixes';
import { stripOuterParens } from '../facts';

function bodyReadsDma(body: Node | null, it: string): boolean {
  if (!body) return false;
  let hit = false;
  walk(body, (n) => {
    if (hit) return false;
    if (n.type === 'call_expression' && /^sg_dma_(address|len)$/.test(callName(n) ?? '')) {
      const a = callArgs(n)[0];
      const written = n.parent?.type === 'assignment_expression' && n.parent.childForFieldName('left')?.id === n.id;
      if (a && !written && stripOuterParens(normText(a)) === it) hit = true;
    }
    return true;
  });
  return hit;
}

export const rule: Rule = {
  id: 'sg-iterate-nents',
  title: 'sg_dma_address()/sg_dma_len() read over the original nents instead of the mapped count',
  severity: 'error',
  checkFunction(ctx, report) {
    if (!/for_each_sg/.test(ctx.text.slice(ctx.body.startIndex, ctx.body.endIndex))) return;
    const macros: { call: Node; body: Node | null }[] = [];
    walk(ctx.body, (n) => {
      if (isIteratorMacro(n)) macros.push({ call: n.namedChild(0)!, body: n.nextNamedSibling });
      return true;
    });
    for (const { call, body } of macros) {
      const name = callName(call) ?? '';
      const args = callArgs(call);
      if (name === 'for_each_sg' && args.length === 4) {
        const list = stripOuterParens(normText(args[0]));
        const it = normText(args[1]);
        const cnt = normText(args[2]);
        const m = ctx.facts.objects.find((o) => o.kind === 'map' && o.call.family === 'sg' && o.call.lvalue && o.call.nents && o.call.start < call.startIndex &&
          o.call.buffer && stripOuterParens(o.call.buffer.norm) === list && o.call.nents.norm === cnt && o.call.lvalue.norm !== cnt);
        // `for_each_sg(t->sgl, sg, t->orig_nents, i)` over a table mapped with dma_map_sgtable(): the mapped count is t->nents
        const tm = /^\(?&?([\w>.-]+?)\)?(->|\.)sgl$/.exec(list);
        const om = /^\(?&?([\w>.-]+?)\)?(->|\.)orig_nents$/.exec(cnt);
        const t = !m && tm && om && tm[1] === om[1] ? ctx.facts.objects.find((o) => o.kind === 'map' && o.call.family === 'sgtable' && o.call.buffer &&
          o.call.start < call.startIndex && stripOuterParens(o.call.buffer.norm).replace(/^&/, '') === tm[1]) : undefined;
        if (t && bodyReadsDma(body, it)) {
          const mapped = `${tm![1]}${tm![2]}nents`;
          report({
            start: args[2].startIndex, end: args[2].endIndex,
            message: `This loop reads sg_dma_address()/sg_dma_len() for all ${cnt} CPU entries, but after ${t.call.name}() only ${mapped} entries hold DMA addresses; use for_each_sgtable_dma_sg() or iterate over ${mapped}.`,
            related: [{ start: t.call.start, end: t.call.end, message: 'mapped here' }],
            fixes: [replaceFix(`Iterate over the mapped count \`${mapped}\``, args[2].startIndex, args[2].endIndex, mapped)],
          });
        }
        if (m && bodyReadsDma(body, it)) {
          report({
            start: args[2].startIndex, end: args[2].endIndex,
            message: `This loop reads sg_dma_address()/sg_dma_len() for all ${cnt} entries, but only the ${m.call.lvalue!.text} returned by ${m.call.name}() hold DMA addresses.`,
            related: [{ start: m.call.start, end: m.call.end, message: 'mapped here' }],
            fixes: [replaceFix(`Iterate over the mapped count \`${m.call.lvalue!.text}\``, args[2].startIndex, args[2].endIndex, m.call.lvalue!.text)],
          });
        }
      } else if (name === 'for_each_sgtable_sg' && args.length === 3) {
        const it = normText(args[1]);
        if (bodyReadsDma(body, it)) {
          const f = call.childForFieldName('function')!;
          report({
            start: f.startIndex, end: f.endIndex,
            message: 'for_each_sgtable_sg() walks orig_nents CPU entries; to read sg_dma_address()/sg_dma_len() use for_each_sgtable_dma_sg(), which stops at the mapped count.',
            fixes: [replaceFix('Use for_each_sgtable_dma_sg()', f.startIndex, f.endIndex, 'for_each_sgtable_dma_sg')],
          });
        }
      }
    }
  },
};
