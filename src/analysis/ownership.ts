/**
 * Path-sensitive buffer ownership for one function (dma-model.md §2.4).
 *
 * A streaming mapping is owned by the device from `dma_map_*` or
 * `dma_sync_*_for_device` until `dma_sync_*_for_cpu` or `dma_unmap_*`. This
 * module finds, per handle, the CFG nodes where ownership changes, the
 * buffer expressions that reach the mapped memory (the pointer given to the
 * map call, locals derived from it by offsets, casts, `page_address()` or
 * `kmap_local_page()`, fields of a mapped struct) and the CPU accesses to them
 * (subscripts, dereferences, `memcpy`/`memset`/`memcmp`/`skb_put_data`-style
 * copies). Rules then ask path questions: "is this access reachable from a
 * device-owning event without a CPU-owning one in between?".
 *
 * When a function syncs or unmaps a handle for the CPU that it did not map
 * itself (the usual RX-completion split), the device is taken to own the
 * buffer at function entry, and the buffer is recognised through sibling
 * data-pointer fields of the handle's structure (`rx_buf->dma` is the handle,
 * `rx_buf->skb->data`, `rx_buf->page`, `rx_buf->va` the memory).
 */
import { correlatedPrune } from './correlated';
import type { Node } from 'web-tree-sitter';
import { callName, callArgs, normText, stripParensAndCasts, LEAVES } from './ast';
import { reach, walkOwn, CfgNode } from './cfg';
import { FunctionContext, stripOuterParens } from './facts';
import { failureBranch } from './conditions';
import { regions, pointsInto, reassigns, type Region, type OwnEvent } from './ownershipRegions';

export { reassigns, pointerBase, bodyAssignments, regions, pointsInto, type Dir, type OwnEvent, type Region } from './ownershipRegions';

export interface Access {
  region: Region;
  start: number;
  end: number;
  node: CfgNode;
  write: boolean;
  /** short description: "memcpy() reads", "subscript write" … */
  how: string;
  expr: string;
}
/** mem* and string copies: [dest index or -1, read indexes] */
const COPIES: Record<string, { w: number[]; r: number[] }> = {
  memcpy: { w: [0], r: [1] }, __memcpy: { w: [0], r: [1] }, memmove: { w: [0], r: [1] },
  memcpy_fromio: { w: [0], r: [] }, memcpy_toio: { w: [], r: [1] },
  memset: { w: [0], r: [] }, memset32: { w: [0], r: [] }, memset64: { w: [0], r: [] }, memzero_explicit: { w: [0], r: [] },
  memcmp: { w: [], r: [0, 1] }, crc32_le: { w: [], r: [1] }, crc32_be: { w: [], r: [1] },
  ether_addr_equal: { w: [], r: [0, 1] }, ether_addr_copy: { w: [0], r: [1] },
  strcpy: { w: [0], r: [1] }, strscpy: { w: [0], r: [1] }, strncpy: { w: [0], r: [1] }, strlcpy: { w: [0], r: [1] },
  print_hex_dump: { w: [], r: [6] }, print_hex_dump_bytes: { w: [], r: [2] },
  csum_partial: { w: [], r: [0] }, get_unaligned_le16: { w: [], r: [0] }, get_unaligned_le32: { w: [], r: [0] },
  get_unaligned_be16: { w: [], r: [0] }, get_unaligned_be32: { w: [], r: [0] }, get_unaligned_le64: { w: [], r: [0] },
  put_unaligned_le16: { w: [1], r: [] }, put_unaligned_le32: { w: [1], r: [] }, put_unaligned_be16: { w: [1], r: [] }, put_unaligned_be32: { w: [1], r: [] },
};
/** skb helpers that touch skb->data: name → write? */
const SKB_COPIES: Record<string, boolean> = {
  skb_put_data: true, skb_copy_to_linear_data: true, skb_copy_to_linear_data_offset: true,
  skb_copy_from_linear_data: false, skb_copy_from_linear_data_offset: false,
};
/** Is the expression a mapped struct itself (root), so that `x->f` / `x.f` is its memory? */
function structRoot(r: Region, t: string): boolean {
  if (r.base || !r.roots.includes(t) || r.pages.length) return false;
  // only when the mapping covers the whole object: `sizeof(*p)`, `sizeof(struct x)`, `sizeof(p->…)` is not enough
  const size = r.map?.size ? stripOuterParens(r.map.size.norm) : '';
  const root = r.roots[0];
  return size === `sizeof(*${root})` || size === `sizeof(*(${root}))` || /^sizeof\((struct|union) \w+\)$/.test(size) || (!!r.map?.buffer?.norm.startsWith('&') && size === `sizeof(${root})`);
}

