/**
 * The regions of path-sensitive buffer ownership (ownership.ts): per streaming handle, the events where
 * ownership changes hands (map, sync for the device or the CPU, unmap) and the buffer expressions that
 * are the mapped memory. Split from ownership.ts, which re-exports the names.
 */
import { walk, callName, callArgs, normText, LEAVES } from './ast';
import type { CfgNode } from './cfg';
import { CallFact, FunctionContext, stripOuterParens } from './facts';
import { applyPath } from './summaries';
import { dirConst } from './directions';
import { assigns, nodeWrites } from './writes';

/** `assigns()` plus declarations of the name behind pointer/array declarators (`u8 *buf = …`), and assignments to a prefix of it (`np->cur_rx = …` changes `np->cur_rx->buffer`). */
export function reassigns(n: CfgNode, name: string): boolean {
  if (assigns(n, name)) return true;
  if (!n.node) return false;
  const w = nodeWrites(n);
  const isPrefix = (l: string): boolean => l === name || (name.startsWith(l) && /^(->|\.|\[)/.test(name.slice(l.length)));
  return w.lefts.some(isPrefix) || w.decls.includes(name);
}

export type Dir = 'TO' | 'FROM' | 'BIDI';

export interface OwnEvent {
  call: CallFact;
  node: CfgNode;
  kind: 'map' | 'sync-for-device' | 'sync-for-cpu' | 'unmap';
}

export interface Region {
  /** normalised handle text (dma_addr_t lvalue, or the sg list for sg families) */
  handle: string;
  dir: Dir | null;
  /** the map call in this function, when there is one */
  map?: CallFact;
  /** buffer expressions that are the mapped memory itself (normalised) */
  roots: string[];
  /** for page mappings: the page expression; only page_address()/kmap*() of it are memory */
  pages: string[];
  /** inferred region (no map here): the structure the handle lives in, e.g. `rx_buf` */
  base?: string;
  /** identifiers whose reassignment ends the region's identity on a path */
  bases: string[];
  toDev: OwnEvent[];
  toCpu: OwnEvent[];
}


const DATA_FIELD = /^(data|buf|buffer|bufs|va|vaddr|virt|virt_addr|cpu_addr|kaddr|head|payload|frame|pkt|skb_data|rx_buf|tx_buf|mem|vbuf|cpu_buf|hdr)$/;
const PAGE_FIELD = /^(page|pg|rx_page|pages)$/;

function stripCasts(t: string): string {
  let s = stripOuterParens(t);
  for (let g = 0; g < 8; g++) {
    const m = /^\((?:const )?(?:struct |union |enum |unsigned |signed )?[\w ]+\**\)(.+)$/.exec(s);
    if (!m) break;
    s = stripOuterParens(m[1]);
  }
  return s;
}

/** The pointer an expression reaches memory through: `p+off` → p, `&p[i]` → p, casts removed. */
export function pointerBase(t: string): string {
  let s = stripCasts(t);
  for (let g = 0; g < 8; g++) {
    const plus = /^(.+?)\+(.+)$/.exec(s);
    const amp = /^&(.+)\[[^\]]*\]$/.exec(s);
    if (amp) s = stripCasts(amp[1]);
    else if (plus && !plus[1].includes('(') ) s = stripCasts(plus[1]);
    else if (plus && balancedParens(plus[1])) s = stripCasts(plus[1]);
    else break;
  }
  return s;
}

function balancedParens(s: string): boolean {
  let d = 0;
  for (const c of s) {
    if (c === '(' || c === '[') d++;
    else if (c === ')' || c === ']') { if (--d < 0) return false; }
  }
  return d === 0;
}

function handleOf(c: CallFact): string | undefined {
  const a = c.family === 'sg' || c.family === 'sgtable' ? c.buffer : c.handle;
  return a ? stripOuterParens(a.norm) : undefined;
}

