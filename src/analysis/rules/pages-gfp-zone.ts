import type { Rule } from './types';
import { flagSpans, removeFlagEdit } from './shared/gfpFlags';

export const rule: Rule = {
  id: 'pages-gfp-zone',
  title: 'Zone flags passed to dma_alloc_pages/dma_alloc_noncoherent/dma_alloc_noncontiguous (WARN and NULL)',
  severity: 'error',
  checkFunction(ctx, report) {
    for (const c of ctx.facts.calls) {
      if (c.role !== 'alloc' || !c.gfp || (c.family !== 'noncoherent' && c.family !== 'noncontiguous')) continue;
      for (const s of flagSpans(c.gfp, ctx.text, /__GFP_DMA32|__GFP_DMA|GFP_DMA32|GFP_DMA|__GFP_HIGHMEM|GFP_HIGHUSER\w*/)) {
        const e = removeFlagEdit(c.gfp, ctx.text, s);
        report({ start: s.start, end: s.end, message: `${c.name}() fails (WARN, NULL) when given ${s.name}; the zone follows the device's DMA mask, so drop the flag and set the mask instead.`, fixes: e ? [{ title: `Drop ${s.name}`, edits: [e] }] : [] });
      }
    }
  },
};
