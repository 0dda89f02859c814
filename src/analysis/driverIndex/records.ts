/**
 * Driver records: what one function does to DMA handles held in struct members, as plain data (no syntax
 * nodes) that the checker caches with the function's findings and the driver index gathers per folder.
 *
 * - member records: every map/alloc whose handle lands in a struct member (directly, through a chained
 *   assignment or a later copy), and every unmap/sync/free/mapping-error of a member's handle (directly,
 *   through `dma_unmap_addr()`, or through a local loaded from the member), keyed by memberKey.ts;
 * - helper records: a function that maps and returns the handle (`foo_map_buf()`), or unmaps/syncs/frees
 *   a handle passed as a parameter (`foo_unmap(dev, dma_addr_t dma)`);
 * - call records: a call of a function not in the DMA API whose result lands in a member, or that is
 *   passed a member's handle — resolved by the index against the helpers of the driver's other files.
 */
import type { Node } from 'web-tree-sitter';
import { findEscapes, type FunctionContext, type CallFact, type DmaObject } from '../facts';
import { leakingExit } from '../rules/shared/leakPaths';
import type { StructField } from '../fileScope';
import { callName, callArgs, normText, stripOuterParens, walk, LEAVES, functionName } from '../ast';
import { apiEntry } from '../api';
import { resultOf, argOf } from '../callFacts';
import { stripCastsNorm } from '../aliases';
import { foldWithDefines } from '../headers/defines';
import { declaredTypes, memberKeyOf, type DeclaredTypes, type MemberKey } from './memberKey';

export type RecordRole = 'map' | 'alloc' | 'unmap' | 'sync-for-cpu' | 'sync-for-device' | 'free' | 'mapping-error';

/** A range of the file (UTF-16 offsets) with 1-based line/column (filled by positionRecords). */
export interface Span {
  start: number;
  end: number;
  line?: number;
  column?: number;
  endLine?: number;
  endColumn?: number;
}

/** A DMA-API call on a handle held in a struct member. */
export interface MemberRecord extends MemberKey {
  role: RecordRole;
  /** the DMA-API entry (or, for `via`, the entry the helper calls) */
  call: string;
  /** the call went through this helper of the driver (a call record resolved by the index) */
  via?: string;
  /** catalogue family: single, page, sg, sgtable, resource, coherent, pool… */
  family?: string;
  /** streaming mapping (map/unmap/sync) rather than coherent or pool memory */
  streaming: boolean;
  /** direction argument (normalised text) */
  dir?: string;
  size?: string;
  /** size folded to a number when constant (the file's and headers' #defines substituted) */
  sizeValue?: number;
  buffer?: string;
  /** the handle expression as the call names it (normalised) */
  handle: string;
  function: string;
  /** the call */
  at: Span;
  /** the direction argument (the narrowest range for a direction finding) */
  dirAt?: Span;
}

/** A helper of the driver: maps and returns the handle, or releases/syncs a handle passed as a parameter. */
export interface HelperRecord {
  name: string;
  kind: 'returns-map' | 'releases-param';
  /** the DMA-API call inside the helper */
  call: string;
  role: RecordRole;
  family?: string;
  dir?: string;
  size?: string;
  /** releases-param: which parameter holds the handle */
  param?: number;
  /** returns-map: the helper tests the handle with dma_mapping_error() before returning it */
  checked?: boolean;
  at: Span;
  dirAt?: Span;
}

/**
 * A call of a function outside the DMA API that may be a helper of another file, or another source of a
 * member's value that the index cannot tie to a map.
 */
