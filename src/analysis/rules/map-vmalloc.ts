import type { Rule } from './types';
import { callName, stripParensAndCasts } from '../ast';
import { assignedValues, mappedBuffers, rootOf } from './shared/bufferOrigin';

const VMALLOC = /^(vmalloc|vzalloc|vmalloc_user|vmalloc_node|vzalloc_node|vmalloc_32|vmalloc_32_user|vmalloc_array|vcalloc|__vmalloc|vmap|module_alloc|execmem_alloc|ioremap\w*|kvmalloc|kvzalloc|kvmalloc_array|kvcalloc|kvmalloc_node|kvzalloc_node|kvrealloc)$/;

export const rule: Rule = {
  id: 'map-vmalloc',
  title: 'vmalloc/vmap/ioremap (or kvmalloc) memory handed to dma_map_single or an sg entry',
  severity: 'error',
  checkFunction(ctx, report) {
    for (const b of mappedBuffers(ctx)) {
      const direct = stripParensAndCasts(b.arg);
      let src: string | null = null;
      if (direct.type === 'call_expression' && VMALLOC.test(callName(direct) ?? '')) src = callName(direct);
      else {
        const r = rootOf(b.arg);
        if (!r || r.addressTaken || r.viaPointer) continue;
        const d = ctx.locals.get(r.name);
        if (!d || !d.pointer || d.isStatic) continue;
        const vals = assignedValues(ctx, r.name);
        if (!vals || !vals.length) continue;
        const names = vals.map((v) => { const s = stripParensAndCasts(v); return s.type === 'call_expression' ? callName(s) : null; });
        if (!names.every((n) => !!n && VMALLOC.test(n))) continue;
        src = names[0];
      }
      if (!src) continue;
      const kv = src.startsWith('kv');
      report({
        severity: kv ? 'warning' : undefined,
        start: b.arg.startIndex, end: b.arg.endIndex,
        message: kv
          ? `\`${b.arg.text}\` comes from ${src}(), which may return vmalloc memory; ${b.call}() only accepts linear-map memory. Use kmalloc or map the pages individually.`
          : `\`${b.arg.text}\` comes from ${src}(); ${b.call}() rejects vmalloc/vmap memory (not linear-mapped, not physically contiguous). Use kmalloc, or map each page with dma_map_page().`,
      });
    }
  },
};
