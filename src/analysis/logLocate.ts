/**
 * Maps the frames of a dma-debug report (kernelLog.ts) to source: the
 * function each frame names, found by name in the syntax trees of the given C
 * files (files of the frame's module preferred), and inside the function the
 * DMA call that tripped the check, when it can be picked. Pure: file texts come
 * in, locations go out.
 */
import type { Node, Tree } from 'web-tree-sitter';
import type { CParser } from './parser';
import { callArgs, callName, descendantsOfType, functionDefinitions, functionName, normText } from './ast';
import { CHECKS, Frame, KernelLogReport, baseFunctionName, isGenericFrame } from './kernelLog';
import { RULE_IDS, checkTree } from './checker';

export interface SourceText {
  /** path as the caller wants it shown (relative or absolute) */
  path: string;
  text: string;
}

/** A static finding of our checker, reduced to what the locator needs. */
export interface FindingLike {
  rule: string;
  /** 1-based */
  line: number;
  /** 1-based */
  column?: number;
  message?: string;
}

export type FindingsFn = (file: SourceText, tree: Tree) => readonly FindingLike[];

/** Findings of our static checker (every rule, whatever the user's settings), for picking the call a report is about. */
export const checkerFindings: FindingsFn = (file, tree) =>
  checkTree(tree, file.text, { file: file.path, rules: [...RULE_IDS] }).findings.map((f) => ({ rule: f.rule, line: f.line, column: f.column, message: f.message }));

export interface LocateOptions {
  /** static findings per file (the checker's checkTree); used to pick the exact call */
  findings?: FindingsFn;
  /** how many caller frames (after the one that made the DMA call) to resolve; default 3 */
  maxCallers?: number;
}

export type LocationRole = 'trigger' | 'caller' | 'mapped-at';
/** How the line was chosen: a checker finding, the report's fields (size/direction/count), a comparison with the map call, the first call of the family, a call site of the inner frame, or only the function. */
export type LocationHow = 'finding' | 'fields' | 'compare' | 'family' | 'call-site' | 'definition';

export interface SourceLocation {
  file: string;
  /** 1-based */
  line: number;
  /** 1-based */
  column: number;
  function: string;
  role: LocationRole;
  how: LocationHow;
  /** the call at that line (a DMA call, or the inner frame's function) */
  call?: string;
  /** index of the frame in report.frames (or report.mappedAt for 'mapped-at') */
  frame: number;
  /** the static checker's findings on this line (when LocateOptions.findings is given) */
  findings?: FindingLike[];
}

// ---------------------------------------------------------------------------
// DMA call families and argument positions

type Kind = 'single' | 'scatter-gather' | 'coherent' | 'resource' | 'noncoherent';

interface CallShape {
  op: 'map' | 'unmap' | 'sync';
  kind: Kind;
  size?: number;
  dir?: number;
  nents?: number;
  /** sync: which way */
  to?: 'cpu' | 'device';
}

