import type { Rule } from './types';
import { heldAt } from './shared/atomicSections';
import { lineAt } from '../ast';

const BLOCKING = /\bGFP_(KERNEL|NOIO|NOFS|USER|HIGHUSER)\w*\b/;

export const rule: Rule = {
  id: 'alloc-sleep-atomic',
  title: 'A blocking (GFP_KERNEL) DMA allocation inside a spinlock or IRQ-disabled section',
  severity: 'error',
  checkFunction(ctx, report) {
    for (const c of ctx.facts.calls) {
      if ((c.role !== 'alloc' && c.role !== 'pool-alloc') || !c.gfp || !BLOCKING.test(c.gfp.text)) continue;
      const h = heldAt(ctx, ctx.callNodes[c.id], false);
      if (!h) continue;
      report({
        start: c.gfp.start, end: c.gfp.end,
        message: `${c.name}() with ${c.gfp.text} may sleep, but ${h.lockName}() at line ${lineAt(ctx.text, h.lock.startIndex)} holds a spinlock${h.irqsOff ? ' with interrupts off' : ''} here. Use GFP_ATOMIC, or allocate before taking the lock.`,
        related: [{ start: h.lock.startIndex, end: h.lock.endIndex, message: 'atomic from here' }],
        fixes: c.gfp.text.trim() === 'GFP_KERNEL' ? [{ title: 'Use GFP_ATOMIC', edits: [{ start: c.gfp.start, end: c.gfp.end, text: 'GFP_ATOMIC' }] }] : [],
      });
    }
  },
};
