/**
 * Per-function DMA facts: every DMA-API call with its arguments resolved by
 * catalogue parameter name, the DMA objects (map/alloc results) with where
 * they are checked, synced, released and where they escape, plus the
 * function's control-flow graph. The plain-data part (FunctionFacts) carries
 * no syntax nodes, so it can be cached and handed to hover / the dmesg
 * explainer after the tree is gone; rules additionally get a FunctionContext
 * with the nodes while the tree is alive.
 */
import type { Node } from 'web-tree-sitter';
import { walk, callName, callArgs, functionName, functionParams, normText, stripOuterParens, recordWalks, LEAVES } from './ast';
import { apiEntry, P } from './api';
import { buildCfg, Cfg, CfgIndex, CfgNode, reach } from './cfg';
import { handleAliases, stripCastsNorm } from './aliases';
import { expandMacroCall } from './headers/macroCall';
import {
  DMA_ROLES, argOf, pick, addressOf, resultOf, collectLocals, returnsInteger, enclosingLoops, mentions,
  type Arg, type CallFact, type LocalDecl,
} from './callFacts';
import type { FileSummary } from './fileSummary';

export { stripOuterParens, functionParams } from './ast';
export { argOf, addressOf, handleKey, collectLocals, mentions, enclosingStatement, type Arg, type CallFact, type LocalDecl } from './callFacts';
export {
  summarizeFile, sharedFactsKey, isPlatformPredicate, PLATFORM_PREDICATE_CALLS,
  type FileSummary, type FnSummary, type SummaryCaches,
} from './fileSummary';

export interface DmaObject {
  kind: 'map' | 'alloc';
  call: CallFact;
  /** the handle expression (normalised): map result lvalue, or the alloc's dma_handle (without &) */
  handle?: string;
  /** alloc: the CPU pointer lvalue (normalised) */
  cpu?: string;
  /** call ids of checks (dma_mapping_error or a same-file helper) of this handle */
  checks: number[];
  /** call ids of releases (unmap / free) matched to this object */
  releases: number[];
  syncs: number[];
  /** offsets where the handle (or CPU pointer) is stored elsewhere, returned or passed on */
  escapes: { start: number; end: number; how: 'stored' | 'returned' | 'passed' }[];
  /** map: every name of the handle in this function, canonical (aliases.ts handleAliases) */
  aliases?: string[];
}

export interface FunctionFacts {
  name: string;
  start: number;
  end: number;
  /** the function returns int (or another integer type), so `return -ENOMEM;` fits */
  returnsInt: boolean;
  params: string[];
  /** goto labels in order of appearance */
  labels: string[];
  calls: CallFact[];
  objects: DmaObject[];
  /** the parser recovered from a syntax error inside the function (paths are unreliable) */
  hasError: boolean;
}

export interface FunctionContext {
  facts: FunctionFacts;
  fn: Node;
  body: Node;
  text: string;
  cfg: Cfg;
  index: CfgIndex;
  locals: Map<string, LocalDecl>;
  /** call fact id → syntax node */
  callNodes: Node[];
  summary: FileSummary;
  file?: string;
  /** CFG node of a call */
  nodeOf(call: CallFact): CfgNode | undefined;
  /** every call_expression in the body (any callee), in document order */
  allCalls: Node[];
}

/** Functions longer than this (UTF-16 code units) are not analysed. */
export const MAX_FUNCTION_CHARS = 64 * 1024;

/** A function too deeply nested (or too large) to analyse within the step limits. */
export class NestingError extends Error {
  constructor(fn: string) {
    super(`${fn}() is too deeply nested or too large to analyse; skipped`);
  }
}

