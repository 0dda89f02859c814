import type { Node } from 'web-tree-sitter';
import type { Rule } from './types';
import { callName, callArgs, normText, stripParensAndCasts, walk } from '../ast';
import { reach } from '../cfg';
import { reassigns } from '../ownership';
import { apiEntry } from '../api';
import { localValues } from './shared/locals';
import type { FunctionContext } from '../facts';

const NOKMAP = /\bDMA_ATTR_NO_KERNEL_MAPPING\b/;
const MEMFN = /^(memset|memcpy|memmove|memcmp|memset_io|memcpy_toio|memcpy_fromio|strcpy|strscpy)$/;

/** The attrs argument always carries DMA_ATTR_NO_KERNEL_MAPPING: literally, or through a local whose every value does. */
function alwaysNoKmap(ctx: FunctionContext, attrs: Node): boolean {
  if (NOKMAP.test(attrs.text)) return true;
  const a = stripParensAndCasts(attrs);
  if (a.type !== 'identifier' || !ctx.locals.has(a.text)) return false;
  const vals = localValues(ctx, a.text);
  return !!vals && vals.length > 0 && vals.every((v) => NOKMAP.test(v.text));
}

/** A place where `cpu` is used as a CPU address: `*cpu`, `cpu[i]`, `cpu->f`, or a mem*() argument. */
function derefs(ctx: FunctionContext, cpu: string, after: number): Node[] {
  const out: Node[] = [];
  const same = (n: Node | null | undefined): boolean => !!n && normText(stripParensAndCasts(n)) === cpu;
  walk(ctx.body, (x) => {
    if (x.endIndex <= after) return false;
    if (x.startIndex > after) {
      if (x.type === 'pointer_expression' && x.text.startsWith('*') && same(x.childForFieldName('argument'))) out.push(x);
      else if (x.type === 'subscript_expression' && same(x.childForFieldName('argument'))) out.push(x);
      else if (x.type === 'field_expression' && x.childForFieldName('operator')?.text === '->' && same(x.childForFieldName('argument'))) out.push(x);
      else if (x.type === 'call_expression' && MEMFN.test(callName(x) ?? '')) {
        const a = callArgs(x);
        if (same(a[0]) || same(a[1])) out.push(x);
      }
    }
    return true;
  });
  return out;
}

export const rule: Rule = {
  id: 'nokmap-deref',
  title: 'The cookie returned by a DMA_ATTR_NO_KERNEL_MAPPING allocation used as a CPU address',
  severity: 'error',
  checkFunction(ctx, report) {
    for (const o of ctx.facts.objects) {
      const c = o.call;
      const e = apiEntry(c.name);
      if (o.kind !== 'alloc' || !e || !/^dmam?_alloc_attrs$/.test(c.name) || !o.cpu || c.result !== 'assigned') continue;
      const call = ctx.callNodes[c.id];
      const attrsNode = callArgs(call).find((a) => c.attrs && a.startIndex === c.attrs.start);
      if (!attrsNode || !alwaysNoKmap(ctx, attrsNode)) continue;
      const start = ctx.nodeOf(c);
      if (!start) continue;
      const cpu = o.cpu;
      for (const d of derefs(ctx, cpu, c.end)) {
        const dn = ctx.index.at(d.startIndex, d.endIndex);
        if (!dn) continue;
        const hit = dn.id === start.id || reach(ctx.cfg, start.id, { target: (n) => n.id === dn.id, blocked: (n) => reassigns(n, cpu), limit: 20000 });
        if (!hit) continue;
        report({
          start: d.startIndex, end: d.endIndex,
          message: `\`${cpu}\` comes from ${c.name}() with DMA_ATTR_NO_KERNEL_MAPPING: it is an opaque cookie (a struct page * on the direct path, no kernel mapping behind it), not a CPU address. Only pass it to dma_mmap_attrs()/dma_free_attrs() with the same attrs; drop the attribute if the CPU needs to touch the buffer.`,
          related: [{ start: c.start, end: c.end, message: 'allocated without a kernel mapping here' }],
        });
      }
    }
  },
};
