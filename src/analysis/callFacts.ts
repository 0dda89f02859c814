/**
 * Call and argument facts of one function: a DMA-API call's arguments, where its result goes, the loops
 * around it, the function's locals, and the syntactic helpers (handle keys, identifier-boundary matching)
 * the facts and the rules share. Split from facts.ts, which re-exports the names.
 */
import type { Node } from 'web-tree-sitter';
import type { ApiEntry, ApiFamily, ApiRole } from '../model/catalogue/types';
import { walk, stripOuterParens, normText, LEAVES } from './ast';
import { paramIndex } from './api';

export interface Arg {
  text: string;
  /** whitespace-folded text, for syntactic comparison */
  norm: string;
  start: number;
  end: number;
}

export interface CallFact {
  id: number;
  name: string;
  role: ApiRole | undefined;
  family: ApiFamily | undefined;
  kind: ApiEntry['kind'] | undefined;
  start: number;
  end: number;
  args: Arg[];
  dev?: Arg;
  buffer?: Arg;
  size?: Arg;
  dir?: Arg;
  attrs?: Arg;
  nents?: Arg;
  gfp?: Arg;
  /** the dma_addr_t argument of unmap/sync/free/mapping_error, or `&h` of an alloc (with & stripped) */
  handle?: Arg;
  /** the CPU address argument of a free */
  cpu?: Arg;
  /** where the result goes */
  result: 'assigned' | 'ignored' | 'condition' | 'returned' | 'argument' | 'other';
  /** the lvalue the result is assigned to (normalised), when `result` is 'assigned' */
  lvalue?: Arg;
  /** true when the lvalue is a local variable of this function */
  lvalueLocal?: boolean;
  /** spans of the loops enclosing the call */
  loops: { start: number; end: number }[];
  /** the call is of a DMA wrapper macro (`name`) expanding to this catalogue entry; arguments the macro supplies span the whole call */
  via?: string;
  /** line/column of start, 0-based, relative to the file (filled by the checker) */
}

export interface LocalDecl {
  name: string;
  array: boolean;
  pointer: boolean;
  isStatic: boolean;
  /** initialiser node, if any */
  init: Node | null;
  start: number;
}

export const DMA_ROLES = new Set<ApiRole>(['map', 'unmap', 'sync-for-cpu', 'sync-for-device', 'alloc', 'free', 'pool-alloc', 'pool-free', 'mapping-error']);

export function argOf(n: Node): Arg {
  return { text: n.text, norm: normText(n), start: n.startIndex, end: n.endIndex };
}

export function pick(entry: ApiEntry | undefined, args: Arg[], names: readonly string[]): Arg | undefined {
  const i = paramIndex(entry, ...names);
  return i >= 0 && i < args.length ? args[i] : undefined;
}

/** `&x` → `x` (normalised), else null. */
export function addressOf(norm: string): string | null {
  return norm.startsWith('&') && !norm.startsWith('&&') ? stripOuterParens(norm.slice(1)) : null;
}

