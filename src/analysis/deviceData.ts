/**
 * Device-written memory as untrusted input (issue 16): which expressions of a function read memory the
 * device (or, in a confidential VM, the host) can rewrite at any moment, which values flow from those reads
 * into an array index, a copy length, a loop bound or a pointer/handle, and whether a bound check stands
 * in between.
 *
 * Device-writable memory, as the file shows it:
 * - DMA-coherent and pool memory: the CPU pointer of `dma_alloc_coherent()` / `dmam_alloc_coherent()` /
 *   `dma_alloc_attrs()` / `dma_alloc_wc()` / `dma_pool_alloc()` / `dma_pool_zalloc()`, kept in a local of the
 *   allocating function or in a struct member (`ring->desc = dma_alloc_coherent(…)` in probe makes every
 *   `x->desc` of the file device memory, unless `x` is declared as another struct type);
 * - streaming buffers mapped DMA_FROM_DEVICE / DMA_BIDIRECTIONAL (ownership.ts regions);
 * - the used length `virtqueue_get_buf(vq, &len)` / `virtqueue_get_buf_ctx(vq, &len, …)` writes.
 *
 * There is no driver index yet (cross-file knowledge): what the allocation of another file does is unknown,
 * so members allocated elsewhere are not device memory here.
 */
import type { Node } from 'web-tree-sitter';
import { walk, callName, callArgs, normText, stripParensAndCasts, LEAVES } from './ast';
import { reach, type CfgNode } from './cfg';
import type { FunctionContext, FileSummary } from './facts';
import { regions, pointsInto, reassigns } from './ownership';
import { baseNames, nodeWrites } from './writes';
import { apiEntry, paramIndex, P } from './api';
import { DEVICE_ALLOCATORS, GENERIC_MEMBER, mentionsDeviceMember, structTypeOf, type DeviceAlloc } from './deviceMemory';

/** Calls that write a device-reported length through their second argument. */
const USED_LEN = /^(virtqueue_get_buf|virtqueue_get_buf_ctx)$/;

/** Where device-writable memory comes from, for related locations. */
export interface Origin {
  start: number;
  end: number;
  /** 'dma_alloc_coherent()', 'a DMA_FROM_DEVICE mapping', 'virtqueue_get_buf()' */
  what: string;
  kind: 'coherent' | 'streaming' | 'used-len';
}

/** One read of device-writable memory. */
export interface DeviceRead {
  node: Node;
  start: number;
  end: number;
  /** normalised text of the location (the read expression, without le*_to_cpu/READ_ONCE around it) */
  key: string;
  cfg: CfgNode;
  origin: Origin;
}

/** A device value reaching a sink. */
export interface DeviceFlow {
  /** the read the value comes from (or the used-length call) */
  read: { start: number; end: number; text: string };
  origin: Origin;
  /** the expression at the sink (an identifier holding the value, or the read itself) */
  at: Node;
  sink: 'index' | 'length' | 'loop' | 'pointer';
  sinkWhat: string;
  /** the local the value went through, when it did */
  via?: string;
  /** that local accumulates (`x += v`, `x -= v`): a running sum, not the value itself */
  viaAccumulates?: boolean;
  /** double fetch: the earlier read of the same location that a check looked at */
  checkedRead?: DeviceRead;
  /** the read that is fetched a second time (double fetch) */
  secondRead?: DeviceRead;
}

export interface DeviceAnalysis {
  reads: DeviceRead[];
  flows: DeviceFlow[];
}

/**
 * Conversions that keep a value what it was (byte order, a single fetch, width). Every other call ends a
 * value's taint: clamps (min/min_t/clamp/array_index_nospec), field extraction by mask (FIELD_GET), and
 * unknown functions alike — generous, to stay precise. So do `&` (a mask) and `%`.
 */
