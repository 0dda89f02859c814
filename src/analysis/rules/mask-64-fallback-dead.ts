import type { Rule } from './types';
import type { Node } from 'web-tree-sitter';
import { callName, normText, walk } from '../ast';
import { argNamed, callsWithRole } from './shared/catalogueCalls';
import { bitMaskBits, MASK_SETTERS } from './shared/dmaMasks';

export const rule: Rule = {
  id: 'mask-64-fallback-dead',
  title: 'A fallback to a smaller mask after dma_set_mask*(DMA_BIT_MASK(64)) failed: that call never fails',
  severity: 'info',
  checkFunction(ctx, report) {
    for (const c of callsWithRole(ctx, 'mask')) {
      if (!MASK_SETTERS.test(callName(c) ?? '')) continue;
      const m = argNamed(c, 'mask');
      if (!m || bitMaskBits(m.text) !== 64) continue;
      // where does the result go: straight into an if condition, or into a variable tested next
      let top: Node = c;
      while (top.parent && (top.parent.type === 'parenthesized_expression' || top.parent.type === 'cast_expression')) top = top.parent;
      let branch: Node | null = null;
      const p = top.parent;
      if (p?.type === 'if_statement' || (p?.type === 'parenthesized_expression' && p.parent?.type === 'if_statement')) {
        const ifs = p.type === 'if_statement' ? p : p.parent!;
        branch = ifs.childForFieldName('consequence');
      } else if (p?.type === 'unary_expression' && p.text.startsWith('!')) {
        let q: Node | null = p.parent;
        while (q && q.type === 'parenthesized_expression') q = q.parent;
        if (q?.type === 'if_statement') {
          const alt = q.childForFieldName('alternative');
          branch = alt ?? null;
        }
      } else {
        // err = dma_set_mask(...64); if (err) { ...32... }
        let lv: string | null = null;
        if (p?.type === 'assignment_expression') lv = normText(p.childForFieldName('left')!);
        let stmt: Node | null = p;
        while (stmt && stmt.type !== 'expression_statement' && stmt.type !== 'declaration') stmt = stmt.parent;
        if (!lv && p?.type === 'init_declarator') lv = normText(p.childForFieldName('declarator')!);
        const next = stmt?.nextNamedSibling;
        if (lv && next?.type === 'if_statement') {
          const cond = normText(next.childForFieldName('condition')!).replace(/^\(|\)$/g, '');
          if (cond === lv || cond === `${lv}!=0` || cond === `${lv}<0`) branch = next.childForFieldName('consequence');
        }
      }
      if (!branch) continue;
      let fallback: Node | null = null;
      walk(branch, (x) => {
        if (fallback) return false;
        if (x.type === 'call_expression' && MASK_SETTERS.test(callName(x) ?? '')) {
          const a = argNamed(x, 'mask');
          const b = a ? bitMaskBits(a.text) : null;
          if (b !== null && b < 64) fallback = x;
        }
        return true;
      });
      if (!fallback) continue;
      const f = fallback as Node;
      report({
        start: f.startIndex, end: f.endIndex,
        message: `This fallback only runs when ${callName(c)}(…, DMA_BIT_MASK(64)) fails, and a mask of 32 bits or more never fails in 6.12 (dma_direct_supported() accepts it; IOMMUs translate): the branch is dead. Set the mask the device supports directly.`,
        related: [{ start: c.startIndex, end: c.endIndex, message: 'the 64-bit mask set here' }],
      });
    }
  },
};