function shape(name: string): CallShape | null {
  let m: RegExpExecArray | null;
  if ((m = /^dma_map_(single|page)(_attrs)?$/.exec(name))) return { op: 'map', kind: 'single', size: m[1] === 'page' ? 3 : 2, dir: m[1] === 'page' ? 4 : 3 };
  if (name === 'skb_frag_dma_map') return { op: 'map', kind: 'single', size: 3, dir: 4 };
  if (/^dma_map_sg(_attrs)?$/.test(name)) return { op: 'map', kind: 'scatter-gather', nents: 2, dir: 3 };
  if (name === 'dma_map_sgtable') return { op: 'map', kind: 'scatter-gather', dir: 2 };
  if (name === 'dma_map_resource') return { op: 'map', kind: 'resource', size: 2, dir: 3 };
  if (/^(dma_alloc_(coherent|attrs|wc)|dmam_alloc_(coherent|attrs))$/.test(name)) return { op: 'map', kind: 'coherent', size: 1 };
  if (/^dma_alloc_(pages|noncoherent)$/.test(name)) return { op: 'map', kind: 'noncoherent', size: 1, dir: 3 };
  if (name === 'dma_alloc_noncontiguous') return { op: 'map', kind: 'scatter-gather', size: 1, dir: 2 };
  if ((m = /^dma_unmap_(single|page)(_attrs)?$/.exec(name))) return { op: 'unmap', kind: 'single', size: 2, dir: 3 };
  if (/^dma_unmap_sg(_attrs)?$/.test(name)) return { op: 'unmap', kind: 'scatter-gather', nents: 2, dir: 3 };
  if (name === 'dma_unmap_sgtable') return { op: 'unmap', kind: 'scatter-gather', dir: 2 };
  if (name === 'dma_unmap_resource') return { op: 'unmap', kind: 'resource', size: 2, dir: 3 };
  if (/^(dma_free_(coherent|attrs|wc)|dmam_free_coherent)$/.test(name)) return { op: 'unmap', kind: 'coherent', size: 1 };
  if (/^dma_free_(pages|noncoherent)$/.test(name)) return { op: 'unmap', kind: 'noncoherent', size: 1, dir: 4 };
  if (name === 'dma_free_noncontiguous') return { op: 'unmap', kind: 'scatter-gather', size: 1, dir: 3 };
  if ((m = /^dma_sync_single_for_(cpu|device)$/.exec(name))) return { op: 'sync', kind: 'single', size: 2, dir: 3, to: m[1] as 'cpu' | 'device' };
  if ((m = /^dma_sync_single_range_for_(cpu|device)$/.exec(name))) return { op: 'sync', kind: 'single', size: 3, dir: 4, to: m[1] as 'cpu' | 'device' };
  if ((m = /^dma_sync_sg_for_(cpu|device)$/.exec(name))) return { op: 'sync', kind: 'scatter-gather', nents: 2, dir: 3, to: m[1] as 'cpu' | 'device' };
  if ((m = /^dma_sync_sgtable_for_(cpu|device)$/.exec(name))) return { op: 'sync', kind: 'scatter-gather', dir: 2, to: m[1] as 'cpu' | 'device' };
  return null;
}

interface DmaCall {
  node: Node;
  name: string;
  shape: CallShape;
}

function dmaCalls(fn: Node): DmaCall[] {
  const out: DmaCall[] = [];
  for (const c of descendantsOfType(fn, 'call_expression')) {
    const name = callName(c);
    const s = name ? shape(name) : null;
    if (name && s) out.push({ node: c, name, shape: s });
  }
  return out;
}

function arg(call: DmaCall, idx: number | undefined): Node | undefined {
  return idx === undefined ? undefined : callArgs(call.node)[idx];
}

// ---------------------------------------------------------------------------
// Constant folding for size/count arguments (literals, #defines, SZ_*)

type Defines = Map<string, string>;

function collectDefines(files: readonly SourceText[]): Defines {
  const out: Defines = new Map();
  const re = /^[ \t]*#[ \t]*define[ \t]+([A-Za-z_]\w*)[ \t]+([^\n]*?)[ \t]*(?:\/\*[^\n]*|\/\/[^\n]*)?$/gm;
  for (const f of files) {
    if (!/\.[ch]$/i.test(f.path)) continue;
    let m: RegExpExecArray | null;
    while ((m = re.exec(f.text))) if (!out.has(m[1]) && !m[2].endsWith('\\')) out.set(m[1], m[2]);
  }
  return out;
}

