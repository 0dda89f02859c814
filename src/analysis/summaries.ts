/**
 * Summaries of same-file helpers for cross-function facts: what a helper does
 * to the DMA handles reachable from its parameters (syncs them for the CPU or
 * the device, unmaps them, maps into them), and whether it returns a freshly
 * mapped handle. The ownership analysis applies a helper's effects at each
 * call, substituting the argument for the parameter, so the usual driver split
 * into `xxx_map_rx()` / `xxx_sync_rx()` / `xxx_unmap_rx()` helpers is
 * understood. (Wave 1's FileSummary.checksParam already covers "this helper
 * checks its argument with dma_mapping_error()".)
 */
import type { Node } from 'web-tree-sitter';
import { walk, callName, callArgs, functionName, functionParams, normText, stripOuterParens, stripParensAndCasts, recordWalks, LEAVES } from './ast';
import { apiEntry, paramIndex, P } from './api';
import { allEntries } from '../model/catalogue';
import { approxBytes, type BoundedCache } from './boundedCache';

export type HelperEffectKind = 'sync-for-cpu' | 'sync-for-device' | 'unmap' | 'map';

export interface HelperEffect {
  kind: HelperEffectKind;
  /** index of the parameter the handle is reached from */
  param: number;
  /** the access path after the parameter: '' (the parameter itself), '->dma', '.addr', '->buf[i].dma' … */
  path: string;
  /** direction constant text, when the helper's call has one */
  dir?: string;
}

export interface HelperSummary {
  name: string;
  effects: HelperEffect[];
  /** the helper returns the result of a map call (directly or through a local) */
  returnsMapped: boolean;
}

const ROLE_KIND: Record<string, HelperEffectKind | undefined> = {
  'sync-for-cpu': 'sync-for-cpu',
  'sync-for-device': 'sync-for-device',
  unmap: 'unmap',
};

/**
 * The calls a helper's effects come from: maps, unmaps and syncs of the single/page families (not the
 * legacy wrappers). A body that names none of them has no effect to summarise and is not walked.
 * Built once at import from the constant catalogue.
 */
const EFFECT_CALLS_RE = (() => {
  const names = allEntries()
    .filter((e) => e.kind !== 'legacy' && (e.family === 'single' || e.family === 'page') && (e.role === 'map' || !!(e.role && ROLE_KIND[e.role])))
    .flatMap((e) => [e.name, ...(e.aliases ?? [])])
    .filter((n) => /^\w+$/.test(n));
  return new RegExp(`\\b(?:${[...new Set(names)].sort((a, b) => b.length - a.length).join('|')})\\b`);
})();