/** The last name of a handle expression: `rx->buf[i].dma + off` → dma, `sg_dma_address(sg)` → sg, `dma_unmap_addr(b, mapping)` → mapping. */
export function handleKey(t: string): string {
  let s = stripOuterParens(t);
  const unmapAddr = /^dma_unmap_addr\(.*,\s*(\w+)\s*\)$/.exec(s);
  if (unmapAddr) return unmapAddr[1];
  const acc = /^(?:sg_dma_address|le64_to_cpu|le32_to_cpu|READ_ONCE|page_pool_get_dma_addr)\((.*)\)$/.exec(s);
  if (acc) s = acc[1];
  s = s.replace(/\s*[+-].*$/, '');
  const parts = s.split(/->|\./).map((x) => x.replace(/\[.*$/, '').replace(/[()&*]/g, '').trim());
  return parts[parts.length - 1] ?? s;
}
/** Where a call's value goes, looking through parentheses and casts. */
export function resultOf(call: Node): { result: CallFact['result']; lvalue?: Node } {
  let cur: Node = call;
  let p = cur.parent;
  while (p && (p.type === 'parenthesized_expression' || p.type === 'cast_expression')) {
    cur = p;
    p = p.parent;
  }
  if (!p) return { result: 'other' };
  if (p.type === 'expression_statement') return { result: 'ignored' };
  if (p.type === 'assignment_expression' && p.childForFieldName('right')?.id === cur.id) {
    const left = p.childForFieldName('left');
    return left ? { result: 'assigned', lvalue: left } : { result: 'other' };
  }
  if (p.type === 'init_declarator' && p.childForFieldName('value')?.id === cur.id) {
    let d = p.childForFieldName('declarator');
    while (d && d.type !== 'identifier') d = d.childForFieldName('declarator');
    return d ? { result: 'assigned', lvalue: d } : { result: 'other' };
  }
  if (p.type === 'return_statement') return { result: 'returned' };
  if (p.type === 'argument_list') return { result: 'argument' };
  if (p.type === 'if_statement' || p.type === 'while_statement' || p.type === 'unary_expression' || p.type === 'binary_expression' || p.type === 'conditional_expression') return { result: 'condition' };
  return { result: 'other' };
}

/** Collects local declarations of a function body (iterative). */
export function collectLocals(fn: Node): Map<string, LocalDecl> {
  const out = new Map<string, LocalDecl>();
  const body = fn.childForFieldName('body');
  if (!body) return out;
  walk(body, (n) => {
    if (n.type !== 'declaration') return true;
    const isStatic = n.namedChildren.some((c) => !!c && c.type === 'storage_class_specifier' && (c.text === 'static' || c.text === 'extern'));
    for (const d of n.childrenForFieldName('declarator')) {
      if (!d) continue;
      let cur: Node | null = d;
      let init: Node | null = null;
      if (cur.type === 'init_declarator') {
        init = cur.childForFieldName('value');
        cur = cur.childForFieldName('declarator');
      }
      let array = false;
      let pointer = false;
      while (cur && cur.type !== 'identifier') {
        if (cur.type === 'array_declarator') array = true;
        if (cur.type === 'pointer_declarator') pointer = true;
        if (cur.type === 'function_declarator' || cur.type === 'parenthesized_declarator') { cur = null; break; }
        cur = cur.childForFieldName('declarator');
      }
      if (cur) out.set(cur.text, { name: cur.text, array, pointer, isStatic, init, start: d.startIndex });
    }
    return false;
  }, LEAVES);
  return out;
}

export function returnsInteger(fn: Node): boolean {
  const t = fn.childForFieldName('type');
  let d = fn.childForFieldName('declarator');
  if (d && d.type === 'pointer_declarator') return false;
  while (d && d.type !== 'function_declarator') {
    if (d.type === 'pointer_declarator') return false;
    d = d.childForFieldName('declarator');
  }
  const tt = t?.text ?? '';
  return /^(int|long|ssize_t|s32|s64|irqreturn_t|signed|int32_t|netdev_tx_t)$/.test(tt.trim()) && tt !== 'netdev_tx_t' && tt !== 'irqreturn_t';
}

const LOOP_TYPES = new Set(['for_statement', 'while_statement', 'do_statement']);

export function enclosingLoops(n: Node, body: Node): { start: number; end: number }[] {
  const out: { start: number; end: number }[] = [];
  for (let p = n.parent; p && p.id !== body.id; p = p.parent) {
    if (LOOP_TYPES.has(p.type)) out.push({ start: p.startIndex, end: p.endIndex });
  }
  // iterator macro bodies: a compound statement whose previous sibling is `for_each_x(...)`
  for (let p: Node | null = n; p && p.id !== body.id; p = p.parent) {
    const prev = p.previousNamedSibling;
    if (prev && prev.type === 'expression_statement' && /for_each|foreach/.test(prev.text.slice(0, 60)) && !prev.text.trimEnd().endsWith(';')) {
      out.push({ start: prev.startIndex, end: p.endIndex });
    }
  }
  return out;
}

/** Identifier-boundary occurrence test of a normalised expression inside a normalised text. */
export function mentions(haystackNorm: string, needle: string): boolean {
  if (!needle) return false;
  let i = haystackNorm.indexOf(needle);
  while (i >= 0) {
    const before = i > 0 ? haystackNorm[i - 1] : '';
    const after = haystackNorm[i + needle.length] ?? '';
    const okBefore = !before || !/[\w.>]/.test(before) || (before === '>' && haystackNorm[i - 2] !== '-');
    const okAfter = !after || !/[\w\[]/.test(after) && !(after === '-' && haystackNorm[i + needle.length + 1] === '>') && after !== '.';
    if (okBefore && okAfter) return true;
    i = haystackNorm.indexOf(needle, i + 1);
  }
  return false;
}

/** The smallest statement node around a syntax node (for edits that insert lines). */
export function enclosingStatement(n: Node): Node | null {
  for (let p: Node | null = n; p; p = p.parent) {
    if (p.parent && (p.parent.type === 'compound_statement' || p.parent.type === 'case_statement' || p.parent.type === 'labeled_statement')) return p;
    if (p.type.endsWith('_statement') && p.type !== 'compound_statement' && p.type !== 'parenthesized_expression') {
      if (p.parent?.type === 'if_statement' || p.parent?.type === 'else_clause' || p.parent?.type?.endsWith('_statement')) return p;
    }
  }
  return null;
}
