/**
 * A statement-level control-flow graph of one function body: branches, loops
 * (including kernel iterator macros such as `list_for_each_entry(...) { }`,
 * which tree-sitter parses as a call without a semicolon followed by the
 * body), `switch`, `goto` to labels, `break`, `continue` and `return`.
 *
 * Construction recurses over nested statements with an explicit depth bound;
 * past the bound the function is marked `truncated` and rules that need paths
 * stay silent for it.
 */
import type { Node } from 'web-tree-sitter';
import { callName, walk } from './ast';

export type CfgKind = 'entry' | 'exit' | 'stmt' | 'cond' | 'return' | 'goto' | 'label' | 'jump' | 'loop-head';

export interface CfgNode {
  id: number;
  kind: CfgKind;
  /** the syntax node this CFG node stands for (statement, condition expression, label) */
  node: Node | null;
  start: number;
  end: number;
  succ: number[];
  /** per successor: 't' / 'f' for the branches of a condition, '' otherwise */
  edge: ('t' | 'f' | '')[];
  /** for cond nodes: the enclosing loop statement when the condition is a loop head */
  loop?: Node;
}

export interface Cfg {
  nodes: CfgNode[];
  entry: number;
  exit: number;
  truncated: boolean;
  /** label name → label node id */
  labels: Map<string, number>;
}

const MAX_DEPTH = 400;
const MAX_NODES = 20000;

/** Is this expression_statement a `for_each_xxx(...)` iterator macro whose body follows? */
export function isIteratorMacro(n: Node): boolean {
  if (n.type !== 'expression_statement') return false;
  const last = n.lastChild;
  if (last && last.type === ';' && !last.isMissing) return false;
  const call = n.namedChild(0);
  if (!call || call.type !== 'call_expression') return false;
  const name = callName(call);
  return !!name && /(^|_)(for_each|foreach)(_|$)|^for_each|_for_each/.test(name);
}

interface Ctx {
  brk: number | null;
  cont: number | null;
}

