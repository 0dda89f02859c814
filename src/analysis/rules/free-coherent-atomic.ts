import type { Rule } from './types';
import { heldAt } from './shared/atomicSections';
import { lineAt } from '../ast';

const FREES = /^(dma_free_coherent|dma_free_attrs|dma_free_wc|dma_free_noncoherent|dma_free_pages|dma_free_noncontiguous)$/;

export const rule: Rule = {
  id: 'free-coherent-atomic',
  title: 'dma_free_coherent() and friends called with interrupts disabled',
  severity: 'error',
  checkFunction(ctx, report) {
    for (const c of ctx.facts.calls) {
      if (c.role !== 'free' || !FREES.test(c.name)) continue;
      const h = heldAt(ctx, ctx.callNodes[c.id], true);
      if (!h) continue;
      report({
        start: c.start, end: c.end,
        message: `${c.name}() runs with interrupts disabled here (${h.lockName}() at line ${lineAt(ctx.text, h.lock.startIndex)}); dma_free_attrs() warns on irqs_disabled() because unmapping a remapped buffer may sleep. Free after the unlock, or defer the free to a workqueue.`,
        related: [{ start: h.lock.startIndex, end: h.lock.endIndex, message: 'interrupts disabled from here' }],
      });
    }
  },
};
