/**
 * The checker's public API: checkTree / checkSource run every enabled rule
 * over a parsed C file and return findings with 1-based positions, honouring
 * the suppression comment `dma-scope: ignore <rule-id>`. Results of function
 * rules are cached per function (keyed by the function's text plus the
 * file-level facts it depends on), so after an edit only the changed functions
 * are analysed again. Rules never throw out of the checker: a failing rule is
 * reported in `errors` and skipped.
 */
import type { Tree } from 'web-tree-sitter';
import type { CParser } from './parser';
import { functionDefinitions, releaseWalks } from './ast';
import { analyzeFunction, summarizeFile, sharedFactsKey, FunctionContext, FunctionFacts, FileSummary, SummaryCaches } from './facts';
import { RULES } from './rules';
import type { RawFinding, Severity, SeveritySetting, Fix, FileContext } from './rules/types';
import { relevantNamesRegExp } from './relevance';
import { entriesForPrefilter } from './api';
import { callsHelper } from './summaries';
import { approxBytes, type BoundedCache } from './boundedCache';
import { liveCode } from './preproc/liveCode';
import { platformContext } from './preproc/platform';
import { withHeaders, headerFactsKey, callsDmaMacro } from './headers/merge';
import type { HeaderFacts, IncludeOptions } from './headers/types';
import { mentionsDeviceMemory } from './deviceMemory';
import { functionRecords, shiftRecords, fileRecords, helperCalls, dmaMemberNames, MAY_CALL_HELPER, HELPER_RESULT_IN_LOCAL, type FileRecords, type FunctionRecords } from './driverIndex/records';
import { functionName } from './ast';
import type { StructField } from './fileScope';

export type { Severity, SeveritySetting, Fix, RawFinding } from './rules/types';
export { RULES, RULE_IDS, ruleById } from './rules';
export type { FunctionFacts, DmaObject, CallFact, Arg } from './facts';

export interface RelatedLocation {
  start: number;
  end: number;
  line: number;
  column: number;
  message: string;
  /** another file of the driver (driver-level rules); absent: the finding's own file */
  file?: string;
}

export interface Finding {
  rule: string;
  severity: Severity;
  message: string;
  start: number;
  end: number;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  related: RelatedLocation[];
  fixes?: Fix[];
}

export interface CheckError {
  rule?: string;
  file?: string;
  message: string;
}

/** Also where the file's headers are looked up (IncludeOptions; kbuild passes `includePaths`/`forcedIncludes`). */
export interface CheckOptions extends IncludeOptions {
  /** only these rules (ids); default: every rule enabled by default */
  rules?: string[];
  /** per-rule severity overrides; 'off' disables */
  severities?: Record<string, SeveritySetting>;
  /** the file's path (used by path-dependent rules and in error reports) */
  file?: string;
  /**
   * Preprocessor macros known from the build (kbuild mode: -D/-U and
   * include/generated/autoconf.h): the value, or null for explicitly undefined.
   * Used by the #if evaluation of the analysis (branch `driver`).
   */
  macros?: Record<string, string | null>;
  /** true when `macros` is the whole configuration: any CONFIG_ option not listed is undefined */
  macrosComplete?: boolean;
  /** also return the file's driver records (src/analysis/driverIndex/records.ts) for the driver index */
  records?: boolean;
  /** the records only, no rule runs and nothing is cached (a driver index reading files that are not open) */
  recordsOnly?: boolean;
}

export interface CheckResult {
  findings: Finding[];
  errors: CheckError[];
  /** with `records`: what the file's functions do to handles held in struct members (plain data) */
  records?: FileRecords;
}

/** The cached results of one function, keyed by its text and the file-level facts its rules read. */
export interface CachedFunction {
  start: number;
  findings: RawFinding[];
  errors: CheckError[];
  /**
   * Related locations outside the function (the allocation in probe, a helper), by finding and related
   * index: their text and which occurrence of that text in the file they were, so a cached result finds
   * them again wherever edits elsewhere moved them.
   */
  anchors?: { finding: number; related: number; text: string; nth: number }[];
  /** the function's driver records (offsets as at `start`) and the struct layouts they were keyed with */
  records?: FunctionRecords;
  recordsKey?: string;
}

/**
 * The struct layouts a function's member keys can depend on: the structs its text names and, three hops
 * deep, the structs their members name (a cached function's records are recomputed when these change).
 */
