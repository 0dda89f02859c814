import type { Node } from 'web-tree-sitter';
import type { Rule } from './types';
import { callName, stripParensAndCasts } from '../ast';
import { argNamed, callsWithRole } from './shared/catalogueCalls';
import { localValues } from './shared/locals';

const RAM_PHYS = /^(virt_to_phys|__pa|page_to_phys|sg_phys|folio_to_phys|__pa_symbol|pfn_to_phys|page_to_pfn)$/;

export const rule: Rule = {
  id: 'map-resource-ram',
  title: 'dma_map_resource() given the physical address of RAM',
  severity: 'error',
  checkFunction(ctx, report) {
    for (const c of callsWithRole(ctx, 'map')) {
      if (callName(c) !== 'dma_map_resource') continue;
      const a = argNamed(c, 'phys_addr');
      if (!a) continue;
      let s = stripParensAndCasts(a);
      let src: string | null = null;
      let from: Node = s;
      if (s.type === 'binary_expression') s = stripParensAndCasts(s.childForFieldName('left')!);
      if (s.type === 'call_expression' && RAM_PHYS.test(callName(s) ?? '')) { src = callName(s); from = s; }
      else if (s.type === 'identifier' && ctx.locals.has(s.text)) {
        const vals = localValues(ctx, s.text);
        const names = (vals ?? []).map((v) => { let x = stripParensAndCasts(v); if (x.type === 'binary_expression') x = stripParensAndCasts(x.childForFieldName('left')!); return x.type === 'call_expression' ? callName(x) : null; });
        if (vals && vals.length && names.every((n) => !!n && RAM_PHYS.test(n))) { src = names[0]; from = vals[0]; }
      }
      if (!src) continue;
      report({
        start: a.startIndex, end: a.endIndex,
        message: `dma_map_resource() is for MMIO (another device's registers or memory), and \`${a.text}\` is RAM from ${src}(); RAM mapped this way gets no cache maintenance and no bounce buffer. Use dma_map_page()/dma_map_single() for RAM.`,
        related: [{ start: from.startIndex, end: from.endIndex, message: `the RAM address from ${src}()` }],
      });
    }
  },
};