/** Folds a small integer expression; undefined when it is not a compile-time constant we can see. */
export function foldConstant(expr: string, defines: ReadonlyMap<string, string>, depth = 0): number | undefined {
  if (depth > 6) return undefined;
  const toks = expr.match(/0[xX][0-9a-fA-F]+[uUlL]*|\d+[uUlL]*|[A-Za-z_]\w*|<<|>>|[-+*/()~]/g);
  if (!toks || toks.join('').length !== expr.replace(/\s+/g, '').length) return undefined;
  let i = 0;
  const peek = (): string | undefined => toks[i];
  const primary = (): number | undefined => {
    const t = toks[i++];
    if (t === undefined) return undefined;
    if (t === '(') {
      const v = shift();
      if (toks[i++] !== ')') return undefined;
      return v;
    }
    if (t === '-') {
      const v = primary();
      return v === undefined ? undefined : -v;
    }
    if (/^\d|^0[xX]/.test(t)) return Number(t.replace(/[uUlL]+$/, ''));
    if (/^[A-Za-z_]/.test(t)) {
      const sz = /^SZ_(\d+)([KMG]?)$/.exec(t);
      if (sz) return Number(sz[1]) * ({ '': 1, K: 1024, M: 1 << 20, G: 1 << 30 } as Record<string, number>)[sz[2]];
      const def = defines.get(t);
      return def === undefined ? undefined : foldConstant(def, defines, depth + 1);
    }
    return undefined;
  };
  const mul = (): number | undefined => {
    let v = primary();
    while (v !== undefined && (peek() === '*' || peek() === '/')) {
      const op = toks[i++];
      const r = primary();
      if (r === undefined || (op === '/' && r === 0)) return undefined;
      v = op === '*' ? v * r : Math.trunc(v / r);
    }
    return v;
  };
  const add = (): number | undefined => {
    let v = mul();
    while (v !== undefined && (peek() === '+' || peek() === '-')) {
      const op = toks[i++];
      const r = mul();
      if (r === undefined) return undefined;
      v = op === '+' ? v + r : v - r;
    }
    return v;
  };
  const shift = (): number | undefined => {
    let v = add();
    while (v !== undefined && (peek() === '<<' || peek() === '>>')) {
      const op = toks[i++];
      const r = add();
      if (r === undefined || r > 52) return undefined;
      v = op === '<<' ? v * 2 ** r : Math.floor(v / 2 ** r);
    }
    return v;
  };
  const v = shift();
  return i === toks.length ? v : undefined;
}

// ---------------------------------------------------------------------------
// Module membership

function dirOf(p: string): string {
  const i = p.replace(/\\/g, '/').lastIndexOf('/');
  return i < 0 ? '' : p.replace(/\\/g, '/').slice(0, i);
}
function baseName(p: string): string {
  const n = p.replace(/\\/g, '/');
  return n.slice(n.lastIndexOf('/') + 1);
}
/** Module names use '_' where file names may use '-'. */
function modName(s: string): string {
  return s.replace(/-/g, '_');
}

/**
 * For every C file in a directory with a Makefile/Kbuild, the modules it is
 * linked into: `obj-$(CONFIG_X) += foo.o` (foo.c is module foo) and
 * `foo-y := a.o b.o` / `foo-objs` / `foo-$(CONFIG_Y) += c.o` (a.c, b.c, c.c are in foo).
 */
function makefileModules(files: readonly SourceText[]): Map<string, Set<string>> {
  const byFile = new Map<string, Set<string>>();
  const add = (file: string, mod: string): void => {
    const set = byFile.get(file) ?? new Set<string>();
    set.add(modName(mod));
    byFile.set(file, set);
  };
  for (const f of files) {
    const b = baseName(f.path);
    if (b !== 'Makefile' && b !== 'Kbuild') continue;
    const dir = dirOf(f.path);
    const text = f.text.replace(/\\\r?\n/g, ' ');
    for (const line of text.split('\n')) {
      const m = /^\s*([\w-]+?)-(?:y|m|objs|\$\([\w]+\))\s*[:+]?=\s*(.*)$/.exec(line);
      const o = /^\s*obj-(?:y|m|\$\([\w]+\))\s*[:+]?=\s*(.*)$/.exec(line);
      if (o) {
        for (const w of o[1].split(/\s+/)) if (/\.o$/.test(w)) add(`${dir}/${w.slice(0, -2)}.c`, baseName(w.slice(0, -2)));
      } else if (m && m[1] !== 'obj' && m[1] !== 'ccflags' && m[1] !== 'subdir') {
        for (const w of m[2].split(/\s+/)) if (/\.o$/.test(w)) add(`${dir}/${w.slice(0, -2)}.c`, m[1]);
      }
    }
  }
  return byFile;
}

// ---------------------------------------------------------------------------
// The locator

