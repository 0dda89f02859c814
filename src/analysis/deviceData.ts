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
 * - streaming buffers mapped DMA_FROM_DEVICE / DMA_BIDIRECTIONAL (ownershipRegions.ts);
 * - the used length `virtqueue_get_buf(vq, &len)` / `virtqueue_get_buf_ctx(vq, &len, …)` writes.
 *
 * There is no driver index yet (cross-file knowledge): what the allocation of another file does is unknown,
 * so members allocated elsewhere are not device memory here.
 */
import type { Node } from 'web-tree-sitter';
import { walk, callName, callArgs, normText, stripParensAndCasts, LEAVES } from './ast';
import { reach, type CfgNode } from './cfg';
import type { FunctionContext } from './facts';
import { regions, pointsInto, reassigns } from './ownership';
import { baseNames } from './writes';
import { DEVICE_ALLOCATORS, GENERIC_MEMBER, mentionsDeviceMember, structTypeOf, type DeviceAlloc } from './deviceMemory';
import { DeviceChecks } from './deviceChecks';
import { gatherSinks, type SinkPush } from './deviceSinks';
import {
  USED_LEN, CONVERT, readContext, outermost, localsIn,
  type Origin, type DeviceRead, type DeviceFlow, type DeviceAnalysis, type TaintResult,
} from './deviceDataSyntax';

export type { Origin, DeviceRead, DeviceFlow, DeviceAnalysis } from './deviceDataSyntax';

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

  private readonly checks: DeviceChecks;

  constructor(private readonly ctx: FunctionContext) {
    this.checks = new DeviceChecks(ctx, this.readAt);
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
    // way, or a member the file's code stores values into (a second fetch of those is still reported above) —
    // in coherent memory and in a streaming-mapped struct alike (ps3_gelic_net in 6.1 maps each descriptor
    // DMA_BIDIRECTIONAL and keeps its own `bus_addr` in the driver part of the same struct)
    if (this.checks.ownWrite(r)) return null;
    const field = /(\w+)(?:\[[^\]]*\])*$/.exec(r.key)?.[1];
    if (field && (r.origin.kind === 'coherent' || r.origin.kind === 'streaming') && /(->|\.)\s*\w+(?:\[[^\]]*\])*$/.test(r.key) && this.ctx.summary.cpuWrittenFields?.().has(field)) return null;
    return t;
  }

  private locationTaint(r: DeviceRead): TaintResult | null {    // a check of the same location on every path to this read: a second fetch (or a check we trust)
    let checks = this.locChecks.get(r.key);
    if (!checks) this.locChecks.set(r.key, (checks = this.ctx.cfg.nodes.filter((n) => this.checks.checksLocation(n, r.key))));
    checks = checks.filter((n) => n.id !== r.cfg.id);
    if (checks.length) {
      const ids = new Set(checks.map((n) => n.id));
      const free = reach(this.ctx.cfg, this.ctx.cfg.entry, { target: (n) => n.id === r.cfg.id, blocked: (n) => ids.has(n.id), limit: 20000 });
      if (free === undefined) return null;
      if (!free) {
        // a check reaching this read with the location unchanged: the value checked is not the value used
        const bases = baseNames(r.key);
        for (const c of checks) {
          if (!this.checks.checksLocation(c, r.key, true)) continue;
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
        blocked: (n) => defIds.has(n.id) || this.checks.checksLocal(n, name) || from.some((l) => this.checks.checksLocal(n, l)),
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

  private gatherSinks(push: SinkPush): void {
    // only expressions that may carry a device value are placed in the CFG (CfgIndex.at is a scan)
    const names = [...this.defs.keys()].filter((k) => !this.aliases.has(k));
    const nameRe = names.length ? new RegExp(`\\b(${names.join('|')})\\b`) : null;
    const maybe = (e: Node): boolean => this.reads.some((r) => r.start >= e.startIndex && r.end <= e.endIndex) || (!!nameRe && nameRe.test(this.ctx.text.slice(e.startIndex, e.endIndex)));
    gatherSinks(this.ctx, this.accessCands, maybe, (e) => this.cfgOf(e), push);
  }

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
