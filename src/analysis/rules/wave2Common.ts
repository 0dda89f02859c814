/** Helpers shared by the wave-2 rules: constant folding, call lookup by catalogue role, line numbers. */
import type { Node } from 'web-tree-sitter';
import { callName, callArgs, normText, walk, LEAVES } from '../ast';
import { apiEntry, paramIndex } from '../api';
import type { ApiRole } from '../../model/catalogue/types';
import type { FunctionContext } from '../facts';
import { assignedValues } from './memoryCommon';

/** Folds a small integer constant expression (`64`, `0x40`, `1 << 12`, `SZ_4K`, `4 * 1024`); null when not constant. */
export function constValue(text: string): number | null {
  const t = normText(text).replace(/\b(0x[0-9a-fA-F]+|\d+)(?:[uU]?[lL]{0,2}|[lL]{1,2}[uU]?)\b/g, '$1');
  if (!/^[\w\s()+*<>x-]+$/.test(t)) return null;
  const sz = t.replace(/\bSZ_(\d+)([KMG]?)\b/g, (_m, n: string, u: string) => String(Number(n) * (u === 'K' ? 1024 : u === 'M' ? 1048576 : u === 'G' ? 1073741824 : 1)));
  if (/[A-Za-z_]/.test(sz.replace(/0x[0-9a-fA-F]+/g, ''))) return null;
  try {
    // only digits, hex, parentheses and + - * << remain
    // eslint-disable-next-line no-new-func
    const v = Function(`"use strict"; return (${sz});`)() as unknown;
    return typeof v === 'number' && Number.isFinite(v) ? v : null;
  } catch {
    return null;
  }
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
