import type { Rule } from './types';
import { flagSpans, removeFlagEdit } from './shared/gfpFlags';

/**
 * A zone flag on a coherent allocation: dma_alloc_attrs() (behind dma_alloc_coherent, dma_alloc_wc and the
 * dmam_* variants) clears __GFP_DMA, __GFP_DMA32 and __GFP_HIGHMEM before it allocates (kernel/dma/mapping.c),
 * so the flag does nothing; the zone follows the coherent DMA mask. (On dma_alloc_pages and friends the same
 * flags are fatal: pages-gfp-zone.)
 */
export const rule: Rule = {
  id: 'coherent-gfp-zone',
  title: 'Zone flag (GFP_DMA, GFP_DMA32, __GFP_HIGHMEM) on dma_alloc_coherent(), which ignores it',
  severity: 'info',
  checkFunction(ctx, report) {
    for (const c of ctx.facts.calls) {
      if (c.role !== 'alloc' || !c.gfp || (c.family !== 'coherent' && c.family !== 'managed')) continue;
      for (const s of flagSpans(c.gfp, ctx.text, /__GFP_DMA32|__GFP_DMA|GFP_DMA32|GFP_DMA|__GFP_HIGHMEM/)) {
        const e = removeFlagEdit(c.gfp, ctx.text, s);
        report({
          start: s.start, end: s.end,
          message: `${c.name}() ignores ${s.name}: dma_alloc_attrs() clears zone flags and picks the zone from the device's coherent DMA mask. Drop the flag; if the device needs low memory, say so with dma_set_coherent_mask() or dma_set_mask_and_coherent().`,
          fixes: e ? [{ title: `Drop ${s.name}`, edits: [e] }] : [],
        });
      }
    }
  },
};
