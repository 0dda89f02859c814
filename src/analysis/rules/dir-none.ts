import type { Rule } from './types';
import { dirConst } from '../directions';

export const rule: Rule = {
  id: 'dir-none',
  title: 'DMA_NONE (or an invalid number) passed as a direction',
  severity: 'error',
  checkFunction(ctx, report) {
    for (const c of ctx.facts.calls) {
      if (!c.dir) continue;
      if (!(c.role === 'map' || c.role === 'unmap' || c.role === 'sync-for-cpu' || c.role === 'sync-for-device' || c.role === 'alloc' || c.role === 'free')) continue;
      const d = dirConst(c.dir.norm);
      const bad = d === 'NONE' || (/^\d+$/.test(c.dir.norm) && !['0', '1', '2'].includes(c.dir.norm));
      if (!bad) continue;
      report({
        start: c.dir.start, end: c.dir.end,
        message: `${c.name}() with direction ${c.dir.text} hits BUG_ON(!valid_dma_direction(dir)); pass DMA_TO_DEVICE, DMA_FROM_DEVICE or DMA_BIDIRECTIONAL.`,
      });
    }
  },
};