function structsKeyFor(fnText: string, structs: Map<string, StructField[]>): string {
  if (!structs.size) return '';
  let frontier = new Set<string>();
  for (const tag of structs.keys()) if (fnText.includes(tag)) frontier.add(tag);
  const seen = new Set<string>();
  for (let depth = 0; depth < 3 && frontier.size; depth++) {
    const next = new Set<string>();
    for (const t of frontier) {
      seen.add(t);
      for (const f of structs.get(t) ?? []) if (f.tag && !seen.has(f.tag) && structs.has(f.tag)) next.add(f.tag);
    }
    frontier = next;
  }
  return [...seen].sort().map((t) => `${t}{${(structs.get(t) ?? []).map((f) => `${f.name}:${f.tag ?? ''}`).join(',')}}`).join('');
}

/** Which occurrence of `needle` (0-based) starts at `at` in `text`. */
function occurrenceIndex(text: string, needle: string, at: number): number {
  let n = 0;
  for (let i = text.indexOf(needle); i >= 0 && i < at; i = text.indexOf(needle, i + 1)) n++;
  return n;
}

/** Where the `nth` occurrence of `needle` starts in `text`, or -1. */
function nthOccurrence(text: string, needle: string, nth: number): number {
  let i = text.indexOf(needle);
  for (let n = 0; i >= 0 && n < nth; n++) i = text.indexOf(needle, i + 1);
  return i;
}

/** The anchors of a function's findings: related locations outside [start, end). */
function anchorsOf(found: RawFinding[], text: string, start: number, end: number): CachedFunction['anchors'] {
  const out: NonNullable<CachedFunction['anchors']> = [];
  found.forEach((f, fi) => f.related?.forEach((r, ri) => {
    if (r.start >= start && r.end <= end) return;
    const t = text.slice(r.start, r.end);
    if (t) out.push({ finding: fi, related: ri, text: t, nth: occurrenceIndex(text, t, r.start) });
  }));
  return out.length ? out : undefined;
}

/**
 * A cached function's findings in the current text: moved with the function, and their related
 * locations outside it found again by their anchors; undefined when an anchor is gone (analyse anew).
 */
function fromCache(hit: CachedFunction, text: string, fnStart: number, fnEnd: number): RawFinding[] | undefined {
  const d = fnStart - hit.start;
  const out = hit.findings.map((f) => shift(f, d, hit.start, hit.start + (fnEnd - fnStart)));
  for (const a of hit.anchors ?? []) {
    const at = nthOccurrence(text, a.text, a.nth);
    if (at < 0) return undefined;
    const f = out[a.finding];
    const related = [...(f.related ?? [])];
    related[a.related] = { ...related[a.related], start: at, end: at + a.text.length };
    out[a.finding] = { ...f, related };
  }
  return out;
}

/** How many functions the last check analysed, served from the cache, or skipped by the prefilter. */
export interface RunStats {
  analysed: number;
  cached: number;
  skipped: number;
}

/**
 * What checkTree() keeps between calls: the per-function result cache and the summary caches. An
 * AnalysisSession (src/analysis/session.ts) owns one; without it checkTree() caches nothing.
 */
export interface CheckState {
  results: BoundedCache<CachedFunction>;
  summaries: SummaryCaches;
  stats: RunStats;
}

/**
 * Cheap text prefilter: false when the text names no DMA-API call, legacy wrapper or internal header,
 * so no rule can fire (the CLI skips parsing). Built once at import from the constant catalogue.
 */
const MAY_HAVE_FINDINGS_RE = new RegExp(`\\b(?:${entriesForPrefilter().join('|')})\\b|dma-map-ops\\.h|dma-direct\\.h|\\bsg_init_one\\b|\\bsg_set_buf\\b`);

export function mayHaveFindings(text: string): boolean {
  return MAY_HAVE_FINDINGS_RE.test(text);
}

/** A function is analysed when it names a DMA-API entry, or matches a rule's own `alsoAnalyse` (one scan for both). */
const FUNCTION_PREFILTER = new RegExp([relevantNamesRegExp().source, ...RULES.flatMap((r) => (r.alsoAnalyse ? [r.alsoAnalyse.source] : []))].join('|'));

/**
 * The cache key of a function's results besides its text: the shared file-level facts the analysis
 * reads (facts.ts) and what each rule declares it reads (Rule.factsKey). Only entries named in the
 * function's text take part, so an edit elsewhere in the file leaves this function's entry valid.
 */
function summaryKey(s: FileSummary, fnText: string, file?: string): string {
  let key = sharedFactsKey(s, fnText);
  for (const r of RULES) if (r.factsKey) key += `|${r.id}:${r.factsKey(s, fnText, file)}`;
  return key + '|' + headerFactsKey(s, fnText);
}

/**
 * A cached function's findings moved by `d` (the function now starts `d` later). Ranges inside the
 * function move with it; a related location elsewhere in the file (a helper, the allocation in probe)
 * is found again by its anchor (fromCache).
 */
