/** Helpers shared by rules: failure tests, path queries, argument resolution. */
import type { Node } from 'web-tree-sitter';
import { walk, normText, callName, callArgs, LEAVES } from '../ast';
import { apiEntry } from '../api';
import type { CfgNode } from '../cfg';
import { reach } from '../cfg';
import { CallFact, DmaObject, FunctionContext, mentions, stripOuterParens } from '../facts';

const DIR_CONST = /^(?:PCI_)?DMA_(BIDIRECTIONAL|TO_?DEVICE|FROM_?DEVICE|NONE)$/;

/** DMA_TO_DEVICE / PCI_DMA_TODEVICE → 'TO' etc.; null when not a constant. */
export function dirConst(norm: string | undefined): 'BIDI' | 'TO' | 'FROM' | 'NONE' | null {
  if (!norm) return null;
  const m = DIR_CONST.exec(stripOuterParens(norm));
  if (!m) return null;
  const k = m[1].replace('_', '');
  return k === 'BIDIRECTIONAL' ? 'BIDI' : k === 'TODEVICE' ? 'TO' : k === 'FROMDEVICE' ? 'FROM' : 'NONE';
}

/** Splits a normalised condition at top-level `||` (or `&&`). */
export function splitTop(s: string, op: '||' | '&&'): string[] {
  const out: string[] = [];
  let depth = 0;
  let last = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '(' || c === '[') depth++;
    else if (c === ')' || c === ']') depth--;
    else if (depth === 0 && s.startsWith(op, i)) {
      out.push(s.slice(last, i).trim());
      last = i + 2;
      i++;
    }
  }
  out.push(s.slice(last).trim());
  return out;
}

/** Removes `unlikely(...)`, `likely(...)`, `WARN_ON(...)`, `WARN_ON_ONCE(...)` and outer parentheses. */
export function unwrapCond(s: string): string {
  let t = stripOuterParens(s);
  for (;;) {
    const m = /^(?:unlikely|likely|WARN_ON_ONCE|WARN_ON)\((.*)\)$/.exec(t);
    if (!m) return t;
    const inner = m[1];
    // only when the parentheses match as a whole
    if (stripOuterParens('(' + inner + ')') !== inner.trim() && !balanced(inner)) return t;
    t = stripOuterParens(inner);
  }
}

function balanced(s: string): boolean {
  let d = 0;
  for (const c of s) {
    if (c === '(') d++;
    else if (c === ')' && --d < 0) return false;
  }
  return d === 0;
}

/** Negation-aware: '!x' → { neg: true, e: 'x' }. */
function neg(s: string): { neg: boolean; e: string } {
  let t = unwrapCond(s);
  let n = false;
  while (t.startsWith('!') && !t.startsWith('!=')) {
    n = !n;
    t = unwrapCond(t.slice(1));
  }
  return { neg: n, e: t };
}

/** Names of variables that hold `dma_mapping_error(dev, h)` results for a handle. */
export function errorVars(ctx: FunctionContext, handle: string): Set<string> {
  const out = new Set<string>();
  for (const c of ctx.facts.calls) {
    if (c.role === 'mapping-error' && c.result === 'assigned' && c.lvalue && c.args[1] && stripOuterParens(c.args[1].norm) === handle) out.add(c.lvalue.norm);
  }
  return out;
}

/**
 * Which branch of a condition is the failure branch of a DMA object:
 * 't' (the condition is true on failure), 'f', or null (unrelated).
 */
export function failureBranch(ctx: FunctionContext, condText: string, o: DmaObject): 't' | 'f' | null {
  const cond = normText(condText);
  const parts = splitTop(unwrapCond(cond), '||');
  let anyT = false;
  for (const p of parts) {
    const r = partFailure(ctx, p, o);
    if (r === 't') anyT = true;
    if (r === 'f' && parts.length === 1) return 'f';
  }
  if (anyT) return 't';
  // `a && b` where one conjunct is a success test: false branch includes failure
  const conj = splitTop(unwrapCond(cond), '&&');
  if (conj.length > 1 && conj.some((p) => partFailure(ctx, p, o) === 'f')) return 'f';
  return null;
}

