/**
 * Events: what one expression or declaration on the main path does to the buffer, in evaluation
 * order: DMA-API calls (by catalogue role), CPU reads and writes, copies, frees, aliases, and the
 * places where the handle reaches the device or is kept beyond the function.
 */
import type { Node } from 'web-tree-sitter';
import { callArgs, callName, normText, stripParensAndCasts, walk } from '../ast';
import {
  accessBase, closeOwnership, containsHandle, containsHandleSink, Ctx, deviceAccess, escapeAt, isBufferPointer, keep,
  matchesBuffer, matchesHandle, mayBeOneOf, outlives, push, event, eventText, type StepSpec,
} from './context';
import { declaratorName, findLocalDeclaration, foldConst, lineOf, truncate, typeLayout } from './scope';
import { addrOfTarget, assignedTo, mapArgs } from './target';
import {
  ARG, COPY_CALLS, CPU_ALLOC, CPU_FREE, dirText, dmaArg, dmaCallKind, dmaFamily, HANDLE_WRAPPERS, isDmaCall, LOGGING_CALL, NEUTRAL_CALLS, READER_NAME,
  REG_WRITES, WRITER_NAME,
} from './vocabulary';

/** The bytes a length argument covers from `offset` (nothing: the whole buffer). */
function range(ctx: Ctx, lenNode: Node | undefined, offset = 0): { offset?: number; len?: number } {
  const len = lenNode ? foldConst(ctx, lenNode) : undefined;
  // a length known only at run time (a frame's) after a partial sync_for_cpu: taken to stay within what was synced
  if (lenNode && len === undefined && !offset && ctx.cpuSynced) return { ...ctx.cpuSynced };
  if (len === undefined || len <= 0) return offset ? { offset, len: Math.max(1, ctx.size - offset) } : {};
  if (offset === 0 && len >= ctx.size) return {};
  return { offset, len: Math.min(len, Math.max(1, ctx.size - offset)) };
}

/**
 * The bytes `p->f` covers, when `p` points at the start of the buffer (`rfd = (struct rfd *)skb->data`)
 * and its struct's layout folds: a header field read is not a read of the whole buffer. Nothing
 * (the whole buffer) otherwise.
 */
function fieldRange(ctx: Ctx, n: Node): { offset?: number; len?: number } {
  if (n.childForFieldName('operator')?.text !== '->') return {};
  const base = n.childForFieldName('argument');
  const member = n.childForFieldName('field')?.text;
  if (!base || base.type !== 'identifier' || !member || !ctx.atStart?.has(base.text)) return {};
  const d = findLocalDeclaration(ctx, base.text);
  const t = d?.pointer ? d.type : null;
  const tag = t && t.type === 'struct_specifier' ? t.childForFieldName('name')?.text : undefined;
  const body = tag ? ctx.structs.get(tag)?.childForFieldName('body') : undefined;
  if (!body) return {};
  let off = 0;
  for (const f of body.namedChildren) {
    if (!f || f.type !== 'field_declaration') continue;
    const lay = typeLayout(ctx, f.childForFieldName('type'));
    for (const dcl of f.childrenForFieldName('declarator')) {
      if (!dcl || !lay || dcl.type !== 'field_identifier') return {};
      off = Math.ceil(off / lay.align) * lay.align;
      if (dcl.text === member) return off + lay.size <= ctx.size ? { offset: off, len: lay.size } : {};
      off += lay.size;
    }
  }
  return {};
}

/** One byte at a folded index inside the buffer (nothing when unknown or outside). */
function byteAt(ctx: Ctx, off: number | undefined): { offset?: number; len?: number } {
  return off !== undefined && off >= 0 && off < ctx.size ? { offset: off, len: 1 } : {};
}

function byteValue(v: number | undefined): { value?: number } {
  return v !== undefined && v >= 0 && v < 256 ? { value: v } : {};
}

/** `DMA_ATTR_A | DMA_ATTR_B` as written, split; [] for anything else. */
function attrList(n: Node | undefined): string[] {
  const t = n ? normText(n) : '';
  return /^DMA_ATTR_\w+(\|DMA_ATTR_\w+)*$/.test(t) ? t.split('|') : [];
}