interface FnDef {
  file: SourceText;
  node: Node;
  tree: Tree;
}

/**
 * Resolves report frames to source. Parses each file at most once (and only
 * files whose text mentions a wanted function). Call dispose() to free the trees.
 */
export class LogLocator {
  private readonly trees = new Map<string, Tree>();
  private readonly findingsCache = new Map<string, readonly FindingLike[]>();
  private readonly defines: Defines;
  private readonly modules: Map<string, Set<string>>;
  private readonly cSources: SourceText[];

  constructor(private readonly parser: CParser, files: readonly SourceText[], private readonly options: LocateOptions = {}) {
    this.cSources = files.filter((f) => /\.[ch]$/i.test(f.path));
    this.defines = collectDefines(this.cSources);
    this.modules = makefileModules(files);
  }

  private tree(f: SourceText): Tree {
    let t = this.trees.get(f.path);
    if (!t) {
      t = this.parser.parse(f.text);
      this.trees.set(f.path, t);
    }
    return t;
  }

  private findings(def: FnDef): readonly FindingLike[] {
    if (!this.options.findings) return [];
    let r = this.findingsCache.get(def.file.path);
    if (!r) {
      try {
        r = this.options.findings(def.file, def.tree);
      } catch {
        r = [];
      }
      this.findingsCache.set(def.file.path, r);
    }
    return r;
  }

  /** How strongly a file belongs to a module: 3 Makefile, 2 file name, 1 directory name, 0 unknown. */
  moduleScore(path: string, module: string | undefined): number {
    if (!module) return 0;
    const mod = modName(module);
    const norm = path.replace(/\\/g, '/');
    for (const [file, mods] of this.modules) if ((norm === file || norm.endsWith('/' + file) || file.endsWith('/' + norm)) && mods.has(mod)) return 3;
    const stem = modName(baseName(norm).replace(/\.[ch]$/i, ''));
    if (stem === mod || stem === `${mod}_main` || stem === `${mod}_core`) return 2;
    const parts = dirOf(norm).split('/').map(modName);
    if (parts.includes(mod)) return 1;
    return 0;
  }

  /** Definitions of a function, best module match first (C files before headers). */
  definitions(name: string, module?: string): FnDef[] {
    const out: { def: FnDef; score: number }[] = [];
    const needle = new RegExp(`\\b${name.replace(/[$]/g, '\\$')}\\s*\\(`);
    for (const f of this.cSources) {
      if (!f.text.includes(name) || !needle.test(f.text)) continue;
      let tree: Tree;
      try {
        tree = this.tree(f);
      } catch {
        continue;
      }
      for (const fn of functionDefinitions(tree)) {
        if (functionName(fn) !== name) continue;
        const score = this.moduleScore(f.path, module) * 2 + (/\.c$/i.test(f.path) ? 1 : 0);
        out.push({ def: { file: f, node: fn, tree }, score });
      }
    }
    out.sort((a, b) => b.score - a.score);
    return out.map((o) => o.def);
  }

  locate(report: KernelLogReport): SourceLocation[] {
    const out = this.locateFrames(report);
    if (this.options.findings) {
      for (const l of out) {
        const def = this.byPath(l.file);
        if (!def) continue;
        const here = this.findings(def).filter((f) => f.line === l.line);
        if (here.length > 0) l.findings = here.map((f) => ({ ...f }));
      }
    }
    return out;
  }

  /** A parsed file by path, as a FnDef-like handle for the findings cache. */
  private byPath(path: string): FnDef | undefined {
    const file = this.cSources.find((f) => f.path === path);
    const tree = file ? this.trees.get(path) : undefined;
    return file && tree ? { file, node: tree.rootNode, tree } : undefined;
  }