export function buildCfg(body: Node): Cfg {
  const nodes: CfgNode[] = [];
  const labels = new Map<string, number>();
  const gotos: { from: number; label: string }[] = [];
  let truncated = false;

  const mk = (kind: CfgKind, node: Node | null, start?: number, end?: number): number => {
    if (nodes.length >= MAX_NODES) truncated = true;
    const id = nodes.length;
    nodes.push({ id, kind, node, start: start ?? node?.startIndex ?? 0, end: end ?? node?.endIndex ?? 0, succ: [], edge: [] });
    return id;
  };
  const link = (from: number, to: number, e: 't' | 'f' | '' = ''): void => {
    nodes[from].succ.push(to);
    nodes[from].edge.push(e);
  };

  const entry = mk('entry', null, body.startIndex, body.startIndex);
  const exit = mk('exit', null, body.endIndex, body.endIndex);

  /** Builds a list of statements (a block's children) in order; returns the entry id. */
  const seq = (stmts: Node[], next: number, ctx: Ctx, depth: number): number => {
    let cur = next;
    for (let i = stmts.length - 1; i >= 0; i--) {
      const s = stmts[i];
      // iterator macro: `for_each_x(...)` followed by its body statement
      if (i + 1 < stmts.length && isIteratorMacro(s)) {
        // the body was already built as `cur` pointing to next: rebuild as a loop
        continue;
      }
      if (i > 0 && isIteratorMacro(stmts[i - 1])) {
        const head = mk('loop-head', stmts[i - 1], stmts[i - 1].startIndex, stmts[i - 1].endIndex);
        nodes[head].loop = stmts[i - 1];
        const bodyEntry = stmt(s, head, { brk: cur, cont: head }, depth + 1);
        link(head, bodyEntry, 't');
        link(head, cur, 'f');
        cur = head;
        continue;
      }
      cur = stmt(s, cur, ctx, depth + 1);
    }
    return cur;
  };

  const stmt = (s: Node, next: number, ctx: Ctx, depth: number): number => {
    if (depth > MAX_DEPTH || truncated) {
      truncated = true;
      return next;
    }
    switch (s.type) {
      case 'compound_statement':
        return seq(s.namedChildren.filter((c): c is Node => !!c && c.type !== 'comment'), next, ctx, depth);
      case 'if_statement': {
        const cond = s.childForFieldName('condition');
        const cons = s.childForFieldName('consequence');
        const alt = s.childForFieldName('alternative');
        const c = mk('cond', cond ?? s);
        const t = cons ? stmt(cons, next, ctx, depth + 1) : next;
        let f = next;
        if (alt) {
          // else_clause wraps the statement
          const inner = alt.type === 'else_clause' ? alt.namedChildren.find((x) => !!x && x.type !== 'comment') ?? null : alt;
          if (inner) f = stmt(inner, next, ctx, depth + 1);
        }
        link(c, t, 't');
        link(c, f, 'f');
        return c;
      }
      case 'while_statement':
      case 'do_statement': {
        // the same graph; a while loop is entered at its condition, a do loop at its body
        const cond = s.childForFieldName('condition');
        const c = mk('cond', cond ?? s);
        nodes[c].loop = s;
        const b = s.childForFieldName('body');
        const be = b ? stmt(b, c, { brk: next, cont: c }, depth + 1) : c;
        link(c, be, 't');
        link(c, next, 'f');
        return s.type === 'do_statement' ? be : c;
      }
      case 'for_statement': {
        const init = s.childForFieldName('initializer');
        const cond = s.childForFieldName('condition');
        const upd = s.childForFieldName('update');
        const c = mk('cond', cond ?? s, cond?.startIndex ?? s.startIndex, cond?.endIndex ?? s.startIndex);
        nodes[c].loop = s;
        const u = upd ? mk('stmt', upd) : c;
        if (upd) link(u, c);
        const b = s.childForFieldName('body');
        const be = b ? stmt(b, u, { brk: next, cont: u }, depth + 1) : u;
        link(c, be, 't');
        link(c, next, 'f');
        if (init) {
          const i = mk('stmt', init);
          link(i, c);
          return i;
        }
        return c;
      }
      case 'switch_statement': {
        const cond = s.childForFieldName('condition');
        const c = mk('cond', cond ?? s);
        const body = s.childForFieldName('body');
        const items = body ? body.namedChildren.filter((x): x is Node => !!x && x.type !== 'comment') : [];
        const inner: Ctx = { brk: next, cont: ctx.cont };
        let fall = next;
        let hasDefault = false;
        const caseEntries: number[] = [];
        for (let i = items.length - 1; i >= 0; i--) {
          const it = items[i];
          if (it.type === 'case_statement') {
            const value = it.childForFieldName('value');
            if (!value) hasDefault = true;
            const stmts = it.namedChildren.filter((x): x is Node => !!x && x.type !== 'comment' && x.id !== value?.id);
            const lbl = mk('label', it, it.startIndex, value ? value.endIndex : it.startIndex + 8);
            const e = seq(stmts, fall, inner, depth + 1);
            link(lbl, e);
            caseEntries.push(lbl);
            fall = lbl;
          } else {
            fall = stmt(it, fall, inner, depth + 1);
          }
        }
        for (const e of caseEntries.reverse()) link(c, e, 't');
        if (!hasDefault) link(c, next, 'f');
        return c;
      }
      case 'return_statement': {
        const r = mk('return', s);
        link(r, exit);
        return r;
      }
      case 'goto_statement': {
        const g = mk('goto', s);
        const lab = s.childForFieldName('label');
        if (lab) gotos.push({ from: g, label: lab.text });
        return g;
      }
      case 'break_statement': {
        const j = mk('jump', s);
        link(j, ctx.brk ?? next);
        return j;
      }
      case 'continue_statement': {
        const j = mk('jump', s);
        link(j, ctx.cont ?? next);
        return j;
      }
      case 'labeled_statement': {
        const lab = s.childForFieldName('label');
        const inner = s.namedChildren.filter((x): x is Node => !!x && x.type !== 'statement_identifier' && x.type !== 'comment');
        const l = mk('label', s, s.startIndex, lab ? lab.endIndex + 1 : s.startIndex);
        const e = seq(inner, next, ctx, depth + 1);
        link(l, e);
        if (lab) labels.set(lab.text, l);
        return l;
      }
      case 'preproc_if':
      case 'preproc_ifdef':
      case 'preproc_else':
      case 'preproc_elif':
      case 'preproc_elifdef': {
        // #if / #else arms are alternatives: a branch to each arm (and past the block when there is no #else)
        const alt = s.childForFieldName('alternative');
        const skip = new Set([s.childForFieldName('condition')?.id, s.childForFieldName('name')?.id, alt?.id]);
        const kids = s.namedChildren.filter((x): x is Node => !!x && x.type !== 'comment' && !skip.has(x.id));
        if (s.type === 'preproc_else') return seq(kids, next, ctx, depth + 1);
        const b = mk('stmt', null, s.startIndex, s.startIndex);
        link(b, seq(kids, next, ctx, depth + 1));
        link(b, alt ? stmt(alt, next, ctx, depth + 1) : next);
        return b;
      }
      case 'comment':
      case 'preproc_call':
      case 'preproc_def':
      case 'preproc_function_def':
      case 'preproc_include':
        return next;
      default: {
        const n = mk('stmt', s);
        link(n, next);
        return n;
      }
    }
  };

  const first = stmt(body, exit, { brk: null, cont: null }, 0);
  link(entry, first);
  for (const g of gotos) {
    const to = labels.get(g.label);
    link(g.from, to ?? exit);
  }
  return { nodes, entry, exit, truncated, labels };
}

