/**
 * The file's device-writable memory members (issue 16): which struct members hold the CPU pointer of a
 * DMA-coherent or pool allocation, found in whatever function of the file allocates them (probe, ring
 * setup). A FileSummary fact, so a function that reads `ring->desc` in the poll routine is analysed (and
 * re-checked) with the allocation that makes it device memory. Kept apart from deviceData.ts so that
 * fileSummary.ts can build the summary without importing the ownership analysis.
 */
import type { Node } from 'web-tree-sitter';
import { walk, callName, normText, stripParensAndCasts, recordWalks, LEAVES } from './ast';
import type { FileSummary } from './fileSummary';

/** Allocators whose CPU pointer is memory the device may write at any time. */
export const DEVICE_ALLOCATORS = /^(dma_alloc_coherent|dmam_alloc_coherent|dma_alloc_attrs|dmam_alloc_attrs|dma_alloc_wc|dma_pool_alloc|dma_pool_zalloc)$/;
const ALLOC_TEXT = /\b(dma_alloc_coherent|dmam_alloc_coherent|dma_alloc_attrs|dmam_alloc_attrs|dma_alloc_wc|dma_pool_alloc|dma_pool_zalloc)\s*\(/;

/** One coherent/pool allocation stored in a struct member. */
export interface DeviceAlloc {
  member: string;
  /** `struct x` the member belongs to, when the allocating function declares the base plainly; else null */
  owner: string | null;
  /** the lvalue's base expression, normalised (`mem` of `mem->data`) */
  base: string;
  call: string;
  start: number;
  end: number;
}

/** `struct foo *name` / `struct foo name` of a parameter or local of `fn`: 'struct foo', or null. */
export function structTypeOf(fn: Node, name: string, cache?: Map<string, string | null>): string | null {
  const hit = cache?.get(name);
  if (hit !== undefined) return hit;
  let t: string | null = null;
  walk(fn, (n) => {
    if (t !== null) return false;
    if (n.type !== 'declaration' && n.type !== 'parameter_declaration') return true;
    const ty = n.childForFieldName('type');
    if (!ty || (ty.type !== 'struct_specifier' && ty.type !== 'union_specifier')) return n.type !== 'declaration' && n.type !== 'parameter_declaration';
    const decls = n.type === 'declaration' ? n.childrenForFieldName('declarator') : [n.childForFieldName('declarator')];
    for (const d of decls) {
      let cur: Node | null = d;
      while (cur && cur.type !== 'identifier') cur = cur.childForFieldName('declarator');
      if (cur && cur.text === name) t = normText(ty.text.replace(/\{[\s\S]*$/, ''));
    }
    return false;
  }, LEAVES);
  cache?.set(name, t);
  return t;
}

/** The member (and its owner struct) an lvalue names: `ring->desc` → desc; `priv->rx.desc` → desc (owner unknown). */
function memberOf(fn: Node, lv: Node): { member: string; owner: string | null; base: string } | null {
  const l = stripParensAndCasts(lv);
  if (l.type !== 'field_expression') return null;
  const f = l.childForFieldName('field');
  const a = l.childForFieldName('argument');
  if (!f || !a) return null;
  const base = stripParensAndCasts(a);
  const owner = base.type === 'identifier' ? structTypeOf(fn, base.text) : null;
  return { member: f.text, owner, base: normText(base) };
}

/**
 * Member names too common to mean "this file's coherent block" on their own (`fw->data`, `skb->data`,
 * `sg->addr`): a read through one needs the allocation's own base expression or a base of the same struct type.
 */
export const GENERIC_MEMBER = /^(data|buf|buffer|addr|va|vaddr|virt|virt_addr|ptr|mem|base|kaddr|page|cpu_addr|p|area|bufs|vbuf)$/;

/** Every coherent/pool allocation of the file whose CPU pointer lands in a struct member (directly or through a local). */
export function deviceAllocations(fns: Node[], text: string): Map<string, DeviceAlloc[]> {
  return mergeDeviceAllocations(fns.map((fn) => ({ at: fn.startIndex, allocs: functionDeviceAllocations(fn, text) })));
}

/** The per-function allocations (offsets relative to each function's start) as the file's member → allocations map. */
export function mergeDeviceAllocations(perFunction: readonly { at: number; allocs: readonly DeviceAlloc[] }[]): Map<string, DeviceAlloc[]> {
  const out = new Map<string, DeviceAlloc[]>();
  for (const { at, allocs } of perFunction) {
    for (const a of allocs) {
      const l = out.get(a.member) ?? [];
      l.push({ ...a, start: a.start + at, end: a.end + at });
      out.set(a.member, l);
    }
  }
  return out;
}

/**
 * One function's coherent/pool allocations whose CPU pointer lands in a struct member, offsets relative to
 * the function's start: a fact of the function's text alone, so the session's summary cache keeps it across edits.
 */
export function functionDeviceAllocations(fn: Node, text: string): DeviceAlloc[] {
  const out: DeviceAlloc[] = [];
  const at = fn.startIndex;
  const add = (a: DeviceAlloc): void => {
    out.push({ ...a, start: a.start - at, end: a.end - at });
  };
  if (!ALLOC_TEXT.test(text.slice(fn.startIndex, fn.endIndex))) return out;
  const body = fn.childForFieldName('body');
  if (!body) return out;
  // a function that allocates coherent memory names the DMA API and is analysed next: one record for both
  recordWalks(fn);
  // locals holding an allocation's CPU pointer, then stored into a member
  const viaLocal = new Map<string, Node>();
  const stores: { left: Node; right: Node }[] = [];
  walk(body, (n) => {
    if (n.type === 'call_expression' && DEVICE_ALLOCATORS.test(callName(n) ?? '')) {
      let top: Node = n;
      while (top.parent && (top.parent.type === 'parenthesized_expression' || top.parent.type === 'cast_expression')) top = top.parent;
      const p = top.parent;
      if (p?.type === 'assignment_expression' && p.childForFieldName('right')?.id === top.id) {
        const l = p.childForFieldName('left')!;
        const m = memberOf(fn, l);
        if (m) add({ ...m, call: callName(n)!, start: n.startIndex, end: n.endIndex });
        else if (l.type === 'identifier') viaLocal.set(l.text, n);
      } else if (p?.type === 'init_declarator') {
        let d = p.childForFieldName('declarator');
        while (d && d.type !== 'identifier') d = d.childForFieldName('declarator');
        if (d) viaLocal.set(d.text, n);
      }
    } else if (n.type === 'assignment_expression') {
      const l = n.childForFieldName('left');
      const r = n.childForFieldName('right');
      if (l && r && l.type === 'field_expression') stores.push({ left: l, right: r });
    }
    return true;
  }, LEAVES);
  for (const s of stores) {
    const r = stripParensAndCasts(s.right);
    const call = r.type === 'identifier' ? viaLocal.get(r.text) : undefined;
    const m = call ? memberOf(fn, s.left) : null;
    if (call && m) add({ ...m, call: callName(call)!, start: call.startIndex, end: call.endIndex });
  }
  return out;
}

/** Does a function's text name a device-memory member of the file (`->desc`, `.desc`) or a used-length call? */
export function mentionsDeviceMemory(fnText: string, summary: FileSummary): boolean {
  if (/\bvirtqueue_get_buf/.test(fnText) || ALLOC_TEXT.test(fnText)) return true;
  return mentionsDeviceMember(fnText, summary);
}

/** Texts of functions that may read a DMA_FROM_DEVICE / BIDIRECTIONAL streaming buffer. */
const STREAMING_TEXT = /DMA_FROM_DEVICE|DMA_BIDIRECTIONAL|_for_cpu\b|\bdma_unmap_/;

/** Does a function's text use a member that holds device memory (`->desc`, `.desc`)? */
export function mentionsDeviceMember(fnText: string, summary: FileSummary): boolean {
  const m = summary.deviceMemory?.();
  if (!m || !m.size) return false;
  // one alternation per file, kept on the summary (asked once per function of the file)
  const c = summary as FileSummary & { __deviceMemberRe?: RegExp };
  c.__deviceMemberRe ??= new RegExp(`(->|\\.)\\s*(${[...m.keys()].join('|')})\\b`);
  return c.__deviceMemberRe.test(fnText);
}

function memberRe(k: string): RegExp {
  return new RegExp(`(->|\\.)\\s*${k}\\b`);
}

/** The part of the file's device-memory facts a function depends on, for the checker's cache key (offsets relative to the function). */
export function deviceMemoryKey(summary: FileSummary, fnText: string): string {
  // two rules read these facts: the key of the function asked last is kept on the summary
  const c = summary as FileSummary & { __deviceKey?: { fnText: string; key: string } };
  if (c.__deviceKey?.fnText === fnText) return c.__deviceKey.key;
  const key = computeDeviceMemoryKey(summary, fnText);
  c.__deviceKey = { fnText, key };
  return key;
}

function computeDeviceMemoryKey(summary: FileSummary, fnText: string): string {
  // the file facts matter only to a function that can read device memory
  if (!mentionsDeviceMemory(fnText, summary) && !STREAMING_TEXT.test(fnText)) return '';
  const m = summary.deviceMemory?.() ?? new Map<string, DeviceAlloc[]>();
  // the member names the function uses (`->x`, `.x`), gathered once
  const named = new Set<string>();
  for (const x of fnText.matchAll(/(?:->|\.)\s*(\w+)/g)) named.add(x[1]);
  const pick = (xs: Iterable<string>): string => [...xs].filter((x) => named.has(x)).sort().join(',');
  const cw = summary.cpuWrittenFields?.();
  // array members are addresses, not loads (the set is kept on the summary: asked once per function)
  const c = summary as FileSummary & { __arrayMembers?: Set<string> };
  if (!c.__arrayMembers) {
    c.__arrayMembers = new Set<string>();
    for (const fs of summary.structs?.().values() ?? []) for (const f of fs) if (f.array) c.__arrayMembers.add(f.name);
  }
  const arrays = c.__arrayMembers;
  const bh = summary.boundingHelpers?.();
  const helpers = bh ? [...bh].filter(([k]) => fnText.includes(k)).map(([k, v]) => `${k}:${v.join(',')}`).sort().join(',') : '';
  const allocs = [...m].filter(([k]) => named.has(k)).map(([k, v]) => `${k}:${v.map((a) => `${a.owner ?? '?'}/${a.base}+${a.end - a.start}`).join(',')}`).sort().join(';');
  return `w=${cw ? pick(cw) : ''}|a=${pick(arrays)}|h=${helpers}|m=${allocs}`;
}

const FIELD_STORE = /(?:->|\.)\s*(\w+)\s*(?:\[[^\]\n]*\])?\s*(?:[+\-|&^]?=)(?!=)\s*([^;]{0,200});/g;
const CLEAR_VALUE = /^\(?\s*(0|0x0+|NULL|false|cpu_to_(?:le|be)(?:16|32|64)\(\s*0\s*\)|~0\w*)\s*\)?\s*$/;

/**
 * Struct members the file's CPU code stores a value into (not just clears): a command block's tag or length,
 * a handle kept next to the data. Reads of them see the driver's own bookkeeping (attacker-controlled only
 * for a hostile host, a shortcut that keeps the device-data rules on fields only the device writes).
 * Text scan of the whole file (no walk): `x->f = v`, `x.f[i] |= v`, where v is not 0/NULL.
 */
export function cpuWrittenFields(text: string): Set<string> {
  const out = new Set<string>();
  FIELD_STORE.lastIndex = 0;
  for (let m = FIELD_STORE.exec(text); m; m = FIELD_STORE.exec(text)) if (!CLEAR_VALUE.test(m[2])) out.add(m[1]);
  // counters the CPU maintains: `x->f++`, `--x->f`
  for (const m of text.matchAll(/(?:->|\.)\s*(\w+)\s*(?:\+\+|--)|(?:\+\+|--)\s*[\w>.\[\]-]*?(?:->|\.)\s*(\w+)\b(?!\s*(?:->|\.|\[|\())/g)) out.add(m[1] ?? m[2]);
  return out;
}

/** Text of the balanced parentheses opening at `open` (exclusive), or null. */
function parenText(t: string, open: number): string | null {
  let d = 0;
  for (let i = open; i < t.length && i < open + 2000; i++) {
    if (t[i] === '(') d++;
    else if (t[i] === ')' && --d === 0) return t.slice(open + 1, i);
  }
  return null;
}

/**
 * Words a condition compares (its `->` already `.`, shifts already `+`): the left side of `<`, `>`, `<=`, `>=`
 * (`len + hdr > max`), and the right side (`max < len`); not a word followed by `->`, `.` or `[` (a
 * member's base). Two fixed expressions scanning each condition once, where a regex per parameter was
 * compiled before (same answers on every `if` of the 6.12 DMA files, 22× faster).
 */
const COMPARED_LEFT = /\b(\w+)\b(?=(?!\s*(?:->|\.|\[))\s*(?:[-+*]\s*[\w>()-]+\s*)*(?:<=?|>=?)(?![<>]))/g;
const COMPARED_RIGHT = /(?<=(?:<=?|>=?)(?![<>])\s*(?:[\w>()-]+\s*[-+*]\s*)*)\b(\w+)\b(?!\s*(?:->|\.|\[))/g;

/**
 * Same-file helpers that bound one of their parameters: an `if (…)` of the body compares it with `<`, `>`,
 * `<=` or `>=` (`buf_to_xdp(…, len, …)` returning NULL when `len > bufsize`). Name → parameter indexes.
 */
export function boundingHelpers(fns: Node[], text: string): Map<string, number[]> {
  return mergeBoundingHelpers(fns.map((fn) => functionBounding(fn, text)));
}

/** The per-function answers of functionBounding() as the file's name → parameter indexes map (a later definition wins). */
export function mergeBoundingHelpers(perFunction: readonly (BoundingHelper | null)[]): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const b of perFunction) if (b) out.set(b.name, b.idx);
  return out;
}

export interface BoundingHelper {
  name: string;
  idx: number[];
}

/** Whether one function bounds some of its parameters (see boundingHelpers): a fact of its text alone. */
export function functionBounding(fn: Node, text: string): BoundingHelper | null {
  // text first (no tree access): the function's `if (…)` conditions that compare something
  const ft = text.slice(fn.startIndex, fn.endIndex);
  const brace = ft.indexOf('{');
  if (brace < 0) return null;
  const bt = ft.slice(brace);
  const conds: string[] = [];
  const re = /\bif\s*\(/g;
  for (let m = re.exec(bt); m; m = re.exec(bt)) {
    const c = parenText(bt, m.index + m[0].length - 1);
    if (c && /[<>]/.test(c)) conds.push(c);
  }
  if (!conds.length) return null;
  let d = fn.childForFieldName('declarator');
  while (d && d.type !== 'function_declarator') d = d.childForFieldName('declarator');
  const name = d?.childForFieldName('declarator');
  const list = d?.childForFieldName('parameters');
  if (!name || name.type !== 'identifier' || !list) return null;
  const params: string[] = [];
  for (const p of list.namedChildren) {
    let cur = p?.childForFieldName('declarator') ?? null;
    while (cur && cur.type !== 'identifier') cur = cur.childForFieldName('declarator');
    params.push(cur ? cur.text : '');
  }
  if (!params.some(Boolean)) return null;
  const plain = conds.map((c) => c.replace(/->/g, '.').replace(/<<|>>/g, '+'));
  const compared = new Set<string>();
  for (const c of plain) {
    for (const m of c.matchAll(COMPARED_LEFT)) compared.add(m[1]);
    for (const m of c.matchAll(COMPARED_RIGHT)) compared.add(m[1]);
  }
  const idx: number[] = [];
  params.forEach((p, i) => {
    if (p && compared.has(p)) idx.push(i);
  });
  return idx.length ? { name: name.text, idx } : null;
}