  private locateFrames(report: KernelLogReport): SourceLocation[] {
    const out: SourceLocation[] = [];
    const info = CHECKS[report.check];
    const trace = this.resolveFrames(report.frames);
    const mapped = this.resolveFrames(report.mappedAt);
    const mapSites: DmaCall[] = [];

    // the map call from "Mapped at:" first: the unmap comparison uses it
    if (mapped.length > 0) {
      const first = mapped[0];
      const deep = this.pickCallDeep(report, first.def, 'map', [], report.mappedAt[first.index].module);
      if (deep) {
        mapSites.push(...deep.pick.sameFamily);
        out.push(this.loc(deep.def, deep.pick.node, 'mapped-at', deep.pick.how, first.index, deep.pick.name));
      } else {
        out.push(this.defLoc(first.def, 'mapped-at', first.index));
      }
    }

    const maxCallers = this.options.maxCallers ?? 3;
    let callers = 0;
    for (let k = 0; k < trace.length; k++) {
      const r = trace[k];
      if (k === 0 && info.family !== 'none') {
        const deep = this.pickCallDeep(report, r.def, info.family, mapSites, report.frames[r.index].module);
        if (deep) {
          out.splice(0, 0, this.loc(deep.def, deep.pick.node, 'trigger', deep.pick.how, r.index, deep.pick.name));
          // the DMA call sits in a helper the compiler inlined: also show where the frame's function calls it
          if (deep.via) out.splice(1, 0, this.loc(r.def, deep.via, 'caller', 'call-site', r.index, callName(deep.via) ?? undefined));
          continue;
        }
      }
      if (k > 0 && callers >= maxCallers) break;
      // the call of the next inner frame's function inside this one
      const inner = r.index > 0 ? baseFunctionName(report.frames[r.index - 1].function) : null;
      const site = inner ? this.callSite(r.def.node, inner) : null;
      const role: LocationRole = k === 0 ? 'trigger' : 'caller';
      const l = site ? this.loc(r.def, site, role, 'call-site', r.index, inner ?? undefined) : this.defLoc(r.def, role, r.index);
      if (k === 0) out.splice(0, 0, l);
      else out.push(l);
      if (k > 0) callers++;
    }
    return out;
  }

  /** Frames that name a function of the given sources: reliable ones, or the `? ` ones when no reliable frame resolves. */
  private resolveFrames(frames: readonly Frame[]): { index: number; def: FnDef }[] {
    const pass = (reliable: boolean): { index: number; def: FnDef }[] => {
      const res: { index: number; def: FnDef }[] = [];
      const seen = new Set<string>();
      frames.forEach((f, index) => {
        if (f.unreliable === reliable) return;
        const name = baseFunctionName(f.function);
        if (isGenericFrame(name) || seen.has(name)) return;
        seen.add(name);
        const defs = this.definitions(name, f.module);
        if (defs.length > 0) res.push({ index, def: defs[0] });
      });
      return res;
    };
    const reliable = pass(false);
    return reliable.length > 0 ? reliable : pass(true);
  }

  private callSite(fn: Node, name: string): Node | null {
    for (const c of descendantsOfType(fn, 'call_expression')) if (callName(c) === name) return c;
    return null;
  }

  /**
   * pickCall in `def`, or, when `def` makes no call of the family itself, in the
   * functions it calls (two levels, files of the same module first): a static
   * helper the compiler inlined leaves no frame of its own. `via` is the call in
   * `def` that leads to the helper.
   */
  private pickCallDeep(
    report: KernelLogReport,
    def: FnDef,
    op: 'map' | 'unmap' | 'sync',
    mapSites: readonly DmaCall[],
    module: string | undefined,
  ): { def: FnDef; pick: NonNullable<ReturnType<LogLocator['pickCall']>>; via?: Node } | null {
    const direct = this.pickCall(report, def, op, mapSites);
    if (direct) return { def, pick: direct };
    const seen = new Set<string>([functionName(def.node) ?? '']);
    let level: { def: FnDef; via: Node }[] = [{ def, via: def.node }];
    for (let depth = 0; depth < 2 && level.length > 0; depth++) {
      const next: { def: FnDef; via: Node }[] = [];
      for (const cur of level) {
        for (const c of descendantsOfType(cur.def.node, 'call_expression')) {
          const name = callName(c);
          if (!name || seen.has(name) || isGenericFrame(name) || shape(name) || seen.size > 40) continue;
          seen.add(name);
          const callee = this.definitions(name, module)[0];
          if (!callee) continue;
          const via = depth === 0 ? c : cur.via;
          const pick = this.pickCall(report, callee, op, mapSites);
          if (pick) return { def: callee, pick, via };
          next.push({ def: callee, via });
        }
      }
      level = next;
    }
    return null;
  }

