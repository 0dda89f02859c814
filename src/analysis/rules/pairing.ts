/** Pairs each unmap/free/sync with the map/alloc of the same handle in the same function. */
import type { CallFact, DmaObject, FunctionContext } from '../facts';
import { pathBetween, resolveExpr, hasCall, assignmentCount } from './util';

export interface Pair {
  obj: DmaObject;
  rel: CallFact;
}

function pairsFor(ctx: FunctionContext, kind: 'releases' | 'syncs'): Pair[] {
  const cache = ctx as unknown as Record<string, Pair[] | undefined>;
  const key = '__pairs_' + kind;
  if (cache[key]) return cache[key]!;
  const out: Pair[] = [];
  const cands = new Map<number, DmaObject[]>();
  for (const o of ctx.facts.objects) for (const id of o[kind]) cands.set(id, [...(cands.get(id) ?? []), o]);
  for (const [id, objs] of cands) {
    const rel = ctx.facts.calls[id];
    // the nearest preceding map/alloc of the same variable that reaches the release wins
    objs.sort((x, y) => y.call.start - x.call.start);
    const obj = objs.find((o) => sameVariable(ctx, o.call, rel) && pathBetween(ctx, o.call, rel) === true);
    if (obj) out.push({ obj, rel });
  }
  out.sort((a, b) => a.rel.start - b.rel.start);
  cache[key] = out;
  return out;
}

/** False when the handle's base variable at the map is a block-local that the release cannot see (shadowing). */
export function sameVariable(ctx: FunctionContext, a: CallFact, b: CallFact): boolean {
  const lv = a.lvalue?.norm ?? a.buffer?.norm ?? '';
  const base = /^[&*(]*([A-Za-z_]\w*)/.exec(lv)?.[1];
  if (!base) return true;
  for (let p = ctx.callNodes[a.id].parent; p && p.id !== ctx.body.id; p = p.parent) {
    if (p.type !== 'compound_statement') continue;
    const declares = p.namedChildren.some((c) => !!c && c.type === 'declaration' && new RegExp(`(^|[^\\w])\\**${base}\\s*(=|;|,|\\[)`).test(c.text.replace(/^[^*\w]*/, ' ')));
    if (declares) return b.start >= p.startIndex && b.end <= p.endIndex;
  }
  return true;
}

export const releasePairs = (ctx: FunctionContext): Pair[] => pairsFor(ctx, 'releases');
export const syncPairs = (ctx: FunctionContext): Pair[] => pairsFor(ctx, 'syncs');

/** Two size expressions that provably differ (syntactically, after substituting single-assignment locals). */
export function sizesDiffer(ctx: FunctionContext, a: string, b: string): boolean {
  if (a === b) return false;
  const ra = resolveExpr(ctx, a);
  const rb = resolveExpr(ctx, b);
  if (ra === rb || ra === b || rb === a) return false;
  if (hasCall(ra) || hasCall(rb)) return false;
  // a local assigned several times may hold either value
  for (const t of [a, b, ra, rb]) {
    for (const id of t.match(/\b[a-z_]\w*\b/g) ?? []) {
      if (ctx.locals.has(id) && assignmentCount(ctx, id) > 1) return false;
    }
  }
  // both must be stable expressions (identifiers, fields, constants, arithmetic, sizeof)
  return true;
}