/** One assignment of the body: `l = v`, `l op= v`, or a declarator `T *l = v`. */
interface Assignment {
  /** normalised left side; for declarators the declared identifier */
  left: string;
  leftIsIdent: boolean;
  op: string;
  /** normalised value, '' when there is none */
  value: string;
  /** a declarator (`T *l = v`), and whether the identifier is the declarator itself (not behind `*` or `[]`) */
  decl: boolean;
  plain: boolean;
}

/** Every assignment and initialised declarator of the body, and the names whose address is taken: one walk per function. */
export function bodyAssignments(ctx: FunctionContext): { list: Assignment[]; addressTaken: Set<string> } {
  const cache = ctx as unknown as { __assignments?: { list: Assignment[]; addressTaken: Set<string> } };
  if (cache.__assignments) return cache.__assignments;
  const list: Assignment[] = [];
  const addressTaken = new Set<string>();
  walk(ctx.body, (x) => {
    if (x.type === 'assignment_expression') {
      const l = x.childForFieldName('left');
      const v = x.childForFieldName('right');
      if (l) list.push({ left: normText(l), leftIsIdent: l.type === 'identifier', op: x.childForFieldName('operator')?.text ?? '=', value: v ? normText(v) : '', decl: false, plain: true });
    } else if (x.type === 'init_declarator') {
      const d0 = x.childForFieldName('declarator');
      let d = d0;
      while (d && d.type !== 'identifier') d = d.childForFieldName('declarator');
      const v = x.childForFieldName('value');
      if (d) list.push({ left: d.text, leftIsIdent: true, op: '=', value: v ? normText(v) : '', decl: true, plain: d0?.type === 'identifier' });
    } else if (x.type === 'pointer_expression') {
      const t = x.text.replace(/\s/g, '');
      if (t.startsWith('&')) addressTaken.add(t.slice(1));
    }
    return true;
  }, LEAVES);
  cache.__assignments = { list, addressTaken };
  return cache.__assignments;
}

/** Locals assigned from an expression based on one of `roots` (offsets, casts, page_address/kmap of a page). */
function derivedLocals(ctx: FunctionContext, r: Region): string[] {
  const out: string[] = [];
  const { list, addressTaken } = bodyAssignments(ctx);
  const isRoot = (t: string): boolean => {
    const b = pointerBase(t);
    if (out.includes(b) || pointsInto(r, b)) return true;
    const m = /^(?:page_address|kmap|kmap_local_page|kmap_atomic|lowmem_page_address|phys_to_virt|sg_virt)\((.+)\)$/.exec(b);
    return !!m && (r.pages.includes(stripCasts(m[1])) || r.roots.includes(stripCasts(m[1])) || (!!r.base && pointsIntoBase(r, stripCasts(m[1]), true)));
  };
  // every value the local ever takes must point into the region (`header = &_hdr` elsewhere: unknown)
  const allDerive = (name: string): boolean =>
    !addressTaken.has(name) && list.every((a) => a.decl || a.left !== name || (a.op === '=' && !!a.value && isRoot(a.value)));
  const size = r.map?.size ? stripOuterParens(r.map.size.norm) : null;
  for (let round = 0; round < 2; round++) {
    for (const a of list) {
      if (a.op !== '=' || !a.leftIsIdent || !a.value || !ctx.locals.has(a.left) || out.includes(a.left) || r.roots.includes(a.left)) continue;
      const vt = stripCasts(a.value);
      // `base + size`: the first byte after the mapped region
      const plus = /^(.+?)\+(.+)$/.exec(vt);
      if (size && plus && stripOuterParens(plus[2]) === size) continue;
      if (isRoot(a.value) && allDerive(a.left)) out.push(a.left);
    }
  }
  return out;
}

function idents(t: string): string[] {
  const m = t.match(/^[A-Za-z_]\w*/);
  return m ? [m[0]] : [];
}

