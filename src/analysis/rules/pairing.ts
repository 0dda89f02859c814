/** Pairs each unmap/free/sync with the map/alloc of the same handle in the same function. */
import type { CallFact, DmaObject, FunctionContext } from '../facts';
import type { Node } from 'web-tree-sitter';
import { normText } from '../ast';
import { ConstantFolder } from '../constants';
import { pathBetween, resolveExpr, hasCall, assignmentCount, assigns } from './util';

/** The CFG node calls a same-file function that maps/unmaps, passing the handle or its base object. */
export function callsDmaHelperWith(ctx: FunctionContext, n: import('../cfg').CfgNode, h: string): boolean {
  if (!n.node || !ctx.summary.dmaFunctions.size) return false;
  const base = /^[&*(]*([A-Za-z_]\w*)/.exec(h)?.[1];
  const t = normText(n.node);
  const re = /([A-Za-z_]\w*)\(([^;]*)\)/g;
  for (let m = re.exec(t); m; m = re.exec(t)) {
    if (ctx.summary.dmaFunctions.has(m[1]) && m[1] !== ctx.facts.name && (m[2].includes(h) || (base && new RegExp(`\\b${base}\\b`).test(m[2])))) return true;
  }
  return false;
}

/** if-conditions (normalised) around a call, with the branch the call is on. */
function branches(ctx: FunctionContext, c: CallFact): Map<string, 't' | 'f'> {
  const out = new Map<string, 't' | 'f'>();
  let prev: Node = ctx.callNodes[c.id];
  for (let p = prev.parent; p && p.id !== ctx.body.id; prev = p, p = p.parent) {
    if (p.type === 'if_statement') {
      const cond = p.childForFieldName('condition');
      if (!cond || cond.id === prev.id) continue;
      out.set(normText(cond), p.childForFieldName('alternative')?.id === prev.id ? 'f' : 't');
    }
  }
  return out;
}

/** The two calls sit on opposite branches of the same (textually identical) condition. */
export function exclusiveBranches(ctx: FunctionContext, a: CallFact, b: CallFact): boolean {
  const ba = branches(ctx, a);
  for (const [cond, side] of branches(ctx, b)) {
    const other = ba.get(cond);
    if (other && other !== side) return true;
  }
  return false;
}

export interface Pair {
  obj: DmaObject;
  rel: CallFact;
}

function pairsFor(ctx: FunctionContext, kind: 'releases' | 'syncs'): Pair[] {
  const cache = ctx as unknown as Record<string, Pair[] | undefined>;
  const key = '__pairs_' + kind;
  if (cache[key]) return cache[key]!;
  const out: Pair[] = [];
  if (ctx.facts.hasError) {
    cache[key] = out;
    return out;
  }
  const cands = new Map<number, DmaObject[]>();
  for (const o of ctx.facts.objects) for (const id of o[kind]) cands.set(id, [...(cands.get(id) ?? []), o]);
  for (const [id, objs] of cands) {
    const rel = ctx.facts.calls[id];
    // the nearest preceding map/alloc of the same variable that reaches the release wins
    objs.sort((x, y) => y.call.start - x.call.start);
    const obj = objs.find((o) => {
      if (!sameVariable(ctx, o.call, rel) || exclusiveBranches(ctx, o.call, rel)) return false;
      const start = ctx.nodeOf(o.call);
      const h = o.handle;
      return pathBetween(ctx, o.call, rel, (n) => n !== start && !!h && (assigns(n, h) || callsDmaHelperWith(ctx, n, h))) === true;
    });
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
  // both constant (`4096`, `SZ_4K`, `2 * 1024`, `PAGE_SIZE`): compare the values (shared constant folder)
  const folder = new ConstantFolder();
  const va = folder.foldText(ra);
  const vb = va === undefined ? undefined : folder.foldText(rb);
  if (va !== undefined && vb !== undefined) return va !== vb;
  if (hasCall(ra) || hasCall(rb)) return false;
  // one size is the other plus an extra term (`IV` vs `IV + reqctx->b0_len`): a real mismatch whenever the term is not 0
  const extends_ = (x: string, y: string): boolean => x.startsWith(y + '+') || x.endsWith('+' + y) || x === `2*${y}` || x === `${y}*2`;
  if ((extends_(ra, rb) || extends_(rb, ra)) && !hasCall(ra) && !hasCall(rb)) return true;
  // struct fields and sizeof expressions are routinely copies or aliases of each other
  if (/->|\.|sizeof/.test(ra + rb)) return false;
  // a number against a macro (PAGE_SIZE vs 4096) may well be equal
  if (/^\d+$/.test(ra) !== /^\d+$/.test(rb)) return false;
  // a local assigned several times may hold either value
  for (const t of [a, b, ra, rb]) {
    for (const id of t.match(/\b[a-z_]\w*\b/g) ?? []) {
      if (ctx.locals.has(id) && assignmentCount(ctx, id) > 1) return false;
    }
  }
  // both must be stable expressions (identifiers, fields, constants, arithmetic, sizeof)
  return true;
}
