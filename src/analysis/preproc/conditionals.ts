/**
 * Conditional compilation as the kernel uses it, without running a preprocessor.
 *
 * tree-sitter-c keeps `#if/#ifdef/#ifndef/#elif/#else` arms in the tree and the CFG treats the arms
 * as alternatives (cfg.ts). This module decides arms that are *known* to be dead and blanks them
 * (spaces, newlines kept, so every offset, line and column still matches the document):
 *
 * - a macro the file `#undef`s (and does not define again before the test) is undefined;
 * - a macro the file never defines is undefined when the file cannot get it from elsewhere: it is
 *   not a `CONFIG_` option, not reserved (`__x86_64__`, `_FOO`), not lower case (`writeq`, a
 *   function-like macro of a kernel header), not `MODULE`/`DEBUG` (kbuild passes those with -D), not a
 *   kernel-wide header macro (`ARCH_*`, `HAVE_*`, `NET_IP_ALIGN`…), only in an `#ifdef`/`defined()`
 *   test (a value read from an unknown macro is a header constant), in a module's own `.c` file (it
 *   declares MODULE_LICENSE/module_init/a driver: not a header, not a `.c` another file includes),
 *   and the file includes no local header (`#include "foo.h"`, which may define it);
 * - with a known configuration (CheckOptions.macros, e.g. kbuild's autoconf.h) the listed macros
 *   have their values, and with `macrosComplete` every unlisted `CONFIG_` option is undefined.
 *
 * Conditions that test a platform configuration (platform.ts: `CONFIG_X86*`, `CONFIG_ARM*`,
 * IOMMU, swiotlb, non-coherent DMA) are never decided: both arms are real code on some platform, and
 * skip-sync-heuristic reports the DMA calls they choose.
 *
 * Hand-written: the existing C preprocessors for JS (e.g. `cpp.js`) expand the whole file and lose
 * offsets; here only directive lines are read and only `#if` expressions are evaluated.
 */
import { mentionsPlatformConfig } from './platform';

export interface MacroEnvironment {
  /** known macros: value (`"1"` for `CONFIG_FOO=y`), or null for explicitly undefined */
  macros?: Record<string, string | null>;
  /** true: every `CONFIG_` option not in `macros` is undefined */
  macrosComplete?: boolean;
  /** the file's path: a header (`.h`) gets its macros from whoever includes it, so nothing is "never defined" there */
  file?: string;
}

export interface Directive {
  kind: string;
  /** offsets of the directive line(s), continuation lines included, newline excluded */
  start: number;
  end: number;
  /** the rest of the line after the keyword, comments removed, continuations joined */
  arg: string;
}

/** One-line summary of what the pass decided (for --debug and tests). */
export interface ConditionalReport {
  /** the text with dead arms (and the directives of fully decided blocks) blanked */
  text: string;
  /** dead ranges [start, end) blanked, in order */
  dead: [number, number][];
  /** macros taken as undefined because the file never defines them (for --debug and tests) */
  assumedUndefined?: string[];
}

const DIRECTIVE_RE = /^[ \t]*#[ \t]*(if|ifdef|ifndef|elif|elifdef|elifndef|else|endif|define|undef|include)\b/;

function stripComments(s: string): string {
  return s.replace(/\/\*[\s\S]*?(\*\/|$)/g, ' ').replace(/\/\/.*$/, '');
}

/** Whitespace as a regex's `\s` knows it (what `search(/\S/)` skipped), by char code. */
function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13) || c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029
    || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}

/** Is the first non-space character of text[from, to) a '#'? (A char loop: no slice and no regex per line of the file.) */
function startsWithHash(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (!isSpace(c)) return c === 35; /* # */
  }
  return false;
}

/**
 * Does the text declare a module's own unit: `MODULE_LICENSE(`, `module_init(`, `module_…_driver(`, `builtin_…_driver(`
 * (each at a word start) or `…_initcall(`? The same answer as one regex with a leading `\b` alternation, which was
 * tried at every position of the file; here only where the literal prefixes occur.
 */
