import type { Rule } from './types';
import { isStreamingSingle, handleComparisons } from './shared/mapErrorChecks';

export const rule: Rule = {
  id: 'map-error-compare',
  title: 'A DMA handle is compared with 0 or DMA_MAPPING_ERROR instead of being passed to dma_mapping_error()',
  severity: 'warning',
  checkFunction(ctx, report) {
    for (const o of ctx.facts.objects) {
      if (!isStreamingSingle(o) || o.checks.length) continue;
      for (const cmp of handleComparisons(ctx, o)) {
        report({
          severity: cmp.zero ? 'error' : 'warning',
          start: cmp.node.startIndex,
          end: cmp.node.endIndex,
          message: cmp.zero
            ? `0 is a valid DMA address and failure is DMA_MAPPING_ERROR: test the handle from ${o.call.name}() with dma_mapping_error() instead.`
            : `Do not compare with DMA_MAPPING_ERROR: call dma_mapping_error() on the handle from ${o.call.name}(), which also tells dma-debug the check happened.`,
          related: [{ start: o.call.start, end: o.call.end, message: 'the mapping' }],
        });
      }
    }
  },
};
