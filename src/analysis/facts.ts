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
import type { ApiEntry, ApiFamily, ApiRole } from '../model/catalogue/types';
import { walk, callName, callArgs, functionName, functionParams, stripParensAndCasts, stripOuterParens, normText, LEAVES } from './ast';

export { stripOuterParens, functionParams } from './ast';
import { apiEntry, paramIndex, P } from './api';
import { buildCfg, Cfg, CfgIndex, CfgNode, reach } from './cfg';
import { mentionsDmaApi, mentionsMappingError } from './relevance';
import { summarizeHelpers, helpersKey, HelperSummary } from './summaries';
import { fileScopeObjects, structDefinitions, type ImageDecl, type StructField } from './fileScope';
import { approxBytes, type BoundedCache } from './boundedCache';
import { PLATFORM_CONFIG_SOURCE } from './preproc/platform';
import { platformDefines } from './preproc/conditionals';
import { handleAliases, stripCastsNorm } from './aliases';
import { expandMacroCall } from './headers/macroCall';
import type { DefineLookup, DmaMacro } from './headers/types';
import { deviceAllocations, cpuWrittenFields, boundingHelpers, type DeviceAlloc } from './deviceMemory';

export interface Arg {
  text: string;
  /** whitespace-folded text, for syntactic comparison */
  norm: string;
  start: number;
  end: number;
}

export interface CallFact {
  id: number;
  name: string;
  role: ApiRole | undefined;
  family: ApiFamily | undefined;
  kind: ApiEntry['kind'] | undefined;
  start: number;
  end: number;
  args: Arg[];
  dev?: Arg;
  buffer?: Arg;
  size?: Arg;
  dir?: Arg;
  attrs?: Arg;
  nents?: Arg;
  gfp?: Arg;
  /** the dma_addr_t argument of unmap/sync/free/mapping_error, or `&h` of an alloc (with & stripped) */
  handle?: Arg;
  /** the CPU address argument of a free */
  cpu?: Arg;
  /** where the result goes */
  result: 'assigned' | 'ignored' | 'condition' | 'returned' | 'argument' | 'other';
  /** the lvalue the result is assigned to (normalised), when `result` is 'assigned' */
  lvalue?: Arg;
  /** true when the lvalue is a local variable of this function */
  lvalueLocal?: boolean;
  /** spans of the loops enclosing the call */
  loops: { start: number; end: number }[];
  /** the call is of a DMA wrapper macro (`name`) expanding to this catalogue entry; arguments the macro supplies span the whole call */
  via?: string;
  /** line/column of start, 0-based, relative to the file (filled by the checker) */
}

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

export interface LocalDecl {
  name: string;
  array: boolean;
  pointer: boolean;
  isStatic: boolean;
  /** initialiser node, if any */
  init: Node | null;
  start: number;
}

