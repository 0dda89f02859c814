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
  const owner = new Map<number, DmaObject>();
  for (const o of ctx.facts.objects) {
    for (const id of o[kind]) {
      const prev = owner.get(id);
      // the nearest preceding map/alloc wins
      if (!prev || prev.call.start < o.call.start) owner.set(id, o);
    }
  }
  for (const [id, obj] of owner) {
    const rel = ctx.facts.calls[id];
    if (pathBetween(ctx, obj.call, rel) !== true) continue;
    out.push({ obj, rel });
  }
  out.sort((a, b) => a.rel.start - b.rel.start);
  cache[key] = out;
  return out;
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
