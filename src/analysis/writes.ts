/**
 * What statements write, and the values locals take: the write summary of a CFG node (kept on the
 * node), whether a node reassigns an lvalue or its base, single-assignment locals and their values.
 */
import type { Node } from 'web-tree-sitter';
import { walk, normText, callName, stripOuterParens, LEAVES } from './ast';
import { apiEntry } from './api';
import type { CfgNode } from './cfg';
import type { FunctionContext } from './facts';

/** What one CFG node writes, gathered in a single walk and kept on the node (rules ask the same node many times). */
export interface NodeWrites {
  /** left sides of assignments and arguments of ++/-- (normalised) */
  lefts: string[];
  /** identifiers declared with an initialiser */
  decls: string[];
  /** `&x` handed to a call that may write it (not a DMA-API call, or an alloc writing a handle) */
  addrs: string[];
}

export function nodeWrites(n: CfgNode): NodeWrites {
  const c = n as CfgNode & { __writes?: NodeWrites };
  if (c.__writes) return c.__writes;
  const w: NodeWrites = { lefts: [], decls: [], addrs: [] };
  if (n.node) {
    walk(n.node, (x) => {
      if (x.type === 'assignment_expression') {
        const l = x.childForFieldName('left');
        if (l) w.lefts.push(normText(l));
      } else if (x.type === 'update_expression') {
        const a = x.childForFieldName('argument');
        if (a) w.lefts.push(normText(a));
      } else if (x.type === 'init_declarator') {
        let d = x.childForFieldName('declarator');
        while (d && d.type !== 'identifier') d = d.childForFieldName('declarator');
        if (d) w.decls.push(normText(d));
      } else if (x.type === 'pointer_expression' && x.text.startsWith('&')) {
        const a = x.childForFieldName('argument');
        if (a && x.parent?.type === 'argument_list') {
          const call = x.parent.parent;
          const e = call ? apiEntry(callName(call)) : undefined;
          // an alloc writing the handle through &h reassigns it
          if (!e || e.role === 'alloc' || e.role === 'pool-alloc') w.addrs.push(normText(a));
        }
      }
      return true;
    }, LEAVES);
  }
  c.__writes = w;
  return w;
}

/** True when a CFG node assigns to `lv` (or to the base pointer of `lv`). */
export function assigns(n: CfgNode, lv: string): boolean {
  if (!n.node) return false;
  const w = nodeWrites(n);
  if (!w.lefts.length && !w.decls.length && !w.addrs.length) return false;
  const bases = baseNames(lv);
  const hit = (t: string): boolean => t === lv || bases.includes(t);
  return w.lefts.some(hit) || w.decls.some(hit) || w.addrs.includes(lv);
}

/** `ring->buf[i].dma` → ['ring', 'ring->buf[i]', 'ring->buf', 'i'] : identifiers whose change changes the lvalue. */
export function baseNames(lv: string): string[] {
  const out: string[] = [];
  const ids = lv.match(/[A-Za-z_]\w*/g) ?? [];
  // the first identifier (root object) and index identifiers
  if (ids.length) out.push(ids[0]!);
  const idx = lv.match(/\[([A-Za-z_]\w*)\]/g) ?? [];
  for (const i of idx) out.push(i.slice(1, -1));
  return out.filter((x) => x !== lv);
}

/** Is `name` a local (non-static) variable, and how many times is it assigned in the body? */
export function assignmentCount(ctx: FunctionContext, name: string): number {
  let count = 0;
  walk(ctx.body, (x) => {
    if (x.type === 'assignment_expression') {
      const l = x.childForFieldName('left');
      if (l && normText(l) === name) count++;
    } else if (x.type === 'update_expression') {
      const a = x.childForFieldName('argument');
      if (a && normText(a) === name) count++;
    } else if (x.type === 'init_declarator') {
      const d = x.childForFieldName('declarator');
      if (d && d.text === name) count++;
    } else if (x.type === 'pointer_expression' && x.text.replace(/\s/g, '') === '&' + name) {
      count += 2; // address taken: may be written anywhere
    }
    return true;
  });
  return count;
}

/** The single value a local is assigned (initialiser or one assignment), or null. */
export function singleValue(ctx: FunctionContext, name: string): Node | null {
  if (!ctx.locals.has(name) || assignmentCount(ctx, name) !== 1) return null;
  let v: Node | null = null;
  walk(ctx.body, (x) => {
    if (v) return false;
    if (x.type === 'assignment_expression' && x.childForFieldName('operator')?.text !== '+=') {
      const l = x.childForFieldName('left');
      if (l && normText(l) === name && x.text.includes('=') && !/^[^=]*[+\-*/|&^]=/.test(x.text)) v = x.childForFieldName('right');
    } else if (x.type === 'init_declarator') {
      const d = x.childForFieldName('declarator');
      if (d && d.text === name) v = x.childForFieldName('value');
    }
    return true;
  });
  return v;
}

/** Normalised size text with casts/parentheses removed and single-assignment locals substituted. */
export function resolveExpr(ctx: FunctionContext, norm: string): string {
  let t = stripOuterParens(norm.replace(/\((?:size_t|u32|u64|unsigned int|int|unsigned long|dma_addr_t)\)/g, ''));
  if (/^[A-Za-z_]\w*$/.test(t)) {
    const v = singleValue(ctx, t);
    if (v) t = stripOuterParens(normText(v).replace(/\((?:size_t|u32|u64|unsigned int|int|unsigned long)\)/g, ''));
  }
  return t;
}

/** Does an expression contain a call other than `sizeof`/ALIGN-style pure macros? */
export function hasCall(norm: string): boolean {
  const re = /([A-Za-z_]\w*)\(/g;
  for (let m = re.exec(norm); m; m = re.exec(norm)) {
    if (!/^(sizeof|ALIGN|PAGE_ALIGN|SKB_DATA_ALIGN|min|max|min_t|max_t|BIT|roundup|round_up|L1_CACHE_ALIGN|array_size|struct_size)$/.test(m[1])) return true;
  }
  return false;
}