/** Builds facts and a rule context for one function_definition. */
export function analyzeFunction(fn: Node, text: string, summary: FileSummary, file?: string): FunctionContext | null {
  const body = fn.childForFieldName('body');
  if (!body) return null;
  const name = functionName(fn) ?? '<anonymous>';
  // a "function" this large is a parse accident (an unbalanced brace or #if swallowing its neighbours)
  // or generated code; its rules would cost seconds per keystroke
  if (fn.endIndex - fn.startIndex > MAX_FUNCTION_CHARS) throw new NestingError(name);
  recordWalks(fn);
  const locals = collectLocals(fn);
  const params = functionParams(fn);
  const cfg = buildCfg(body);
  if (cfg.truncated) throw new NestingError(name);
  const index = new CfgIndex(cfg);
  const calls: CallFact[] = [];
  const callNodes: Node[] = [];
  const allCalls: Node[] = [];
  const labels: string[] = [];
  walk(body, (n) => {
    if (n.type === 'labeled_statement') {
      const l = n.childForFieldName('label');
      if (l) labels.push(l.text);
    }
    if (n.type !== 'call_expression') return true;
    allCalls.push(n);
    const cname = callName(n);
    let entry = apiEntry(cname);
    let args: Arg[] | undefined;
    let via: string | undefined;
    if (!entry && cname && summary.dmaMacros?.size) {
      // a DMA wrapper macro of the file or its headers: analysed as the call it expands to
      const x = expandMacroCall(summary.dmaMacros.get(cname), callArgs(n));
      if (x) {
        entry = x.entry;
        via = x.target;
        args = x.args.map((a) => (typeof a === 'string' ? { text: a, norm: normText(a), start: n.startIndex, end: n.endIndex } : argOf(a)));
      }
    }
    if (!cname || !entry || !entry.role || !DMA_ROLES.has(entry.role)) return true;
    args ??= callArgs(n).map(argOf);
    const r = resultOf(n);
    const lvalue = r.lvalue ? argOf(r.lvalue) : undefined;
    const cf: CallFact = {
      id: calls.length,
      name: cname,
      role: entry.role,
      family: entry.family,
      kind: entry.kind,
      start: n.startIndex,
      end: n.endIndex,
      args,
      dev: pick(entry, args, P.dev),
      buffer: pick(entry, args, P.buffer),
      size: pick(entry, args, P.size),
      dir: pick(entry, args, P.dir),
      attrs: pick(entry, args, ['attrs', 'dma_attrs']),
      nents: pick(entry, args, P.nents),
      gfp: pick(entry, args, P.gfp),
      handle: pick(entry, args, P.handle),
      cpu: entry.role === 'free' || entry.role === 'pool-free' ? pick(entry, args, P.cpu) : undefined,
      result: r.result,
      lvalue,
      lvalueLocal: lvalue ? locals.has(lvalue.norm) && !locals.get(lvalue.norm)!.isStatic : undefined,
      loops: enclosingLoops(n, body),
      ...(via ? { via } : {}),
    };
    calls.push(cf);
    callNodes.push(n);
    return true;
  }, LEAVES);

  const objects: DmaObject[] = [];
  for (const c of calls) {
    if (c.role === 'map') {
      const handle = c.family === 'sg' || c.family === 'sgtable' ? c.buffer?.norm : c.lvalue?.norm.replace(/\+\+|--/g, '');
      const aliases = handle ? handleAliases(body, callNodes[c.id], handle) : undefined;
      objects.push({ kind: 'map', call: c, handle, checks: [], releases: [], syncs: [], escapes: [], aliases });
    } else if (c.role === 'alloc' || c.role === 'pool-alloc') {
      const h = c.handle ? addressOf(c.handle.norm) ?? undefined : undefined;
      objects.push({ kind: 'alloc', call: c, handle: h, cpu: c.lvalue?.norm, checks: [], releases: [], syncs: [], escapes: [] });
    }
  }
  // match checks, releases and syncs by handle / CPU pointer text
  for (const o of objects) {
    for (const c of calls) {
      if (c.start <= o.call.start) continue;
      const named = (a: Arg | undefined): boolean => !!a && !!o.aliases && o.aliases.includes(stripCastsNorm(a.norm));
      if (c.role === 'mapping-error' && o.handle && c.args[1] && (stripOuterParens(c.args[1].norm) === o.handle || named(c.args[1]))) o.checks.push(c.id);
      const hArg = c.family === 'sg' || c.family === 'sgtable' ? c.buffer : c.handle;
      const matches =
        (o.handle && hArg && (stripOuterParens(hArg.norm) === o.handle || named(hArg))) || (o.kind === 'alloc' && o.cpu && c.cpu && stripOuterParens(c.cpu.norm) === o.cpu);
      if (!matches) continue;
      if (c.role === 'unmap' || c.role === 'free' || c.role === 'pool-free') o.releases.push(c.id);
      else if (c.role === 'sync-for-cpu' || c.role === 'sync-for-device') o.syncs.push(c.id);
    }
  }
  const facts: FunctionFacts = {
    name,
    start: fn.startIndex,
    end: fn.endIndex,
    returnsInt: returnsInteger(fn),
    params,
    labels,
    calls,
    objects,
    hasError: fn.hasError,
  };
  const ctx: FunctionContext = {
    facts, fn, body, text, cfg, index, locals, callNodes, summary, file, allCalls,
    nodeOf: (c) => index.at(c.start, c.end),
  };
  for (const o of objects) o.escapes = findEscapes(ctx, o);
  return ctx;
}

