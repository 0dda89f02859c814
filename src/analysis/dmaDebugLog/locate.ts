/**
 * Maps the frames of a dma-debug report (parse.ts) to source: the function each frame names,
 * found by name in the syntax trees of the given C files (files of the frame's module preferred),
 * and inside the function the DMA call that tripped the check, when it can be picked
 * (pickCall.ts). Pure: file texts come in, locations go out.
 */
import type { Node, Tree } from 'web-tree-sitter';
import type { CParser } from '../parser';
import { callName, descendantsOfType, functionDefinitions, functionName } from '../ast';
import { RULE_IDS, checkTree } from '../checker';
import { DmaCall, shape } from './callShapes';
import { CHECKS } from './checks';
import { Defines, collectDefines } from './constants';
import { baseFunctionName, isGenericFrame } from './frames';
import { baseName, dirOf, makefileModules, modName } from './modules';
import { PickedCall, pickCall } from './pickCall';
import type { FindingLike, FindingsFn, Frame, KernelLogReport, LocateOptions, LocationHow, LocationRole, SourceLocation, SourceText } from './types';

/** Findings of our static checker (every rule, whatever the user's settings), for picking the call a report is about. */
export const checkerFindings: FindingsFn = (file, tree) =>
  checkTree(tree, file.text, { file: file.path, rules: [...RULE_IDS] }).findings.map((f) => ({ rule: f.rule, line: f.line, column: f.column, message: f.message }));

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
  ): { def: FnDef; pick: PickedCall; via?: Node } | null {
    const direct = this.pickIn(report, def, op, mapSites);
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
          const pick = this.pickIn(report, callee, op, mapSites);
          if (pick) return { def: callee, pick, via };
          next.push({ def: callee, via });
        }
      }
      level = next;
    }
    return null;
  }


  private pickIn(report: KernelLogReport, def: FnDef, op: 'map' | 'unmap' | 'sync', mapSites: readonly DmaCall[]): PickedCall | null {
    return pickCall(report, def.node, op, mapSites, () => this.findings(def), this.defines);
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
