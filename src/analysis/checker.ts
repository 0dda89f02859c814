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
import { functionDefinitions } from './ast';
import { analyzeFunction, summarizeFile, FunctionContext, FunctionFacts, FileSummary } from './facts';
import { RULES } from './rules';
import type { RawFinding, Severity, SeveritySetting, Fix, FileContext } from './rules/types';
import { imageKey, iomemMembers, structKey } from './fileScope';
import { PHYS_ADDRESS } from './rules/bypass-api';
import { isDmaCoreFile } from './rules/internal-header';
import { relevantNamesRegExp } from './relevance';
import { entriesForPrefilter } from './api';
import { helpersKey, callsHelper } from './summaries';
import { mentionsDeviceMemory, deviceMemoryKey } from './deviceMemory';

export type { Severity, SeveritySetting, Fix, RawFinding } from './rules/types';
export { RULES, RULE_IDS, ruleById } from './rules';
export type { FunctionFacts, DmaObject, CallFact, Arg } from './facts';

export interface RelatedLocation {
  start: number;
  end: number;
  line: number;
  column: number;
  message: string;
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

export interface CheckOptions {
  /** only these rules (ids); default: every rule enabled by default */
  rules?: string[];
  /** per-rule severity overrides; 'off' disables */
  severities?: Record<string, SeveritySetting>;
  /** the file's path (used by path-dependent rules and in error reports) */
  file?: string;
}

export interface CheckResult {
  findings: Finding[];
  errors: CheckError[];
}

interface CacheEntry {
  start: number;
  findings: RawFinding[];
  errors: CheckError[];
}

const CACHE_MAX = 4000;
const cache = new Map<string, CacheEntry>();

let relevantRe: RegExp | undefined;

/**
 * Cheap text prefilter: false when the text names no DMA-API call, legacy
 * wrapper or internal header, so no rule can fire (the CLI skips parsing).
 */
export function mayHaveFindings(text: string): boolean {
  if (!relevantRe) {
    const names = entriesForPrefilter();
    relevantRe = new RegExp(`\\b(?:${names.join('|')})\\b|dma-map-ops\\.h|dma-direct\\.h|\\bsg_init_one\\b|\\bsg_set_buf\\b`);
  }
  return relevantRe.test(text);
}

/** Drops every cached function result (tests, settings changes). */
export function clearCheckCache(): void {
  cache.clear();
}

export function cacheSize(): number {
  return cache.size;
}

/** Statistics of the last checkTree call: how many functions were analysed vs served from cache. */
export const lastRunStats = { analysed: 0, cached: 0, skipped: 0 };

/**
 * The part of the file summary a function's results depend on: only entries
 * whose names occur in the function's text (rules consult the summary for the
 * helpers a function calls and the fields it reads). An edit elsewhere in the
 * file that changes another entry leaves this function's cache entry valid.
 */
let fnPrefilter: RegExp | undefined;

/** A function is analysed when it names a DMA-API entry, or matches a rule's own `alsoAnalyse` (one scan for both). */
function functionPrefilter(): RegExp {
  fnPrefilter ??= new RegExp([relevantNamesRegExp().source, ...RULES.flatMap((r) => (r.alsoAnalyse ? [r.alsoAnalyse.source] : []))].join('|'));
  return fnPrefilter;
}

/** Calls that hand a CPU buffer to the device (map-image's mappedBuffers). */
const MAPS_MEMORY = /\b(dma_map_single\w*|dma_map_page\w*|sg_init_one|sg_set_buf)\b/;

function summaryKey(s: FileSummary, fnText: string, file?: string, fnStart = 0): string {
  const has = (name: string): boolean => fnText.includes(name);
  const a = [...s.checksParam.entries()].filter(([k]) => has(k)).map(([k, v]) => `${k}:${v.join(',')}`).sort().join(';');
  const b = [...s.predicateFields].filter(has).sort().join(',');
  const c = [...s.dmaFunctions].filter(has).sort().join(',');
  const h = s.helpers ? helpersKey(new Map([...s.helpers].filter(([k]) => has(k)))) : '';
  // skip-cpu-sync-misuse asks whether the file syncs a handle for the device anywhere
  const d = s.syncForDevice && has('DMA_ATTR_SKIP_CPU_SYNC') ? [...s.syncForDevice].sort().join(',') : '';
  // cacheline-share reads the layout of the structs a mapping function names
  const e = s.structs && has('dma_map_single') ? [...s.structs()].filter(([k]) => has(k)).map(([k, v]) => `${k}{${structKey(v)}}`).sort().join(';') : '';
  // map-image reads the declarations of the globals a mapping function hands to the device
  const g = s.fileObjects && MAPS_MEMORY.test(fnText) ? [...s.fileObjects()].filter(([k]) => has(k)).map(([k, v]) => `${k}${imageKey(v)}`).sort().join(',') : '';
  // bypass-api: whether the file uses the DMA API or ISA DMA, and which struct members are __iomem
  const p = PHYS_ADDRESS.test(fnText) ? `${s.usesDmaApi ? 'dma' : ''}${s.isaDma ? 'isa' : ''}:${s.structs ? [...iomemMembers(s.structs())].sort().join(',') : ''}` : '';
  // device-data rules: the file's coherent allocations of the members the function reads (related locations are relative)
  const q = deviceMemoryKey(s, fnText, fnStart);
  return `${a}|${b}|${c}|${h}|${d}|${e}|${g}|${p}|${q}|${isDmaCoreFile(file) ? 'core' : 'drv'}`;
}

function shift(f: RawFinding, d: number): RawFinding {
  if (!d) return f;
  return {
    ...f,
    start: f.start + d,
    end: f.end + d,
    related: f.related?.map((r) => ({ ...r, start: r.start + d, end: r.end + d })),
    fixes: f.fixes?.map((x) => ({ ...x, edits: x.edits.map((e) => ({ ...e, start: e.start + d, end: e.end + d })) })),
  };
}

function errMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Runs every function rule (or only those reading device memory) on one function (uncached). */
function runFunctionRules(ctx: FunctionContext, errors: CheckError[], file?: string, deviceOnly = false): RawFinding[] {
  const out: RawFinding[] = [];
  for (const r of RULES) {
    if (!r.checkFunction || (deviceOnly && !r.readsDeviceMemory)) continue;
    try {
      r.checkFunction(ctx, (f) => out.push({ ...f, rule: f.rule ?? r.id }));
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
export function functionFacts(tree: Tree, text: string, file?: string): FunctionFacts[] {
  const fns = functionDefinitions(tree);
  const summary = summarizeFile(tree.rootNode, fns, text);
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
export function factsAt(tree: Tree, text: string, offset: number, file?: string): FunctionFacts | undefined {
  return functionFacts(tree, text, file).find((f) => f.start <= offset && offset <= f.end);
}

export function checkTree(tree: Tree, text: string, opts: CheckOptions = {}): CheckResult {
  const errors: CheckError[] = [];
  const raw: RawFinding[] = [];
  const file = opts.file;
  lastRunStats.analysed = 0;
  lastRunStats.cached = 0;
  lastRunStats.skipped = 0;
  let fns: ReturnType<typeof functionDefinitions> = [];
  let summary: FileSummary = { checksParam: new Map(), predicateFields: new Set(), dmaFunctions: new Set() };
  try {
    fns = functionDefinitions(tree);
    summary = summarizeFile(tree.rootNode, fns, text);
  } catch (e) {
    errors.push({ file, message: `analysis failed: ${errMessage(e)}` });
  }
  const contexts: FunctionContext[] = [];
  for (const fn of fns) {
    const fnText = text.slice(fn.startIndex, fn.endIndex);
    // a function that names no DMA-API entry (nor a same-file DMA helper) cannot produce a finding: no walk, no CFG
    // a function that only reads the file's device memory (a poll routine naming no DMA-API entry) runs the device-data rules only
    const deviceOnly = !functionPrefilter().test(fnText) && !callsHelper(fnText, summary);
    if (deviceOnly && !mentionsDeviceMemory(fnText, summary)) {
      lastRunStats.skipped++;
      continue;
    }
    const key = fnText + '\u0000' + summaryKey(summary, fnText, file, fn.startIndex);
    const hit = cache.get(key);
    if (hit) {
      cache.delete(key);
      cache.set(key, hit);
      lastRunStats.cached++;
      for (const f of hit.findings) raw.push(shift(f, fn.startIndex - hit.start));
      errors.push(...hit.errors);
      continue;
    }
    lastRunStats.analysed++;
    const ferrs: CheckError[] = [];
    let found: RawFinding[] = [];
    try {
      const ctx = analyzeFunction(fn, text, summary, file);
      if (ctx) {
        if (!deviceOnly) contexts.push(ctx);
        found = runFunctionRules(ctx, ferrs, file, deviceOnly);
      }
    } catch (e) {
      ferrs.push({ file, message: `analysis of a function failed: ${errMessage(e)}` });
    }
    raw.push(...found);
    errors.push(...ferrs);
    cache.set(key, { start: fn.startIndex, findings: found, errors: ferrs });
    if (cache.size > CACHE_MAX) cache.delete(cache.keys().next().value as string);
  }
  const fctx: FileContext = { tree, root: tree.rootNode, text, file, functions: contexts, summary };
  for (const r of RULES) {
    if (!r.checkFile) continue;
    try {
      r.checkFile(fctx, (f) => raw.push({ ...f, rule: f.rule ?? r.id }));
    } catch (e) {
      errors.push({ rule: r.id, file, message: `rule ${r.id} failed: ${errMessage(e)}` });
    }
  }
  return { findings: finish(raw, text, opts), errors };
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
export function checkSource(parser: CParser, text: string, opts: CheckOptions = {}): CheckResult {
  let tree: Tree;
  try {
    tree = parser.parse(text);
  } catch (e) {
    return { findings: [], errors: [{ file: opts.file, message: errMessage(e) }] };
  }
  try {
    return checkTree(tree, text, opts);
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

/**
 * The DMA objects of a function whose handle or CPU pointer is the given
 * expression (normalised text, e.g. `dma` or `ring->desc_dma`), for hover on a
 * handle variable: where it was mapped, checked, synced and released.
 */
export function objectsForExpression(facts: FunctionFacts, expr: string): import('./facts').DmaObject[] {
  const e = expr.replace(/\s+/g, '');
  return facts.objects.filter((o) => o.handle?.replace(/\s+/g, '') === e || o.cpu?.replace(/\s+/g, '') === e);
}
