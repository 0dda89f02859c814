/** Path and span queries over a function's CFG, for rules. */
import { normText } from '../../ast';
import { reach, type CfgNode } from '../../cfg';
import type { CallFact, FunctionContext } from '../../facts';

/** CFG nodes whose syntax contains the offset range. */
export function cfgNodeText(n: CfgNode): string {
  return n.node ? normText(n.node) : '';
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
