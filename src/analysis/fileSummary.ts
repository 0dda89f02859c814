/**
 * The file summary: what a file's functions tell about each other (same-file helpers that check, map or
 * sync handles, fields cached from platform predicates, device-written memory, macros), computed once
 * per file and cached per function text. Split from facts.ts, which re-exports the names.
 */
import type { Node } from 'web-tree-sitter';
import { walk, callName, callArgs, functionName, functionParams, stripParensAndCasts, normText, recordWalks, LEAVES } from './ast';
import { apiEntry, paramIndex, P } from './api';
import { mentionsDmaApi, mentionsMappingError } from './relevance';
import { summarizeHelpers, helpersKey, HelperSummary } from './summaries';
import { fileScopeObjects, structDefinitions, type ImageDecl, type StructField } from './fileScope';
import { approxBytes, type BoundedCache } from './boundedCache';
import { PLATFORM_CONFIG_SOURCE } from './preproc/platform';
import { platformDefines } from './preproc/conditionals';
import type { DefineLookup, DmaMacro } from './headers/types';
import { functionDeviceAllocations, mergeDeviceAllocations, cpuWrittenFields, functionBounding, mergeBoundingHelpers, type BoundingHelper, type DeviceAlloc } from './deviceMemory';
import { handleKey } from './callFacts';
import { detachStrings } from './detach';

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
  /**
   * Filled when the file's device-memory facts are first asked for (most files never are): the function's
   * device allocations (offsets relative to its start) and whether it bounds a parameter. Facts of the
   * function's text like the rest, so after an edit only the edited function's are computed again.
   */
  deviceAllocs?: DeviceAlloc[];
  bounding?: BoundingHelper | null;
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
  // (a function these walks look at names the DMA API and is analysed too: its walks are recorded once for both)
  const syncKeys = body && SYNC_FOR_DEVICE_TEXT.test(body.text) ? (recordWalks(fn), syncForDeviceKeys(body)) : [];
  const text = fn.text;
  const dmaApi = mentionsDmaApi(text);
  const isaDma = ISA_DMA_RE.test(text);
  // only helpers that call dma_mapping_error() can check a parameter (text test first: no walk)
  if (!body || !name || !mentionsMappingError(body.text)) return { name, dma, idx, fields, syncKeys, dmaApi, isaDma };
  const params = functionParams(fn);
  recordWalks(fn);
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
  const sums: FnSummary[] = [];
  for (const fn of fns) {
    const key = text !== undefined ? text.slice(fn.startIndex, fn.endIndex) : fn.text;
    let fs = caches?.functions.get(key);
    if (!fs) {
      fs = summarizeFunction(fn);
      caches?.functions.set(key, fs, approxBytes(fs));
    }
    sums.push(fs);
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
    // the per-function parts below are filled into the cached summaries: detached like what the cache keeps (./detach.ts)
    deviceMemory: () => (devmem ??= mergeDeviceAllocations(fns.map((fn, i) => ({ at: fn.startIndex, allocs: (sums[i].deviceAllocs ??= detachStrings(functionDeviceAllocations(fn, text ?? root.text))) })))),
    cpuWrittenFields: () => (cpuFields ??= cpuWrittenFields(text ?? root.text)),
    boundingHelpers: () => (bounding ??= mergeBoundingHelpers(fns.map((fn, i) => (sums[i].bounding !== undefined ? sums[i].bounding : (sums[i].bounding = detachStrings(functionBounding(fn, text ?? root.text))))))),
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