function shift(f: RawFinding, d: number, fnStart: number, fnEnd: number): RawFinding {
  if (!d) return f;
  const move = <T extends { start: number; end: number }>(r: T): T => (r.start >= fnStart && r.end <= fnEnd ? { ...r, start: r.start + d, end: r.end + d } : r);
  return {
    ...f,
    start: f.start + d,
    end: f.end + d,
    related: f.related?.map(move),
    fixes: f.fixes?.map((x) => ({ ...x, edits: x.edits.map(move) })),
  };
}

function errMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Runs every function rule (or only those reading device memory) on one function (uncached). */
function runFunctionRules(ctx: FunctionContext, errors: CheckError[], file?: string, deviceOnly = false): RawFinding[] {
  const out: RawFinding[] = [];
  // a fix that edits inside a wrapper-macro call would rewrite the macro's arguments as if they were the DMA call's
  const macroCalls = ctx.facts.calls.filter((c) => c.via);
  const inMacro = (f: Fix): boolean => f.edits.some((e) => macroCalls.some((c) => e.start < c.end && e.end > c.start));
  for (const r of RULES) {
    if (!r.checkFunction || (deviceOnly && !r.readsDeviceMemory)) continue;
    try {
      r.checkFunction(ctx, (f) => out.push({ ...f, rule: f.rule ?? r.id, ...(macroCalls.length && f.fixes ? { fixes: f.fixes.filter((x) => !inMacro(x)) } : {}) }));
    } catch (e) {
      errors.push({ rule: r.id, file, message: `rule ${r.id} failed in ${ctx.facts.name}(): ${errMessage(e)}` });
    }
  }
  return out;
}

/** Line-start table for offset → line/column. */
class Lines {
  private readonly starts: number[] = [0];
  constructor(readonly text: string) {
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) this.starts.push(i + 1);
  }
  pos(off: number): { line: number; column: number } {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= off) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: off - this.starts[lo] + 1 };
  }
  lineText(line: number): string {
    const s = this.starts[line - 1];
    if (s === undefined) return '';
    const e = line < this.starts.length ? this.starts[line] - 1 : this.text.length;
    return this.text.slice(s, e);
  }
}

const SUPPRESS_RE = /dma-scope:\s*ignore\s+([\w\-,\s]+?)(?:\*\/|$)/;

function suppressed(lines: Lines, line: number, rule: string): boolean {
  for (const l of [line, line - 1]) {
    if (l < 1) continue;
    const m = SUPPRESS_RE.exec(lines.lineText(l));
    if (m && m[1].split(/[\s,]+/).some((x) => x === rule || x === 'all')) return true;
  }
  return false;
}

/** Computes facts for every function of a tree (no rules), e.g. for hover or the dmesg explainer. */
export function functionFacts(tree: Tree, text: string, file?: string, caches?: SummaryCaches, headers?: readonly HeaderFacts[]): FunctionFacts[] {
  try {
    return allFunctionFacts(tree, text, file, caches, headers);
  } finally {
    releaseWalks(tree);
  }
}

function allFunctionFacts(tree: Tree, text: string, file?: string, caches?: SummaryCaches, headers?: readonly HeaderFacts[]): FunctionFacts[] {
  const fns = functionDefinitions(tree);
  const summary = withHeaders(summarizeFile(tree.rootNode, fns, text, caches), text, headers);
  const out: FunctionFacts[] = [];
  for (const fn of fns) {
    try {
      const ctx = analyzeFunction(fn, text, summary, file);
      if (ctx) out.push(ctx.facts);
    } catch {
      // facts are best effort
    }
  }
  return out;
}

/** The facts of the function containing an offset. */
export function factsAt(tree: Tree, text: string, offset: number, file?: string, caches?: SummaryCaches, headers?: readonly HeaderFacts[]): FunctionFacts | undefined {
  return functionFacts(tree, text, file, caches, headers).find((f) => f.start <= offset && offset <= f.end);
}

/**
 * Runs every rule over a parsed file. With `state` (an AnalysisSession's), function results and
 * summaries are cached and `state.stats` counts the work; without it nothing is kept. `headers`: the
 * facts of the file's headers (the session collects them), added to the file summary.
 */
export function checkTree(tree: Tree, text: string, opts: CheckOptions = {}, state?: CheckState, headers?: readonly HeaderFacts[]): CheckResult {
  try {
    return checkLiveTree(tree, text, opts, state, headers);
  } finally {
    releaseWalks(tree);
  }
}