  /**
   * The DMA call inside `def` the report is about, with how it was picked:
   * a checker finding of the matching rule, the report's fields (a size, a
   * direction or an entry count that matches one call), a difference from the
   * map call, or the first call of the family.
   */
  private pickCall(
    report: KernelLogReport,
    def: FnDef,
    op: 'map' | 'unmap' | 'sync',
    mapSites: readonly DmaCall[],
  ): { node: Node; name: string; how: LocationHow; sameFamily: DmaCall[] } | null {
    const f = report.fields;
    const all = dmaCalls(def.node).filter((c) => c.shape.op === op);
    if (all.length === 0) return null;
    // narrow by the kind the log names (the unmap family for wrong-function, the map kind otherwise)
    const kindName = String(op === 'unmap' && report.check === 'unmap-wrong-function' ? f.unmappedAs ?? '' : f.mappedAs ?? '');
    let cands = all;
    const byKind = all.filter((c) => c.shape.kind === kindName);
    if (byKind.length > 0) cands = byKind;
    else if (report.check === 'sg-nents' || report.check === 'sync-sg-nents' || report.check.startsWith('sg-segment')) {
      const sg = all.filter((c) => c.shape.kind === 'scatter-gather');
      if (sg.length > 0) cands = sg;
    } else if (report.check === 'free-cpu-address') {
      const co = all.filter((c) => c.shape.kind === 'coherent' || c.shape.kind === 'noncoherent');
      if (co.length > 0) cands = co;
    }
    if (op === 'sync' && (report.check === 'sync-ro-for-cpu' || report.check === 'sync-wo-for-device')) {
      const to = report.check === 'sync-ro-for-cpu' ? 'cpu' : 'device';
      const w = cands.filter((c) => c.shape.to === to);
      if (w.length > 0) cands = w;
    }
    const done = (c: DmaCall, how: LocationHow) => ({ node: c.node, name: c.name, how, sameFamily: cands });

    // 1. the checker's finding of the matching rule inside this function
    const rule = op === 'map' && report.check === 'map-error-not-checked' ? 'map-error-unchecked' : CHECKS[report.check].rule;
    if (rule && (op === 'map' ? report.check === 'map-error-not-checked' || CHECKS[report.check].family === 'map' : true)) {
      const start = def.node.startPosition.row + 1;
      const end = def.node.endPosition.row + 1;
      const hits = this.findings(def).filter((h) => h.rule === rule && h.line >= start && h.line <= end);
      for (const h of hits) {
        const c = cands.find((c) => c.node.startPosition.row + 1 <= h.line && h.line <= c.node.endPosition.row + 1);
        if (c) return done(c, 'finding');
      }
      if (hits.length > 0) {
        const c = all.find((c) => c.node.startPosition.row + 1 <= hits[0].line && hits[0].line <= c.node.endPosition.row + 1);
        if (c) return done(c, 'finding');
      }
    }

    if (op !== 'map') {
      // 2. the report's fields
      const dirText = (c: DmaCall): string | undefined => arg(c, c.shape.dir)?.text.trim();
      const sizeOf = (c: DmaCall): number | undefined => {
        const a = arg(c, c.shape.size);
        return a ? foldConstant(a.text, this.defines) : undefined;
      };
      const countOf = (c: DmaCall): number | undefined => {
        const a = arg(c, c.shape.nents);
        return a ? foldConstant(a.text, this.defines) : undefined;
      };
      const byField = (pred: (c: DmaCall) => boolean): DmaCall | undefined => {
        const hits = cands.filter(pred);
        return hits.length >= 1 ? hits[0] : undefined;
      };
      let hit: DmaCall | undefined;
      switch (report.check) {
        case 'unmap-size':
          if (typeof f.unmapSize === 'number') hit = byField((c) => sizeOf(c) === f.unmapSize);
          break;
        case 'unmap-dir':
          if (typeof f.unmappedWith === 'string') hit = byField((c) => dirText(c) === f.unmappedWith);
          break;
        case 'sync-dir':
        case 'sync-ro-for-cpu':
        case 'sync-wo-for-device':
          if (typeof f.syncedWith === 'string') hit = byField((c) => dirText(c) === f.syncedWith);
          break;
        case 'sg-nents':
          if (typeof f.unmapCount === 'number') hit = byField((c) => countOf(c) === f.unmapCount);
          break;
        case 'sync-sg-nents':
          if (typeof f.syncCount === 'number') hit = byField((c) => countOf(c) === f.syncCount);
          break;
        case 'free-not-allocated':
        case 'sync-not-allocated':
        case 'unmap-wrong-function':
          // the size the release or sync was called with
          if (typeof f.size === 'number') hit = byField((c) => sizeOf(c) === f.size);
          break;
        case 'sync-range':
          if (typeof f.allocationSize === 'number') hit = byField((c) => (sizeOf(c) ?? 0) > (f.allocationSize as number));
          break;
        default:
          break;
      }
      if (hit) return done(hit, 'fields');

      // 3. differs from the map call (the one from "Mapped at:", else the maps in this function)
      const maps = mapSites.length > 0 ? mapSites : dmaCalls(def.node).filter((c) => c.shape.op === 'map');
      if (maps.length > 0) {
        const which: 'size' | 'dir' | 'nents' | null =
          report.check === 'unmap-size' ? 'size' : report.check === 'unmap-dir' || report.check === 'sync-dir' ? 'dir' : report.check === 'sg-nents' || report.check === 'sync-sg-nents' ? 'nents' : null;
        if (which) {
          const text = (c: DmaCall): string | undefined => {
            const a = arg(c, c.shape[which]);
            return a ? normText(a) : undefined;
          };
          const mapTexts = new Set(maps.map(text).filter((t): t is string => !!t));
          if (mapTexts.size > 0) {
            const diff = cands.find((c) => {
              const t = text(c);
              return t !== undefined && !mapTexts.has(t);
            });
            if (diff) return done(diff, 'compare');
          }
        }
      }
    }

    // 4. the first call of the family
    return done(cands[0], 'family');
  }