function declaresOwnUnit(text: string): boolean {
  if (/_initcall\s*\(/.test(text)) return true;
  const at = /(?:MODULE_LICENSE|module_init|module_\w+_driver|builtin_\w+_driver)\s*\(/y;
  for (const lit of ['MODULE_LICENSE', 'module_', 'builtin_']) {
    for (let i = text.indexOf(lit); i >= 0; i = text.indexOf(lit, i + 1)) {
      if (i > 0 && /\w/.test(text[i - 1])) continue;
      at.lastIndex = i;
      if (at.test(text)) return true;
    }
  }
  return false;
}

export function directives(text: string): Directive[] {
  const out: Directive[] = [];
  if (text.indexOf('#') < 0) return out;
  let at = 0;
  while (at <= text.length) {
    let nl = text.indexOf('\n', at);
    if (nl < 0) nl = text.length;
    if (startsWithHash(text, at, Math.min(nl, at + 64))) {
      // join continuation lines
      let end = nl;
      while (end < text.length && end > at && text.charCodeAt(end - 1 - (text.charCodeAt(end - 1) === 13 ? 1 : 0)) === 92 /* \ */) {
        const next = text.indexOf('\n', end + 1);
        end = next < 0 ? text.length : next;
      }
      const line = text.slice(at, end);
      const m = DIRECTIVE_RE.exec(line);
      if (m) {
        const arg = stripComments(line.slice(m[0].length).replace(/\\\r?\n/g, ' ')).trim();
        out.push({ kind: m[1], start: at, end: end > at && text.charCodeAt(end - 1) === 13 ? end - 1 : end, arg });
      }
      nl = end;
    }
    at = nl + 1;
  }
  return out;
}

/** Tri-valued: a number when known, undefined when not. */
type Val = number | undefined;

type MacroState = { defined: true; value: string } | { defined: false } | null; // null: unknown

class Evaluator {
  private toks: string[] = [];
  private i = 0;
  constructor(private readonly state: (name: string, existence: boolean) => MacroState) {}

  eval(expr: string): Val {
    this.toks = expr.match(/0[xX][0-9a-fA-F]+[uUlL]*|\d+[uUlL]*|[A-Za-z_]\w*|&&|\|\||==|!=|<=|>=|<<|>>|'(?:\\.|[^'])*'|\S/g) ?? [];
    this.i = 0;
    try {
      const v = this.ternary();
      return this.i === this.toks.length ? v : undefined;
    } catch {
      return undefined;
    }
  }

  private peek(): string | undefined { return this.toks[this.i]; }
  private next(): string {
    const t = this.toks[this.i++];
    if (t === undefined) throw new Error('end');
    return t;
  }

  private ternary(): Val {
    const c = this.binary(0);
    if (this.peek() !== '?') return c;
    this.i++;
    const a = this.ternary();
    if (this.next() !== ':') throw new Error(':');
    const b = this.ternary();
    if (c === undefined) return a !== undefined && a === b ? a : undefined;
    return c ? a : b;
  }

  private static readonly PREC: Record<string, number> = {
    '||': 1, '&&': 2, '|': 3, '^': 4, '&': 5, '==': 6, '!=': 6, '<': 7, '>': 7, '<=': 7, '>=': 7,
    '<<': 8, '>>': 8, '+': 9, '-': 9, '*': 10, '/': 10, '%': 10,
  };

  private binary(min: number): Val {
    let l = this.unary();
    for (;;) {
      const op = this.peek();
      const p = op !== undefined ? Evaluator.PREC[op] : undefined;
      if (p === undefined || p <= min - 1 || p < min) return l;
      this.i++;
      const r = this.binary(p + 1);
      l = Evaluator.apply(op!, l, r);
    }
  }

  private static apply(op: string, l: Val, r: Val): Val {
    if (op === '&&') return l === 0 || r === 0 ? 0 : l === undefined || r === undefined ? undefined : 1;
    if (op === '||') return (l !== undefined && l !== 0) || (r !== undefined && r !== 0) ? 1 : l === undefined || r === undefined ? undefined : 0;
    if (l === undefined || r === undefined) return undefined;
    switch (op) {
      case '|': return l | r;
      case '^': return l ^ r;
      case '&': return l & r;
      case '==': return +(l === r);
      case '!=': return +(l !== r);
      case '<': return +(l < r);
      case '>': return +(l > r);
      case '<=': return +(l <= r);
      case '>=': return +(l >= r);
      case '<<': return l << r;
      case '>>': return l >> r;
      case '+': return l + r;
      case '-': return l - r;
      case '*': return l * r;
      case '/': return r === 0 ? undefined : Math.trunc(l / r);
      case '%': return r === 0 ? undefined : l % r;
    }
    return undefined;
  }

  private isDefined(name: string): Val {
    const s = this.state(name, true);
    return s === null ? undefined : s.defined ? 1 : 0;
  }

  private unary(): Val {
    const t = this.next();
    if (t === '!') { const v = this.unary(); return v === undefined ? undefined : +!v; }
    if (t === '~') { const v = this.unary(); return v === undefined ? undefined : ~v; }
    if (t === '-') { const v = this.unary(); return v === undefined ? undefined : -v; }
    if (t === '+') return this.unary();
    if (t === '(') {
      const v = this.ternary();
      if (this.next() !== ')') throw new Error(')');
      return v;
    }
    if (/^\d/.test(t)) return Number.parseInt(t.replace(/[uUlL]+$/, ''), /^0[xX]/.test(t) ? 16 : /^0\d/.test(t) ? 8 : 10);
    if (t.startsWith("'")) return t.length === 3 ? t.charCodeAt(1) : undefined;
    if (t === 'defined') {
      const paren = this.peek() === '(';
      if (paren) this.i++;
      const name = this.next();
      if (paren && this.next() !== ')') throw new Error(')');
      return this.isDefined(name);
    }
    if (/^[A-Za-z_]/.test(t)) {
      if (this.peek() === '(') {
        const args = this.args();
        if ((t === 'IS_ENABLED' || t === 'IS_REACHABLE') && args.length === 1) {
          const a = this.isDefined(args[0]);
          const m = this.isDefined(`${args[0]}_MODULE`);
          return Evaluator.apply('||', a, m);
        }
        if (t === 'IS_BUILTIN' && args.length === 1) return this.isDefined(args[0]);
        if (t === 'IS_MODULE' && args.length === 1) return this.isDefined(`${args[0]}_MODULE`);
        return undefined; // an unknown function-like macro
      }
      const s = this.state(t, false);
      if (s === null) return undefined;
      if (!s.defined) return 0; // the preprocessor's rule for an undefined identifier
      const v = s.value.trim();
      if (v === '') return undefined;
      if (/^(0[xX][0-9a-fA-F]+|\d+)[uUlL]*$/.test(v)) return Number.parseInt(v.replace(/[uUlL]+$/, ''), /^0[xX]/.test(v) ? 16 : 10);
      return undefined;
    }
    throw new Error(`unexpected ${t}`);
  }

  /** the identifier arguments of `NAME(a, b)` (the open parenthesis is next) */
  private args(): string[] {
    this.i++; // (
    const out: string[] = [];
    let depth = 1;
    let cur = '';
    while (depth > 0) {
      const t = this.next();
      if (t === '(') depth++;
      else if (t === ')') depth--;
      if (depth === 0 || (depth === 1 && t === ',')) { out.push(cur); cur = ''; continue; }
      cur += t;
    }
    return out.filter((a) => a !== '');
  }
}

/** Macros of kernel-wide headers that drivers test with `#ifdef` (never "undefined because the file does not define them"). */
const KERNEL_HEADER_MACROS = new Set([
  'BITS_PER_LONG', 'PAGE_SIZE', 'PAGE_SHIFT', 'MAX_SKB_FRAGS', 'NET_IP_ALIGN', 'NET_SKB_PAD', 'L1_CACHE_BYTES', 'L1_CACHE_SHIFT',
  'SMP_CACHE_BYTES', 'ARCH_DMA_MINALIGN', 'ARCH_KMALLOC_MINALIGN', 'DMA_MAPPING_ERROR', 'GFP_DMA32', 'ZONE_DMA', 'ZONE_DMA32',
  'IRQF_SHARED', 'SA_SHIRQ', 'ETH_P_8021Q', 'VLAN_HLEN', 'NETIF_F_HW_VLAN_CTAG_TX', 'HZ', 'NR_CPUS', 'PCI_DMA_BUS_IS_PHYS',
]);

/** Names a file cannot be assumed to be the only source of (see the module comment). */
function mayComeFromElsewhere(name: string): boolean {
  return name.startsWith('_') || name.startsWith('CONFIG_') || /[a-z]/.test(name) || name === 'MODULE' || name === 'DEBUG' ||
    name === 'VERBOSE_DEBUG' || name.startsWith('KBUILD_') || name.startsWith('ARCH_') || name.startsWith('HAVE_') ||
    KERNEL_HEADER_MACROS.has(name);
}

interface Frame {
  /** the enclosing region is live for sure (true), dead (false) or maybe (undefined) */
  parent: boolean | undefined;
  /** some earlier arm was taken for sure */
  taken: boolean;
  /** some earlier arm may have been taken */
  maybeTaken: boolean;
  /** the current arm's status */
  live: boolean | undefined;
  /** the current arm's body starts here */
  bodyStart: number;
  /** directive ranges of this block */
  dirs: [number, number][];
  /** every arm's condition was known (a fully decided block) */
  decided: boolean;
  /** the block tests a platform configuration (never decided) */
  platform: boolean;
  /** dead arm bodies of this block */
  deadArms: [number, number][];
}

/**
 * Finds the arms of `#if` blocks that cannot be compiled and returns the text with them blanked.
 * Returns the input string itself when nothing is decided (the common case).
 */
export function blankDeadConditionals(text: string, env: MacroEnvironment = {}): ConditionalReport {
  const dirs = directives(text);
  if (!dirs.some((d) => d.kind.startsWith('if'))) return { text, dead: [] };
  const definedInFile = new Set<string>();
  let localInclude = false;
  for (const d of dirs) {
    if (d.kind === 'define') {
      const m = /^([A-Za-z_]\w*)/.exec(d.arg);
      if (m) definedInFile.add(m[1]);
    } else if (d.kind === 'include' && d.arg.startsWith('"')) localInclude = true;
  }
  // a .c file `#include`d by another one (lib82596.c by lasi_82596.c) gets macros from its includer: only a
  // module's own unit (it declares its licence, init or driver) can be said to "never define" a macro
  const ownUnit = declaresOwnUnit(text);
  // macro states set by #define/#undef seen so far on live paths
  const seen = new Map<string, MacroState>();
  const known = env.macros ?? {};
  const header = !!env.file && /\.h$/i.test(env.file);
  const assumed = new Set<string>();
  // `existence`: the question is "is it defined?" (#ifdef, defined()); otherwise its value is read
  const stateOf = (name: string, existence: boolean): MacroState => {
    if (seen.has(name)) return seen.get(name)!;
    if (Object.prototype.hasOwnProperty.call(known, name)) {
      const v = known[name];
      return v === null || v === undefined ? { defined: false } : { defined: true, value: v };
    }
    if (name.startsWith('CONFIG_')) return env.macrosComplete ? { defined: false } : null;
    // a value read from a macro the file does not define is a constant from a header (`#if BITS_PER_LONG == 64`)
    if (!existence || header || !ownUnit || definedInFile.has(name) || localInclude || mayComeFromElsewhere(name)) return null;
    assumed.add(name);
    return { defined: false };
  };
  const state = (name: string): MacroState => stateOf(name, true);
  const ev = new Evaluator(stateOf);
  const stack: Frame[] = [];
  const dead: [number, number][] = [];
  const regionLive = (): boolean | undefined => (stack.length ? stack[stack.length - 1].live : true);

  const condOf = (d: Directive): Val => {
    if (d.kind === 'ifdef' || d.kind === 'elifdef' || d.kind === 'ifndef' || d.kind === 'elifndef') {
      const name = /^([A-Za-z_]\w*)/.exec(d.arg)?.[1];
      if (!name) return undefined;
      const s = state(name);
      const def = s === null ? undefined : s.defined ? 1 : 0;
      return def === undefined ? undefined : d.kind.endsWith('ndef') ? +!def : def;
    }
    if (d.kind === 'else') return 1;
    return ev.eval(d.arg);
  };

  const enterArm = (f: Frame, d: Directive, cond: Val): void => {
    // a platform test is never decided
    const c = f.platform ? undefined : cond;
    if (c === undefined) f.decided = false;
    if (f.parent === false || f.taken || c === 0) f.live = false;
    else if (c !== undefined && f.parent === true && !f.maybeTaken) f.live = true;
    else f.live = undefined;
    if (c !== undefined && c !== 0 && !f.maybeTaken) f.taken = true;
    if (c !== 0) f.maybeTaken = true;
    f.bodyStart = d.end;
  };

  const closeArm = (f: Frame, at: number): void => {
    if (f.live === false && f.parent !== false && at > f.bodyStart) f.deadArms.push([f.bodyStart, at]);
  };

  for (const d of dirs) {
    if (d.kind === 'if' || d.kind === 'ifdef' || d.kind === 'ifndef') {
      const parent = regionLive();
      const f: Frame = {
        parent, taken: false, maybeTaken: false, live: undefined, bodyStart: d.end, dirs: [[d.start, d.end]],
        decided: true, platform: mentionsPlatformConfig(d.arg), deadArms: [],
      };
      stack.push(f);
      enterArm(f, d, condOf(d));
    } else if (d.kind === 'elif' || d.kind === 'elifdef' || d.kind === 'elifndef' || d.kind === 'else') {
      const f = stack[stack.length - 1];
      if (!f) continue; // unbalanced: ignore
      closeArm(f, d.start);
      f.dirs.push([d.start, d.end]);
      if (d.kind !== 'else' && mentionsPlatformConfig(d.arg)) { f.platform = true; f.decided = false; }
      enterArm(f, d, condOf(d));
    } else if (d.kind === 'endif') {
      const f = stack.pop();
      if (!f) continue;
      closeArm(f, d.start);
      f.dirs.push([d.start, d.end]);
      if (f.parent === false) continue; // the enclosing arm is blanked whole
      dead.push(...f.deadArms);
      // a block whose conditions are all known loses its directives too, so the CFG does not see the
      // dead alternative as a way around the live arm
      if (f.decided) dead.push(...f.dirs);
    } else if (d.kind === 'define' || d.kind === 'undef') {
      const live = regionLive();
      if (live === false) continue;
      const m = /^([A-Za-z_]\w*)(\([^)]*\))?\s*(.*)$/.exec(d.arg);
      if (!m) continue;
      if (live === undefined) seen.set(m[1], null);
      else if (d.kind === 'undef') seen.set(m[1], { defined: false });
      else seen.set(m[1], { defined: true, value: m[2] ? '' : m[3] });
    }
  }
  // unterminated blocks: leave them alone
  if (!dead.length) return { text, dead: [], assumedUndefined: [...assumed] };
  dead.sort((a, b) => a[0] - b[0]);
  const parts: string[] = [];
  let at = 0;
  for (const [s, e] of dead) {
    if (s < at) continue;
    parts.push(text.slice(at, s), text.slice(s, e).replace(/[^\r\n]/g, ' '));
    at = e;
  }
  parts.push(text.slice(at));
  return { text: parts.join(''), dead, assumedUndefined: [...assumed] };
}