/** A syntax node of a CFG node that may be a CPU access, with what the region tests need (gathered once per node). */
interface Candidate {
  kind: 'copy' | 'skb' | 'sub' | 'deref' | 'field';
  x: Node;
  start: number;
  end: number;
  name?: string;
  args?: Node[];
  argNorm?: string;
  op?: string;
  cast?: boolean;
}

function candidatesOf(n: CfgNode): Candidate[] {
  const c = n as CfgNode & { __cands?: Candidate[] };
  if (c.__cands) return c.__cands;
  const out: Candidate[] = [];
  if (n.node) {
    walkOwn(n, (x) => {
      if (x.type === 'sizeof_expression' || x.type === 'offsetof_expression' || x.type === 'alignof_expression') return false;
      const base = { x, start: x.startIndex, end: x.endIndex };
      if (x.type === 'call_expression') {
        const name = callName(x) ?? '';
        if (COPIES[name]) out.push({ ...base, kind: 'copy', name, args: callArgs(x) });
        else if (name in SKB_COPIES) out.push({ ...base, kind: 'skb', name, args: callArgs(x) });
      } else if (x.type === 'subscript_expression') {
        const a = x.childForFieldName('argument');
        if (a) out.push({ ...base, kind: 'sub', argNorm: normText(a) });
      } else if (x.type === 'pointer_expression' && x.text.startsWith('*')) {
        const a = x.childForFieldName('argument');
        if (a) out.push({ ...base, kind: 'deref', argNorm: normText(a) });
      } else if (x.type === 'field_expression') {
        const a = x.childForFieldName('argument');
        if (a) {
          out.push({
            ...base, kind: 'field', argNorm: normText(stripParensAndCasts(a)), op: x.childForFieldName('operator')?.text,
            cast: a.type === 'parenthesized_expression' || a.type === 'cast_expression',
          });
        }
      }
      return true;
    }, LEAVES);
  }
  c.__cands = out;
  return out;
}

/** CPU accesses to a region inside one CFG node's syntax. */
function accessesIn(r: Region, n: CfgNode): Access[] {
  const out: Access[] = [];
  const add = (x: Node, write: boolean, how: string, expr: string): void => {
    out.push({ region: r, start: x.startIndex, end: x.endIndex, node: n, write, how, expr });
  };
  // a matched field expression (or an address-of one) hides the accesses nested inside it
  let skipEnd = -1;
  for (const k of candidatesOf(n)) {
    if (k.start < skipEnd) continue;
    if (k.kind === 'copy') {
      const cp = COPIES[k.name!];
      const args = k.args!;
      for (const i of cp.w) if (args[i] && pointsInto(r, normText(args[i]))) add(args[i], true, `${k.name}() writes`, args[i].text);
      for (const i of cp.r) if (args[i] && pointsInto(r, normText(args[i]))) add(args[i], false, `${k.name}() reads`, args[i].text);
    } else if (k.kind === 'skb') {
      const a0 = k.args![0];
      if (a0 && pointsInto(r, normText(a0) + '->data')) add(a0, SKB_COPIES[k.name!], `${k.name}() ${SKB_COPIES[k.name!] ? 'writes' : 'reads'}`, a0.text + '->data');
    } else if (k.kind === 'sub') {
      if (pointsInto(r, k.argNorm!) && !isAddressOf(k.x)) add(k.x, isWritten(k.x), 'subscript', k.x.text);
    } else if (k.kind === 'deref') {
      if (pointsInto(r, k.argNorm!)) add(k.x, isWritten(k.x), 'dereference', k.x.text);
    } else {
      const at = k.argNorm!;
      const op = k.op;
      // `((struct hdr *)buf)->len`: a cast of a buffer pointer
      if ((op === '->' && (structRoot(r, at) || (k.cast && pointsInto(r, at)))) || (op === '.' && structRoot(r, at) && r.roots.includes(at))) {
        if (op === '.' && !r.map?.buffer?.norm.startsWith('&')) continue;
        skipEnd = k.end;
        if (isAddressOf(k.x)) continue;
        add(k.x, isWritten(k.x), 'field', k.x.text);
      }
    }
  }
  return out;
}

/** `&buf[i]`, `&s->f[2].x`: an address computation, not an access. */
function isAddressOf(x: Node): boolean {
  let cur = x;
  let p = x.parent;
  while (p && (p.type === 'parenthesized_expression' || ((p.type === 'field_expression' || p.type === 'subscript_expression') && p.childForFieldName('argument')?.id === cur.id && p.childForFieldName('operator')?.text !== '->'))) { cur = p; p = p.parent; }
  return !!p && p.type === 'pointer_expression' && p.text.startsWith('&');
}