/** `p`, `p->dma`, `p->ring[i].dma` relative to a parameter list; null when not rooted at a parameter. */
function paramPath(expr: string, params: string[]): { param: number; path: string } | null {
  const m = /^([A-Za-z_]\w*)(.*)$/.exec(expr);
  if (!m) return null;
  const i = params.indexOf(m[1]);
  if (i < 0) return null;
  if (m[2] && !/^(->|\.)/.test(m[2])) return null;
  if (/\(/.test(m[2])) return null;
  return { param: i, path: m[2] };
}

/**
 * Summaries of the DMA helpers among `fns`. A helper's summary depends only on its text, so with a
 * `cache` (the analysis session's) an edit re-summarises one function.
 */
export function summarizeHelpers(fns: Node[], text?: string, cache?: BoundedCache<HelperSummary | null>): Map<string, HelperSummary> {
  const out = new Map<string, HelperSummary>();
  for (const fn of fns) {
    const key = text !== undefined ? text.slice(fn.startIndex, fn.endIndex) : fn.text;
    let summary = cache?.get(key);
    if (summary === undefined) {
      summary = summarizeHelper(fn);
      cache?.set(key, summary, summary ? approxBytes(summary) : 0);
    }
    if (summary) out.set(summary.name, summary);
  }
  return out;
}

function summarizeHelper(fn: Node): HelperSummary | null {
  {
    const body = fn.childForFieldName('body');
    // effects come only from single/page map, unmap and sync calls: a body that names none is not walked
    if (!body || !EFFECT_CALLS_RE.test(body.text)) return null;
    const name = functionName(fn);
    if (!name) return null;
    // a helper that maps, unmaps or syncs is analysed too: record its walks once for both
    recordWalks(fn);
    const params = functionParams(fn);
    const effects: HelperEffect[] = [];
    const mappedLocals = new Set<string>();
    let returnsMapped = false;
    walk(body, (n) => {
      if (n.type === 'call_expression') {
        const e = apiEntry(callName(n));
        if (!e?.role || e.kind === 'legacy') return true;
        const args = callArgs(n);
        const dirI = paramIndex(e, ...P.dir);
        const dir = dirI >= 0 && args[dirI] ? normText(args[dirI]) : undefined;
        const kind = ROLE_KIND[e.role];
        if (kind && (e.family === 'single' || e.family === 'page')) {
          const hi = paramIndex(e, ...P.handle);
          const h = hi >= 0 && args[hi] ? stripOuterParens(normText(stripParensAndCasts(args[hi]))) : null;
          const pp = h ? paramPath(h, params) : null;
          if (pp && !effects.some((x) => x.kind === kind && x.param === pp.param && x.path === pp.path)) effects.push({ kind, ...pp, dir });
        }
        if (e.role === 'map' && (e.family === 'single' || e.family === 'page')) {
          let top: Node = n;
          while (top.parent && (top.parent.type === 'parenthesized_expression' || top.parent.type === 'cast_expression')) top = top.parent;
          const p = top.parent;
          if (p?.type === 'return_statement') returnsMapped = true;
          else if (p?.type === 'assignment_expression') {
            const l = normText(p.childForFieldName('left')!);
            const pp = paramPath(l, params);
            if (pp && pp.path) effects.push({ kind: 'map', ...pp, dir });
            else mappedLocals.add(l);
          } else if (p?.type === 'init_declarator') {
            let d = p.childForFieldName('declarator');
            while (d && d.type !== 'identifier') d = d.childForFieldName('declarator');
            if (d) mappedLocals.add(d.text);
          }
        }
        return true;
      }
      if (n.type === 'return_statement') {
        const v = n.namedChildren.find((c) => !!c && c.type !== 'comment');
        if (v && mappedLocals.has(normText(stripParensAndCasts(v)))) returnsMapped = true;
      }
      return true;
    }, LEAVES);
    return effects.length || returnsMapped ? { name, effects, returnsMapped } : null;
  }
}

/** The handle expression an effect reaches from a call's argument: `(rx_buf, '->dma')` → `rx_buf->dma`, `(&ring->buf[i], '.dma')` → `ring->buf[i].dma`. */
export function applyPath(argNorm: string, path: string): string | null {
  let a = stripOuterParens(normText(argNorm));
  if (!path) return a;
  if (a.startsWith('&') && path.startsWith('->')) {
    a = stripOuterParens(a.slice(1));
    return /^[\w>\-.\[\]]+$/.test(a) ? `${a}.${path.slice(2)}` : null;
  }
  return /^[\w>\-.\[\]]+$/.test(a) ? a + path : null;
}

/** Stable text of a summary table, for the checker's per-function cache key. */
export function helpersKey(m: Map<string, HelperSummary> | undefined): string {
  if (!m) return '';
  return [...m.values()].map((s) => `${s.name}:${s.returnsMapped ? 'R' : ''}:${s.effects.map((e) => `${e.kind}@${e.param}${e.path}`).join('+')}`).sort().join(';');
}

/** Does a function's text call one of the file's DMA helpers (so it can carry ownership facts)? */
export function callsHelper(fnText: string, summary: { helpers?: Map<string, HelperSummary> }): boolean {
  const h = summary.helpers;
  if (!h || !h.size) return false;
  for (const name of h.keys()) {
    const i = fnText.indexOf(name + '(');
    if (i > 0 && !/\w/.test(fnText[i - 1])) return true;
    if (i > 0 && fnText.indexOf(name + ' (') > 0) return true;
  }
  return false;
}