const CONVERT = /^(le16_to_cpu|le32_to_cpu|le64_to_cpu|be16_to_cpu|be32_to_cpu|be64_to_cpu|__le16_to_cpu|__le32_to_cpu|__le64_to_cpu|le16_to_cpup|le32_to_cpup|READ_ONCE|get_unaligned|get_unaligned_le16|get_unaligned_le32|get_unaligned_le64|get_unaligned_be16|get_unaligned_be32|lower_32_bits|upper_32_bits|u64_to_user_ptr|phys_to_virt|bus_to_virt)$/;
const REL_OPS = new Set(['<', '>', '<=', '>=', '==', '!=']);
/** Calls that fill memory through their first argument. */
const COPY_IN = /\b(memcpy|memset|memmove|copy_from_user|strscpy|strcpy|strncpy|memcpy_fromio|skb_copy_bits)\s*\(/;
/** A bound check proper (double fetch asks for one: an equality test of a flag is not a bound). */
const BOUND_OPS = new Set(['<', '>', '<=', '>=']);

/** Length arguments: call → argument indexes. */
const LENGTH_ARGS: Record<string, number[]> = {
  memcpy: [2], memmove: [2], memset: [2], memcpy_fromio: [2], memcpy_toio: [2], __memcpy: [2],
  skb_put: [1], __skb_put: [1], skb_put_data: [2], __skb_put_data: [2], skb_put_zero: [1],
  skb_add_rx_frag: [3, 4], skb_add_rx_frag_netmem: [3, 4], skb_copy_to_linear_data: [2], skb_copy_to_linear_data_offset: [1, 3],
  skb_copy_from_linear_data: [2], skb_copy_from_linear_data_offset: [1, 3], skb_pull: [1], __skb_pull: [1], skb_copy_bits: [1, 3],
  copy_to_user: [2], copy_from_user: [2], skb_store_bits: [1, 3], memcmp: [2],
};
/** Calls that free or release a pointer argument. */
const FREES = /^(kfree|kvfree|vfree|dev_kfree_skb|dev_kfree_skb_any|dev_kfree_skb_irq|dev_consume_skb_any|napi_consume_skb|consume_skb|kfree_skb|put_page|__free_page|__free_pages|free_page|page_frag_free|skb_free_frag|page_pool_put_full_page|page_pool_recycle_direct|page_pool_put_page)$/;
const DMA_HANDLE_SINK = /^(dma_unmap_single|dma_unmap_single_attrs|dma_unmap_page|dma_unmap_page_attrs|dma_sync_single_for_cpu|dma_sync_single_for_device|dma_free_coherent|dmam_free_coherent|dma_pool_free|dma_free_attrs|dma_unmap_resource)$/;
/** Same-file helpers that look like validation: a call of one with the value counts as a check. */
const CHECKER_NAME = /valid|check|verify|sanit|bound|range|ok$|_good|_bad|legal/i;

/** Read/write context of the outermost expression of a read chain. */
function readContext(x: Node): 'read' | 'address' | 'write' | 'none' {
  const p = x.parent;
  if (!p) return 'none';
  if (p.type === 'pointer_expression' && p.text.startsWith('&')) return 'address';
  if (p.type === 'assignment_expression' && p.childForFieldName('left')?.id === x.id) return 'write';
  if (p.type === 'update_expression') return 'write';
  for (let q: Node | null = p; q && !q.type.endsWith('_statement') && q.type !== 'declaration'; q = q.parent) {
    if (q.type === 'sizeof_expression' || q.type === 'offsetof_expression' || q.type === 'alignof_expression') return 'none';
    if (q.type === 'call_expression' && /^(typeof|__typeof__|ARRAY_SIZE|offsetof|sizeof_field)$/.test(callName(q) ?? '')) return 'none';
  }
  return 'read';
}

/** Climbs `.f` and `[i]` chains of a read (a `->` through a read value is a dereference of device data: stop there). */
function outermost(x: Node): Node {
  let cur = x;
  for (let p = cur.parent; p; p = cur.parent) {
    if (p.type === 'parenthesized_expression') { cur = p; continue; }
    if (p.type === 'subscript_expression' && p.childForFieldName('argument')?.id === cur.id) { cur = p; continue; }
    if (p.type === 'field_expression' && p.childForFieldName('argument')?.id === cur.id && p.childForFieldName('operator')?.text === '.') { cur = p; continue; }
    break;
  }
  return cur;
}

class Analyzer {
  readonly reads: DeviceRead[] = [];
  readonly flows: DeviceFlow[] = [];
  private readonly members: Map<string, DeviceAlloc[]>;
  private readonly typeCache = new Map<string, string | null>();
  /** local → origin of the device memory it points into */
  private readonly aliases = new Map<string, Origin>();
  private readonly readAt = new Map<number, DeviceRead>();
  /** local → its definitions */
  private readonly defs = new Map<string, { node: Node; value: Node | null; cfg: CfgNode; usedLen?: Node }[]>();
  private readonly streaming: { r: ReturnType<typeof regions>[number]; origin: Origin }[] = [];
  private readonly taintMemo = new Map<string, TaintResult | null>();
  private readonly locChecks = new Map<string, CfgNode[]>();

  constructor(private readonly ctx: FunctionContext) {
    this.members = ctx.summary.deviceMemory?.() ?? new Map();
  }

  run(): void {
    const ctx = this.ctx;
    for (const r of regions(ctx)) {
      if (r.dir !== 'FROM' && r.dir !== 'BIDI') continue;
      if (!r.roots.length && !r.base) continue;
      const ev = r.map ?? r.toCpu[0]?.call;
      if (!ev) continue;
      this.streaming.push({ r, origin: { start: ev.start, end: ev.end, what: `the ${r.dir === 'FROM' ? 'DMA_FROM_DEVICE' : 'DMA_BIDIRECTIONAL'} buffer of ${ev.name}()`, kind: 'streaming' } });
    }
    // most functions read no device memory at all: a text test before any walk (regions are shared with the ownership rules)
    const fnText = ctx.text.slice(ctx.facts.start, ctx.facts.end);
    const direct = /\bvirtqueue_get_buf|\b(dma_alloc_coherent|dmam_alloc_coherent|dma_alloc_attrs|dmam_alloc_attrs|dma_alloc_wc|dma_pool_alloc|dma_pool_zalloc)\s*\(/.test(fnText);
    const named = mentionsDeviceMember(fnText, ctx.summary);
    if (!direct && !this.streaming.length && !named) return;
    this.collectDefs();
    this.collectAliases();
    const usedLen = [...this.defs.values()].some((d) => d.some((x) => x.usedLen));
    if (!this.aliases.size && !named && !this.streaming.length && !usedLen) return;
    this.collectReads();
    if (!this.reads.length && !usedLen) return;
    this.collectSinks();
  }

  private arrays?: Set<string>;
  private arrayMembers(): Set<string> {
    if (!this.arrays) {
      this.arrays = new Set();
      const st = this.ctx.summary.structs?.();
      if (st) for (const fs of st.values()) for (const f of fs) if (f.array) this.arrays.add(f.name);
    }
    return this.arrays;
  }

  private cfgOf(n: Node): CfgNode | undefined {
    return this.ctx.index.at(n.startIndex, n.endIndex);
  }

  /** One walk of the body: assignments, initialised declarators and memory accesses (calls come from ctx.allCalls). */
  private readonly assigns: Node[] = [];
  private readonly accessCands: Node[] = [];
  private gather(): void {
    walk(this.ctx.body, (x) => {
      const t = x.type;
      if (t === 'assignment_expression' || t === 'init_declarator') this.assigns.push(x);
      else if (t === 'subscript_expression' || t === 'field_expression' || t === 'pointer_expression') this.accessCands.push(x);
      return true;
    }, LEAVES);
  }

  private collectDefs(): void {
    this.gather();
    for (const x of this.assigns) {
      if (x.type === 'assignment_expression') {
        const l = x.childForFieldName('left');
        if (l?.type === 'identifier' && this.ctx.locals.has(l.text)) this.addDef(l.text, x, x.childForFieldName('right'));
      } else {
        let d = x.childForFieldName('declarator');
        while (d && d.type !== 'identifier') d = d.childForFieldName('declarator');
        if (d) this.addDef(d.text, x, x.childForFieldName('value'));
      }
    }
    for (const x of this.ctx.allCalls) {
      if (!USED_LEN.test(callName(x) ?? '')) continue;
      const a = callArgs(x)[1];
      const s = a ? stripParensAndCasts(a) : null;
      if (s && s.type === 'pointer_expression' && s.text.startsWith('&')) {
        const v = s.childForFieldName('argument');
        if (v?.type === 'identifier' && this.ctx.locals.has(v.text)) {
          const c = this.cfgOf(x);
          if (c) this.pushDef(v.text, { node: x, value: null, cfg: c, usedLen: x });
        }
      }
    }
  }

  private addDef(name: string, node: Node, value: Node | null): void {
    const c = this.cfgOf(node);
    if (c) this.pushDef(name, { node, value, cfg: c });
  }

  private pushDef(name: string, d: { node: Node; value: Node | null; cfg: CfgNode; usedLen?: Node }): void {
    const l = this.defs.get(name) ?? [];
    l.push(d);
    this.defs.set(name, l);
  }

  /** Locals pointing into device memory: allocated here, or every value they take points into it. */
  private collectAliases(): void {
    for (let round = 0; round < 3; round++) {
      for (const [name, ds] of this.defs) {
        if (this.aliases.has(name) || !ds.length) continue;
        let origin: Origin | null = null;
        let all = true;
        for (const d of ds) {
          const o = d.value ? this.devicePtr(d.value) : null;
          if (!o) { all = false; break; }
          origin ??= o;
        }
        if (all && origin) this.aliases.set(name, origin);
      }
    }
  }

  /** Is the expression a pointer into device memory? Its origin, or null. */
  devicePtr(e: Node): Origin | null {
    const x = stripParensAndCasts(e);
    switch (x.type) {
      case 'call_expression': {
        const name = callName(x) ?? '';
        if (DEVICE_ALLOCATORS.test(name)) return { start: x.startIndex, end: x.endIndex, what: `${name}()`, kind: 'coherent' };
        return this.streamingPtr(x);
      }
      case 'identifier':
        return this.aliases.get(x.text) ?? this.streamingPtr(x);
      case 'field_expression': {
        const f = x.childForFieldName('field');
        const a = x.childForFieldName('argument');
        const allocs = f ? this.members.get(f.text) : undefined;
        if (allocs && a) {
          const base = stripParensAndCasts(a);
          const t = base.type === 'identifier' ? structTypeOf(this.ctx.fn, base.text, this.typeCache) : null;
          const bt = normText(base);
          const generic = GENERIC_MEMBER.test(f!.text);
          const fit = allocs.filter((al) => (generic ? (!!t && al.owner === t) || al.base === bt : !t || !al.owner || al.owner === t));
          if (fit.length) return { start: fit[0].start, end: fit[0].end, what: `${fit[0].call}()`, kind: 'coherent' };
        }
        return this.streamingPtr(x);
      }
      case 'binary_expression': {
        const op = x.childForFieldName('operator')?.text;
        const l = x.childForFieldName('left');
        return (op === '+' || op === '-') && l ? this.devicePtr(l) : null;
      }
      case 'pointer_expression':
        if (x.text.startsWith('&')) {
          const a = x.childForFieldName('argument');
          return a ? this.deviceLvalue(a) : null;
        }
        return null;
      default:
        return null;
    }
  }

  private streamingPtr(x: Node): Origin | null {
    if (!this.streaming.length) return null;
    const t = normText(x);
    for (const s of this.streaming) if (pointsInto(s.r, t) && t !== s.r.handle) return s.origin;
    return null;
  }

  /** Is an lvalue (the operand of `&`) inside device memory? */
  private deviceLvalue(e: Node): Origin | null {
    const x = stripParensAndCasts(e);
    const a = x.childForFieldName('argument');
    if (!a) return null;
    if (x.type === 'subscript_expression') return this.devicePtr(a);
    if (x.type === 'pointer_expression' && x.text.startsWith('*')) return this.devicePtr(a);
    if (x.type === 'field_expression') {
      return x.childForFieldName('operator')?.text === '->' ? this.devicePtr(a) : this.deviceLvalue(a);
    }
    return null;
  }

  private collectReads(): void {
    const seen = new Set<number>();
    for (const x of this.accessCands) ((): boolean => {
      let ptr: Node | null = null;
      if (x.type === 'subscript_expression') ptr = x.childForFieldName('argument');
      else if (x.type === 'field_expression' && x.childForFieldName('operator')?.text === '->') ptr = x.childForFieldName('argument');
      else if (x.type === 'pointer_expression' && x.text.startsWith('*')) ptr = x.childForFieldName('argument');
      if (!ptr) return true;
      const origin = this.devicePtr(ptr);
      if (!origin) return true;
      const top = outermost(x);
      if (seen.has(top.id)) return true;
      seen.add(top.id);
      if (readContext(top) !== 'read') return true;
      // `blk->cmd` where the file declares `cmd` as an array member: an address, not a load
      if (top.type === 'field_expression' && this.arrayMembers().has(top.childForFieldName('field')?.text ?? '')) return true;
      const c = this.cfgOf(top);
      if (!c) return true;
      const r: DeviceRead = { node: top, start: top.startIndex, end: top.endIndex, key: normText(top), cfg: c, origin };
      this.reads.push(r);
      this.readAt.set(top.id, r);
      return true;
    })();
  }

  /** Conditions (and BUG_ON() statements) that compare, clamp or validate something containing a `pred`-matching node. */
  private checksIn(n: CfgNode, pred: (x: Node) => boolean, boundOnly = false): boolean {
    if (!n.node) return false;
    const isCond = n.kind === 'cond';
    if (!isCond && !/\bBUG_ON\b/.test(n.node.text) && !CHECKER_NAME.test(n.node.text) && !this.callsBoundingHelper(n.node.text)) return false;
    const contains = (y: Node): boolean => {
      let found = false;
      walk(y, (z) => {
        if (found) return false;
        if (pred(z)) found = true;
        return !found;
      });
      return found;
    };
    if (isCond && n.node.parent?.type === 'switch_statement') return !boundOnly && contains(n.node);
    let hit = false;
    const scan = (root: Node): void => walk(root, (x) => {
      if (hit) return false;
      if (x.type === 'binary_expression' && (boundOnly ? BOUND_OPS : REL_OPS).has(x.childForFieldName('operator')?.text ?? '')) { if (contains(x)) hit = true; return false; }
      if (x.type === 'call_expression') {
        const name = callName(x) ?? '';
        // a same-file (or any) helper given the value in a condition: trusted to validate it
        if (!CONVERT.test(name) && !/^(unlikely|likely|WARN_ON|WARN_ON_ONCE|BUG_ON|WARN)$/.test(name) && (!boundOnly || /^(min|min_t|clamp\w*)$/.test(name)) && contains(x)) { hit = true; return false; }
        if (this.boundsArg(x, contains)) { hit = true; return false; }
      }
      return true;
    }, LEAVES);
    if (isCond) scan(n.node);
    else walk(n.node, (x) => {
      if (x.type === 'call_expression' && callName(x) === 'BUG_ON') { scan(x); return false; }
      if (x.type === 'call_expression' && this.boundsArg(x, contains)) { hit = true; return false; }
      // `err = foo_validate_len(priv, len);` then a test of err: the helper is trusted to bound it
      if (x.type === 'call_expression' && CHECKER_NAME.test(callName(x) ?? '') && contains(x)) { hit = true; return false; }
      return !hit;
    }, LEAVES);
    return hit;
  }

  /** A call of a same-file helper that bounds the parameter the value is passed as. */
  private boundsArg(call: Node, contains: (y: Node) => boolean): boolean {
    const idx = this.ctx.summary.boundingHelpers?.().get(callName(call) ?? '');
    if (!idx) return false;
    const args = callArgs(call);
    return idx.some((i) => !!args[i] && contains(args[i]));
  }

  private callsBoundingHelper(t: string): boolean {
    const bh = this.ctx.summary.boundingHelpers?.();
    if (!bh || !bh.size) return false;
    for (const k of bh.keys()) if (t.includes(k + '(')) return true;
    return false;
  }

  /** Memoised per node and name (reach() asks the same node many times); a text test before any walk. */
  private readonly checkMemo = new Map<string, boolean>();

  private checksLocal(n: CfgNode, name: string): boolean {
    const k = `${n.id}\u0000${name}`;
    let v = this.checkMemo.get(k);
    if (v === undefined) {
      v = !!n.node && this.ctx.text.slice(n.start, n.end).includes(name) && this.checksIn(n, (z) => z.type === 'identifier' && z.text === name);
      this.checkMemo.set(k, v);
    }
    return v;
  }

  private checksLocation(n: CfgNode, key: string, boundOnly = false): boolean {
    const k = `${n.id}\u0001${key}\u0001${boundOnly ? 'b' : ''}`;
    let v = this.checkMemo.get(k);
    if (v === undefined) {
      const field = /(\w+)[\])]*$/.exec(key)?.[1] ?? '';
      v = !!n.node && this.ctx.text.slice(n.start, n.end).includes(field) && this.checksIn(n, (z) => this.readAt.has(z.id) && this.readAt.get(z.id)!.key === key, boundOnly);
      this.checkMemo.set(k, v);
    }
    return v;
  }

  /** A memcpy()/memset()/copy_from_user()-style call of the node writes through a pointer rooted at `root`. */
  private copiesInto(n: CfgNode, root: string): boolean {
    let hit = false;
    walkOwnNode(n, (x) => {
      if (hit) return false;
      if (x.type === 'call_expression' && COPY_IN.test((callName(x) ?? '') + '(')) {
        const d = callArgs(x)[0];
        const id = d ? /^[&(*\s]*(?:\([^)]*\)\s*)?([A-Za-z_]\w*)/.exec(d.text)?.[1] : undefined;
        if (id === root) hit = true;
      }
      return !hit;
    });
    return hit;
  }

  /** The CPU wrote this location earlier on a path to the read (its own value, e.g. a command block it filled or copied in). */
  private ownWrite(r: DeviceRead): boolean {
    const bases = baseNames(r.key);
    const root = bases[0];
    for (const n of this.ctx.cfg.nodes) {
      if (!n.node || n.id === r.cfg.id) continue;
      const w = nodeWrites(n).lefts.includes(r.key) || (!!root && COPY_IN.test(n.node.text) && this.copiesInto(n, root));
      if (!w) continue;
      if (reach(this.ctx.cfg, n.id, { target: (m) => m.id === r.cfg.id, blocked: (m) => bases.some((b) => reassigns(m, b)), limit: 20000 })) return true;
    }
    return false;
  }

  /** Taint of an expression evaluated at CFG node `at`: where its device value comes from, or null. */
  taint(e: Node, at: CfgNode, depth = 0): TaintResult | null {
    if (depth > 6) return null;
    const r = this.readAt.get(e.id);
    if (r) return this.readTaint(r);
    switch (e.type) {
      case 'number_literal': case 'string_literal': case 'char_literal': case 'sizeof_expression': return null;
      case 'identifier': {
        if (!this.defs.has(e.text) || this.aliases.has(e.text)) return null;
        return this.localTaint(e.text, at, depth);
      }
      case 'parenthesized_expression': case 'cast_expression': {
        const v = e.type === 'cast_expression' ? e.childForFieldName('value') : e.namedChild(0);
        return v ? this.taint(v, at, depth) : null;
      }
      case 'call_expression': {
        const name = callName(e) ?? '';
        if (!CONVERT.test(name)) return null;
        const a = callArgs(e)[0];
        return a ? this.taint(a, at, depth) : null;
      }
      case 'binary_expression': {
        const op = e.childForFieldName('operator')?.text ?? '';
        if (!/^(\+|-|\*|<<|>>|\|)$/.test(op)) return null;
        const l = e.childForFieldName('left');
        const rr = e.childForFieldName('right');
        return (l && this.taint(l, at, depth)) || (rr && op !== '>>' && op !== '<<' ? this.taint(rr, at, depth) : null);
      }
      case 'unary_expression': {
        const op = e.text.trim()[0];
        const a = e.childForFieldName('argument');
        return op === '-' || op === '~' || op === '+' ? (a ? this.taint(a, at, depth) : null) : null;
      }
      default:
        return null;
    }
  }

  private readTaint(r: DeviceRead): TaintResult | null {
    const t = this.locationTaint(r);
    if (!t || t.double) return t;
    // the driver's own bookkeeping kept in shared memory: a location this function wrote (or copied into) on the
    // way, or a member the file's code stores values into (a second fetch of those is still reported above)
    if (this.ownWrite(r)) return null;
    const field = /(\w+)(?:\[[^\]]*\])*$/.exec(r.key)?.[1];
    if (field && r.origin.kind === 'coherent' && /(->|\.)\s*\w+(?:\[[^\]]*\])*$/.test(r.key) && this.ctx.summary.cpuWrittenFields?.().has(field)) return null;
    return t;
  }

  private locationTaint(r: DeviceRead): TaintResult | null {    // a check of the same location on every path to this read: a second fetch (or a check we trust)
    let checks = this.locChecks.get(r.key);
    if (!checks) this.locChecks.set(r.key, (checks = this.ctx.cfg.nodes.filter((n) => this.checksLocation(n, r.key))));
    checks = checks.filter((n) => n.id !== r.cfg.id);
    if (checks.length) {
      const ids = new Set(checks.map((n) => n.id));
      const free = reach(this.ctx.cfg, this.ctx.cfg.entry, { target: (n) => n.id === r.cfg.id, blocked: (n) => ids.has(n.id), limit: 20000 });
      if (free === undefined) return null;
      if (!free) {
        // a check reaching this read with the location unchanged: the value checked is not the value used
        const bases = baseNames(r.key);
        for (const c of checks) {
          if (!this.checksLocation(c, r.key, true)) continue;
          const hit = reach(this.ctx.cfg, c.id, { target: (n) => n.id === r.cfg.id, blocked: (n) => bases.some((b) => reassigns(n, b)), limit: 20000 });
          if (hit) {
            const first = this.reads.find((x) => x.cfg.id === c.id && x.key === r.key);
            if (first) return { read: r, origin: r.origin, double: first };
          }
        }
        return null;
      }
    }
    return { read: r, origin: r.origin };
  }

  private localTaint(name: string, at: CfgNode, depth: number): TaintResult | null {
    const memo = `${name}@${at.id}`;
    if (this.taintMemo.has(memo)) return this.taintMemo.get(memo)!;
    this.taintMemo.set(memo, null); // cycles: untainted
    const ds = this.defs.get(name) ?? [];
    const defIds = new Set(ds.map((d) => d.cfg.id));
    let out: TaintResult | null = null;
    for (const d of ds) {
      let t: TaintResult | null = null;
      if (d.usedLen) t = { read: { start: d.usedLen.startIndex, end: d.usedLen.endIndex, text: d.usedLen.text, usedLen: true }, origin: { start: d.usedLen.startIndex, end: d.usedLen.endIndex, what: `${callName(d.usedLen)}()`, kind: 'used-len' } };
      else if (d.value) t = this.taint(d.value, d.cfg, depth + 1);
      if (!t) continue;
      if (d.cfg.id === at.id) continue;
      // a check of a local this one was computed from also bounds it (`pkt_size = rx_size - 4; if (rx_size > MAX) …`)
      const from = d.value ? localsIn(d.value).filter((l) => l !== name && this.defs.has(l)) : [];
      const hit = reach(this.ctx.cfg, d.cfg.id, {
        target: (n) => n.id === at.id,
        blocked: (n) => defIds.has(n.id) || this.checksLocal(n, name) || from.some((l) => this.checksLocal(n, l)),
        limit: 20000,
      });
      if (hit) { out = { ...t, via: name }; break; }
    }
    this.taintMemo.set(memo, out);
    return out;
  }

  private collectSinks(): void {
    const cands: { at: Node; cfg: CfgNode; sink: DeviceFlow['sink']; sinkWhat: string }[] = [];
    this.gatherSinks((at, cfg, sink, sinkWhat) => cands.push({ at, cfg, sink, sinkWhat }));
    cands.sort((a, b) => a.at.startIndex - b.at.startIndex);
    const seen = new Set<string>();
    for (const c of cands) {
      const { at, cfg, sink, sinkWhat } = c;
      const bare = stripParensAndCasts(at);
      if (sink !== 'pointer' && bare.type === 'identifier' && (this.ctx.locals.get(bare.text)?.pointer || this.ctx.locals.get(bare.text)?.array)) continue;
      const t = this.taint(at, cfg);
      if (!t) continue;
      const k = `${t.read.start}:${t.via ?? ''}:${t.double ? 'd' : 'u'}`;
      if (seen.has(k)) continue;
      seen.add(k);
      this.flows.push({
        read: { start: t.read.start, end: t.read.end, text: 'node' in t.read ? t.read.node.text : t.read.text }, origin: t.origin, at, sink, sinkWhat, via: t.via,
        checkedRead: t.double, secondRead: t.double ? (t.read as DeviceRead) : undefined,
        viaAccumulates: !!t.via && (this.defs.get(t.via) ?? []).some((d) => d.node.type === 'assignment_expression' && /^[+-]=$/.test(d.node.childForFieldName('operator')?.text ?? '')),
      });
    }
  }

  private gatherSinks(push: (at: Node, cfg: CfgNode, sink: DeviceFlow['sink'], sinkWhat: string) => void): void {
    // only expressions that may carry a device value are placed in the CFG (CfgIndex.at is a scan)
    const names = [...this.defs.keys()].filter((k) => !this.aliases.has(k));
    const nameRe = names.length ? new RegExp(`\\b(${names.join('|')})\\b`) : null;
    const maybe = (e: Node): boolean => this.reads.some((r) => r.start >= e.startIndex && r.end <= e.endIndex) || (!!nameRe && nameRe.test(this.ctx.text.slice(e.startIndex, e.endIndex)));
    const at = (e: Node, sink: DeviceFlow['sink'], what: string): void => {
      if (!maybe(e)) return;
      const c = this.cfgOf(e);
      if (c) push(e, c, sink, what);
    };
    for (const n of this.ctx.cfg.nodes) {
      const loopCond = n.kind === 'cond' && n.loop && n.loop.type !== 'do_statement' ? n.loop.childForFieldName('condition') : null;
      if (!loopCond || !maybe(loopCond)) continue;
      // a loop bound: a side of the loop condition's comparison that is not the variable the loop steps
      const upd = n.loop!.childForFieldName('update')?.text ?? '';
      walk(loopCond, (x) => {
        if (x.type === 'binary_expression' && /^(<|<=|>|>=)$/.test(x.childForFieldName('operator')?.text ?? '')) {
          for (const s of [x.childForFieldName('left'), x.childForFieldName('right')]) {
            const id = s ? stripParensAndCasts(s) : null;
            if (!s || (id?.type === 'identifier' && new RegExp(`\\b${id.text}\\b`).test(upd))) continue;
            if (maybe(s)) push(s, n, 'loop', 'a loop bound');
          }
          return false;
        }
        return true;
      }, LEAVES);
    }
    for (const x of this.accessCands) {
      if (x.type !== 'subscript_expression') continue;
      const i = x.childForFieldName('index');
      if (i) at(i, 'index', 'an array index');
    }
    for (const x of this.ctx.allCalls) {
      const name = callName(x) ?? '';
      const li = LENGTH_ARGS[name];
      const frees = FREES.test(name);
      const e = DMA_HANDLE_SINK.test(name) ? apiEntry(name) : undefined;
      if (!li && !frees && !e) continue;
      const args = callArgs(x);
      if (li) for (const i of li) if (args[i]) at(args[i], 'length', `the ${i === li[li.length - 1] || name.startsWith('mem') ? 'length' : 'offset'} of ${name}()`);
      if (frees && args[0]) at(args[0], 'pointer', `the pointer ${name}() frees`);
      if (e) {
        const hi = paramIndex(e, ...P.handle);
        if (hi >= 0 && args[hi]) at(args[hi], 'pointer', `the handle ${name}() releases`);
        const ci = e.role === 'free' || e.role === 'pool-free' ? paramIndex(e, ...P.cpu) : -1;
        if (ci >= 0 && args[ci]) at(args[ci], 'pointer', `the pointer ${name}() frees`);
      }
    }
  }

}