function checkLiveTree(tree: Tree, text: string, opts: CheckOptions, state?: CheckState, headers?: readonly HeaderFacts[]): CheckResult {
  // `#if` arms that cannot be compiled are dead for every rule (preproc/conditionals.ts)
  const live = (opts as { liveDone?: boolean }).liveDone ? null : liveCode(tree, text, opts);
  if (live) try { return checkTree(live.tree, live.text, { ...opts, liveDone: true } as CheckOptions, state, headers); } finally { live.tree.delete(); }
  const errors: CheckError[] = [];
  const raw: RawFinding[] = [];
  const file = opts.file;
  const stats: RunStats = { analysed: 0, cached: 0, skipped: 0 };
  if (state) state.stats = stats;
  let fns: ReturnType<typeof functionDefinitions> = [];
  let summary: FileSummary = { checksParam: new Map(), predicateFields: new Set(), dmaFunctions: new Set() };
  try {
    fns = functionDefinitions(tree);
    summary = withHeaders(summarizeFile(tree.rootNode, fns, text, state?.summaries), text, headers);
  } catch (e) {
    errors.push({ file, message: `analysis failed: ${errMessage(e)}` });
  }
  const contexts: FunctionContext[] = [];
  const wantRecords = !!opts.records || !!opts.recordsOnly;
  const recordParts: FunctionRecords[] = [];
  let structs: Map<string, StructField[]> | undefined;
  const structsOf = (): Map<string, StructField[]> => (structs ??= summary.structs?.() ?? new Map());
  let dmaMembers: Set<string> | undefined;
  const membersOf = (): Set<string> => (dmaMembers ??= dmaMemberNames(text));
  /** a function's records, never throwing (records are best effort: a failure leaves them out) */
  const recordsOf = (ctx: FunctionContext): FunctionRecords | undefined => {
    try {
      return functionRecords(ctx, structsOf(), membersOf());
    } catch (e) {
      errors.push({ file, message: `driver records of ${ctx.facts.name}() failed: ${errMessage(e)}` });
      return undefined;
    }
  };
  // a results cache with no budget (batch checking: files rarely share a function) is not asked, so no key is built
  const results = state && state.results.maxBytes > 0 ? state.results : undefined;
  for (const fn of fns) {
    const fnText = text.slice(fn.startIndex, fn.endIndex);
    // a function that names no DMA-API entry (nor a same-file DMA helper) cannot produce a finding: no walk, no CFG
    // a function that only reads the file's device memory (a poll routine naming no DMA-API entry) runs the device-data rules only
    const deviceOnly = !FUNCTION_PREFILTER.test(fnText) && !callsHelper(fnText, summary) && !callsDmaMacro(fnText, summary);
    if (deviceOnly && !mentionsDeviceMemory(fnText, summary)) {
      stats.skipped++;
      // it may still store what a helper of another file maps, or pass a member's handle to one that unmaps
      if (wantRecords && MAY_CALL_HELPER.test(fnText)) {
        try {
          // a helper's handle kept in a local needs the function's paths (a leak); the rest is read from the text
          const ctx = HELPER_RESULT_IN_LOCAL.test(fnText) ? analyzeFunction(fn, text, summary, file) : null;
          const calls = ctx ? functionRecords(ctx, structsOf(), membersOf()).calls : helperCalls(fn, text, structsOf(), undefined, undefined, undefined, membersOf());
          if (calls.length) recordParts.push({ members: [], helpers: [], calls });
        } catch (e) {
          errors.push({ file, message: `driver records failed: ${errMessage(e)}` });
        }
      }
      continue;
    }
    const key = results ? fnText + '\u0000' + summaryKey(summary, fnText, file) + platformContext(fn) : '';
    const hit = opts.recordsOnly ? undefined : results?.get(key);
    const cached = hit && fromCache(hit, text, fn.startIndex, fn.endIndex);
    if (hit && cached) {
      stats.cached++;
      raw.push(...cached);
      errors.push(...hit.errors);
      if (wantRecords && !deviceOnly) {
        const rk = structsKeyFor(fnText, structsOf());
        if (hit.records && hit.recordsKey === rk) recordParts.push(shiftRecords(hit.records, fn.startIndex - hit.start));
        else {
          try {
            const ctx = analyzeFunction(fn, text, summary, file);
            const r = ctx && recordsOf(ctx);
            if (r) {
              recordParts.push(r);
              hit.records = shiftRecords(r, hit.start - fn.startIndex);
              hit.recordsKey = rk;
            }
          } catch {
            // records are best effort; the function's findings came from the cache
          }
        }
      }
      continue;
    }
    stats.analysed++;
    const ferrs: CheckError[] = [];
    let found: RawFinding[] = [];
    let recs: FunctionRecords | undefined;
    try {
      const ctx = analyzeFunction(fn, text, summary, file);
      if (ctx) {
        if (!deviceOnly) contexts.push(ctx);
        if (!opts.recordsOnly) found = runFunctionRules(ctx, ferrs, file, deviceOnly);
        if (wantRecords && !deviceOnly) recs = recordsOf(ctx);
        if (recs) recordParts.push(recs);
      }
    } catch (e) {
      ferrs.push({ file, message: `analysis of a function failed: ${errMessage(e)}` });
    }
    raw.push(...found);
    errors.push(...ferrs);
    if (results && !opts.recordsOnly) {
      const anchors = anchorsOf(found, text, fn.startIndex, fn.endIndex);
      const withRecords = recs ? { records: recs, recordsKey: structsKeyFor(fnText, structsOf()) } : {};
      results.set(key, { start: fn.startIndex, findings: found, errors: ferrs, ...(anchors ? { anchors } : {}), ...withRecords }, approxBytes(found) + approxBytes(ferrs) + approxBytes(anchors ?? []) + (recs ? approxBytes(recs) : 0));
    }
  }
  const fctx: FileContext = { tree, root: tree.rootNode, text, file, functions: contexts, summary };
  for (const r of RULES) {
    if (!r.checkFile || opts.recordsOnly) continue;
    try {
      r.checkFile(fctx, (f) => raw.push({ ...f, rule: f.rule ?? r.id }));
    } catch (e) {
      errors.push({ rule: r.id, file, message: `rule ${r.id} failed: ${errMessage(e)}` });
    }
  }
  const records = wantRecords ? fileRecords(file ?? '', text, fns.map((f) => functionName(f)).filter((n): n is string => !!n), recordParts) : undefined;
  return { findings: finish(raw, text, opts), errors, ...(records ? { records } : {}) };
}

