/**
 * What a header contributes to the analysis of a file that includes it. Directives (#include,
 * #define) are read line by line from the text with comments blanked — they are preprocessor lines,
 * which the C grammar sees only as opaque tokens. The driver's own headers are also parsed (with the
 * session's parser) for struct layouts, `static inline` DMA helpers and prototypes, reusing the same
 * summaries a .c file gets (fileSummary.ts summarizeFile, fileScope.ts structDefinitions).
 */
import type { Tree, Node } from 'web-tree-sitter';
import type { CParser } from '../parser';
import { functionDefinitions, walk } from '../ast';
import { summarizeFile, type SummaryCaches } from '../facts';
import { structDefinitions } from '../fileScope';
import { apiEntry } from '../api';
import { mentionsDmaApi } from '../relevance';
import { approxBytes } from '../boundedCache';
import type { DmaMacro, HeaderFacts, IncludeDirective } from './types';

/**
 * Preprocessor lines with their continuation lines joined and comments removed: [1-based line, text
 * after '#']. One pass over the lines with indexOf (no whole-file regex): lines inside block comments
 * are skipped, comments on a directive line are dropped.
 */
function directives(text: string): [number, string][] {
  const out: [number, string][] = [];
  const lines = text.split('\n');
  let inComment = false;
  for (let i = 0; i < lines.length; i++) {
    let l = lines[i];
    if (inComment) {
      const e = l.indexOf('*/');
      if (e < 0) continue;
      inComment = false;
      l = l.slice(e + 2);
    }
    const start = i;
    if (/^\s*#/.test(l)) {
      while (l.endsWith('\\') && i + 1 < lines.length) l = l.slice(0, -1) + ' ' + lines[++i];
      const d = l.replace(/\/\*.*?\*\/|\/\/.*$/g, ' ');
      out.push([start + 1, d.replace(/\/\*.*$/, '').replace(/^\s*#\s*/, '').trimEnd()]);
      l = d;
    }
    // a block comment left open on this line
    for (let k = l.indexOf('/*'); k >= 0; k = l.indexOf('/*', k + 2)) {
      const e = l.indexOf('*/', k + 2);
      if (e < 0) {
        inComment = !l.slice(0, k).includes('//');
        break;
      }
      k = e;
    }
  }
  return out;
}

const INCLUDE_RE = /^include\s*([<"])([^>"]+)[>"]/;
const DEFINE_RE = /^define\s+([A-Za-z_]\w*)(\([^)]*\))?\s*(.*)$/;

/** The `#include` directives of a text, in order (`dirs`: its directives() when already read). */
export function extractIncludes(text: string, dirs?: [number, string][]): IncludeDirective[] {
  const out: IncludeDirective[] = [];
  if (!text.includes('include')) return out;
  for (const [line, d] of dirs ?? directives(text)) {
    const m = INCLUDE_RE.exec(d);
    if (m) out.push({ path: m[2].trim(), system: m[1] === '<', line });
  }
  return out;
}

/** Splits an argument list at top-level commas. */
function splitArgs(s: string): string[] | null {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(' || ch === '[' || ch === '{') depth++;
    else if (ch === ')' || ch === ']' || ch === '}') depth--;
    if (depth < 0) return null;
    if (ch === ',' && depth === 0) {
      out.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  if (depth !== 0) return null;
  if (cur.trim() || out.length) out.push(cur.trim());
  return out;
}

/** `(x)` → `x` when the parentheses enclose the whole text. */
function stripParens(s: string): string {
  let t = s.trim();
  while (t.startsWith('(') && t.endsWith(')')) {
    const inner = splitArgs(t.slice(1, -1));
    if (!inner || inner.length !== 1 || !balancedWhole(t)) break;
    t = t.slice(1, -1).trim();
  }
  return t;
}

/** The first '(' of t closes at its last character. */
function balancedWhole(t: string): boolean {
  let depth = 0;
  for (let i = 0; i < t.length; i++) {
    if (t[i] === '(') depth++;
    else if (t[i] === ')' && --depth === 0) return i === t.length - 1;
  }
  return false;
}

/** Roles of catalogue entries a wrapper macro may stand for (the calls the per-function facts track). */
const MACRO_ROLES = new Set(['map', 'unmap', 'sync-for-cpu', 'sync-for-device', 'mapping-error']);

/** A function-like macro whose whole body is one (non-legacy) DMA-API call, or null. */
export function dmaMacro(name: string, paramList: string, body: string): DmaMacro | null {
  if (apiEntry(name)) return null; // the catalogue's own names (dma_map_single is a macro in dma-mapping.h) stay the catalogue's
  const params = paramList.slice(1, -1).split(',').map((p) => p.trim()).filter(Boolean);
  if (params.some((p) => !/^[A-Za-z_]\w*$/.test(p))) return null; // variadic macros are not followed
  const b = stripParens(body);
  const m = /^([A-Za-z_]\w*)\s*\(([\s\S]*)\)$/.exec(b);
  if (!m || !balancedWhole(b.slice(m[1].length).trim())) return null;
  const e = apiEntry(m[1]);
  if (!e?.role || !MACRO_ROLES.has(e.role) || e.kind === 'legacy') return null;
  const raw = splitArgs(m[2]);
  if (!raw || (e.params && raw.length !== e.params.length)) return null;
  const args = raw.map((a) => {
    const t = stripParens(a);
    const i = params.indexOf(t);
    return i >= 0 ? { param: i } : { text: a };
  });
  return { name, target: m[1], params, args };
}

/** Object-like #defines (ambiguous names dropped) and DMA wrapper macros of a text (`dirs`: its directives() when already read). */
export function extractDefines(text: string, dirs?: [number, string][]): { defines: Map<string, string>; macros: DmaMacro[] } {
  const defines = new Map<string, string>();
  const ambiguous = new Set<string>();
  const macros: DmaMacro[] = [];
  if (!text.includes('define')) return { defines, macros };
  for (const [, d] of dirs ?? directives(text)) {
    const m = DEFINE_RE.exec(d);
    if (!m) continue;
    const [, name, params, rest] = m;
    const value = rest.trim();
    if (params !== undefined) {
      // function-like: DEFINE_RE takes parameters only right after the name (`#define A (x)` is object-like)
      const mac = dmaMacro(name, params, value);
      if (mac) macros.push(mac);
      continue;
    }
    if (!value || value.length > 200 || ambiguous.has(name)) continue;
    const prev = defines.get(name);
    if (prev !== undefined && prev !== value) {
      // defined differently under different #if branches: no single value
      defines.delete(name);
      ambiguous.add(name);
    } else defines.set(name, value);
  }
  return { defines, macros };
}

/** Names of the functions a header declares (prototypes at file scope, also inside #if blocks). */
function prototypes(tree: Tree): string[] {
  const out = new Set<string>();
  walk(tree.rootNode, (n: Node) => {
    if (n.type === 'function_definition') return false;
    if (n.type === 'declaration') {
      for (const d of n.childrenForFieldName('declarator')) {
        let cur: Node | null = d;
        while (cur && cur.type === 'pointer_declarator') cur = cur.childForFieldName('declarator');
        if (cur?.type === 'function_declarator') {
          const id = cur.childForFieldName('declarator');
          if (id?.type === 'identifier') out.add(id.text);
        }
      }
      return false;
    }
    return n.type === 'translation_unit' || n.type.startsWith('preproc_') || n.type === 'linkage_specification' || n.type === 'declaration_list';
  });
  return [...out];
}

/**
 * Facts of one header. `parse` (the driver's own headers) adds struct layouts, inline helpers and
 * prototypes from a parse with the session's parser; without it only directives are read. `read`: the
 * directive-only facts of the same text, when already known (they are not read again).
 */
export function headerFacts(text: string, parser?: CParser, caches?: SummaryCaches, read?: HeaderFacts): HeaderFacts {
  let base: Pick<HeaderFacts, 'includes' | 'defines' | 'macros' | 'structNames' | 'dmaApi'>;
  if (read) base = read;
  else {
    const dirs = text.includes('include') || text.includes('define') ? directives(text) : [];
    const { defines, macros } = extractDefines(text, dirs);
    const structNames = [...new Set(Array.from(text.matchAll(/\bstruct\s+(\w+)\s*\{/g), (m) => m[1]))];
    base = { includes: extractIncludes(text, dirs), defines, macros, structNames, dmaApi: mentionsDmaApi(text) };
  }
  const { includes, defines, macros, structNames, dmaApi } = base;
  const facts: HeaderFacts = { includes, defines, macros, structNames, dmaApi, bytes: 0 };
  // a header with no struct definition and no DMA-API name has nothing a parse would add but prototypes
  if (parser && (structNames.length || dmaApi)) {
    let tree: Tree | undefined;
    try {
      tree = parser.parse(text);
      const fns = functionDefinitions(tree);
      const s = summarizeFile(tree.rootNode, fns, text, caches);
      facts.structs = [...structDefinitions(tree.rootNode, text, caches?.structs)];
      facts.helpers = [...(s.helpers?.values() ?? [])];
      facts.checksParam = [...s.checksParam];
      facts.dmaFunctions = [...s.dmaFunctions];
      facts.prototypes = prototypes(tree);
    } catch {
      // a header that does not parse (time limit) still gives its directives
    } finally {
      tree?.delete();
    }
  }
  let bytes = approxBytes(structNames) + approxBytes(facts.includes) + approxBytes(macros) + approxBytes(facts.structs) + approxBytes(facts.helpers) + approxBytes(facts.checksParam) + approxBytes(facts.dmaFunctions) + approxBytes(facts.prototypes);
  for (const [k, v] of defines) bytes += 2 * (k.length + v.length) + 48;
  facts.bytes = bytes;
  return facts;
}