function partFailure(ctx: FunctionContext, part: string, o: DmaObject): 't' | 'f' | null {
  const { neg: n, e } = neg(part);
  const flip = (r: 't' | 'f' | null): 't' | 'f' | null => (r && n ? (r === 't' ? 'f' : 't') : r);
  const h = o.handle;
  const lv = o.call.lvalue?.norm;
  // dma_mapping_error(dev, h) or a same-file helper checking h
  const call = /^(\w+)\((.*)\)$/.exec(e);
  if (call) {
    const ent = apiEntry(call[1]);
    if (ent?.role === 'mapping-error' && h && mentions(call[2], h)) return flip('t');
    if (ctx.summary.checksParam.has(call[1]) && h && mentions(call[2], h)) return flip('t');
    // a helper of another file that tests the handle (enic_dma_map_check(enic, dma_addr))
    if (!ent && h && /err|check|valid|fail|map/i.test(call[1]) && mentions(call[2], h)) return flip('t');
    if (/^IS_ERR_OR_NULL$/.test(call[1]) && o.cpu && stripOuterParens(call[2]) === o.cpu) return flip('t');
    if (ent?.role === 'map' && (o.call.family === 'sgtable') && o.call.result === 'condition') return flip('t');
  }
  if (h && errorVars(ctx, h).has(e)) return flip('t');
  const cmp = /^(.+?)(==|!=|<=|>=|<|>)(.+)$/.exec(e);
  const subject = (x: string): boolean => !!x && (x === h || x === lv || x === o.cpu);
  if (cmp) {
    const [, a0, op, b0] = cmp;
    const a = stripOuterParens(a0);
    const b = stripOuterParens(b0);
    const zero = (x: string): boolean => x === '0' || x === 'NULL' || x === 'DMA_MAPPING_ERROR' || x === '0UL';
    if (h && errorVars(ctx, h).has(a) && (op === '!=' || op === '<') && b === '0') return flip('t');
    let s: string | null = null;
    let other = '';
    let o2 = op;
    if (subject(a)) { s = a; other = b; }
    else if (subject(b)) { s = b; other = a; o2 = op === '<' ? '>' : op === '>' ? '<' : op === '<=' ? '>=' : op === '>=' ? '<=' : op; }
    if (s) {
      if (o.call.family === 'sgtable') {
        if (other === '0' && (o2 === '!=' || o2 === '<')) return flip('t');
        if (other === '0' && o2 === '==') return flip('f');
        return null;
      }
      if (zero(other)) {
        if (o2 === '==' || o2 === '<=') return flip('t');
        if (o2 === '!=' || o2 === '>') return flip('f');
      }
      if (other === '1' && o2 === '<') return flip('t');
    }
    return null;
  }
  if (subject(e)) {
    // bare `if (x)`: for sgtable a non-zero result is the error
    if (o.call.family === 'sgtable') return flip('t');
    return flip('f');
  }
  return null;
}

/** Is a normalised expression an error-return value (`-EINVAL`, `ERR_PTR(...)`, `NULL`)? */
export function isErrorReturn(ret: Node): boolean {
  const v = ret.namedChildren.find((c) => !!c && c.type !== 'comment');
  if (!v) return false;
  const t = normText(v);
  return /^-E[A-Z0-9]+$/.test(t) || /^ERR_PTR\(/.test(t) || t === 'NULL' || /^\(-E[A-Z0-9]+\)$/.test(t);
}

/** The syntax node of a call fact. */
export function nodeOfCall(ctx: FunctionContext, c: CallFact): Node {
  return ctx.callNodes[c.id];
}

/** CFG nodes whose syntax contains the offset range. */
export function cfgNodeText(n: CfgNode): string {
  return n.node ? normText(n.node) : '';
}

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

/** Whether the CFG node contains any of the given offset spans. */
export function containsSpan(n: CfgNode, spans: { start: number; end: number }[]): boolean {
  return spans.some((s) => s.start >= n.start && s.end <= n.end);
}

/** Path query: from call `a` to call `b`, with optional blocking. */
export function pathBetween(ctx: FunctionContext, a: CallFact, b: CallFact, blocked?: (n: CfgNode) => boolean): boolean | undefined {
  const na = ctx.nodeOf(a);
  const nb = ctx.nodeOf(b);
  if (!na || !nb) return undefined;
  const r = reach(ctx.cfg, na.id, { target: (n) => n.id === nb.id, blocked, limit: 20000 });
  return r === undefined ? undefined : !!r;
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

/** The text of a line up to `offset` (its indentation). */
export function indentAt(text: string, offset: number): string {
  const ls = text.lastIndexOf('\n', offset - 1) + 1;
  const m = /^[ \t]*/.exec(text.slice(ls, offset));
  return m ? m[0] : '';
}

/** A fix that replaces a range with new text. */
export function replaceFix(title: string, start: number, end: number, text: string) {
  return { title, edits: [{ start, end, text }] };
}

export function lineOfOffset(text: string, off: number): number {
  let n = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < off; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

/** Calls (any callee) in the function body with a given name. */
export function callsNamed(ctx: FunctionContext, re: RegExp): Node[] {
  return ctx.allCalls.filter((c) => re.test(callName(c) ?? ''));
}

export { callArgs, callName, normText, mentions, stripOuterParens };

/**
 * The related-location text of a map, naming one of its arguments: "mapped here with size `len`", or just
 * "mapped here with `nents`" when the argument is spelled like its role (never "with nents nents").
 */
export function mappedWith(role: string, text: string): string {
  const t = text.replace(/\s+/g, ' ').trim();
  return t === role ? `mapped here with \`${t}\`` : `mapped here with ${role} \`${t}\``;
}
