import type { Rule } from './types';
import { flagSpans, removeFlagEdit } from './shared/gfpFlags';

export const rule: Rule = {
  id: 'gfp-comp',
  title: '__GFP_COMP passed to a dma_alloc_* call (WARN and NULL)',
  severity: 'error',
  checkFunction(ctx, report) {
    for (const c of ctx.facts.calls) {
      if (c.role !== 'alloc' || !c.gfp) continue;
      for (const s of flagSpans(c.gfp, ctx.text, /__GFP_COMP/)) {
        const e = removeFlagEdit(c.gfp, ctx.text, s);
        report({ start: s.start, end: s.end, message: `${c.name}() refuses __GFP_COMP with a WARN and returns NULL; drop the flag.`, fixes: e ? [{ title: 'Drop __GFP_COMP', edits: [e] }] : [] });
      }
    }
  },
};
