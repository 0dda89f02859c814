/**
 * Path selection: the one path through the function that the trace replays, the main path to
 * the function's success return. Error exits (a branch that ends in goto/return while the other
 * goes on, `if (dma_mapping_error())`, `if (!buf)`) are skipped, loop bodies are taken once, and a
 * goto on the main path is followed to its label. Decisions are written into PathNotes.
 */
import type { Node } from 'web-tree-sitter';
import { callArgs, callName, normText, walk } from '../ast';
import { accessBase, Ctx, escapeAt, isBufferPointer, containsHandle, matchesBuffer, matchesHandle } from './context';
import { expressionEvents } from './events';
import { lineOf, truncate } from './scope';
import { PLATFORM_GUARD } from './vocabulary';

/** bounds: the walk gives up (with what it has) after this many statements or gotos */
const MAX_STATEMENTS = 20000;
const MAX_GOTOS = 64;

export interface PathNotes {
  skipped: number[];
  branches: string[];
  loops: number[];
  gotos: string[];
  successReturn?: number;
  truncated?: boolean;
}

/** Does a statement always leave the enclosing block (return/goto/break/continue)? Depth-bounded. */
function exits(n: Node | null, depth = 0): boolean {
  if (!n || depth > 64) return false;
  switch (n.type) {
    case 'return_statement':
    case 'goto_statement':
    case 'break_statement':
    case 'continue_statement':
      return true;
    case 'compound_statement': {
      const kids = n.namedChildren.filter((c): c is Node => !!c && c.type !== 'comment');
      // an unconditional exit anywhere in a block makes the rest unreachable: the block exits
      return kids.some((k) => exits(k, depth + 1));
    }
    case 'if_statement': {
      const alt = n.childForFieldName('alternative');
      return !!alt && exits(n.childForFieldName('consequence'), depth + 1) && exits(elseBody(alt), depth + 1);
    }
    case 'labeled_statement':
      return exits(n.namedChildren[n.namedChildren.length - 1] ?? null, depth + 1);
    case 'expression_statement': {
      const c = n.namedChild(0);
      const name = c?.type === 'call_expression' ? callName(c) : null;
      return name === 'BUG' || name === 'panic';
    }
    default:
      return false;
  }
}

function elseBody(alt: Node): Node | null {
  return alt.type === 'else_clause' ? alt.namedChildren.find((c) => c && c.type !== 'comment') ?? null : alt;
}

/** Is this exit a success (return 0 / non-negative / nothing / a pointer that is not NULL/ERR_PTR)? */
function exitKind(n: Node | null, depth = 0): 'success' | 'error' | 'other' {
  if (!n || depth > 64) return 'other';
  if (n.type === 'compound_statement') {
    const kids = n.namedChildren.filter((c): c is Node => !!c && c.type !== 'comment');
    const ex = kids.find((k) => exits(k));
    return ex ? exitKind(ex, depth + 1) : 'other';
  }
  if (n.type === 'goto_statement') {
    const l = n.childForFieldName('label')?.text ?? '';
    return /err|fail|out_free|unmap|nomem|bad|abort|drop|cleanup|free/i.test(l) ? 'error' : 'other';
  }
  if (n.type === 'return_statement') {
    const v = n.namedChild(0);
    if (!v) return 'success';
    const t = v.text.replace(/\s+/g, '');
    if (/^-|^ERR_PTR|^NULL$|^false$/.test(t)) return 'error';
    if (/^(err|ret|rc|error|status|res)$/i.test(t)) return 'other';
    return 'success';
  }
  if (n.type === 'if_statement') return 'other';
  return 'other';
}

/** The condition tests an error: `!x`, `x == NULL`, `IS_ERR(x)`, `dma_mapping_error()`, `ret < 0`, `unlikely(…)`. */
function errorCondition(cond: Node | null): boolean {
  if (!cond) return false;
  const t = normText(cond);
  return /dma_mapping_error|IS_ERR|^\((unlikely|WARN_ON|WARN_ON_ONCE)?\(?!|==NULL|<0\)?\)?$|^\((err|ret|rc|error)\)$|^\(unlikely\((err|ret|rc|error)\)\)$/.test(t);
}

