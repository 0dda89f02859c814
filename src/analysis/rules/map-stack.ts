import type { Rule } from './types';
import { mappedBuffers, rootOf } from './shared/bufferOrigin';

export const rule: Rule = {
  id: 'map-stack',
  title: 'Stack memory handed to the DMA API',
  severity: 'error',
  checkFunction(ctx, report) {
    for (const b of mappedBuffers(ctx)) {
      const r = rootOf(b.arg);
      if (!r || r.viaPointer) continue;
      const d = ctx.locals.get(r.name);
      if (!d || d.isStatic) continue;
      if (!(r.addressTaken && !d.pointer) && !(d.array && !d.pointer)) continue;
      report({
        start: b.arg.startIndex, end: b.arg.endIndex,
        message: `\`${b.arg.text}\` is on the stack; ${b.call}() needs kmalloc or page memory (with VMAP_STACK the stack is vmalloc memory, and it shares cache lines with live locals).`,
      });
    }
  },
};
