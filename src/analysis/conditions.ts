/**
 * Failure tests: which branch of a condition is the failure branch of a DMA object (a mapping-error
 * check, a NULL test of an allocation, a helper that checks the handle), and what an error return
 * looks like. Used by the ownership analysis and by rules.
 */
import type { Node } from 'web-tree-sitter';
import { normText, stripOuterParens } from './ast';
import { apiEntry } from './api';
import { mentions, type DmaObject, type FunctionContext } from './facts';

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