/** Builds the regions of a function: one per mapped handle, plus inferred ones for handles synced for the CPU. */
export function regions(ctx: FunctionContext): Region[] {
  const cache = ctx as unknown as { __regions?: Region[] };
  if (cache.__regions) return cache.__regions;
  const out: Region[] = [];
  const byHandle = new Map<string, Region>();
  const ev = (c: CallFact, kind: OwnEvent['kind']): OwnEvent | null => {
    const node = ctx.nodeOf(c);
    return node ? { call: c, node, kind } : null;
  };
  for (const c of ctx.facts.calls) {
    if (c.role !== 'map' || (c.family !== 'single' && c.family !== 'page')) continue;
    const h = c.lvalue?.norm;
    if (!h || c.result !== 'assigned' || !c.buffer) continue;
    const buf = pointerBase(c.buffer.norm.startsWith('&') ? c.buffer.norm : c.buffer.norm);
    const roots: string[] = [];
    const pages: string[] = [];
    if (c.family === 'page') {
      const m = /^virt_to_page\((.+)\)$/.exec(stripCasts(c.buffer.norm));
      if (m) roots.push(pointerBase(m[1]));
      else pages.push(stripCasts(c.buffer.norm));
    } else if (buf.startsWith('&')) roots.push(stripOuterParens(buf.slice(1)));
    else roots.push(buf);
    let r = byHandle.get(h);
    if (!r || r.map) {
      r = { handle: h, dir: dirConst(c.dir?.norm) as Dir | null, map: c, roots, pages, bases: [], toDev: [], toCpu: [] };
      if (r.dir === ('NONE' as unknown)) r.dir = null;
      out.push(r);
      byHandle.set(h, r);
    }
  }
  // inferred regions: a sync_for_cpu / unmap of a field handle never mapped here
  for (const c of ctx.facts.calls) {
    if (c.role !== 'sync-for-cpu' && c.role !== 'unmap') continue;
    if (c.family !== 'single' && c.family !== 'page') continue;
    const h = handleOf(c);
    if (!h || byHandle.has(h)) continue;
    const m = /^(.+?)(->|\.)(\w+)$/.exec(h);
    if (!m || m[1].includes('(')) continue;
    const d = dirConst(c.dir?.norm);
    const r: Region = { handle: h, dir: d === 'NONE' ? null : d, roots: [], pages: [], base: m[1], bases: [], toDev: [], toCpu: [] };
    out.push(r);
    byHandle.set(h, r);
  }
  // same-file helpers that sync or unmap a handle reached from an argument
  const helperCalls: { c: CallFact; kind: OwnEvent['kind']; h: string }[] = [];
  const helpers = ctx.summary.helpers;
  if (helpers && helpers.size) {
    for (const n of ctx.allCalls) {
      const s = helpers.get(callName(n) ?? '');
      if (!s || s.name === ctx.facts.name) continue;
      const args = callArgs(n);
      for (const e of s.effects) {
        if (e.kind === 'map' || !args[e.param]) continue;
        const h = applyPath(normText(args[e.param]), e.path);
        if (!h) continue;
        const c: CallFact = {
          id: -1, name: s.name, role: e.kind === 'unmap' ? 'unmap' : e.kind, family: 'single', kind: 'function',
          start: n.startIndex, end: n.endIndex, args: [], result: 'other', loops: [],
          dir: e.dir ? { text: e.dir, norm: e.dir, start: n.startIndex, end: n.startIndex } : undefined,
        };
        helperCalls.push({ c, kind: e.kind, h });
        if ((e.kind === 'sync-for-cpu' || e.kind === 'unmap') && !byHandle.has(h)) {
          const m = /^(.+?)(->|\.)(\w+)$/.exec(h);
          if (m && !m[1].includes('(')) {
            const d = dirConst(e.dir);
            const r: Region = { handle: h, dir: d === 'NONE' ? null : d, roots: [], pages: [], base: m[1], bases: [], toDev: [], toCpu: [] };
            out.push(r);
            byHandle.set(h, r);
          }
        }
      }
    }
  }
  // locals that copy a handle (`dest_dma = unmap->addr[n];`) name the same mapping
  const aliases = new Map<string, string>();
  for (const a of bodyAssignments(ctx).list) {
    if (a.op !== '=' || !a.leftIsIdent || !a.plain || !a.value || !ctx.locals.has(a.left)) continue;
    const r = byHandle.get(stripOuterParens(a.value));
    if (r && r.handle !== a.left && !byHandle.has(a.left)) aliases.set(a.left, r.handle);
  }
  const canon = (h: string | undefined): string | undefined => (h && aliases.get(h)) ?? h;
  for (const r of out) {
    for (const hc of helperCalls) {
      if (canon(hc.h) !== r.handle) continue;
      const e = ev(hc.c, hc.kind);
      if (!e) continue;
      if (hc.kind === 'sync-for-device') r.toDev.push(e);
      else r.toCpu.push(e);
    }
    // dmaengine_unmap_put(unmap) releases every handle stored in unmap->addr[]
    for (const n of ctx.allCalls) {
      if (callName(n) !== 'dmaengine_unmap_put') continue;
      const a = callArgs(n)[0];
      if (!a || !r.handle.startsWith(normText(a) + '->addr[')) continue;
      const c: CallFact = { id: -1, name: 'dmaengine_unmap_put', role: 'unmap', family: 'single', kind: 'function', start: n.startIndex, end: n.endIndex, args: [], result: 'other', loops: [] };
      const e = ev(c, 'unmap');
      if (e) r.toCpu.push(e);
    }
    for (const c of ctx.facts.calls) {
      const h = c.role === 'map' ? c.lvalue?.norm : canon(handleOf(c));
      if (h !== r.handle) continue;
      const kind: OwnEvent['kind'] | null =
        c.role === 'map' ? 'map' : c.role === 'sync-for-device' ? 'sync-for-device' : c.role === 'sync-for-cpu' ? 'sync-for-cpu' : c.role === 'unmap' ? 'unmap' : null;
      if (!kind) continue;
      if (kind === 'map' && c !== r.map && r.map) {
        // a later map of the same handle variable is a new region of its own
        continue;
      }
      const e = ev(c, kind);
      if (!e) continue;
      if (kind === 'map' || kind === 'sync-for-device') r.toDev.push(e);
      else r.toCpu.push(e);
    }
    const bs = new Set<string>();
    for (const t of [...r.roots, ...r.pages, ...(r.base ? [r.base] : [])]) for (const i of idents(t)) bs.add(i);
    r.bases = [...bs];
    r.roots.push(...derivedLocals(ctx, r));
  }
  cache.__regions = out;
  return out;
}

/** Does a pointer expression (normalised) point into the region's memory? */
export function pointsInto(r: Region, t: string): boolean {
  const b = pointerBase(t);
  if (r.roots.includes(b)) return true;
  const m = /^(?:page_address|kmap|kmap_local_page|kmap_atomic|lowmem_page_address)\((.+)\)$/.exec(b);
  if (m && r.pages.includes(stripCasts(m[1]))) return true;
  if (r.base) return pointsIntoBase(r, b, !!m);
  return false;
}

/** Inferred regions: `base->…->data`-like sibling fields of the handle (page fields only through page_address/kmap). */
function pointsIntoBase(r: Region, b: string, viaPageMap: boolean): boolean {
  {
    if (!r.base) return false;
    if (!b.startsWith(r.base + '->') && !b.startsWith(r.base + '.')) return false;
    if (b === r.handle) return false;
    const rest = b.slice(r.base.length).replace(/^(->|\.)/, '');
    const fields = rest.split(/->|\./);
    if (fields.some((f) => /[\[\(]/.test(f))) return false;
    const last = fields[fields.length - 1];
    if (DATA_FIELD.test(last)) return true;
    if (viaPageMap && PAGE_FIELD.test(last)) return true;
    return false;
  }
}