export interface CallRecord extends MemberKey {
  /** the function called ('' for a plain store) */
  callee: string;
  /**
   * 'result': the call's value lands in the member; 'arg': the member's handle is argument `arg`;
   * 'out': the member's address is passed (the callee may store into it); 'store': the member is assigned
   * a value that is no map of this function (`desc->data = phys + off`, `b->dma = other->dma`)
   */
  how: 'result' | 'arg' | 'out' | 'store' | 'leak';
  /** 'leak': the call of the helper whose handle (in the local `handle`) the error return at `at` leaks */
  from?: Span;
  /** a store or address into a member whose name and type do not say DMA address (kept only when the file makes DMA calls on it) */
  weak?: boolean;
  arg?: number;
  handle: string;
  function: string;
  at: Span;
}

export interface FunctionRecords {
  members: MemberRecord[];
  helpers: HelperRecord[];
  calls: CallRecord[];
}

/** Records of one file (what a worker hands back with its findings). */
export interface FileRecords extends FunctionRecords {
  file: string;
  /** functions the file defines (a call record naming one of them is not a cross-file helper call) */
  functions: string[];
  /** `dma-scope: ignore` comments: 1-based line → rule ids (or 'all') */
  suppressions: [number, string[]][];
}

const ROLES = new Set<string>(['map', 'alloc', 'unmap', 'sync-for-cpu', 'sync-for-device', 'free', 'mapping-error', 'pool-alloc', 'pool-free']);
const STREAMING = new Set<string>(['single', 'page', 'sg', 'sgtable', 'resource']);
/** Callee names worth a call record: a helper that maps, unmaps or syncs is named for it. */
const HELPER_NAME = /map|dma|sync/i;
const MAX_RECORDS = 400;

function roleOf(c: CallFact): RecordRole | null {
  if (!c.role || !ROLES.has(c.role)) return null;
  if (c.role === 'pool-alloc') return 'alloc';
  if (c.role === 'pool-free') return 'free';
  return c.role as RecordRole;
}

function span(start: number, end: number): Span {
  return { start, end };
}

/** The handle expression a call names: the sg list of an sg call, the handle of the others, the 2nd argument of dma_mapping_error(). */
function handleArg(c: CallFact): string | undefined {
  if (c.role === 'mapping-error') return c.args[1]?.norm;
  if (c.family === 'sg' || c.family === 'sgtable') return c.buffer?.norm;
  return c.handle?.norm;
}

/** The function returns the handle itself (`return dma;`, `return (u64)dma;`, `return err ? 0 : dma;`), not a value computed from it. */
function returnsHandle(ctx: FunctionContext, names: string[]): boolean {
  const body = ctx.text.slice(ctx.body.startIndex, ctx.body.endIndex);
  for (const n of names) {
    if (!/^[A-Za-z_]\w*$/.test(n)) continue;
    const direct = new RegExp(`\\breturn\\s*\\(?\\s*(?:\\([\\w\\s]+\\)\\s*)?${n}\\s*\\)?\\s*;`);
    const ternary = new RegExp(`\\breturn[^;]*\\?[^:;]*:\\s*\\(?${n}\\)?\\s*;`);
    if (direct.test(body) || ternary.test(body)) return true;
  }
  return false;
}

/** Assignments `name = <rhs>` in a function's text (normalised right-hand sides), and its initialiser. */
function sourcesOfLocal(ctx: FunctionContext, name: string): string[] {
  const out: string[] = [];
  const local = ctx.locals.get(name);
  if (!local || local.pointer || local.array || local.isStatic) return out;
  if (local.init) out.push(normText(local.init));
  const body = ctx.text.slice(ctx.body.startIndex, ctx.body.endIndex);
  const re = new RegExp(`(?:^|[^\\w.>])${name}\\s*=(?!=)\\s*([^;]{1,200});`, 'g');
  for (let m = re.exec(body); m && out.length < 8; m = re.exec(body)) out.push(normText(m[1]));
  // `dma_alloc_coherent(…, &dma, …)`, `foo_map(…, &dma)`: a value from elsewhere (unkeyable)
  if (new RegExp(`(?:^|[^&])&\\s*${name}\\b(?!\\s*(?:->|\\.|\\[))`).test(body)) out.push('?');
  return out;
}