/**
 * Macros `#define`d inside a block whose condition names a platform configuration
 * (`#ifdef CONFIG_X86` / `#define RX_LEN 1536` / `#else` / …): name → that condition's text.
 */
export function platformDefines(text: string): Map<string, string> {
  const out = new Map<string, string>();
  if (!mentionsPlatformConfig(text)) return out;
  const stack: (string | null)[] = [];
  for (const d of directives(text)) {
    if (d.kind === 'if' || d.kind === 'ifdef' || d.kind === 'ifndef') stack.push(mentionsPlatformConfig(d.arg) ? `#${d.kind} ${d.arg}` : null);
    else if (d.kind.startsWith('elif')) {
      if (stack.length && stack[stack.length - 1] === null && mentionsPlatformConfig(d.arg)) stack[stack.length - 1] = `#${d.kind} ${d.arg}`;
    } else if (d.kind === 'endif') stack.pop();
    else if (d.kind === 'define') {
      const why = stack.find((x) => x !== null);
      const m = /^([A-Za-z_]\w*)/.exec(d.arg);
      if (why && m && !out.has(m[1])) out.set(m[1], why);
    }
  }
  return out;
}

/**
 * The value of a C condition made only of `IS_ENABLED()`/`IS_BUILTIN()`/`IS_MODULE()`/`IS_REACHABLE()` of
 * `CONFIG_` options, `!`, `&&`, `||` and parentheses, under a known configuration; undefined when
 * anything else appears, when an option is not known, or when it tests a platform configuration (those
 * stay alternatives: skip-sync-heuristic reports them).
 */
export function configCondition(expr: string, env: MacroEnvironment): number | undefined {
  if (!env.macros && !env.macrosComplete) return undefined;
  if (mentionsPlatformConfig(expr)) return undefined;
  const rest = expr.replace(/\b(IS_ENABLED|IS_BUILTIN|IS_MODULE|IS_REACHABLE)\s*\(\s*CONFIG_\w+\s*\)/g, '').replace(/[\s()!&|]/g, '');
  if (rest !== '' || !/IS_(ENABLED|BUILTIN|MODULE|REACHABLE)/.test(expr)) return undefined;
  const known = env.macros ?? {};
  const ev = new Evaluator((name) => {
    if (Object.prototype.hasOwnProperty.call(known, name)) {
      const v = known[name];
      return v === null || v === undefined ? { defined: false } : { defined: true, value: v };
    }
    return name.startsWith('CONFIG_') && env.macrosComplete ? { defined: false } : null;
  });
  return ev.eval(expr);
}