  private loc(def: FnDef, node: Node, role: LocationRole, how: LocationHow, frame: number, call?: string): SourceLocation {
    return {
      file: def.file.path,
      line: node.startPosition.row + 1,
      column: node.startPosition.column + 1,
      function: functionName(def.node) ?? '',
      role,
      how,
      call,
      frame,
    };
  }

  private defLoc(def: FnDef, role: LocationRole, frame: number): SourceLocation {
    let d = def.node.childForFieldName('declarator');
    while (d && d.type !== 'function_declarator') d = d.childForFieldName('declarator') ?? d.namedChild(0);
    const at = d?.childForFieldName('declarator') ?? def.node;
    return {
      file: def.file.path,
      line: at.startPosition.row + 1,
      column: at.startPosition.column + 1,
      function: functionName(def.node) ?? '',
      role,
      how: 'definition',
      frame,
    };
  }

  dispose(): void {
    for (const t of this.trees.values()) t.delete();
    this.trees.clear();
  }
}

/** Names of every non-generic function the reports' frames mention (to pre-filter files before reading them all). */
export function wantedFunctions(reports: readonly KernelLogReport[]): Set<string> {
  const out = new Set<string>();
  for (const r of reports)
    for (const f of [...r.frames, ...r.mappedAt]) {
      const n = baseFunctionName(f.function);
      if (!isGenericFrame(n)) out.add(n);
    }
  return out;
}

/** Resolves every report; the trees are freed before returning. */
export function locateReports(parser: CParser, files: readonly SourceText[], reports: readonly KernelLogReport[], options: LocateOptions = {}): SourceLocation[][] {
  const loc = new LogLocator(parser, files, options);
  try {
    return reports.map((r) => loc.locate(r));
  } finally {
    loc.dispose();
  }
}
