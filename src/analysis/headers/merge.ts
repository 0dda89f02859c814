/**
 * Headers in the file summary: the facts of the included headers are added to the FileSummary as if
 * they were defined in the file (the file's own definitions win): struct layouts, `static inline` DMA
 * helpers and the helpers that check a handle, object-like #defines (file and headers, as one lookup
 * table a constant folder can consume), and DMA wrapper macros (a call of one is analysed as the DMA
 * call it expands to).
 */
import type { FileSummary } from '../facts';
import type { StructField } from '../fileScope';
import type { HelperSummary } from '../summaries';
import { DefineTable, foldWithDefines } from './defines';
import { extractDefines } from './extract';
import type { DmaMacro, HeaderFacts } from './types';

/** Allocators of RAM: a member the file assigns from one holds memory, whatever its declaration says. */
const RAM_ASSIGN_RE = /(?:->|\.)\s*(\w+)\s*(?:\[[^\]\n]*\])?\s*=\s*(?:\([^()]*\)\s*)?(?:kmalloc|kzalloc|kcalloc|kmalloc_array|kvmalloc|kvzalloc|vmalloc|vzalloc|devm_kzalloc|devm_kmalloc|devm_kcalloc|__get_free_pages?|get_zeroed_page|dma_alloc_coherent|dmam_alloc_coherent|dma_alloc_attrs)\s*\(/g;

/** Members the file assigns from a RAM allocator (`p->ring[j] = kmalloc(…)`). */
export function membersAssignedRam(text: string): Set<string> {
  const out = new Set<string>();
  RAM_ASSIGN_RE.lastIndex = 0;
  for (let m = RAM_ASSIGN_RE.exec(text); m; m = RAM_ASSIGN_RE.exec(text)) out.add(m[1]);
  return out;
}

/** The summary with the headers' facts added (the file's own entries win); also the file's own #defines and macros. */
export function withHeaders(s: FileSummary, text: string, headers: readonly HeaderFacts[] = []): FileSummary {
  const own = extractDefines(text);
  const macros = new Map<string, DmaMacro>();
  for (const m of own.macros) if (!macros.has(m.name)) macros.set(m.name, m);
  for (const h of headers) for (const m of h.macros) if (!macros.has(m.name)) macros.set(m.name, m);
  const defines = new DefineTable([own.defines, ...headers.map((h) => h.defines)]);
  if (!headers.length) return { ...s, defines, dmaMacros: macros };
  const helpers = new Map<string, HelperSummary>(s.helpers ?? []);
  const checksParam = new Map(s.checksParam);
  const dmaFunctions = new Set(s.dmaFunctions);
  const prototypes = new Set<string>();
  for (const h of headers) {
    for (const x of h.helpers ?? []) if (!helpers.has(x.name)) helpers.set(x.name, x);
    for (const [k, v] of h.checksParam ?? []) if (!checksParam.has(k)) checksParam.set(k, v);
    for (const f of h.dmaFunctions ?? []) dmaFunctions.add(f);
    for (const p of h.prototypes ?? []) prototypes.add(p);
  }
  const fileStructs = s.structs;
  let structs: Map<string, StructField[]> | undefined;
  return {
    ...s, helpers, checksParam, dmaFunctions, defines, dmaMacros: macros, prototypes,
    structs: () => {
      if (structs) return structs;
      structs = new Map(fileStructs?.() ?? []);
      // a header may declare `__iomem` on a member the file fills from kmalloc() (a stale annotation): the file's code wins
      let ram: Set<string> | undefined;
      for (const h of headers) {
        for (const [k, v] of h.structs ?? []) {
          if (structs.has(k)) continue;
          if (v.some((f) => f.iomem)) {
            ram ??= membersAssignedRam(text);
            const r = ram;
            structs.set(k, v.map((f) => (f.iomem && r.has(f.name) ? { ...f, iomem: false } : f)));
          } else structs.set(k, v);
        }
      }
      return structs;
    },
  };
}

/**
 * The part of the header facts a function's results depend on (the checker's cache key): the wrapper
 * macros it calls and the folded values of the #defines it names.
 */
export function headerFactsKey(s: FileSummary, fnText: string): string {
  let key = '';
  if (s.dmaMacros?.size) {
    for (const [name, m] of s.dmaMacros) if (fnText.includes(name)) key += `${name}>${m.target}(${m.args.map((a) => ('param' in a ? `#${a.param}` : a.text)).join(',')});`;
  }
  if (s.defines) {
    const seen = new Set<string>();
    for (const id of fnText.match(/\b[A-Z_][A-Z0-9_]{2,}\b/g) ?? []) {
      if (seen.has(id)) continue;
      seen.add(id);
      const v = s.defines.get(id);
      if (v !== undefined) key += `${id}=${foldWithDefines(id, s.defines) ?? v};`;
    }
  }
  return key;
}

/** Does a function's text call one of the summary's DMA wrapper macros? */
export function callsDmaMacro(fnText: string, s: FileSummary): boolean {
  if (!s.dmaMacros?.size) return false;
  for (const name of s.dmaMacros.keys()) {
    const re = new RegExp(`\\b${name}\\s*\\(`);
    if (re.test(fnText)) return true;
  }
  return false;
}
