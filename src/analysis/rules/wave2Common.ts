/** Helpers shared by the wave-2 rules: constant folding, call lookup by catalogue role, line numbers. */
import type { Node } from 'web-tree-sitter';
import { callName, callArgs, normText, walk, LEAVES } from '../ast';
import { ConstantFolder } from '../constants';
import { apiEntry, paramIndex } from '../api';
import type { ApiRole } from '../../model/catalogue/types';
import type { FunctionContext } from '../facts';
import { assignedValues } from './memoryCommon';

/**
 * Folds a small integer constant expression (`64`, `0x40`, `1 << 12`, `SZ_4K`, `PAGE_SIZE`, `4 * 1024`)
 * with the shared constant folder (src/analysis/constants.ts); null when not constant.
 */
export function constValue(text: string): number | null {
  return new ConstantFolder().foldText(text) ?? null;
}

export const isPow2 = (v: number): boolean => v > 0 && (v & (v - 1)) === 0;

/** Calls of the function body whose catalogue role is one of `roles`. */
export function callsWithRole(ctx: FunctionContext, ...roles: ApiRole[]): Node[] {
  return ctx.allCalls.filter((c) => {
    const e = apiEntry(callName(c));
    return !!e?.role && roles.includes(e.role) && e.kind !== 'legacy';
  });
}

/** The argument of a call by catalogue parameter name. */
export function argNamed(call: Node, ...names: string[]): Node | undefined {
  const i = paramIndex(apiEntry(callName(call)), ...names);
  return i >= 0 ? callArgs(call)[i] : undefined;
}

/** `DMA_BIT_MASK(n)` → n (also `DMA_BIT_MASK(64ULL)`), else null. */
export function bitMaskBits(text: string): number | null {
  const m = /^DMA_BIT_MASK\((.+)\)$/.exec(normText(text));
  return m ? constValue(m[1]) : null;
}

export function lineAt(text: string, off: number): number {
  let n = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < off; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

/** Every value a local takes: its initialiser (also behind `*p = …` declarators) and its plain assignments; null when unknown. */
export function localValues(ctx: FunctionContext, name: string): Node[] | null {
  const vals = assignedValues(ctx, name);
  if (vals === null) return null;
  const d = ctx.locals.get(name);
  if (d?.init && !vals.some((v) => v.id === d.init!.id)) vals.push(d.init);
  return vals;
}

/**
 * The declared type (normalised text) of a parameter or local declared plainly (`u32 x`, not `u32 *x` or
 * `u32 x[4]`), or null.
 */
export function declaredType(fn: Node, name: string): string | null {
  let t: string | null = null;
  walk(fn, (n) => {
    if (t !== null) return false;
    if (n.type !== 'declaration' && n.type !== 'parameter_declaration') return true;
    const decls = n.type === 'declaration' ? n.childrenForFieldName('declarator') : [n.childForFieldName('declarator')];
    for (const d of decls) {
      let cur: Node | null = d;
      let plain = true;
      while (cur && cur.type !== 'identifier') {
        if (cur.type !== 'init_declarator') plain = false;
        cur = cur.childForFieldName('declarator');
      }
      if (cur && cur.text === name && plain) t = normText(n.childForFieldName('type') ?? '');
    }
    return n.type !== 'declaration';
  }, LEAVES);
  return t;
}