/**
 * The records of one analysed function. `structs`: the file's struct layouts with its headers'.
 * Never throws on odd code: what cannot be keyed is left out.
 */
export function functionRecords(ctx: FunctionContext, structs: Map<string, StructField[]>, members?: ReadonlySet<string>): FunctionRecords {
  const out: FunctionRecords = { members: [], helpers: [], calls: [] };
  const f = ctx.facts;
  // a function with a syntax error (often only `container_of(p, struct x, m)`) still names its calls and
  // declarations: records are read from the text, not from paths
  let types: DeclaredTypes | undefined;
  const keyOf = (expr: string | undefined): MemberKey | null => {
    if (!expr) return null;
    types ??= declaredTypes(ctx.fn, ctx.text);
    return memberKeyOf(expr, ctx.fn, ctx.text, structs, types);
  };
  /** the member a handle expression names, or that the local it names was loaded from (one member for every load) */
  const memberOf = (expr: string | undefined): { key: MemberKey; handle: string } | null => {
    if (!expr) return null;
    const direct = keyOf(expr);
    if (direct) return { key: direct, handle: expr };
    const local = stripCastsNorm(stripOuterParens(expr)).replace(/\s*[+-].*$/, '');
    if (!/^[A-Za-z_]\w*$/.test(local)) return null;
    const srcs = sourcesOfLocal(ctx, local);
    if (!srcs.length) return null;
    let found: MemberKey | null = null;
    for (const s of srcs) {
      const k = keyOf(s);
      if (!k || (found && found.key !== k.key)) return null;
      found = k;
    }
    return found ? { key: found, handle: expr } : null;
  };
  const sizeValue = (s: string | undefined): number | undefined => {
    if (!s) return undefined;
    const v = foldWithDefines(s, ctx.summary.defines);
    return v === null ? undefined : v;
  };
  const record = (c: CallFact, role: RecordRole, key: MemberKey, handle: string): void => {
    if (out.members.length >= MAX_RECORDS) return;
    if (out.members.some((m) => m.key === key.key && m.at.start === c.start && m.role === role)) return;
    out.members.push({
      ...key, role, call: c.via ?? c.name, family: c.family, streaming: !!c.family && STREAMING.has(c.family),
      ...(c.dir ? { dir: c.dir.norm, dirAt: span(c.dir.start, c.dir.end) } : {}),
      ...(c.size ? { size: c.size.norm, sizeValue: sizeValue(c.size.norm) } : {}),
      ...(c.buffer ? { buffer: c.buffer.norm } : {}),
      handle, function: f.name, at: span(c.start, c.end),
    });
  };

  // maps and allocations whose handle lands in a member
  for (const o of f.objects) {
    const role = roleOf(o.call);
    if (!role) continue;
    for (const name of new Set([o.handle, ...(o.aliases ?? [])])) {
      const k = keyOf(name);
      if (k) record(o.call, role, k, name!);
    }
    // a helper: maps into a local and returns it
    if (o.kind === 'map' && !f.returnsInt && (o.call.result === 'returned' || (o.handle && ctx.locals.has(o.handle) && returnsHandle(ctx, [o.handle, ...(o.aliases ?? [])])))) {
      out.helpers.push({
        name: f.name, kind: 'returns-map', call: o.call.name, role: 'map', family: o.call.family,
        ...(o.call.dir ? { dir: o.call.dir.norm, dirAt: span(o.call.dir.start, o.call.dir.end) } : {}),
        ...(o.call.size ? { size: o.call.size.norm } : {}),
        checked: o.checks.length > 0, at: span(o.call.start, o.call.end),
      });
    }
  }
  // releases, syncs and tests of a member's handle; a helper's release of a parameter's handle
  for (const c of f.calls) {
    const role = roleOf(c);
    if (!role || role === 'map' || role === 'alloc') continue;
    const h = handleArg(c);
    const m = memberOf(h);
    if (m) record(c, role, m.key, m.handle);
    const p = h ? f.params.indexOf(stripCastsNorm(stripOuterParens(h))) : -1;
    if (p >= 0 && role !== 'mapping-error') {
      out.helpers.push({
        name: f.name, kind: 'releases-param', call: c.via ?? c.name, role, family: c.family, param: p,
        ...(c.dir ? { dir: c.dir.norm, dirAt: span(c.dir.start, c.dir.end) } : {}),
        ...(c.size ? { size: c.size.norm } : {}),
        at: span(c.start, c.end),
      });
    }
  }
  // `dma_unmap_addr_set(b, m, dma)`: the handle of a map of this function stored into `b->m`
  for (const n of ctx.allCalls) {
    if (callName(n) !== 'dma_unmap_addr_set') continue;
    const [b, m, v] = callArgs(n).map((a) => normText(a));
    if (!b || !m || !v) continue;
    const o = f.objects.find((x) => x.kind === 'map' && x.call.end <= n.startIndex && x.aliases?.includes(stripCastsNorm(v)));
    const k = o ? keyOf(`dma_unmap_addr(${b}, ${m})`) : null;
    if (o && k) record(o.call, 'map', k, `dma_unmap_addr(${b}, ${m})`);
  }
  // a helper's handle in a local, leaked by an error return (judged by the index, which knows whether the callee maps)
  const leaks: CallRecord[] = [];
  for (const n of f.hasError ? [] : ctx.allCalls) {
    if (leaks.length >= MAX_RECORDS) break;
    const callee = callName(n);
    if (!callee || callee === f.name || !HELPER_NAME.test(callee) || apiEntry(callee)) continue;
    const r = resultOf(n);
    if (r.result !== 'assigned' || !r.lvalue || r.lvalue.type !== 'identifier') continue;
    const local = ctx.locals.get(r.lvalue.text);
    if (!local || local.isStatic || local.array) continue;
    const lv = argOf(r.lvalue);
    const call: CallFact = {
      id: -1, name: callee, role: 'map', family: 'single', kind: undefined, start: n.startIndex, end: n.endIndex,
      args: callArgs(n).map(argOf), result: 'assigned', lvalue: lv, lvalueLocal: true, loops: [],
    };
    const o: DmaObject = { kind: 'map', call, handle: lv.norm, checks: [], releases: [], syncs: [], escapes: [] };
    o.releases = f.calls.filter((c) => c.start > n.endIndex && (c.role === 'unmap' || c.role === 'free') && handleArg(c) !== undefined && stripCastsNorm(stripOuterParens(handleArg(c)!)) === lv.norm).map((c) => c.id);
    try {
      o.escapes = findEscapes(ctx, o);
      const exit = leakingExit(ctx, o);
      if (exit) leaks.push({ key: '', member: '', container: null, callee, how: 'leak', handle: lv.norm, function: f.name, at: span(exit.start, exit.end), from: span(n.startIndex, n.endIndex) });
    } catch {
      // a path search over odd code: no record
    }
  }
  const explained = new Set(out.members.filter((m) => m.role === 'map' || m.role === 'alloc').map((m) => m.key));
  const own = new Set(out.members.map((m) => m.key));
  types ??= declaredTypes(ctx.fn, ctx.text);
  out.calls = [...helperCalls(ctx.fn, ctx.text, structs, types, explained, own, members), ...leaks];
  return out;
}