/** Functions that only read a value (printing, byte-order, splitting); passing a handle to them is not an escape. */
const NON_ESCAPING = /^(cpu_to_(le|be)(16|32|64)|lower_32_bits|upper_32_bits|pr_\w+|dev_(err|warn|info|dbg|notice|err_ratelimited|warn_ratelimited|dbg_ratelimited)|netdev_(err|warn|info|dbg)|printk|trace_\w+|WARN\w*|BUG_ON|unlikely|likely|IS_ERR|PTR_ERR|sizeof|dma_unmap_addr|dma_unmap_len)$/;

/** Where a DMA object's handle or CPU pointer leaves the function's local bookkeeping (also for the driver index's helper maps). */
export function findEscapes(ctx: FunctionContext, o: DmaObject): DmaObject['escapes'] {
  const out: DmaObject['escapes'] = [];
  const names = [o.handle, o.cpu].filter((x): x is string => !!x);
  if (!names.length) return out;
  // the object itself is stored straight into a non-local lvalue
  for (const n of names) {
    const local = ctx.locals.get(n);
    if (!local || local.isStatic) out.push({ start: o.call.start, end: o.call.end, how: 'stored' });
  }
  if (o.call.result === 'returned' || o.call.result === 'argument') out.push({ start: o.call.start, end: o.call.end, how: o.call.result === 'returned' ? 'returned' : 'passed' });
  walk(ctx.body, (n) => {
    if (n.endIndex <= o.call.start) return false;
    if (n.type === 'assignment_expression') {
      const r = n.childForFieldName('right');
      const l = n.childForFieldName('left');
      if (r && l && names.some((x) => mentions(normText(r), x)) && !names.includes(normText(l))) {
        out.push({ start: n.startIndex, end: n.endIndex, how: 'stored' });
      }
      return true;
    }
    if (n.type === 'init_declarator') {
      const v = n.childForFieldName('value');
      if (v && names.some((x) => mentions(normText(v), x))) out.push({ start: n.startIndex, end: n.endIndex, how: 'stored' });
      return true;
    }
    if (n.type === 'return_statement') {
      if (names.some((x) => mentions(normText(n), x))) out.push({ start: n.startIndex, end: n.endIndex, how: 'returned' });
      return true;
    }
    if (n.type === 'call_expression') {
      const cn = callName(n) ?? '';
      const e = apiEntry(cn);
      if (e?.role && DMA_ROLES.has(e.role)) return true;
      if (NON_ESCAPING.test(cn)) return false;
      for (const a of callArgs(n)) {
        const t = normText(a);
        if (names.some((x) => t === x || t === '&' + x || mentions(t, x))) {
          out.push({ start: n.startIndex, end: n.endIndex, how: 'passed' });
          break;
        }
      }
      return true;
    }
    return true;
  }, LEAVES);
  return out;
}


export { reach };
