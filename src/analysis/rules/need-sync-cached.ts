/**
 * need-sync-cached: the answer of `dma_need_sync(dev, addr)` is about one mapping, yet it is
 * kept where other mappings will read it (a per-device or per-queue structure, a global), or it is
 * asked before any mapping exists (a constant address).
 */
import type { Node } from 'web-tree-sitter';
import type { Rule } from './types';
import { walk, callName, callArgs, normText } from '../ast';
import { stripOuterParens } from '../facts';

/** query name → index of the address argument */
const QUERIES: Record<string, number> = { dma_need_sync: 1, virtqueue_dma_need_sync: 1 };

/** The variable an expression is rooted at, through accessors (`sg_dma_address(sgt->sgl)` → sgt). */
function rootOf(t: string): string | null {
  let s = t;
  for (let g = 0; g < 4; g++) {
    const m = /^(?:sg_dma_address|le64_to_cpu|le32_to_cpu|READ_ONCE)\((.*)\)$/.exec(s);
    if (!m) break;
    s = m[1];
  }
  return /^[(&*]*([A-Za-z_]\w*)/.exec(s)?.[1] ?? null;
}

/** The lvalue the query's answer is kept in: `x = dma_need_sync(…)`, or `if (dma_need_sync(…)) x = true;`. */
function storeOf(call: Node): Node | null {
  let p: Node | null = call.parent;
  while (p && (p.type === 'parenthesized_expression' || p.type === 'unary_expression' || p.type === 'cast_expression')) p = p.parent;
  if (!p) return null;
  if (p.type === 'assignment_expression') return p.childForFieldName('left');
  if (p.type === 'init_declarator') return p.childForFieldName('declarator');
  if (p.type === 'if_statement' || p.type === 'condition_clause') {
    const ifs = p.type === 'if_statement' ? p : p.parent;
    if (ifs?.type !== 'if_statement') return null;
    const cons = ifs.childForFieldName('consequence');
    if (!cons) return null;
    let lv: Node | null = null;
    walk(cons, (n) => {
      if (lv) return false;
      if (n.type === 'assignment_expression' && /^(true|false|1|0)$/.test(normText(n.childForFieldName('right') ?? ''))) lv = n.childForFieldName('left');
      return true;
    });
    return lv;
  }
  return null;
}

export const rule: Rule = {
  id: 'need-sync-cached',
  title: 'The per-mapping answer of dma_need_sync() is cached for other mappings, or asked before mapping',
  severity: 'warning',
  checkFunction(ctx, report) {
    for (const call of ctx.allCalls) {
      const name = callName(call) ?? '';
      const ai = QUERIES[name];
      if (ai === undefined) continue;
      const addr = callArgs(call)[ai];
      if (!addr) continue;
      const at = stripOuterParens(normText(addr));
      if (/^(0|0UL|0ULL|NULL|DMA_MAPPING_ERROR|\(dma_addr_t\)0)$/.test(at)) {
        report({
          start: call.startIndex, end: call.endIndex,
          message: `${name}() is asked about address ${at}, not about a mapping: the answer depends on the mapping (whether that buffer was bounced, or the IOMMU's granule), and can change after the first swiotlb bounce. Map the buffer first and ask with its handle.`,
        });
        continue;
      }
      const lv = storeOf(call);
      if (!lv || lv.type === 'identifier' && ctx.locals.has(lv.text)) continue;
      const lt = normText(lv);
      const lroot = rootOf(lt);
      if (!lroot) continue;
      // the roots the mapping lives under: the handle expression's root, plus where a local handle comes from or goes
      const roots = new Set<string>();
      const hr = rootOf(at);
      if (hr) roots.add(hr);
      if (hr && ctx.locals.has(hr)) {
        walk(ctx.body, (n) => {
          if (n.type === 'assignment_expression' && n.childForFieldName('operator')?.text === '=') {
            const l = n.childForFieldName('left');
            const r = n.childForFieldName('right');
            if (!l || !r) return true;
            if (stripOuterParens(normText(r)) === hr) { const x = rootOf(normText(l)); if (x) roots.add(x); }
            if (normText(l) === hr) { const x = rootOf(normText(r)); if (x && !/\(/.test(normText(r).slice(0, x.length + 1))) roots.add(x); }
          }
          return true;
        });
      }
      // a per-mapping record (`dma->need_sync`, `buf->need_sync` next to `buf->addr`) is the sanctioned cache
      if (roots.has(lroot) && lv.type !== 'identifier') continue;
      const global = lv.type === 'identifier';
      report({
        start: call.startIndex, end: call.endIndex,
        message: `${name}() answers for the mapping \`${addr.text}\` only, but the answer is kept in \`${lv.text}\`, ${global ? 'a global' : 'a structure that is not this mapping\'s'} where other mappings will read it. Whether a sync is needed can differ per buffer (a bounced or sub-granule buffer) and can change once any buffer of the device is bounced. Ask per mapping and keep the answer with that mapping, or just call the sync: it returns early when nothing is needed.`,
        related: [{ start: lv.startIndex, end: lv.endIndex, message: 'the cached answer' }],
      });
    }
  },
};