/**
 * A function the checker's prefilter skips (it names no DMA-API entry) may still call a helper of another file, or store into a handle's member.
 * Only ever test()ed: a call name containing map/dma/sync needs no leading `\w*` (which made every position of every word a scan of
 * the rest of the word: 7 times slower on driver text, with the same answers).
 */
export const MAY_CALL_HELPER = /(?:map|dma|sync)\w*\s*\(|(?:->|\.)\s*\w*(?:dma|addr|handle|phys|iova|map|bus)\w*\s*(?:\[[^\]\n]*\]\s*)?=[^=]|&\s*[\w>.\-\[\]]*(?:->|\.)\w*(?:dma|addr|handle|phys|iova|map|bus)/i;

/** A local assigned from a call of a helper-named function: a function the checker skips is analysed for its leaks. */
export const HELPER_RESULT_IN_LOCAL = /(?:^|[^\w.>])[A-Za-z_]\w*\s*=\s*(?:\([^()]*\)\s*)?\w*(?:map|dma)\w*\s*\(/i;

/** Member names that may hold a DMA address (when the struct layout does not say `dma_addr_t`). */
const HANDLE_NAME = /dma|addr|handle|phys|iova|map|bus/i;
/** Values that clear a member rather than fill it. */
const CLEARING = /^(?:0|0x0+|NULL|~0\w*|-1|DMA_MAPPING_ERROR|false)$/;

/**
 * Calls of functions outside the DMA API (named for mapping, DMA or syncing) whose value lands in a
 * member, directly or through a local copied into one, or that are passed a member's handle. Needs no
 * function facts: also run on functions the checker skips.
 */
export function helperCalls(fn: Node, text: string, structs: Map<string, StructField[]>, types?: DeclaredTypes, explained: ReadonlySet<string> = new Set(), own: ReadonlySet<string> = new Set(), members?: ReadonlySet<string>): CallRecord[] {
  const out: CallRecord[] = [];
  const body = fn.childForFieldName('body');
  const name = functionName(fn) ?? '<anonymous>';
  if (!body || !MAY_CALL_HELPER.test(text.slice(body.startIndex, body.endIndex))) return out;
  const t = types ?? declaredTypes(fn, text);
  const keyOf = (expr: string): MemberKey | null => memberKeyOf(expr, fn, text, structs, t);
  const handleLike = (k: MemberKey): boolean => HANDLE_NAME.test(k.member) || (!!k.container && structs.get(k.container)?.find((x) => x.name === k.member)?.tag === 'dma_addr_t');
  const fromHelpers = new Set<string>();
  const other = (n: Node, k: MemberKey & { weak?: boolean }, how: 'out' | 'store', callee = ''): void => {
    if (how === 'store' && (explained.has(k.key) || fromHelpers.has(k.key))) return;
    // kept when the member may hold a DMA address: by its name or type, or because this function (or, in
    // fileRecords, another of the file) maps, syncs or unmaps it
    if (!handleLike(k) && !own.has(k.key)) k = { ...k, weak: true } as MemberKey;
    out.push({ ...k, callee, how, handle: k.key, function: name, at: span(n.startIndex, n.endIndex) });
  };
  const visit = (n: Node): void => {
    if (out.length >= MAX_RECORDS) return;
    if (n.type === 'assignment_expression') {
      const l = n.childForFieldName('left');
      let r = n.childForFieldName('right');
      if (!l || !r || (n.childForFieldName('operator')?.text ?? '=') !== '=' || l.type === 'identifier') return;
      while (r.type === 'parenthesized_expression' || r.type === 'cast_expression') r = (r.type === 'cast_expression' ? r.childForFieldName('value') : r.namedChild(0)) ?? r;
      // a call's value: a map (the facts have it), a helper's (a call record), or anything else (a store)
      if (r.type === 'call_expression' && (apiEntry(callName(r))?.role === 'map' || HELPER_NAME.test(callName(r) ?? ''))) return;
      if (r.type === 'assignment_expression' || CLEARING.test(normText(r))) return;
      const k = keyOf(normText(l));
      if (!k) return;
      const rk = keyOf(normText(r));
      if (rk && rk.key === k.key) return; // a copy between two of the member's own
      other(n, k, 'store');
      return;
    }
    if (n.type !== 'call_expression') return;
    const callee = callName(n);
    if (callee === 'dma_unmap_addr_set') {
      const [b, m, v] = callArgs(n).map((a) => normText(a));
      const k = b && m ? keyOf(`dma_unmap_addr(${b}, ${m})`) : null;
      if (k && v && !CLEARING.test(v)) other(n, k, 'store');
      return;
    }
    if (callee && !apiEntry(callee)) {
      callArgs(n).forEach((a, i) => {
        const at = normText(a);
        if (i > 8 || !at.startsWith('&') || !/->|\./.test(at)) return;
        const k = keyOf(at);
        if (k) other(n, k, 'out', callee);
      });
    }
    if (!callee || callee === name || !HELPER_NAME.test(callee) || apiEntry(callee)) return;
    const r = resultOf(n);
    if (r.result === 'assigned' && r.lvalue) {
      const lv = normText(r.lvalue);
      let k = keyOf(lv);
      let handle = lv;
      if (!k && t.has(lv) && /^[A-Za-z_]\w*$/.test(lv)) {
        // `dma = foo_map(…); … b->dma = dma;`
        const re = new RegExp(`([\\w>\\-.\\[\\] +]+)\\s*=\\s*${lv}\\s*;`, 'g');
        const rest = text.slice(n.endIndex, body.endIndex);
        for (let m = re.exec(rest); m && !k; m = re.exec(rest)) {
          k = keyOf(normText(m[1]));
          if (k) handle = normText(m[1]);
        }
      }
      if (k) {
        out.push({ ...k, callee, how: 'result', handle, function: name, at: span(n.startIndex, n.endIndex) });
        fromHelpers.add(k.key);
      }
    }
    callArgs(n).forEach((a, i) => {
      if (i > 6) return;
      const at = normText(a);
      if (!/->|\./.test(at) || at.startsWith('&')) return;
      const k = keyOf(at);
      if (k) out.push({ ...k, callee, how: 'arg', arg: i, handle: at, function: name, at: span(n.startIndex, n.endIndex) });
    });
    return;
  };
  for (const n of candidates(body, text, members)) visit(n);
  return out;
}

const STORE_RE = /(?:->|\.)\s*(\w+)\s*(?:\[[^\]\n]*\]\s*)*=(?!=)/g;
const CALL_RE = /\b([A-Za-z_]\w*)\s*\(/g;
const ADDRESS_ARG_RE = /&\s*\(?\s*[A-Za-z_]\w*(?:\s*(?:->|\.)\s*\w+|\s*\[[^\]\n]*\])*\s*(?:->|\.)\s*(\w+)/g;
const DMA_CALL_RE = /\bdma_\w+\s*\(([^;]{0,400})/g;
const MEMBER_RE = /(?:->|\.)\s*(\w+)/g;

/**
 * Member names a file's DMA-API calls name in their arguments (`dma_unmap_single(d, rb->dma, …)` → dma):
 * with the names that look like a DMA address, the members whose stores and passed addresses are worth a
 * record. Read once per file from the text.
 */
export function dmaMemberNames(text: string): Set<string> {
  const out = new Set<string>();
  for (const m of text.matchAll(DMA_CALL_RE)) for (const x of m[1].matchAll(MEMBER_RE)) out.add(x[1]);
  return out;
}

/** The nearest ancestor of one type, a few levels up (or the node itself). */
function up(n: Node | null, type: string, levels: number): Node | null {
  for (let k = 0; n && k <= levels; k++, n = n.parent) if (n.type === type) return n;
  return null;
}

/**
 * The nodes helperCalls looks at, found from the text (a regex per shape, then the node at the match)
 * rather than by walking every node of the body: member assignments, calls of helper-named functions and
 * of `dma_unmap_addr_set`, calls passed a member's address. In document order, each once.
 */
function candidates(body: Node, text: string, members?: ReadonlySet<string>): Node[] {
  const wanted = (member: string): boolean => !members || HANDLE_NAME.test(member) || members.has(member);
  const src = text.slice(body.startIndex, body.endIndex);
  const at = (i: number): Node | null => body.descendantForIndex(body.startIndex + i, body.startIndex + i);
  const found = new Map<string, Node>();
  const add = (n: Node | null): void => {
    if (n && found.size < 4 * MAX_RECORDS) found.set(`${n.startIndex}:${n.type}`, n);
  };
  for (const m of src.matchAll(STORE_RE)) {
    if (!wanted(m[1])) continue;
    const a = up(at(m.index + m[0].length - 1), 'assignment_expression', 3);
    if (a && (a.childForFieldName('operator')?.text ?? '=') === '=') add(a);
  }
  for (const m of src.matchAll(CALL_RE)) {
    if (!HELPER_NAME.test(m[1])) continue;
    add(up(at(m.index), 'call_expression', 2));
  }
  for (const m of src.matchAll(ADDRESS_ARG_RE)) {
    if (!wanted(m[1])) continue;
    const arg = at(m.index);
    const list = up(arg, 'argument_list', 6);
    add(list?.parent?.type === 'call_expression' ? list.parent : null);
  }
  return [...found.values()].sort((a, b) => a.startIndex - b.startIndex);
}


/** Records moved by `d` characters (a cached function that now starts `d` later). */
export function shiftRecords(r: FunctionRecords, d: number): FunctionRecords {
  if (!d) return r;
  const mv = (s: Span): Span => span(s.start + d, s.end + d);
  return {
    members: r.members.map((m) => ({ ...m, at: mv(m.at), ...(m.dirAt ? { dirAt: mv(m.dirAt) } : {}) })),
    helpers: r.helpers.map((h) => ({ ...h, at: mv(h.at), ...(h.dirAt ? { dirAt: mv(h.dirAt) } : {}) })),
    calls: r.calls.map((c) => ({ ...c, at: mv(c.at), ...(c.from ? { from: mv(c.from) } : {}) })),
  };
}

/** Line starts of a text, for offset → 1-based line/column. */
export function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

function position(starts: number[], off: number): { line: number; column: number } {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid] <= off) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo + 1, column: off - starts[lo] + 1 };
}