/** Events of one expression (or declaration), in evaluation order (post-order). */
export function expressionEvents(ctx: Ctx, root: Node): void {
  const nodes: Node[] = [];
  walk(root, (n) => {
    // statements nested in expressions (GNU statement expressions) are ignored
    if (n.id !== root.id && (n.type === 'compound_statement')) return false;
    nodes.push(n);
    return true;
  });
  nodes.sort((a, b) => a.endIndex - b.endIndex || b.startIndex - a.startIndex);
  for (const n of nodes) {
    if (ctx.seen.has(n.id)) continue;
    ctx.seen.add(n.id);
    if (n.type === 'call_expression') callEvent(ctx, n);
    else if (n.type === 'assignment_expression') assignmentEvent(ctx, n);
    else if (n.type === 'init_declarator') initEvent(ctx, n);
    else if (n.type === 'subscript_expression' || n.type === 'field_expression' || n.type === 'pointer_expression') readEvent(ctx, n);
    else if (n.type === 'update_expression') {
      const arg = n.childForFieldName('argument');
      const base = arg ? accessBase(arg) : null;
      if (base && matchesBuffer(ctx, base)) push(ctx, n, { op: 'cpu_write', name: ctx.name });
    }
  }
}

function initEvent(ctx: Ctx, n: Node): void {
  const value = n.childForFieldName('value');
  const decl = n.childForFieldName('declarator');
  if (!value || !decl) return;
  const id = declaratorName(decl);
  if (!id) return;
  aliasFrom(ctx, id, value);
}

/** `x = <buffer or handle>` makes x an alias. */
function aliasFrom(ctx: Ctx, lhs: string, rhs: Node): void {
  const r = stripParensAndCasts(rhs);
  if (r.type === 'binary_expression' && r.childForFieldName('operator')?.text === '+') {
    // buf + N past the end of the buffer is another object, not an alias
    const off = foldConst(ctx, r.childForFieldName('right'));
    if (off === undefined || off >= ctx.size) return;
  }
  const rt = r.type === 'identifier' || r.type === 'field_expression' || r.type === 'subscript_expression' ? normText(r) : '';
  // the skb or page that holds the buffer, copied (`struct sk_buff *skb = rp->skb;`)
  if (rt && ctx.target.skbs.has(rt)) { ctx.target.skbs.add(lhs); ctx.target.buffers.add(`${lhs}->data`); return; }
  if (rt && ctx.target.pages.has(rt)) { ctx.target.pages.add(lhs); return; }
  if (matchesHandle(ctx, r)) ctx.target.handles.add(lhs);
  else if (matchesBuffer(ctx, r) && r.type !== 'call_expression') {
    ctx.target.buffers.add(lhs);
    // a pointer to the buffer's first byte: its fields are at their struct offsets
    if (r.type !== 'binary_expression' && r.type !== 'pointer_expression') (ctx.atStart ??= new Set()).add(lhs);
  }
  else if (r.type === 'call_expression' && (callName(r) === 'page_address') && matchesBuffer(ctx, r)) ctx.target.buffers.add(lhs);
}

