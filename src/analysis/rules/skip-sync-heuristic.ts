import type { Node } from 'web-tree-sitter';
import type { Rule } from './types';
import { normText, walk } from '../ast';
import { isPlatformPredicate } from '../facts';
import { isDmaCoreFile } from './shared/kernelPaths';

export const SKIP_SYNC_FIX =
  'Call the sync unconditionally: the inline wrapper already short-circuits via dma_dev_need_sync() when the DMA core knows it is a no-op. If you must skip per buffer, use dma_need_sync(dev, handle) after mapping. If you need CPU/device coherency without syncs, allocate with dma_alloc_coherent()/dma_alloc_attrs().';

function jumps(n: Node | null): boolean {
  if (!n) return false;
  const t = n.type;
  if (t === 'return_statement' || t === 'goto_statement' || t === 'break_statement' || t === 'continue_statement') return true;
  if (t === 'compound_statement') {
    const kids = n.namedChildren.filter((x) => !!x && x.type !== 'comment');
    return kids.length > 0 && jumps(kids[kids.length - 1]);
  }
  return false;
}

export const rule: Rule = {
  id: 'skip-sync-heuristic',
  title: 'A sync, map or unmap depends on platform internals (coherency, IOMMU, swiotlb, dma ops, CONFIG_X86)',
  severity: 'error',
  // the fields the file assigns from a platform predicate, and whether this file belongs to the DMA core
  factsKey: (s, fnText, file) => `${[...s.predicateFields].filter((f) => fnText.includes(f)).sort().join(',')}${isDmaCoreFile(file) ? ':core' : ''}`,
  checkFunction(ctx, report) {
    if (isDmaCoreFile(ctx.file)) return;
    // nothing to explain without a sync/map/unmap, nor without a predicate in the body or a cached platform flag
    if (!ctx.facts.calls.some((c) => c.role === 'sync-for-cpu' || c.role === 'sync-for-device' || c.role === 'map' || c.role === 'unmap')) return;
    if (!ctx.summary.predicateFields.size && !isPlatformPredicate(ctx.text.slice(ctx.body.startIndex, ctx.body.endIndex))) return;
    // locals holding a platform predicate (`bool coherent = dev_is_dma_coherent(dev);`)
    const predLocals = new Map<string, string>();
    walk(ctx.body, (n) => {
      if (n.type === 'init_declarator' || n.type === 'assignment_expression') {
        const l = n.type === 'init_declarator' ? n.childForFieldName('declarator') : n.childForFieldName('left');
        const r = n.type === 'init_declarator' ? n.childForFieldName('value') : n.childForFieldName('right');
        if (l && r && l.type === 'identifier') {
          const p = isPlatformPredicate(r.text);
          if (p) predLocals.set(l.text, p);
        }
      }
      return true;
    });
    const predOf = (cond: string): string | null => {
      const p = isPlatformPredicate(cond);
      if (p) return p;
      for (const [v, why] of predLocals) if (new RegExp(`(^|[^\\w.>])${v}\\b`).test(cond)) return `${why} (via \`${v}\`)`;
      for (const f of ctx.summary.predicateFields) if (new RegExp(`(->|\\.)${f}\\b`).test(cond)) return `a cached platform flag \`${f}\``;
      return null;
    };
    for (const c of ctx.facts.calls) {
      if (!(c.role === 'sync-for-cpu' || c.role === 'sync-for-device' || c.role === 'map' || c.role === 'unmap')) continue;
      if (c.kind === 'legacy' || c.kind === 'internal') continue;
      const call = ctx.callNodes[c.id];
      let why: string | null = null;
      let at: Node | null = null;
      for (let n: Node | null = call; n && n.id !== ctx.fn.id && !why; n = n.parent) {
        const p: Node | null = n.parent;
        if (!p) break;
        if ((p.type === 'if_statement' || p.type === 'while_statement') && p.childForFieldName('condition')?.id !== n.id) {
          const cond = p.childForFieldName('condition');
          if (cond) { why = predOf(cond.text); at = cond; }
        } else if (p.type === 'else_clause') {
          const ifs = p.parent;
          const cond = ifs?.childForFieldName('condition');
          if (cond) { why = predOf(cond.text); at = cond; }
        } else if (p.type === 'conditional_expression' && p.childForFieldName('condition')?.id !== n.id) {
          const cond = p.childForFieldName('condition');
          if (cond) { why = predOf(cond.text); at = cond; }
        } else if ((p.type === 'preproc_ifdef' || p.type === 'preproc_if' || p.type === 'preproc_elif' || p.type === 'preproc_else')) {
          let pp: Node | null = p;
          while (pp && pp.type !== 'preproc_ifdef' && pp.type !== 'preproc_if') pp = pp.parent;
          const name = pp?.childForFieldName('name') ?? pp?.childForFieldName('condition');
          if (name && /CONFIG_(X86|SWIOTLB|INTEL_IOMMU)\b/.test(name.text)) { why = `#if ${normText(name)}`; at = name; }
        }
        // early exits before the call in the same block: `if (dev_is_dma_coherent(dev)) return;`
        if (!why && (p.type === 'compound_statement')) {
          for (let s = n.previousNamedSibling; s && !why; s = s.previousNamedSibling) {
            if (s.type !== 'if_statement') continue;
            const cond = s.childForFieldName('condition');
            if (cond && jumps(s.childForFieldName('consequence'))) {
              const w = predOf(cond.text);
              if (w) { why = w; at = cond; }
            }
          }
        }
      }
      if (!why) continue;
      report({
        start: c.start, end: c.start + c.name.length,
        message: `${c.name}() is skipped or chosen based on ${why}, a platform internal that can change per buffer (bouncing, IOMMU, confidential VMs). ${SKIP_SYNC_FIX}`,
        related: at ? [{ start: at.startIndex, end: at.endIndex, message: 'the platform-internal condition' }] : [],
      });
    }
  },
};