/** Summaries of same-file helpers, for cross-function facts. */
export interface FileSummary {
  /** helper name → parameter indexes it passes to dma_mapping_error() */
  checksParam: Map<string, number[]>;
  /** field names assigned from a platform-internal predicate anywhere in the file */
  predicateFields: Set<string>;
  /** same-file functions that map, unmap or sync (calls to them may change a handle's state) */
  dmaFunctions: Set<string>;
  /** helper name → what it does to handles reached from its parameters (src/analysis/summaries.ts) */
  helpers?: Map<string, HelperSummary>;
  /** handle keys and directions synced for the device anywhere in the file (syncForDeviceKeys) */
  syncForDevice?: Set<string>;
  /** the file's struct definitions with their members' layout facts (computed on first use) */
  structs?: () => Map<string, StructField[]>;
  /** the file's file-scope objects (computed on first use) */
  fileObjects?: () => Map<string, ImageDecl>;
  /** member name → coherent/pool allocations stored in it (device-writable memory, src/analysis/deviceData.ts; computed on first use) */
  deviceMemory?: () => Map<string, DeviceAlloc[]>;
  /** members the file's code stores a (non-zero) value into: the driver's own bookkeeping (computed on first use) */
  cpuWrittenFields?: () => Set<string>;
  /** same-file helpers that compare a parameter with < > <= >= in an `if`: name → parameter indexes (computed on first use) */
  boundingHelpers?: () => Map<string, number[]>;
  /** some function of the file names a DMA-API entry; some uses the ISA DMA controller API */
  usesDmaApi?: boolean;
  isaDma?: boolean;
  /** macros defined under a platform `#if` (preproc/conditionals.ts platformDefines; computed on first use) */
  platformDefines?: () => Map<string, string>;
  /** object-like #defines of the file and its headers (src/analysis/headers/merge.ts) */
  defines?: DefineLookup;
  /** function-like macros of the file and its headers whose body is one DMA-API call, by name */
  dmaMacros?: Map<string, DmaMacro>;
  /** functions the headers declare */
  prototypes?: Set<string>;
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

const DMA_ROLES = new Set<ApiRole>(['map', 'unmap', 'sync-for-cpu', 'sync-for-device', 'alloc', 'free', 'pool-alloc', 'pool-free', 'mapping-error']);

export function argOf(n: Node): Arg {
  return { text: n.text, norm: normText(n), start: n.startIndex, end: n.endIndex };
}

function pick(entry: ApiEntry | undefined, args: Arg[], names: readonly string[]): Arg | undefined {
  const i = paramIndex(entry, ...names);
  return i >= 0 && i < args.length ? args[i] : undefined;
}

/** `&x` → `x` (normalised), else null. */
export function addressOf(norm: string): string | null {
  return norm.startsWith('&') && !norm.startsWith('&&') ? stripOuterParens(norm.slice(1)) : null;
}

/** The last name of a handle expression: `rx->buf[i].dma + off` → dma, `sg_dma_address(sg)` → sg, `dma_unmap_addr(b, mapping)` → mapping. */
export function handleKey(t: string): string {
  let s = stripOuterParens(t);
  const unmapAddr = /^dma_unmap_addr\(.*,\s*(\w+)\s*\)$/.exec(s);
  if (unmapAddr) return unmapAddr[1];
  const acc = /^(?:sg_dma_address|le64_to_cpu|le32_to_cpu|READ_ONCE|page_pool_get_dma_addr)\((.*)\)$/.exec(s);
  if (acc) s = acc[1];
  s = s.replace(/\s*[+-].*$/, '');
  const parts = s.split(/->|\./).map((x) => x.replace(/\[.*$/, '').replace(/[()&*]/g, '').trim());
  return parts[parts.length - 1] ?? s;
}

/** Calls that sync for the device without naming a handle the file can match (page_pool, XSK). */
const OPAQUE_SYNC_FOR_DEVICE = /^(page_pool_dma_sync\w*|xsk_buff_dma_sync_for_device)$/;
const SYNC_FOR_DEVICE_TEXT = /_for_device\b|page_pool_dma_sync/;

/**
 * What a function syncs for the device: the handle keys (handleKey) and `dir:<constant>` of each
 * dma_sync_*_for_device() call; '*' when a sync cannot be matched to a handle or a direction.
 */
function syncForDeviceKeys(body: Node): string[] {
  const keys = new Set<string>();
  walk(body, (n) => {
    if (n.type !== 'call_expression') return true;
    const name = callName(n) ?? '';
    const e = apiEntry(name);
    if (e?.role === 'sync-for-device' && e.kind !== 'legacy') {
      const args = callArgs(n);
      const h = args[paramIndex(e, ...P.handle, 'sg', 'sgt')];
      if (h) keys.add(handleKey(normText(h)));
      const d = args[paramIndex(e, ...P.dir)];
      const dt = d ? normText(d) : '';
      // a driver that syncs for the device in this direction manages the hand-off itself (handles are often recomputed)
      keys.add(/^DMA_(TO_DEVICE|FROM_DEVICE|BIDIRECTIONAL)$/.test(dt) ? 'dir:' + dt : '*');
    } else if (OPAQUE_SYNC_FOR_DEVICE.test(name)) keys.add('*');
    return true;
  }, LEAVES);
  return [...keys];
}

/** Where a call's value goes, looking through parentheses and casts. */
function resultOf(call: Node): { result: CallFact['result']; lvalue?: Node } {
  let cur: Node = call;
  let p = cur.parent;
  while (p && (p.type === 'parenthesized_expression' || p.type === 'cast_expression')) {
    cur = p;
    p = p.parent;
  }
  if (!p) return { result: 'other' };
  if (p.type === 'expression_statement') return { result: 'ignored' };
  if (p.type === 'assignment_expression' && p.childForFieldName('right')?.id === cur.id) {
    const left = p.childForFieldName('left');
    return left ? { result: 'assigned', lvalue: left } : { result: 'other' };
  }
  if (p.type === 'init_declarator' && p.childForFieldName('value')?.id === cur.id) {
    let d = p.childForFieldName('declarator');
    while (d && d.type !== 'identifier') d = d.childForFieldName('declarator');
    return d ? { result: 'assigned', lvalue: d } : { result: 'other' };
  }
  if (p.type === 'return_statement') return { result: 'returned' };
  if (p.type === 'argument_list') return { result: 'argument' };
  if (p.type === 'if_statement' || p.type === 'while_statement' || p.type === 'unary_expression' || p.type === 'binary_expression' || p.type === 'conditional_expression') return { result: 'condition' };
  return { result: 'other' };
}

/** Collects local declarations of a function body (iterative). */
export function collectLocals(fn: Node): Map<string, LocalDecl> {
  const out = new Map<string, LocalDecl>();
  const body = fn.childForFieldName('body');
  if (!body) return out;
  walk(body, (n) => {
    if (n.type !== 'declaration') return true;
    const isStatic = n.namedChildren.some((c) => !!c && c.type === 'storage_class_specifier' && (c.text === 'static' || c.text === 'extern'));
    for (const d of n.childrenForFieldName('declarator')) {
      if (!d) continue;
      let cur: Node | null = d;
      let init: Node | null = null;
      if (cur.type === 'init_declarator') {
        init = cur.childForFieldName('value');
        cur = cur.childForFieldName('declarator');
      }
      let array = false;
      let pointer = false;
      while (cur && cur.type !== 'identifier') {
        if (cur.type === 'array_declarator') array = true;
        if (cur.type === 'pointer_declarator') pointer = true;
        if (cur.type === 'function_declarator' || cur.type === 'parenthesized_declarator') { cur = null; break; }
        cur = cur.childForFieldName('declarator');
      }
      if (cur) out.set(cur.text, { name: cur.text, array, pointer, isStatic, init, start: d.startIndex });
    }
    return false;
  }, LEAVES);
  return out;
}

function returnsInteger(fn: Node): boolean {
  const t = fn.childForFieldName('type');
  let d = fn.childForFieldName('declarator');
  if (d && d.type === 'pointer_declarator') return false;
  while (d && d.type !== 'function_declarator') {
    if (d.type === 'pointer_declarator') return false;
    d = d.childForFieldName('declarator');
  }
  const tt = t?.text ?? '';
  return /^(int|long|ssize_t|s32|s64|irqreturn_t|signed|int32_t|netdev_tx_t)$/.test(tt.trim()) && tt !== 'netdev_tx_t' && tt !== 'irqreturn_t';
}

const LOOP_TYPES = new Set(['for_statement', 'while_statement', 'do_statement']);

function enclosingLoops(n: Node, body: Node): { start: number; end: number }[] {
  const out: { start: number; end: number }[] = [];
  for (let p = n.parent; p && p.id !== body.id; p = p.parent) {
    if (LOOP_TYPES.has(p.type)) out.push({ start: p.startIndex, end: p.endIndex });
  }
  // iterator macro bodies: a compound statement whose previous sibling is `for_each_x(...)`
  for (let p: Node | null = n; p && p.id !== body.id; p = p.parent) {
    const prev = p.previousNamedSibling;
    if (prev && prev.type === 'expression_statement' && /for_each|foreach/.test(prev.text.slice(0, 60)) && !prev.text.trimEnd().endsWith(';')) {
      out.push({ start: prev.startIndex, end: p.endIndex });
    }
  }
  return out;
}

/** What the file summary needs from one function (depends only on the function's text). */
export interface FnSummary {
  name: string | null;
  /** maps, unmaps, syncs or frees something */
  dma: boolean;
  /** parameter indexes passed to dma_mapping_error() */
  idx: number[];
  /** fields assigned from a platform-internal predicate in this function */
  fields: string[];
  /** syncForDeviceKeys() of the body */
  syncKeys: string[];
  /** the function names a DMA-API entry / the ISA DMA controller API */
  dmaApi: boolean;
  isaDma: boolean;
}

/** The caches summarizeFile() uses when the analysis session hands them in (function text → summary). */
export interface SummaryCaches {
  functions: BoundedCache<FnSummary>;
  helpers: BoundedCache<HelperSummary | null>;
  structs: BoundedCache<StructField[]>;
}

/**
 * Fields assigned from platform-internal predicates (cached "is coherent" flags) in one function:
 * only around the textual matches (the outermost assignment above each match), never a walk.
 * Assignments only occur inside functions, so the file's set is the union over its functions.
 */
function predicateFieldsOf(fn: Node): string[] {
  const text = fn.text;
  const out = new Set<string>();
  const root = fn.tree.rootNode;
  for (const re of [PRED_CALL_RE, PRED_IDENT_RE]) {
    const g = new RegExp(re.source, 'g');
    for (let m = g.exec(text); m; m = g.exec(text)) {
      const at = fn.startIndex + m.index;
      let outer: Node | null = null;
      let n: Node | null = root.descendantForIndex(at, at);
      for (let depth = 0; n && depth < 200 && n.type !== 'function_definition' && n.type !== 'translation_unit'; depth++, n = n.parent) {
        if (n.type === 'assignment_expression') outer = n;
      }
      if (!outer) continue;
      const l = outer.childForFieldName('left');
      const r = outer.childForFieldName('right');
      if (l && r && l.type === 'field_expression' && isPlatformPredicate(r.text)) {
        const f = l.childForFieldName('field');
        if (f) out.add(f.text);
      }
    }
  }
  return [...out];
}

function summarizeFunction(fn: Node): FnSummary {
  const body = fn.childForFieldName('body');
  const name = functionName(fn);
  const dma = !!body && /dma_(un)?map_|dma_sync_|dma_free_/.test(body.text);
  const idx: number[] = [];
  const fields = predicateFieldsOf(fn);
  const syncKeys = body && SYNC_FOR_DEVICE_TEXT.test(body.text) ? syncForDeviceKeys(body) : [];
  const text = fn.text;
  const dmaApi = mentionsDmaApi(text);
  const isaDma = ISA_DMA_RE.test(text);
  // only helpers that call dma_mapping_error() can check a parameter (text test first: no walk)
  if (!body || !name || !mentionsMappingError(body.text)) return { name, dma, idx, fields, syncKeys, dmaApi, isaDma };
  const params = functionParams(fn);
  walk(body, (n) => {
    if (n.type === 'call_expression' && apiEntry(callName(n))?.role === 'mapping-error') {
      const a = callArgs(n)[1];
      if (a) {
        const i = params.indexOf(normText(stripParensAndCasts(a)));
        if (i >= 0 && !idx.includes(i)) idx.push(i);
      }
    }
  }, LEAVES);
  return { name, dma, idx, fields, syncKeys, dmaApi, isaDma };
}

/** The ISA DMA controller API (set_dma_addr() takes bus addresses by design). */
const ISA_DMA_RE = /\b(set_dma_addr|request_dma|isa_dma_bridge_buggy|claim_dma_lock)\b/;

/**
 * The file-level facts of a file's functions (see FileSummary). `text`, when given, is the document the
 * tree was parsed from: slicing it is much cheaper than `node.text`. With `caches` (the analysis
 * session's), the per-function parts are reused, so an edit re-summarises one function.
 */
export function summarizeFile(root: Node, fns: Node[], text?: string, caches?: SummaryCaches): FileSummary {
  const checksParam = new Map<string, number[]>();
  const predicateFields = new Set<string>();
  const dmaFunctions = new Set<string>();
  const syncForDevice = new Set<string>();
  let usesDmaApi = false;
  let isaDma = false;
  for (const fn of fns) {
    const key = text !== undefined ? text.slice(fn.startIndex, fn.endIndex) : fn.text;
    let fs = caches?.functions.get(key);
    if (!fs) {
      fs = summarizeFunction(fn);
      caches?.functions.set(key, fs, approxBytes(fs));
    }
    if (fs.dma && fs.name) dmaFunctions.add(fs.name);
    if (fs.idx.length && fs.name) checksParam.set(fs.name, fs.idx);
    for (const f of fs.fields) predicateFields.add(f);
    for (const k of fs.syncKeys) syncForDevice.add(k);
    usesDmaApi ||= fs.dmaApi;
    isaDma ||= fs.isaDma;
  }
  let structs: Map<string, StructField[]> | undefined;
  let objects: Map<string, ImageDecl> | undefined;
  let platDefs: Map<string, string> | undefined;
  let devmem: Map<string, DeviceAlloc[]> | undefined;
  let cpuFields: Set<string> | undefined;
  let bounding: Map<string, number[]> | undefined;
  return {
    checksParam, predicateFields, dmaFunctions, helpers: summarizeHelpers(fns, text, caches?.helpers), syncForDevice, usesDmaApi, isaDma,
    structs: () => (structs ??= structDefinitions(root, text ?? root.text, caches?.structs)),
    fileObjects: () => (objects ??= fileScopeObjects(root)),
    platformDefines: () => (platDefs ??= platformDefines(text ?? root.text)),
    deviceMemory: () => (devmem ??= deviceAllocations(fns, text ?? root.text)),
    cpuWrittenFields: () => (cpuFields ??= cpuWrittenFields(text ?? root.text)),
    boundingHelpers: () => (bounding ??= boundingHelpers(fns, text ?? root.text)),
  };
}

/**
 * The part of the file summary every function's results depend on, whatever the rule: the same-file
 * helpers that check a handle (checksParam), that map/unmap/sync (dmaFunctions), and their effects
 * (helpers) — read by the ownership analysis and the failure tests. Only entries named in the
 * function's text take part. Facts a single rule reads are that rule's `factsKey`.
 */
export function sharedFactsKey(s: FileSummary, fnText: string): string {
  const has = (name: string): boolean => fnText.includes(name);
  const checks = [...s.checksParam.entries()].filter(([k]) => has(k)).map(([k, v]) => `${k}:${v.join(',')}`).sort().join(';');
  const dma = [...s.dmaFunctions].filter(has).sort().join(',');
  const helpers = s.helpers ? helpersKey(new Map([...s.helpers].filter(([k]) => has(k)))) : '';
  return `${checks}|${dma}|${helpers}`;
}

/** Platform-internal predicates of dma-model.md §2.7 (things a driver must not key syncs on). */
export const PLATFORM_PREDICATE_CALLS = [
  'get_dma_ops', 'dma_is_direct', 'dev_is_dma_coherent', 'dma_dev_need_sync', 'is_swiotlb_active', 'is_swiotlb_force_bounce',
  'swiotlb_nr_tbl', 'swiotlb_max_segment', 'iommu_present', 'device_iommu_mapped', 'iommu_get_domain_for_dev',
  'cc_platform_has', 'mem_encrypt_active', 'sme_active', 'xen_domain', 'xen_pv_domain', 'xen_hvm_domain', 'hypervisor_is_type',
];
const PRED_CALL_RE = new RegExp(`\\b(?:${PLATFORM_PREDICATE_CALLS.join('|')}|dma_direct_\\w+)\\s*\\(`);
const PRED_IDENT_RE = new RegExp(`\\bintel_iommu_enabled\\b|(?:->|\\.)\\s*(?:dma_ops|dma_coherent|dma_skip_sync)\\b|\\b(?:IS_ENABLED|IS_BUILTIN|IS_REACHABLE)\\s*\\(\\s*${PLATFORM_CONFIG_SOURCE}\\s*\\)|\\bdefined\\s*\\(?\\s*${PLATFORM_CONFIG_SOURCE}`);

export function isPlatformPredicate(text: string): string | null {
  const m = PRED_CALL_RE.exec(text) ?? PRED_IDENT_RE.exec(text);
  return m ? m[0].replace(/\s*\($/, '()').replace(/\s+/g, '') : null;
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

/** Identifier-boundary occurrence test of a normalised expression inside a normalised text. */
export function mentions(haystackNorm: string, needle: string): boolean {
  if (!needle) return false;
  let i = haystackNorm.indexOf(needle);
  while (i >= 0) {
    const before = i > 0 ? haystackNorm[i - 1] : '';
    const after = haystackNorm[i + needle.length] ?? '';
    const okBefore = !before || !/[\w.>]/.test(before) || (before === '>' && haystackNorm[i - 2] !== '-');
    const okAfter = !after || !/[\w\[]/.test(after) && !(after === '-' && haystackNorm[i + needle.length + 1] === '>') && after !== '.';
    if (okBefore && okAfter) return true;
    i = haystackNorm.indexOf(needle, i + 1);
  }
  return false;
}

/** Functions that only read a value (printing, byte-order, splitting); passing a handle to them is not an escape. */
const NON_ESCAPING = /^(cpu_to_(le|be)(16|32|64)|lower_32_bits|upper_32_bits|pr_\w+|dev_(err|warn|info|dbg|notice|err_ratelimited|warn_ratelimited|dbg_ratelimited)|netdev_(err|warn|info|dbg)|printk|trace_\w+|WARN\w*|BUG_ON|unlikely|likely|IS_ERR|PTR_ERR|sizeof|dma_unmap_addr|dma_unmap_len)$/;

/** Where a DMA object's handle or CPU pointer leaves the function's local bookkeeping. */
function findEscapes(ctx: FunctionContext, o: DmaObject): DmaObject['escapes'] {
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

/** The smallest statement node around a syntax node (for edits that insert lines). */
export function enclosingStatement(n: Node): Node | null {
  for (let p: Node | null = n; p; p = p.parent) {
    if (p.parent && (p.parent.type === 'compound_statement' || p.parent.type === 'case_statement' || p.parent.type === 'labeled_statement')) return p;
    if (p.type.endsWith('_statement') && p.type !== 'compound_statement' && p.type !== 'parenthesized_expression') {
      if (p.parent?.type === 'if_statement' || p.parent?.type === 'else_clause' || p.parent?.type?.endsWith('_statement')) return p;
    }
  }
  return null;
}

export { reach };
