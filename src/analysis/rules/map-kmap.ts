import type { Node } from 'web-tree-sitter';
import type { Rule } from './types';
import { callName, stripParensAndCasts } from '../ast';
import { mappedBuffers, rootOf } from './shared/bufferOrigin';
import { localValues } from './shared/locals';

const KMAP = /^(kmap|kmap_local_page|kmap_local_folio|kmap_atomic|kmap_local_page_try_from_panic)$/;

export const rule: Rule = {
  id: 'map-kmap',
  title: 'A kmap()/kmap_local_page() address handed to dma_map_single or an sg entry',
  severity: 'error',
  checkFunction(ctx, report) {
    for (const b of mappedBuffers(ctx)) {
      const direct = stripParensAndCasts(b.arg);
      let src: string | null = null;
      let from: Node | null = null;
      if (direct.type === 'call_expression' && KMAP.test(callName(direct) ?? '')) { src = callName(direct); from = direct; }
      else if (direct.type === 'binary_expression' || direct.type === 'identifier') {
        const r = rootOf(b.arg);
        if (!r || r.addressTaken || r.viaPointer) continue;
        const d = ctx.locals.get(r.name);
        if (!d || !d.pointer || d.isStatic) continue;
        const vals = localValues(ctx, r.name);
        if (!vals || !vals.length) continue;
        const names = vals.map((v) => { const s = stripParensAndCasts(v); return s.type === 'call_expression' ? callName(s) : null; });
        if (!names.every((n) => !!n && KMAP.test(n))) continue;
        src = names[0];
        from = vals[0];
      }
      if (!src || !from) continue;
      report({
        start: b.arg.startIndex, end: b.arg.endIndex,
        message: `\`${b.arg.text}\` comes from ${src}(); a kmap address of a highmem page is a temporary alias outside the linear map, so ${b.call}() cannot translate it. Map the page itself with dma_map_page() (or sg_set_page()).`,
        related: [{ start: from.startIndex, end: from.endIndex, message: `the ${src}() alias` }],
      });
    }
  },
};
