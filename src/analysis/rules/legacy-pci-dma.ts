import type { Node } from 'web-tree-sitter';
import type { Rule, Fix } from './types';
import { walk, callArgs, stripParensAndCasts } from '../ast';
import { apiEntry, entriesOfKind } from '../api';

/** The legacy pci_* / PCI_DMA_* names of the catalogue (built once at import from constant data). */
const LEGACY_RE = new RegExp(`\\b(?:${entriesOfKind('legacy').map((e) => e.name).filter((n) => /^(pci_|PCI_DMA_)/.test(n)).join('|')})\\b`);

/** The dma_* name of a legacy entry, from the catalogue's `replacement` text. */
function replacementName(name: string): string | null {
  const r = apiEntry(name)?.replacement;
  const m = r ? /^([A-Za-z_]\w*)/.exec(r) : null;
  return m ? m[1] : null;
}

function devArg(a: Node): string {
  const s = stripParensAndCasts(a);
  return s.type === 'identifier' || s.type === 'field_expression' ? `&${s.text}->dev` : `&(${a.text})->dev`;
}

function fixFor(id: Node, text: string): Fix | null {
  const name = id.text;
  const repl = replacementName(name);
  if (!repl) return null;
  const call = id.parent?.type === 'call_expression' && id.parent.childForFieldName('function')?.id === id.id ? id.parent : null;
  if (!call) {
    return name.startsWith('PCI_DMA_') ? { title: `Use ${repl}`, edits: [{ start: id.startIndex, end: id.endIndex, text: repl }] } : null;
  }
  const args = callArgs(call);
  if (!args.length) return null;
  const edits = [
    { start: id.startIndex, end: id.endIndex, text: repl },
    { start: args[0].startIndex, end: args[0].endIndex, text: devArg(args[0]) },
  ];
  const e = apiEntry(repl);
  // pci_alloc_consistent()/pci_zalloc_consistent() always allocated with GFP_ATOMIC
  if (e?.params && e.params.length === args.length + 1 && /gfp|flag/.test(e.params[e.params.length - 1])) {
    const last = args[args.length - 1];
    edits.push({ start: last.endIndex, end: last.endIndex, text: ', GFP_ATOMIC' });
  }
  void text;
  return { title: `Convert to ${repl}() on &pdev->dev`, edits };
}

export const rule: Rule = {
  id: 'legacy-pci-dma',
  title: 'Removed pci_* DMA wrappers and PCI_DMA_* constants',
  severity: 'error',
  checkFile(ctx, report) {
    if (!LEGACY_RE.test(ctx.text)) return;
    walk(ctx.root, (n) => {
      if (n.type !== 'identifier') return true;
      const name = n.text;
      if (!/^(pci_|PCI_DMA_)/.test(name)) return true;
      const e = apiEntry(name);
      if (!e || e.kind !== 'legacy') return true;
      // a driver's own definition of the name (compat shims) is not a use
      const p = n.parent;
      if (p && (p.type === 'function_declarator' || p.type === 'preproc_def' || p.type === 'preproc_function_def' || p.type === 'preproc_ifdef' || p.type === 'preproc_defined')) return true;
      const fix = fixFor(n, ctx.text);
      report({
        start: n.startIndex, end: n.endIndex,
        message: `${name} was removed in Linux 5.18 with pci-dma-compat.h; use ${e.replacement ?? 'the dma_* API'}.`,
        fixes: fix ? [fix] : [],
      });
      return true;
    });
  },
};