function positioned(starts: number[], s: Span): Span {
  const a = position(starts, s.start);
  const b = position(starts, s.end);
  return { start: s.start, end: s.end, line: a.line, column: a.column, endLine: b.line, endColumn: b.column };
}

const SUPPRESS_RE = /dma-scope:\s*ignore\s+([\w\-,\s]+?)(?:\*\/|$)/;

/** The file's records with line/column on every span, and its suppression comments. */
export function fileRecords(file: string, text: string, functions: string[], parts: FunctionRecords[]): FileRecords {
  const starts = lineStarts(text);
  const p = (s: Span): Span => positioned(starts, s);
  const keys = new Set(parts.flatMap((r) => r.members.map((m) => m.key)));
  const suppressions: [number, string[]][] = [];
  if (text.includes('dma-scope:')) {
    text.split('\n').forEach((l, i) => {
      const m = SUPPRESS_RE.exec(l);
      if (m) suppressions.push([i + 1, m[1].split(/[\s,]+/).filter(Boolean)]);
    });
  }
  return {
    file,
    functions,
    suppressions,
    members: parts.flatMap((r) => r.members.map((m) => ({ ...m, at: p(m.at), ...(m.dirAt ? { dirAt: p(m.dirAt) } : {}) }))),
    helpers: parts.flatMap((r) => r.helpers.map((h) => ({ ...h, at: p(h.at), ...(h.dirAt ? { dirAt: p(h.dirAt) } : {}) }))),
    // a store into a member that neither looks like a DMA address nor has a DMA call in the file is dropped
    calls: parts.flatMap((r) => r.calls.filter((c) => !c.weak || keys.has(c.key)).map((c) => {
      const { weak: _weak, ...rest } = c;
      return { ...rest, at: p(c.at), ...(c.from ? { from: p(c.from) } : {}) };
    })),
  };
}