function isWritten(x: Node): boolean {
  let cur = x;
  let p = x.parent;
  // the whole lvalue: `scb->sg_list[i].ptr = …` writes through `scb->sg_list`
  while (p && (p.type === 'parenthesized_expression' || ((p.type === 'field_expression' || p.type === 'subscript_expression') && p.childForFieldName('argument')?.id === cur.id))) { cur = p; p = p.parent; }
  if (!p) return false;
  if (p.type === 'assignment_expression' && p.childForFieldName('left')?.id === cur.id) return true;
  if (p.type === 'update_expression') return true;
  return false;
}

/** Every CPU access to every region of the function. */
export function accesses(ctx: FunctionContext): Access[] {
  const cache = ctx as unknown as { __accesses?: Access[] };
  if (cache.__accesses) return cache.__accesses;
  const out: Access[] = [];
  const rs = regions(ctx).filter((r) => r.roots.length || r.pages.length || r.base);
  if (rs.length) {
    for (const n of ctx.cfg.nodes) {
      if (!n.node || n.kind === 'label' || n.kind === 'goto' || n.kind === 'jump' || n.kind === 'loop-head') continue;
      for (const r of rs) {
        for (const a of accessesIn(r, n)) {
          // the access inside the map/sync call itself (its arguments) is not a CPU access
          if ([...r.toDev, ...r.toCpu].some((e) => e.call.start <= a.start && a.end <= e.call.end)) continue;
          // reading the handle kept inside the mapped struct itself is bookkeeping, not data
          if (normText(a.expr) === r.handle) continue;
          out.push(a);
        }
      }
    }
  }
  cache.__accesses = out;
  return out;
}

/**
 * The device-owning event from which `a` is reachable with no CPU-owning event (and no
 * reassignment of the region's base variables) in between, or 'entry' for an inferred region.
 */
export function deviceOwnerAt(ctx: FunctionContext, a: Access): OwnEvent | 'entry' | null {
  const r = a.region;
  const cpuIds = new Set(r.toCpu.map((e) => e.node.id));
  const blocked = (n: CfgNode): boolean => cpuIds.has(n.id) || r.bases.some((b) => reassigns(n, b));
  const obj = r.map ? ctx.facts.objects.find((o) => o.call === r.map) : undefined;
  // conditions that go together: mapped under `if (a && b)`, unmapped under `if (a)` (correlated.ts)
  const together = r.map ? correlatedPrune(ctx.callNodes[r.map.id], ctx.fn, ctx.body) : null;
  const prune = (n: CfgNode, e: 't' | 'f' | ''): boolean => {
    if (together?.(n, e)) return true;
    if (!obj || n.kind !== 'cond' || !n.node || e === '') return false;
    const fb = failureBranch(ctx, n.node.text, obj);
    return fb !== null && fb === e;
  };
  const mapNode = r.toDev.find((e) => e.kind === 'map')?.node;
  for (const e of r.toDev) {
    if (e.node.id === a.node.id) continue;
    // a sync_for_device only re-arms this buffer when it follows the map (or there is no map here)
    if (e.kind === 'sync-for-device' && mapNode && !reach(ctx.cfg, mapNode.id, { target: (n) => n.id === e.node.id, blocked, prune, limit: 20000 })) continue;
    const inner = (n: CfgNode): boolean => blocked(n) || (n.id !== a.node.id && r.toDev.some((d) => d.node.id === n.id && d.kind === 'map'));
    const hit = reach(ctx.cfg, e.node.id, { target: (n) => n.id === a.node.id, blocked: inner, prune, limit: 20000 });
    if (!hit) continue;
    // a read right after the map, before the device was told about the buffer, sees the CPU's own data
    if (!a.write && e.kind === 'map') {
      const handed = ctx.cfg.nodes.some((h) => h.id !== e.node.id && h.id !== a.node.id && handsOff(ctx, h, r) &&
        !!reach(ctx.cfg, e.node.id, { target: (n) => n.id === h.id, blocked: inner, prune, limit: 20000 }) &&
        !!reach(ctx.cfg, h.id, { target: (n) => n.id === a.node.id, blocked: inner, prune, limit: 20000 }));
      if (!handed) continue;
    }
    return e;
  }
  if (r.base && r.toCpu.length && !r.map) {
    // inferred: the read must precede a CPU-owning event of the same handle on some path…
    const before = reach(ctx.cfg, a.node.id, { target: (n) => cpuIds.has(n.id), blocked: (n) => r.bases.some((b) => reassigns(n, b)), limit: 20000 });
    if (!before) return null;
    // …and be reachable from entry without one
    const fromEntry = reach(ctx.cfg, ctx.cfg.entry, { target: (n) => n.id === a.node.id, blocked: (n) => cpuIds.has(n.id) || r.toDev.some((d) => d.node.id === n.id), limit: 20000 });
    if (fromEntry && !cpuIds.has(a.node.id)) return 'entry';
  }
  return null;
}