function assignmentEvent(ctx: Ctx, n: Node): void {
  const left = n.childForFieldName('left');
  const right = n.childForFieldName('right');
  const op = n.childForFieldName('operator')?.text ?? '=';
  if (!left || !right) return;
  forgetOverwrittenHandle(ctx, left, right);
  const base = accessBase(left);
  if (base && (matchesBuffer(ctx, base) || (left.type === 'field_expression' && matchesBuffer(ctx, base)))) {
    if (op !== '=') push(ctx, n, { op: 'cpu_read', name: ctx.name });
    const off = left.type === 'subscript_expression' ? foldConst(ctx, left.childForFieldName('index')) : undefined;
    const value = right.type === 'number_literal' ? foldConst(ctx, right) : undefined;
    const field = left.type === 'field_expression' ? fieldRange(ctx, left) : {};
    push(ctx, n, { op: 'cpu_write', name: ctx.name, ...(field.len !== undefined ? field : byteAt(ctx, off)), ...(field.len !== undefined ? {} : byteValue(value)) });
    return;
  }
  if (left.type === 'identifier') {
    if ((containsHandle(ctx, right) || isBufferPointer(ctx, right)) && outlives(ctx, left)) escapeAt(ctx, n, `kept in ${truncate(normText(left), 40)}`);
    aliasFrom(ctx, left.text, right);
    return;
  }
  // the handle stored somewhere that is not a plain variable: a descriptor field, or bookkeeping
  if (containsHandle(ctx, right)) {
    const r = stripParensAndCasts(right);
    const wrapped = r.type === 'call_expression' && HANDLE_WRAPPERS.has(callName(r) ?? '');
    const lhsText = normText(left);
    const descriptorish = /desc|bd\b|bd[->.[]|ring|txd|rxd|\bhw|cmd|sge|entry|->addr|\.addr|_addr\b|addr_(lo|hi)|buf_addr|dma_addr|paddr|->ptr|\.ptr/i.test(lhsText);
    if (wrapped || (descriptorish && !/->(\w*_)?dma(\[|$)|->mapping|->handle/.test(lhsText))) {
      if (outlives(ctx, left)) escapeAt(ctx, n, `the DMA address is given to the device in ${truncate(lhsText, 40)}`);
      // a raw store may be driver bookkeeping named like a descriptor field (`rxb->dma_addr = dma`)
      if (!wrapped && outlives(ctx, left) && matchesHandle(ctx, right)) keep(ctx, left, 'handle');
      if (ctx.ownedSince !== null || ctx.kind === 'coherent' || ctx.kind === 'pool') {
        deviceAccess(ctx, n, `handle given to the device: ${truncate(normText(n), 60)}`);
      }
    } else {
      if (outlives(ctx, left)) {
        escapeAt(ctx, n, `the DMA address is kept in ${truncate(lhsText, 40)}`);
        keep(ctx, left, 'handle');
      }
      ctx.target.handles.add(lhsText);
    }
  } else if (op === '=' && isBufferPointer(ctx, right) && outlives(ctx, left)) {
    escapeAt(ctx, n, `the buffer pointer is kept in ${truncate(normText(left), 40)}`);
    const r = normText(stripParensAndCasts(right));
    keep(ctx, left, ctx.target.skbs.has(r) ? 'skb' : ctx.target.pages.has(r) ? 'page' : 'buffer');
  }
}

/**
 * `h = <something else>`: the variable or member no longer holds this buffer's DMA address (a
 * fragment mapped into the same `buffer_info->dma`, a handle reset to 0), so later checks and
 * syncs of `h` are about another mapping.
 */
function forgetOverwrittenHandle(ctx: Ctx, left: Node, right: Node): void {
  if (!mayBeOneOf(ctx.target.handles, left)) return;
  const lhs = normText(left);
  if (!ctx.target.handles.has(lhs)) return;
  const r = stripParensAndCasts(right);
  if (r.type === 'call_expression' && ctx.ownMaps.has(r.id)) return;
  if (containsHandle(ctx, right)) return;
  ctx.target.handles.delete(lhs);
}

function readEvent(ctx: Ctx, n: Node): void {
  const base = accessBase(n);
  if (!base || !matchesBuffer(ctx, base)) return;
  // writes are handled by the assignment; &buf[i] and sizeof(*buf) are not accesses
  const p = n.parent;
  if (p?.type === 'assignment_expression' && p.childForFieldName('left')?.id === n.id) return;
  if (p?.type === 'update_expression') return;
  if (p?.type === 'pointer_expression' && p.child(0)?.text === '&') return;
  for (let a: Node | null = p; a && a.id !== ctx.fn.id; a = a.parent) if (a.type === 'sizeof_expression' || a.type === 'alignof_expression') return;
  // nested field access (hdr->a.b) counts once, at the innermost base access
  const off = n.type === 'subscript_expression' ? foldConst(ctx, n.childForFieldName('index')) : undefined;
  const read: StepSpec = { op: 'cpu_read', name: ctx.name, ...(n.type === 'field_expression' ? fieldRange(ctx, n) : byteAt(ctx, off)) };
  if (ctx.kind === 'coherent' || ctx.kind === 'pool') assumeRewrite(ctx, n, read);
  push(ctx, n, read);
}

/**
 * Shared memory read twice at the same location: the other side may rewrite it in between (a TOCTOU
 * read on cvm / iommu-untrusted; harmless elsewhere), so the replay lets the device write it there.
 */
function assumeRewrite(ctx: Ctx, n: Node, read: StepSpec): void {
  const key = normText(n);
  const line = lineOf(n);
  ctx.readKeys ??= new Set();
  const text = eventText(event(read, line));
  const again = ctx.steps.some((st) => st.line === line && st.op === 'cpu_read' && eventText(st) === text);
  if (ctx.readKeys.has(key) && ctx.started && !again) {
    const last = ctx.steps[ctx.steps.length - 1];
    if (!(last && last.op === 'device_write' && last.line === line)) {
      const write = { ...read, op: 'device_write' } as StepSpec;
      ctx.steps.push(event(write, line, `assumed: \`${truncate(key, 40)}\` is read again; shared memory can change between the two reads`));
    }
  }
  ctx.readKeys.add(key);
}

function callEvent(ctx: Ctx, call: Node): void {
  const name = callName(call);
  if (!name) return;
  const args = callArgs(call);
  const bufName = ctx.name;
  if (ctx.allocNode && call.id === ctx.allocNode.id) {
    ctx.started = true;
    if (ctx.kind === 'coherent') push(ctx, call, { op: 'dma_alloc_coherent', name: bufName, size: ctx.size });
    else if (ctx.kind === 'noncoherent') push(ctx, call, { op: 'dma_alloc_noncoherent', name: bufName, size: ctx.size, dir: ctx.mapDir ?? 'DMA_BIDIRECTIONAL' });
    else if (ctx.zeroAtAlloc) push(ctx, call, { op: 'cpu_write', name: bufName, value: 0 }, `${name} zeroes the buffer`);
    if (ctx.kind === 'coherent' || ctx.kind === 'pool') {
      // the handle comes back through the &handle argument
      const h = addrOfTarget(dmaArg(call, ARG.handle));
      if (h) ctx.target.handles.add(h);
    }
    // the allocation stored straight into a structure (`ring->desc = dma_alloc_coherent(…, &ring->dma, …)`)
    const lhs = assignedTo(call);
    const out = ctx.kind === 'coherent' || ctx.kind === 'pool' || ctx.kind === 'noncoherent' ? stripParensAndCasts(dmaArg(call, ARG.handle) ?? call) : null;
    const outArg = out?.type === 'pointer_expression' && out.child(0)?.text === '&' ? out.childForFieldName('argument') : null;
    if (lhs && outlives(ctx, lhs)) escapeAt(ctx, call, `the buffer pointer is kept in ${truncate(normText(lhs), 40)}`);
    else if (outArg && outlives(ctx, outArg)) escapeAt(ctx, call, `the DMA address is kept in ${truncate(normText(outArg), 40)}`);
    if (lhs && outlives(ctx, lhs)) keep(ctx, lhs, 'buffer');
    if (outArg && outlives(ctx, outArg)) keep(ctx, outArg, 'handle');
    return;
  }
  if (isDmaCall(name, 'map')) {
    const m = mapArgs(call);
    if (!matchesBuffer(ctx, m.buf) && !(ctx.target.pages.has(normText(m.buf ?? call)))) return;
    const dir = dirText(m.dir) ?? 'DMA_BIDIRECTIONAL';
    ctx.mapDir = dir;
    const size = m.size ? foldConst(ctx, m.size) : undefined;
    const family = dmaFamily(name);
    const op = family === 'sg' || family === 'sgtable' ? 'dma_map_sg' : family === 'page' ? 'dma_map_page' : 'dma_map_single';
    push(ctx, call, { op, name: bufName, dir, attrs: attrList(m.attrs), ...(size !== undefined && size !== ctx.size && size > 0 ? { size } : {}) });
    ctx.ownMaps.add(call.id);
    ctx.cpuSynced = undefined;
    const lhs = assignedTo(call);
    if (lhs) ctx.target.handles.add(normText(lhs));
    if (lhs && outlives(ctx, lhs)) {
      escapeAt(ctx, call, `the DMA address is kept in ${truncate(normText(lhs), 40)}`);
      keep(ctx, lhs, 'handle');
    }
    ctx.ownedSince = ctx.steps.length - 1;
    ctx.handedOff = false;
    // mapped straight into a descriptor: the hand-off is this very line
    const sink = containsHandleSink(call);
    if (sink) {
      escapeAt(ctx, call, `the DMA address is given to the device: ${truncate(normText(sink), 40)}`);
      deviceAccess(ctx, call, `handle given to the device: ${truncate(normText(sink), 60)}`);
    }
    return;
  }
  const kind = dmaCallKind(name);
  if (kind === 'mapping-error') {
    const h = dmaArg(call, ARG.handle);
    if (matchesHandle(ctx, h) || (h && stripParensAndCasts(h).type === 'call_expression' && ctx.steps.some((s) => s.op.startsWith('dma_map')))) push(ctx, call, { op: 'dma_mapping_error', name: bufName });
    return;
  }
  if (kind === 'sync-for-cpu' || kind === 'sync-for-device') {
    if (!matchesHandle(ctx, dmaArg(call, ARG.handle))) return;
    const forCpu = kind === 'sync-for-cpu';
    const family = dmaFamily(name);
    const offNode = dmaArg(call, ARG.offset);
    const dir = dirText(dmaArg(call, ARG.dir)) ?? ctx.mapDir ?? 'DMA_BIDIRECTIONAL';
    let part: { offset?: number; len?: number } = {};
    if (offNode) {
      const off = foldConst(ctx, offNode);
      const len = foldConst(ctx, dmaArg(call, ARG.size));
      if (off !== undefined && len !== undefined && off >= 0 && len >= 0) part = { offset: off, len };
    } else if (family !== 'sg' && family !== 'sgtable') {
      const len = foldConst(ctx, dmaArg(call, ARG.size));
      if (len !== undefined && len >= 0 && len < ctx.size) part = { offset: 0, len };
    }
    // the trace format has single-range syncs only; an sg sync is replayed as one over the whole buffer
    const op = forCpu ? 'dma_sync_single_for_cpu' : 'dma_sync_single_for_device';
    if (forCpu) closeOwnership(ctx, call);
    push(ctx, call, { op, name: bufName, dir, ...part });
    ctx.cpuSynced = forCpu && part.len !== undefined ? { offset: part.offset ?? 0, len: part.len } : undefined;
    if (!forCpu) {
      ctx.ownedSince = ctx.steps.length - 1;
      ctx.handedOff = false;
    }
    return;
  }
  if (kind === 'unmap') {
    if (!matchesHandle(ctx, dmaArg(call, ARG.handle))) return;
    const family = dmaFamily(name);
    const sg = family === 'sg' || family === 'sgtable';
    const dir = dirText(dmaArg(call, ARG.dir)) ?? ctx.mapDir ?? 'DMA_BIDIRECTIONAL';
    const size = sg ? undefined : foldConst(ctx, dmaArg(call, ARG.size));
    closeOwnership(ctx, call);
    ctx.cpuSynced = undefined;
    const op = sg ? 'dma_unmap_sg' : family === 'page' ? 'dma_unmap_page' : 'dma_unmap_single';
    push(ctx, call, { op, name: bufName, dir, attrs: attrList(dmaArg(call, ARG.attrs)), ...(size !== undefined && size !== ctx.size && size > 0 ? { size } : {}) });
    ctx.ownedSince = null;
    return;
  }
  if (kind === 'coherent-free') {
    if (matchesBuffer(ctx, dmaArg(call, ARG.cpu)) || matchesHandle(ctx, dmaArg(call, ARG.handle))) {
      closeOwnership(ctx, call);
      push(ctx, call, { op: 'dma_free_coherent', name: bufName });
    }
    return;
  }
  if (kind === 'noncoherent-free') {
    if (matchesBuffer(ctx, dmaArg(call, ARG.cpu)) || matchesHandle(ctx, dmaArg(call, ARG.handle))) push(ctx, call, { op: 'dma_free_noncoherent', name: bufName });
    return;
  }
  if (kind === 'pool-free' || CPU_FREE.has(name)) {
    const a = kind === 'pool-free' ? dmaArg(call, ARG.cpu) : name === 'devm_kfree' ? args[1] : name === 'page_pool_put_full_page' || name === 'page_pool_recycle_direct' ? args[1] : args[0];
    const isSkb = a && ctx.target.skbs.has(normText(a));
    const isPage = a && ctx.target.pages.has(normText(a));
    if (matchesBuffer(ctx, a) || isSkb || isPage) {
      closeOwnership(ctx, call);
      push(ctx, call, null, `${name}(${truncate(normText(a!), 40)}) frees the buffer`);
    }
    return;
  }
  if (name in REG_WRITES) {
    const v = args[REG_WRITES[name]];
    if (v && containsHandle(ctx, v)) escapeAt(ctx, call, `the DMA address is written to a device register (${name})`);
    if (v && containsHandle(ctx, v) && (ctx.ownedSince !== null || ctx.kind === 'coherent' || ctx.kind === 'pool')) {
      deviceAccess(ctx, call, `handle written to a device register: ${truncate(normText(call), 60)}`);
    }
    return;
  }
  if (!name.startsWith('dma_') && !NEUTRAL_CALLS.has(name) && !HANDLE_WRAPPERS.has(name) && !LOGGING_CALL.test(name) && args.some((a) => containsHandle(ctx, a))) {
    // a driver helper given the DMA address (foo_write64(priv, REG, dma), foo_fill_desc(desc, dma)): that is the hand-off
    escapeAt(ctx, call, `the DMA address is passed to ${name}()`);
    if (ctx.ownedSince !== null || ctx.kind === 'coherent' || ctx.kind === 'pool') {
      deviceAccess(ctx, call, `handle passed to ${name}(), taken as the hand-off to the device`);
    }
    return;
  }
  if (name in COPY_CALLS) {
    const [d, s, l] = COPY_CALLS[name];
    if (s >= 0 && matchesBuffer(ctx, args[s])) push(ctx, call, { op: 'cpu_read', name: ctx.name, ...range(ctx, l >= 0 ? args[l] : undefined) });
    if (d >= 0 && matchesBuffer(ctx, args[d])) push(ctx, call, { op: 'cpu_write', name: ctx.name, ...range(ctx, l >= 0 ? args[l] : undefined) });
    return;
  }
  if (name === 'memset' || name === 'memzero_explicit' || name === 'memset_io') {
    if (matchesBuffer(ctx, args[0])) {
      const v = name === 'memzero_explicit' ? 0 : foldConst(ctx, args[1] ?? call);
      const lenNode = name === 'memzero_explicit' ? args[1] : args[2];
      push(ctx, call, { op: 'cpu_write', name: ctx.name, ...range(ctx, lenNode), ...byteValue(v) });
    }
    return;
  }
  if (name === 'skb_put_data' || name === 'skb_put_zero' || name === '__skb_put_data') {
    if (args[0] && ctx.target.skbs.has(normText(args[0]))) push(ctx, call, { op: 'cpu_write', name: ctx.name, ...range(ctx, args[name === 'skb_put_zero' ? 1 : 2]) });
    if (name !== 'skb_put_zero' && matchesBuffer(ctx, args[1])) push(ctx, call, { op: 'cpu_read', name: ctx.name, ...range(ctx, args[2]) });
    return;
  }
  if (name === 'dma_unmap_addr_set' && args.length === 3 && containsHandle(ctx, args[2])) {
    // dma_unmap_addr_set(p, f, v) stores v in p->f: where other functions find the handle
    keep(ctx, `${normText(stripParensAndCasts(args[0]))}->${normText(args[1])}`, 'handle');
    return;
  }
  if (NEUTRAL_CALLS.has(name) || name.startsWith('dma_') || name in CPU_ALLOC) return;
  // any other function given the buffer: a consumer, unless its name says it fills the buffer
  for (const a of args) {
    if (!matchesBuffer(ctx, a)) continue;
    const s = stripParensAndCasts(a);
    if (s.type === 'pointer_expression' && s.child(0)?.text === '&' && s.childForFieldName('argument')?.type !== 'subscript_expression') continue;
    const writes = WRITER_NAME.test(name) && !READER_NAME.test(name);
    push(ctx, call, { op: writes ? 'cpu_write' : 'cpu_read', name: ctx.name }, `${name}() is given the buffer (assumed to ${writes ? 'fill' : 'read'} it)`);
    break;
  }
}