interface TaintResult {
  read: DeviceRead | { start: number; end: number; text: string; usedLen: true };
  origin: Origin;
  via?: string;
  double?: DeviceRead;
}

/** Identifiers of an expression (for the locals a value was computed from). */
function localsIn(e: Node): string[] {
  const out: string[] = [];
  walk(e, (x) => {
    if (x.type === 'identifier') out.push(x.text);
    // `p->len`: only `p` is a local the value may come from
    return x.type !== 'field_identifier';
  });
  return out;
}

/** Walks one CFG node's own syntax (nested statements are CFG nodes of their own). */
function walkOwnNode(n: CfgNode, visit: (x: Node) => boolean | void): void {
  const top = n.node;
  if (!top) return;
  walk(top, (x) => {
    if (x.id !== top.id && (x.type === 'compound_statement' || (x.type.endsWith('_statement') && x.type !== 'expression_statement'))) return false;
    return visit(x);
  }, LEAVES);
}

/** Reads of device memory in a function and the device values that reach a sink (cached on the context). */
export function deviceData(ctx: FunctionContext): DeviceAnalysis {
  const c = ctx as unknown as { __deviceData?: DeviceAnalysis };
  if (c.__deviceData) return c.__deviceData;
  const a = new Analyzer(ctx);
  if (!ctx.cfg.truncated) a.run();
  c.__deviceData = { reads: a.reads, flows: a.flows };
  return c.__deviceData;
}

/** The platforms on which device-written memory is attacker-controlled. */
export const UNTRUSTED_PLATFORMS = '`cvm` (the host rewrites shared memory) and `iommu-untrusted` (an external device)';