const MMIO_OR_KICK = /\b(writel|writel_relaxed|writeq|writeq_relaxed|writew|writeb|iowrite32|iowrite16|iowrite64|lo_hi_writeq|hi_lo_writeq|__raw_writel|__raw_writeq|wmb|dma_wmb|mb)\s*\(/;
const NOT_HANDOFF = /^(dma_\w+|pr_\w+|dev_(err|warn|info|dbg|notice)\w*|netdev_(err|warn|info|dbg)\w*|printk|WARN\w*|unlikely|likely|trace_\w+)$/;

/** Does the node give the region's handle to the device (MMIO write, barrier, descriptor store, a call taking the handle)? */
export function handsOff(ctx: FunctionContext, n: CfgNode, r: Region): boolean {
  if (!n.node || n.kind === 'cond' && !/\(/.test(n.node.text)) return false;
  const t = n.node.text;
  if (MMIO_OR_KICK.test(t)) return true;
  let hit = false;
  walkOwn(n, (x) => {
    if (hit) return false;
    if (x.type === 'call_expression') {
      const name = callName(x) ?? '';
      if (NOT_HANDOFF.test(name)) return false;
      if (callArgs(x).some((y) => mentionsNorm(normText(y), r.handle)) && !/(^|_)(set|fill|prep|prepare|build|encode|init|pack|fmt|format)(_|$)|_set_/.test(name)) hit = true;
      // an unknown call may start the device; only count calls that take the handle or look like submission
      if (/(submit|kick|start|post|send|doorbell|ring|issue|exec|cmd|command|wait|xmit|trigger|notify|write)/i.test(name) && !/^(memcpy|memset|kmalloc|kzalloc|kfree)$/.test(name)) hit = true;
    } else if (x.type === 'assignment_expression') {
      const rr = x.childForFieldName('right');
      const l = x.childForFieldName('left');
      if (rr && l && normText(l) !== r.handle && mentionsNorm(normText(rr), r.handle)) hit = true;
    }
    return true;
  });
  return hit;
}

/** Does normalised text mention an lvalue as a whole (not `h` inside `h2`, `x->h`, `h->f` or `h[i]`)? */
export function mentionsNorm(hay: string, needle: string): boolean {
  let i = hay.indexOf(needle);
  while (i >= 0) {
    const b = i > 0 ? hay[i - 1] : '';
    const e = hay[i + needle.length] ?? '';
    if (!/[\w.>]/.test(b) && !/[\w\[]/.test(e) && !(e === '-' && hay[i + needle.length + 1] === '>') && e !== '.') return true;
    i = hay.indexOf(needle, i + 1);
  }
  return false;
}

/** Is function exit (or a return) reachable from the access without a sync_for_device / unmap of the region? */
export function exitsWithoutSyncForDevice(ctx: FunctionContext, a: Access): CfgNode | null | undefined {
  const r = a.region;
  const stop = new Set([...r.toDev.filter((e) => e.kind === 'sync-for-device').map((e) => e.node.id), ...r.toCpu.filter((e) => e.kind === 'unmap').map((e) => e.node.id)]);
  if (stop.has(a.node.id)) return null;
  return reach(ctx.cfg, a.node.id, { target: (n) => n.kind === 'exit' || n.kind === 'return', blocked: (n) => stop.has(n.id), limit: 20000 });
}

/**
 * The loop of the access rules (cpu-access-device-owned, missing-sync-for-cpu, missing-sync-for-device,
 * cpu-writes-from-buffer): `judge` looks at every CPU access of a mapped buffer and returns a finding
 * or nothing; the first finding of each mapping (region) in document order is kept, so a buffer gets
 * one finding, not one per field.
 */
export function firstFindingPerRegion<F>(ctx: FunctionContext, judge: (a: Access) => F | null | undefined): F[] {
  const found: { a: Access; f: F }[] = [];
  for (const a of accesses(ctx)) {
    const f = judge(a);
    if (f) found.push({ a, f });
  }
  const seen = new Set<Region>();
  const out: F[] = [];
  for (const x of found.sort((p, q) => p.a.start - q.a.start)) {
    if (seen.has(x.a.region)) continue;
    seen.add(x.a.region);
    out.push(x.f);
  }
  return out;
}