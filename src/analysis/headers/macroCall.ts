/** Calls of DMA wrapper macros (`foo_map(d, p, s)` for `dma_map_single(d, p, s, DMA_TO_DEVICE)`), expanded for the per-function facts. */
import type { Node } from 'web-tree-sitter';
import type { ApiEntry } from '../../model/catalogue/types';
import { apiEntry } from '../api';
import { normText } from '../ast';
import type { DmaMacro } from './types';

/** A call of a DMA wrapper macro, expanded: the catalogue entry and the target call's arguments. */
export interface MacroCall {
  entry: ApiEntry;
  target: string;
  /** per target argument: the call's own argument node, or the macro's text with the call's arguments substituted */
  args: (Node | string)[];
}

/** Expands a call of a DMA wrapper macro (null when the argument count does not fit). */
export function expandMacroCall(mac: DmaMacro | undefined, callArgs: Node[]): MacroCall | null {
  if (!mac || callArgs.length !== mac.params.length) return null;
  const entry = apiEntry(mac.target);
  if (!entry) return null;
  const args = mac.args.map((a) => {
    if ('param' in a) return callArgs[a.param];
    if (!mac.params.length) return a.text;
    const re = new RegExp(`\\b(${mac.params.join('|')})\\b`, 'g');
    return a.text.replace(re, (p) => `(${normText(callArgs[mac.params.indexOf(p)])})`);
  });
  return { entry, target: mac.target, args };
}

