/** The values and declared types of a function's locals and parameters. */
import type { Node } from 'web-tree-sitter';
import { walk, normText, LEAVES } from '../../ast';
import type { FunctionContext } from '../../facts';
import { assignedValues } from './bufferOrigin';

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