/** Statements of a block that are executed on the main path, with decisions recorded in notes. */
export function walkMainPath(ctx: Ctx, body: Node, notes: PathNotes): void {
  type Item = { node: Node } | { loopEnd: true };
  const stack: Item[] = [{ node: body }];
  let count = 0;
  let gotos = 0;
  const eventsIn = (n: Node | null): number => {
    if (!n) return 0;
    let hits = 0;
    walk(n, (c) => {
      if (c.type === 'call_expression' || c.type === 'field_expression' || c.type === 'subscript_expression') {
        const args = c.type === 'call_expression' ? callArgs(c) : [accessBase(c) ?? c];
        if (args.some((a) => a && (matchesBuffer(ctx, a) || matchesHandle(ctx, a)))) hits++;
      }
    });
    return hits;
  };
  const pushBlock = (n: Node) => stack.push({ node: n });
  while (stack.length) {
    if (++count > MAX_STATEMENTS) { notes.truncated = true; return; }
    const item = stack.pop()!;
    if ('loopEnd' in item) continue;
    const n = item.node;
    switch (n.type) {
      case 'compound_statement':
      case 'translation_unit':
      case 'preproc_if':
      case 'preproc_ifdef': {
        let kids = n.namedChildren.filter((c): c is Node => !!c && c.type !== 'comment');
        if (n.type !== 'compound_statement') {
          // #if/#ifdef blocks: take the first branch (the code that is there), skip #else
          // the children after the condition are the #if branch's statements
          const cond = n.childForFieldName('condition') ?? n.childForFieldName('name');
          kids = kids.filter((k) => k.id !== cond?.id && k.type !== 'preproc_else' && k.type !== 'preproc_elif' && k.type !== 'preproc_elifdef');
        }
        for (let i = kids.length - 1; i >= 0; i--) pushBlock(kids[i]);
        break;
      }
      case 'if_statement': {
        const cond = n.childForFieldName('condition');
        if (cond) expressionEvents(ctx, cond);
        const cons = n.childForFieldName('consequence');
        const altClause = n.childForFieldName('alternative');
        const alt = altClause ? elseBody(altClause) : null;
        const tEx = exits(cons);
        const eEx = alt ? exits(alt) : false;
        let take: Node | null;
        const holds = (b: Node | null) => !!b && ctx.anchor >= b.startIndex && ctx.anchor < b.endIndex;
        if (holds(cons)) take = cons;
        else if (holds(alt)) take = alt;
        else if (tEx && !eEx) take = alt;
        else if (eEx && !tEx) take = cons;
        else if (tEx && eEx) {
          const tk = exitKind(cons);
          const ek = alt ? exitKind(alt) : 'other';
          take = ek === 'success' && tk !== 'success' ? alt : tk === 'success' && ek !== 'success' ? cons : errorCondition(cond) ? alt : cons;
        } else if (!alt) {
          // no exit either way: `if (x) { … }` — take it when it touches the buffer, unless it tests an error
          // a sync guarded by a platform test is the skip-sync heuristic: replay the path where it is
          // skipped, which is what happens on the platforms the guard gets wrong
          if (cond && PLATFORM_GUARD.test(cond.text) && eventsIn(cons) > 0) {
            take = null;
            notes.branches.push(`the DMA calls under \`if ${truncate(normText(cond), 50)}\` at line ${lineOf(n)} are skipped, as on a platform where that test is false (for example x86 under swiotlb)`);
          } else take = eventsIn(cons) > 0 ? cons : null;
        } else {
          take = eventsIn(alt) > eventsIn(cons) ? alt : cons;
        }
        const skipped = take === cons ? alt : cons;
        if (skipped && eventsIn(skipped) + (exits(skipped) ? 1 : 0) > 0) notes.skipped.push(lineOf(skipped === alt && altClause ? altClause : n));
        if (take) pushBlock(take);
        break;
      }
      case 'for_statement':
      case 'while_statement':
      case 'do_statement':
      case 'for_range_loop': {
        for (const f of ['initializer', 'condition']) {
          const c = n.childForFieldName(f);
          if (c) expressionEvents(ctx, c);
        }
        const b = n.childForFieldName('body');
        if (b && eventsIn(b) > 0) notes.loops.push(lineOf(n));
        stack.push({ loopEnd: true });
        if (b) pushBlock(b);
        break;
      }
      case 'switch_statement': {
        const cond = n.childForFieldName('condition');
        if (cond) expressionEvents(ctx, cond);
        const cases = (n.childForFieldName('body')?.namedChildren ?? []).filter((c): c is Node => !!c && c.type === 'case_statement');
        let best: Node | null = null;
        let bestHits = -1;
        for (const c of cases) {
          // the case holding the anchor; else the one touching the buffer most; never an error exit if avoidable
          const errorExit = c.namedChildren.some((k) => !!k && ((k.type === 'return_statement' && exitKind(k) === 'error') || (k.type === 'goto_statement' && exitKind(k) === 'error')));
          const h = ctx.anchor >= c.startIndex && ctx.anchor < c.endIndex ? Infinity : eventsIn(c) * 10 + (errorExit ? 0 : 1);
          if (h > bestHits) { best = c; bestHits = h; }
        }
        if (best) {
          notes.branches.push(`switch at line ${lineOf(n)}: followed the case at line ${lineOf(best)}`);
          stack.push({ loopEnd: true });
          const stmts = best.namedChildren.filter((c): c is Node => !!c && c.type !== 'comment' && c.id !== best!.childForFieldName('value')?.id);
          for (let i = stmts.length - 1; i >= 0; i--) pushBlock(stmts[i]);
        }
        break;
      }
      case 'case_statement':
        break;
      case 'labeled_statement': {
        const s = n.namedChildren.filter((c): c is Node => !!c && c.type !== 'statement_identifier' && c.type !== 'comment');
        for (let i = s.length - 1; i >= 0; i--) pushBlock(s[i]);
        break;
      }
      case 'break_statement':
      case 'continue_statement': {
        // leave the innermost loop/switch body
        while (stack.length && !('loopEnd' in stack[stack.length - 1])) stack.pop();
        break;
      }
      case 'return_statement': {
        const v = n.namedChild(0);
        if (v) expressionEvents(ctx, v);
        if (v && (containsHandle(ctx, v) || isBufferPointer(ctx, v))) escapeAt(ctx, n, 'returned to the caller');
        notes.successReturn = lineOf(n);
        stack.length = 0;
        break;
      }
      case 'goto_statement': {
        const label = n.childForFieldName('label')?.text;
        if (!label || ++gotos > MAX_GOTOS) { stack.length = 0; notes.truncated = true; break; }
        const target = findLabel(ctx.fn, label);
        stack.length = 0;
        if (!target) break;
        notes.gotos.push(`goto ${label} at line ${lineOf(n)}`);
        // continue at the label, then whatever follows it in each enclosing block
        const cont: Node[] = [];
        let cur: Node = target;
        for (let depth = 0; cur.parent && cur.id !== body.id && depth < 10000; depth++) {
          const parent: Node = cur.parent;
          if (parent.type === 'compound_statement') {
            let sib = cur.nextNamedSibling;
            const level: Node[] = [];
            while (sib) { if (sib.type !== 'comment') level.push(sib); sib = sib.nextNamedSibling; }
            cont.push(...level);
          }
          cur = parent;
        }
        for (let i = cont.length - 1; i >= 0; i--) pushBlock(cont[i]);
        pushBlock(target);
        break;
      }
      case 'declaration':
      case 'expression_statement':
        expressionEvents(ctx, n);
        break;
      default:
        if (n.type.startsWith('preproc_')) break;
        expressionEvents(ctx, n);
    }
  }
}

function findLabel(fn: Node, label: string): Node | null {
  let found: Node | null = null;
  walk(fn, (n) => {
    if (found) return false;
    if (n.type === 'labeled_statement' && n.childForFieldName('label')?.text === label) { found = n; return false; }
    return true;
  });
  return found;
}