/**
 * For each offset, the innermost CFG node whose span contains it. Built once
 * per function; `at(offset)` is a binary search over sorted spans.
 */
export class CfgIndex {
  private readonly sorted: CfgNode[];
  constructor(readonly cfg: Cfg) {
    this.sorted = cfg.nodes.filter((n) => n.kind !== 'entry' && n.kind !== 'exit' && n.end > n.start).sort((a, b) => a.start - b.start || b.end - a.end);
  }
  /** Innermost node containing [start, end). */
  at(start: number, end = start + 1): CfgNode | undefined {
    let best: CfgNode | undefined;
    for (const n of this.sorted) {
      if (n.start > start) break;
      if (n.end >= end && (!best || n.end - n.start <= best.end - best.start)) best = n;
    }
    return best;
  }
}

export interface ReachOptions {
  /** nodes the walk may not pass through (the walk still reports them as targets first) */
  blocked?: (n: CfgNode) => boolean;
  /** edges not taken: return true to prune the edge from `n` of kind `e` */
  prune?: (n: CfgNode, e: 't' | 'f' | '') => boolean;
  target: (n: CfgNode) => boolean;
  /** step limit (node visits) */
  limit?: number;
}

/**
 * Breadth-first search from the successors of `from`; returns the first
 * target node reached, `null` when none is reachable, or `undefined` when the
 * step limit ran out (callers treat that as "unknown" and stay silent).
 */
export function reach(cfg: Cfg, from: number, o: ReachOptions): CfgNode | null | undefined {
  const seen = new Uint8Array(cfg.nodes.length);
  const queue: number[] = [];
  const push = (n: CfgNode): void => {
    n.succ.forEach((s, i) => {
      if (o.prune?.(n, n.edge[i])) return;
      if (!seen[s]) {
        seen[s] = 1;
        queue.push(s);
      }
    });
  };
  push(cfg.nodes[from]);
  let steps = 0;
  const limit = o.limit ?? 50000;
  while (queue.length) {
    if (++steps > limit) return undefined;
    const n = cfg.nodes[queue.shift()!];
    if (o.target(n)) return n;
    if (o.blocked?.(n)) continue;
    push(n);
  }
  return null;
}

/**
 * Walks the syntax of one CFG node only: nested statements (the branches of an `if`, a loop's body)
 * belong to CFG nodes of their own and are not entered. `visit` returns false to skip children.
 */
export function walkOwn(n: CfgNode, visit: (x: Node) => boolean | void, skip?: ReadonlySet<string>): void {
  const top = n.node;
  if (!top) return;
  walk(top, (x) => {
    if (x.id !== top.id && (x.type === 'compound_statement' || (x.type.endsWith('_statement') && x.type !== 'expression_statement'))) return false;
    return visit(x);
  }, skip);
}
