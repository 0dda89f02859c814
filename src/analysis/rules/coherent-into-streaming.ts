import type { Rule } from './types';
import { callName, stripParensAndCasts, normText } from '../ast';
import { mappedBuffers } from './memoryCommon';
import { localValues } from './wave2Common';
import { pointerBase } from '../ownership';
import { apiEntry } from '../api';

const COHERENT = (name: string | null): boolean => {
  const e = apiEntry(name);
  return !!e && (e.role === 'alloc' && (e.family === 'coherent' || e.family === 'managed') || e.role === 'pool-alloc');
};

export const rule: Rule = {
  id: 'coherent-into-streaming',
  title: 'Memory from dma_alloc_coherent()/dma_pool_alloc() passed to a streaming map',
  severity: 'error',
  checkFunction(ctx, report) {
    const cpuPtrs = new Map<string, string>();
    for (const o of ctx.facts.objects) {
      if (o.kind === 'alloc' && o.cpu && COHERENT(o.call.name)) cpuPtrs.set(o.cpu, o.call.name);
    }
    for (const b of mappedBuffers(ctx)) {
      const base = pointerBase(normText(b.arg));
      let src = cpuPtrs.get(base) ?? null;
      const direct = stripParensAndCasts(b.arg);
      if (!src && direct.type === 'call_expression' && COHERENT(callName(direct))) src = callName(direct);
      if (!src && /^[A-Za-z_]\w*$/.test(base) && ctx.locals.has(base)) {
        const vals = localValues(ctx, base);
        const names = (vals ?? []).map((v) => { const s = stripParensAndCasts(v); return s.type === 'call_expression' ? callName(s) : null; });
        if (vals && vals.length && names.every((n) => COHERENT(n))) src = names[0];
      }
      if (!src) continue;
      report({
        start: b.arg.startIndex, end: b.arg.endIndex,
        message: `\`${b.arg.text}\` is coherent DMA memory from ${src}(); it already has a DMA address (the dma_handle) and may be uncached or vmalloc-remapped, so ${b.call}() flushes through the wrong alias. Use the handle from the allocation instead of mapping it again.`,
      });
    }
  },
};
