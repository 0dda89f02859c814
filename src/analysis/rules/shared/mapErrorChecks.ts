/** Shared logic of map-error-unchecked and map-error-compare. */
import type { Node } from 'web-tree-sitter';
import { walk, normText, callName } from '../../ast';
import { apiEntry } from '../../api';
import type { DmaObject, FunctionContext } from '../../facts';
import { mentions, stripOuterParens } from '../../facts';
import { exclusiveBranches } from './pairing';
import { canonicalLvalue } from '../../aliases';

export function isStreamingSingle(o: DmaObject): boolean {
  return o.kind === 'map' && (o.call.family === 'single' || o.call.family === 'page' || o.call.family === 'resource');
}

/** Comparisons of the handle against 0 / NULL / DMA_MAPPING_ERROR, and `!h`. */
export function handleComparisons(ctx: FunctionContext, o: DmaObject): { node: Node; zero: boolean }[] {
  const h = o.handle;
  const out: { node: Node; zero: boolean }[] = [];
  if (!h) return out;
  // `h = 0` elsewhere: 0 is this driver's "not mapped" sentinel, so the comparison is not a failure test
  const fnText = normText(ctx.body);
  if (new RegExp(`(^|[^\\w.>])${h.replace(/[.*+?^${}()|[\]\\>-]/g, '\\$&')}\\s*=\\s*(0|NULL)\\s*[;,)]`).test(fnText)) return out;
  walk(ctx.body, (n) => {
    if (n.endIndex <= o.call.end) return n.startIndex < o.call.end;
    if (n.type === 'binary_expression') {
      const op = n.childForFieldName('operator')?.text;
      if (op === '==' || op === '!=') {
        const l = stripOuterParens(normText(n.childForFieldName('left')!));
        const r = stripOuterParens(normText(n.childForFieldName('right')!));
        const other = l === h ? r : r === h ? l : null;
        if (other === 'DMA_MAPPING_ERROR') out.push({ node: n, zero: false });
        else if (other === '0' || other === 'NULL' || other === '0UL') out.push({ node: n, zero: true });
      }
    } else if (n.type === 'unary_expression' && n.text.startsWith('!') && !n.text.startsWith('!=')) {
      const a = n.childForFieldName('argument');
      if (a && stripOuterParens(normText(a)) === h && isCondition(n)) out.push({ node: n, zero: true });
    }
    return true;
  });
  return out;
}

function inCondition(n: Node): boolean {
  for (let p = n.parent; p; p = p.parent) {
    if (p.type === 'if_statement' || p.type === 'while_statement' || p.type === 'conditional_expression') return true;
    if (p.type.endsWith('statement') || p.type === 'declaration') return false;
  }
  return false;
}

function isCondition(n: Node): boolean {
  for (let p = n.parent; p; p = p.parent) {
    if (p.type === 'parenthesized_expression' || p.type === 'binary_expression' || p.type === 'unary_expression') {
      if (p.parent && (p.parent.type === 'if_statement' || p.parent.type === 'while_statement')) return true;
      continue;
    }
    if (p.type === 'argument_list') {
      const c = p.parent;
      const nm = c ? callName(c) : null;
      if (nm === 'unlikely' || nm === 'likely' || nm === 'WARN_ON' || nm === 'WARN_ON_ONCE') continue;
      return false;
    }
    if (p.type === 'call_expression') continue;
    return false;
  }
  return false;
}

/** Is the object's handle checked with dma_mapping_error (or a same-file helper) where it matters? */
export function isChecked(ctx: FunctionContext, o: DmaObject): boolean {
  const c = o.call;
  if (c.result === 'returned') return true;
  if (c.result === 'argument' || c.result === 'condition' || c.result === 'other') {
    // dma_mapping_error(dev, dma_map_single(...)) or helper(dma_map_single(...))
    const call = ctx.callNodes[c.id];
    let p = call.parent;
    while (p && (p.type === 'parenthesized_expression' || p.type === 'cast_expression')) p = p.parent;
    if (p?.type === 'argument_list') {
      const outer = p.parent;
      const nm = outer ? callName(outer) : null;
      if (!nm) return true;
      if (apiEntry(nm)?.role === 'mapping-error') return true;
      if (!/^(cpu_to_(le|be)(32|64)|lower_32_bits|upper_32_bits|writel|writeq|iowrite32|lo_hi_writeq|hi_lo_writeq)$/.test(nm)) return true; // handed to another function: unknown
    }
    if (c.result !== 'argument') return true;
    return false;
  }
  if (c.result !== 'assigned' || !o.handle) return true;
  const h = o.handle;
  const nextAssign = ctx.facts.calls.find((x) => x.start > c.end && x.lvalue?.norm === h && x.role === 'map' && !exclusiveBranches(ctx, c, x));
  const limit = nextAssign ? nextAssign.start : Infinity;
  const loops = c.loops;
  const base = /^[&*(]*([A-Za-z_]\w*)(->|\.)/.exec(h)?.[1];
  // the handle under another name: a chained assignment, a copy, other parentheses (aliases.ts)
  const others = (o.aliases ?? []).filter((a) => a !== h);
  const named = (args: Node | null): boolean => {
    if (!args || !others.length && !/\(/.test(h)) return false;
    const canon = args.namedChildren.filter((x): x is Node => !!x).map((x) => canonicalLvalue(normText(x))).join(',');
    return [canonicalLvalue(h), ...others].some((a) => mentions(canon, a));
  };
  let found = false;
  walk(ctx.body, (n) => {
    if (found) return false;
    if (n.type !== 'call_expression') return true;
    const nm = callName(n) ?? '';
    const role = apiEntry(nm)?.role;
    const inWindow = (n.startIndex > c.end && n.startIndex < limit) || loops.some((l) => n.startIndex >= l.start && n.startIndex < l.end);
    if (!inWindow) return true;
    const args = n.childForFieldName('arguments');
    const at = args ? normText(args) : '';
    if (role === 'mapping-error' && (mentions(at, h) || named(args))) found = true;
    // checked through an accessor of the same object: ib_dma_mapping_error(dev, rdmab_addr(rb)) for rb->rg_iov.addr
    else if (role === 'mapping-error' && base && /\w\(/.test(at.replace(/^\(/, '')) && new RegExp(`\\(\\s*&?${base}\\s*\\)`).test(at)) found = true;
    else if (ctx.summary.checksParam.has(nm) && mentions(at, h)) found = true;
    else if (!role && /err|check|valid|fail/i.test(nm) && mentions(at, h)) found = true;
    else if (!role && mentions(at, h) && inCondition(n)) found = true;
    return true;
  });
  if (found) return true;
  // returned to the caller, or checked through a variable holding its address
  for (const e of o.escapes) if (e.how === 'returned') return true;
  return false;
}
