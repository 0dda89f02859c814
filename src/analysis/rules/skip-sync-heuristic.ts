import type { Node } from 'web-tree-sitter';
import type { Rule } from './types';
import { normText, walk } from '../ast';
import { isPlatformPredicate } from '../facts';
import { isDmaCoreFile } from './shared/kernelPaths';
import { mentionsPlatformConfig } from '../preproc/platform';

/** the function is defined inside an `#if` arm whose chain names a platform configuration (cheap text test) */
function insidePlatformBlock(fn: Node): boolean {
  for (let p = fn.parent; p; p = p.parent) {
    if (p.type === 'preproc_if' || p.type === 'preproc_ifdef' || p.type === 'preproc_elif' || p.type === 'preproc_else' || p.type === 'preproc_elifdef') {
      const c = p.childForFieldName('condition') ?? p.childForFieldName('name');
      if (c && mentionsPlatformConfig(c.text)) return true;
      if (p.type === 'preproc_else' || p.type === 'preproc_elif') {
        let h: Node | null = p.parent;
        while (h && h.type !== 'preproc_if' && h.type !== 'preproc_ifdef') h = h.parent;
        const hc = h?.childForFieldName('condition') ?? h?.childForFieldName('name');
        if (hc && mentionsPlatformConfig(hc.text)) return true;
      }
    }
  }
  return false;
}

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
  // the platform predicates a function names, the core-file exemption, and the sizes/directions #defined under a platform #if
  factsKey: (s, fnText, file) =>
    `${[...s.predicateFields].filter((f) => fnText.includes(f)).sort().join(',')}${isDmaCoreFile(file) ? ':core' : ''}|` +
    (s.platformDefines ? [...s.platformDefines()].filter(([k]) => fnText.includes(k)).map(([k, v]) => `${k}=${v}`).sort().join(',') : ''),
  checkFunction(ctx, report) {
    if (isDmaCoreFile(ctx.file)) return;
    // nothing to explain without a sync/map/unmap, nor without a predicate in the body or a cached platform flag
    if (!ctx.facts.calls.some((c) => c.role === 'sync-for-cpu' || c.role === 'sync-for-device' || c.role === 'map' || c.role === 'unmap')) return;
    const bodyText = ctx.text.slice(ctx.body.startIndex, ctx.body.endIndex);
    if (!ctx.summary.predicateFields.size && !isPlatformPredicate(bodyText) && !mentionsPlatformConfig(bodyText)
      && !insidePlatformBlock(ctx.fn) && !ctx.summary.platformDefines?.().size) return;
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
    type Why = { why: string; at: Node | null; block?: Node };
    // the `#if` chain an arm belongs to: the first platform configuration among its conditions
    const preprocWhy = (arm: Node): Why | null => {
      let head: Node | null = arm;
      while (head && (head.type === 'preproc_else' || head.type === 'preproc_elif' || head.type === 'preproc_elifdef')) head = head.parent;
      if (!head || (head.type !== 'preproc_if' && head.type !== 'preproc_ifdef')) return null;
      for (let link: Node | null = head; link; link = link.childForFieldName('alternative')) {
        const cond = link.childForFieldName('condition') ?? link.childForFieldName('name');
        if (cond && mentionsPlatformConfig(cond.text)) {
          const directive = ctx.text.slice(link.startIndex, cond.endIndex).replace(/\s+/g, ' ');
          return { why: `\`${directive}\``, at: cond, block: head };
        }
        if (link.type === 'preproc_else') break;
      }
      return null;
    };
    // the platform condition that `from` is control-dependent on, looking up to `stop` (exclusive)
    const platformCondOf = (from: Node, stop: Node | null): Why | null => {
      for (let n: Node | null = from; n && n.id !== stop?.id; n = n.parent) {
        const p: Node | null = n.parent;
        if (!p) break;
        let cond: Node | null = null;
        if ((p.type === 'if_statement' || p.type === 'while_statement') && p.childForFieldName('condition')?.id !== n.id) cond = p.childForFieldName('condition');
        else if (p.type === 'else_clause') cond = p.parent?.childForFieldName('condition') ?? null;
        else if (p.type === 'conditional_expression' && p.childForFieldName('condition')?.id !== n.id) cond = p.childForFieldName('condition');
        else if (p.type === 'preproc_ifdef' || p.type === 'preproc_if' || p.type === 'preproc_elif' || p.type === 'preproc_elifdef' || p.type === 'preproc_else') {
          const w = preprocWhy(p);
          if (w) return w;
        }
        if (cond) {
          const w = predOf(cond.text);
          if (w) return { why: w, at: cond };
        }
        // early exits before the call in the same block: `if (dev_is_dma_coherent(dev)) return;`
        if (p.type === 'compound_statement') {
          for (let s = n.previousNamedSibling; s; s = s.previousNamedSibling) {
            if (s.type !== 'if_statement') continue;
            const c2 = s.childForFieldName('condition');
            if (c2 && jumps(s.childForFieldName('consequence'))) {
              const w = predOf(c2.text);
              if (w) return { why: w, at: c2 };
            }
          }
        }
      }
      return null;
    };
    // a size or direction argument whose value a platform configuration chooses
    const argWhy = (label: string, arg: { text: string; start: number; end: number } | undefined): Why | null => {
      if (!arg) return null;
      for (const id of new Set(arg.text.match(/\b[A-Za-z_]\w*\b/g) ?? [])) {
        const def = /^[A-Z][A-Z0-9_]*$/.test(id) ? ctx.summary.platformDefines?.().get(id) : undefined;
        if (def) {
          const at = ctx.body.descendantForIndex(arg.start, arg.end);
          return { why: `\`${def.replace(/\s+/g, ' ')}\` (the ${label} \`${id}\` is defined under it)`, at };
        }
        if (!ctx.locals.has(id)) continue;
        let found: Why | null = null;
        walk(ctx.body, (n) => {
          if (found) return false;
          if (n.type !== 'init_declarator' && n.type !== 'assignment_expression') return true;
          const l = n.type === 'init_declarator' ? n.childForFieldName('declarator') : n.childForFieldName('left');
          const r = n.type === 'init_declarator' ? n.childForFieldName('value') : n.childForFieldName('right');
          if (!l || !r || l.text !== id) return true;
          const inValue = isPlatformPredicate(r.text);
          const w = inValue ? { why: inValue, at: r } : platformCondOf(n, ctx.fn);
          if (w) found = { why: `${w.why} (the ${label} \`${id}\` is chosen by it)`, at: w.at };
          return true;
        });
        if (found) return found;
      }
      return null;
    };
    const reportedBlocks = new Set<string>();
    for (const c of ctx.facts.calls) {
      if (!(c.role === 'sync-for-cpu' || c.role === 'sync-for-device' || c.role === 'map' || c.role === 'unmap')) continue;
      if (c.kind === 'legacy' || c.kind === 'internal') continue;
      const call = ctx.callNodes[c.id];
      // the call under a platform condition in the function, or the function itself under a platform `#if`
      let w = platformCondOf(call, ctx.fn) ?? platformCondOf(ctx.fn, null);
      if (!w) w = argWhy('size', c.size) ?? argWhy('direction', c.dir);
      if (!w) continue;
      // one report per `#if` block and call name: the arms are alternatives of the same choice
      if (w.block) {
        const k = `${w.block.id}:${c.name}`;
        if (reportedBlocks.has(k)) continue;
        reportedBlocks.add(k);
      }
      const why: string | null = w.why;
      const at: Node | null = w.at;
      if (!why) continue;
      report({
        start: c.start, end: c.start + c.name.length,
        message: /CONFIG_/.test(why)
          ? `${c.name}() is skipped or chosen based on ${why}, a platform configuration: whether a buffer needs a sync is decided per device and per buffer at run time (bouncing, IOMMU, confidential VMs), not by the architecture. ${SKIP_SYNC_FIX}`
          : `${c.name}() is skipped or chosen based on ${why}, a platform internal that can change per buffer (bouncing, IOMMU, confidential VMs). ${SKIP_SYNC_FIX}`,
        related: at ? [{ start: at.startIndex, end: at.endIndex, message: 'the platform-internal condition' }] : [],
      });
    }
  },
};
