/**
 * The error return that leaks a mapping or allocation of a function (the search of map-leak, shared with
 * the driver index's helper maps): an error return reachable from the map with the handle neither
 * released, stored, passed on nor reassigned, past the failure branch of the map's own check.
 */
import { reach } from '../../cfg';
import type { CfgNode } from '../../cfg';
import type { DmaObject, FunctionContext } from '../../facts';
import { normText } from '../../ast';
import { assigns } from '../../writes';
import { containsSpan } from './cfgQueries';
import { failureBranch, isErrorReturn, unwrapCond } from '../../conditions';

/** The leaking error return of `o` (its range), or null. `o.call` must be assigned to a local. */
export function leakingExit(ctx: FunctionContext, o: DmaObject): { start: number; end: number } | null {
  const c = o.call;
  // stored somewhere inside a loop: which iterations store it is beyond this analysis
  if (o.escapes.some((e) => inLoopWithout(ctx, e, c))) return null;
  const start = ctx.nodeOf(c);
  if (!start || start.kind !== 'stmt') return null;
  // the failure branch must leave (return/goto); a branch that only sets a flag is followed by flag tests we cannot correlate
  if (!failureLeaves(ctx, o)) return null;
  const names = [o.handle, o.cpu].filter((x): x is string => !!x);
  const relSpans = o.releases.map((id) => ctx.facts.calls[id]);
  const r = reach(ctx.cfg, start.id, {
    target: (n) => n.kind === 'return' && !!n.node && isErrorReturn(n.node),
    blocked: (n) =>
      containsSpan(n, relSpans) || containsSpan(n, o.escapes) || names.some((x) => assigns(n, x)) || n.id === start.id,
    prune: (n, e) => {
      if (n.kind !== 'cond' || !n.node || e === '') return false;
      const fb = failureBranch(ctx, n.node.text, o);
      return fb !== null && fb === e;
    },
    limit: 20000,
  });
  let hit = r && r.node ? r : null;
  if (!hit && r !== undefined) hit = viaErrorVariable(ctx, start.id, (n) =>
    containsSpan(n, relSpans) || containsSpan(n, o.escapes) || names.some((x) => assigns(n, x)) || n.id === start.id,
    (n, e) => {
      if (n.kind !== 'cond' || !n.node || e === '') return false;
      const fb = failureBranch(ctx, n.node.text, o);
      return fb !== null && fb === e;
    });
  return hit ? { start: hit.start, end: hit.end } : null;
}

/**
 * `ret = -ENOMEM; goto err;` … `err: return ret;` and `ret = foo(); if (ret) goto err;`: a return of a
 * local error variable that holds an error on this path. Search over (node, "variable holds an error").
 */
function viaErrorVariable(
  ctx: FunctionContext,
  from: number,
  blocked: (n: CfgNode) => boolean,
  prune: (n: CfgNode, e: 't' | 'f' | '') => boolean,
): CfgNode | null {
  const vars = new Set<string>();
  for (const n of ctx.cfg.nodes) {
    if (n.kind !== 'return' || !n.node) continue;
    const v = normText(n.node).replace(/^return\s*/, '').replace(/;$/, '');
    if (/^(ret|rc|err|error|retval|status|result|res|rv)$/.test(v) && ctx.locals.has(v)) vars.add(v);
  }
  for (const v of vars) {
    // normText keeps the blanks around `=` (`ret =-ENOMEM;`, `ret = foo(x);`)
    const setsErr = new RegExp(`(^|[^\\w.>])${v} ?= ?(-E[A-Z0-9]+|PTR_ERR\\(|ERR_PTR\\()`);
    const reassign = new RegExp(`(^|[^\\w.>])${v} ?=[^=]`);
    const testsErr = (t: string): boolean => {
      const u = unwrapCond(t);
      return u === v || u === `${v}<0` || u === `${v}!=0` || u === `IS_ERR_VALUE(${v})`;
    };
    const seen = new Set<string>();
    const queue: [number, boolean][] = [];
    const push = (n: CfgNode, flag: boolean): void => {
      n.succ.forEach((s, i) => {
        const e = n.edge[i];
        if (prune(n, e)) return;
        let f = flag;
        if (n.kind === 'cond' && n.node && e === 't' && testsErr(normText(n.node))) f = true;
        if (n.kind === 'cond' && n.node && e === 'f' && testsErr(normText(n.node))) f = false;
        const k = `${s}:${f}`;
        if (!seen.has(k)) {
          seen.add(k);
          queue.push([s, f]);
        }
      });
    };
    push(ctx.cfg.nodes[from], false);
    let steps = 0;
    while (queue.length) {
      if (++steps > 40000) return null;
      const [id, flag0] = queue.shift()!;
      const n = ctx.cfg.nodes[id];
      let flag = flag0;
      const t = n.node && n.kind !== 'cond' ? normText(n.node) : '';
      if (n.kind === 'return') {
        if (flag && t.replace(/^return\s*/, '').replace(/;$/, '') === v) return n;
        continue;
      }
      if (blocked(n)) continue;
      if (t && setsErr.test(t)) flag = true;
      else if (t && reassign.test(t)) flag = false;
      push(n, flag);
    }
  }
  return null;
}

function failureLeaves(ctx: FunctionContext, o: DmaObject): boolean {
  for (const n of ctx.cfg.nodes) {
    if (n.kind !== 'cond' || !n.node || n.start < o.call.end) continue;
    const fb = failureBranch(ctx, n.node.text, o);
    if (!fb) continue;
    const ifs = n.node.parent;
    if (!ifs || ifs.type !== 'if_statement') return true;
    const branch = fb === 't' ? ifs.childForFieldName('consequence') : ifs.childForFieldName('alternative');
    if (!branch) return false;
    return /\b(return|goto|break|continue)\b/.test(branch.text);
  }
  return true;
}

function inLoopWithout(ctx: FunctionContext, e: { start: number; end: number }, c: { start: number }): boolean {
  for (const x of ctx.cfg.nodes) {
    let span: { start: number; end: number } | null = null;
    if (x.kind === 'cond' && x.loop) span = { start: x.loop.startIndex, end: x.loop.endIndex };
    else if (x.kind === 'loop-head' && x.node) span = { start: x.start, end: x.node.nextNamedSibling?.endIndex ?? x.end };
    if (!span) continue;
    if (span.start <= e.start && e.end <= span.end && !(span.start <= c.start && c.start < span.end)) return true;
  }
  return false;
}