function finish(raw: RawFinding[], text: string, opts: CheckOptions): Finding[] {
  const only = opts.rules ? new Set(opts.rules) : null;
  const sev = opts.severities ?? {};
  const lines = new Lines(text);
  const out: Finding[] = [];
  const seen = new Set<string>();
  for (const f of raw) {
    const rule = RULES.find((r) => r.id === f.rule);
    if (!rule) continue;
    const setting = sev[f.rule];
    if (setting === 'off') continue;
    if (only ? !only.has(f.rule) : rule.enabledByDefault === false && !setting) continue;
    const s = lines.pos(f.start);
    if (suppressed(lines, s.line, f.rule)) continue;
    const k = `${f.rule}:${f.start}:${f.end}`;
    if (seen.has(k)) continue;
    seen.add(k);
    const e = lines.pos(f.end);
    out.push({
      rule: f.rule,
      severity: setting ? (setting as Severity) : f.severity ?? rule.severity,
      message: f.message,
      start: f.start,
      end: f.end,
      line: s.line,
      column: s.column,
      endLine: e.line,
      endColumn: e.column,
      related: (f.related ?? []).map((r) => ({ ...r, ...lines.pos(r.start) })),
      ...(f.fixes && f.fixes.length ? { fixes: f.fixes } : {}),
    });
  }
  out.sort((a, b) => a.start - b.start || a.rule.localeCompare(b.rule));
  return out;
}

/** Parses, checks and deletes the tree. Parse failures are reported in `errors`. */
export function checkSource(parser: CParser, text: string, opts: CheckOptions = {}, state?: CheckState, headers?: readonly HeaderFacts[]): CheckResult {
  let tree: Tree;
  try {
    tree = parser.parse(text);
  } catch (e) {
    return { findings: [], errors: [{ file: opts.file, message: errMessage(e) }] };
  }
  try {
    return checkTree(tree, text, opts, state, headers);
  } finally {
    tree.delete();
  }
}

/** Applies a fix's edits to a text (edits must not overlap). */
export function applyFix(text: string, fix: Fix): string {
  const edits = [...fix.edits].sort((a, b) => b.start - a.start);
  let out = text;
  for (const e of edits) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return out;
}

/** The edits that suppress a rule on the finding's line (a comment on the line above). */
export function suppressionFix(text: string, finding: Pick<Finding, 'rule' | 'start'>): Fix {
  const ls = text.lastIndexOf('\n', finding.start - 1) + 1;
  const indent = /^[ \t]*/.exec(text.slice(ls))![0];
  return { title: `Suppress ${finding.rule} on this line`, edits: [{ start: ls, end: ls, text: `${indent}/* dma-scope: ignore ${finding.rule} */\n` }] };
}
