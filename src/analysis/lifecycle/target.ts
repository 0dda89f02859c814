/**
 * Choosing what to follow: the buffer or handle at the cursor (or named by the caller), the map
 * that produces its handle, the allocation it comes from (kind and size), and the name it gets in
 * the trace.
 */
import type { Node, Tree } from 'web-tree-sitter';
import type { BufferKind, Direction } from '../../model/sim/types';
import { callArgs, callName, normText, stripParensAndCasts, walk } from '../ast';
import { declaratorName, findGlobal, findLocalDeclaration, foldConst, lineOf, Scope, typeLayout } from './scope';
import { ARG, COPY_CALLS, CPU_ALLOC, dirText, dmaArg, dmaCallKind, dmaFamily, isDmaCall } from './vocabulary';

export interface Target {
  /** normalised buffer expressions (the buffer and its aliases) */
  buffers: Set<string>;
  /** normalised handle expressions */
  handles: Set<string>;
  /** for page buffers: the page variable (page_address(page) is the buffer) */
  pages: Set<string>;
  /** skb variables whose data is the buffer */
  skbs: Set<string>;
  bufferExpr: string;
}

/** The map call's arguments that matter, by catalogue parameter name. */
export function mapArgs(call: Node): { buf?: Node; size?: Node; dir?: Node; offset?: Node; attrs?: Node } {
  return { buf: dmaArg(call, ARG.buffer), size: dmaArg(call, ARG.size), dir: dmaArg(call, ARG.dir), offset: dmaArg(call, ARG.offset), attrs: dmaArg(call, ARG.attrs) };
}

/** The lvalue a call's result is assigned to (`x = call()`, `T x = call()`), if any. */
export function assignedTo(call: Node): Node | null {
  let n: Node = call;
  for (let i = 0; i < 8 && n.parent; i++) {
    const p: Node = n.parent;
    if (p.type === 'parenthesized_expression' || p.type === 'cast_expression') { n = p; continue; }
    if (p.type === 'assignment_expression' && p.childForFieldName('right')?.id === n.id) return p.childForFieldName('left');
    if (p.type === 'init_declarator' && p.childForFieldName('value')?.id === n.id) {
      let d = p.childForFieldName('declarator');
      while (d && d.type === 'pointer_declarator') d = d.childForFieldName('declarator');
      return d;
    }
    return null;
  }
  return null;
}

export function addrOfTarget(n: Node | undefined): string | undefined {
  if (!n) return undefined;
  const s = stripParensAndCasts(n);
  if (s.type === 'pointer_expression' && s.child(0)?.text === '&') return normText(s.childForFieldName('argument')!);
  return undefined;
}

/** A readable C identifier for the trace from a buffer expression. */
export function traceName(expr: string): string {
  // pointer arithmetic names its base: skb->data + offset → skb->data, buf + hdr_len → buf
  expr = arithmeticBase(expr);
  const ids = expr.match(/[A-Za-z_]\w*/g) ?? [];
  const skip = new Set(['page_address', 'data', 'priv', 'struct', 'void', 'u8', 'char']);
  // prefer the last field name: priv->rx_buf[i] → rx_buf; skb->data → skb_data
  if (/->data$/.test(expr) && ids.length >= 2) return sanitize(`${ids[ids.length - 2]}_data`);
  const pick = [...ids].reverse().find((i) => !skip.has(i) && !/^[A-Z_0-9]+$/.test(i) && i.length > 1) ?? ids[ids.length - 1] ?? 'buf';
  return sanitize(pick);
}

/** The text before the first top-level `+` or `-` (not `->`, `++`, `--`), or the whole text. */
function arithmeticBase(expr: string): string {
  let depth = 0;
  for (let i = 0; i < expr.length; i++) {
    const c = expr[i];
    if (c === '(' || c === '[') depth++;
    else if (c === ')' || c === ']') depth--;
    else if (depth === 0 && (c === '+' || c === '-') && i > 0) {
      const next = expr[i + 1];
      if (next === '>' || next === c || expr[i - 1] === c) continue;
      const base = expr.slice(0, i).trim();
      return /[A-Za-z_]/.test(base) ? base : expr;
    }
  }
  return expr;
}

function sanitize(s: string): string {
  const t = s.replace(/[^A-Za-z0-9_]/g, '_');
  return /^[A-Za-z_]/.test(t) ? t : `b_${t}`;
}

export interface Origin { kind: BufferKind; size?: number; sizeExpr?: string; line?: number; node?: Node; zero: boolean; note?: string; count?: number }

/** The allocation that produced the buffer expression, searched before `before` (an offset) in the function. */
export function findOrigin(ctx: Scope, bufExpr: string, pages: Set<string>, skbs: Set<string>, before: number, depth = 0): Origin | undefined {
  let best: Origin | undefined;
  const consider = (lhs: string, call: Node) => {
    const name = callName(call);
    if (!name) return;
    const args = callArgs(call);
    const sizeOf = (n?: Node): number | undefined => (n ? foldConst(ctx, n) : undefined);
    const base: Origin = { kind: 'kmalloc', zero: false, line: lineOf(call), node: call };
    const kind = dmaCallKind(name);
    if (kind === 'coherent-alloc' || kind === 'noncoherent-alloc') {
      if (lhs !== bufExpr) return;
      const sizeArg = dmaArg(call, ARG.size);
      best = { ...base, kind: kind === 'coherent-alloc' ? 'coherent' : 'noncoherent', size: sizeOf(sizeArg), sizeExpr: sizeArg?.text };
    } else if (kind === 'pool-alloc') {
      if (lhs !== bufExpr) return;
      best = { ...base, kind: 'pool', zero: name === 'dma_pool_zalloc', note: 'the pool block size is set by dma_pool_create(), not visible here' };
    } else if (name in CPU_ALLOC) {
      const spec = CPU_ALLOC[name];
      const isPageVar = pages.has(lhs);
      const isSkbVar = skbs.has(lhs);
      if (lhs !== bufExpr && !isPageVar && !isSkbVar) return;
      let size: number | undefined;
      let sizeExpr: string | undefined;
      if (spec.pageSize) size = 4096;
      else if (spec.order !== undefined) {
        const o = sizeOf(args[spec.order]);
        size = o !== undefined ? 4096 * 2 ** o : undefined;
        sizeExpr = `PAGE_SIZE << ${args[spec.order]?.text}`;
      } else if (spec.size !== undefined) {
        const s = sizeOf(args[spec.size]);
        const c = spec.count !== undefined ? sizeOf(args[spec.count]) : 1;
        size = s !== undefined && c !== undefined ? s * c : undefined;
        sizeExpr = spec.count !== undefined ? `${args[spec.count]?.text} * ${args[spec.size]?.text}` : args[spec.size]?.text;
      }
      best = { ...base, kind: spec.kind, size, sizeExpr, zero: !!spec.zero };
    }
  };
  let aliasOf: { name: string; at: number; line: number } | undefined;
  walk(ctx.fn, (n) => {
    if (n.startIndex >= before) return false;
    if (n.type === 'call_expression') {
      const lhs = assignedTo(n);
      if (lhs) consider(normText(lhs), n);
    } else if ((n.type === 'assignment_expression' && n.childForFieldName('operator')?.text === '=') || n.type === 'init_declarator') {
      // buf = alloc + offset; / u8 *buf = alloc;
      const l = n.type === 'init_declarator' ? declaratorName(n.childForFieldName('declarator') ?? n) : normText(n.childForFieldName('left') ?? n);
      let r = n.childForFieldName(n.type === 'init_declarator' ? 'value' : 'right');
      if (l === bufExpr && r) {
        r = stripParensAndCasts(r);
        if (r.type === 'binary_expression' && r.childForFieldName('operator')?.text === '+') r = stripParensAndCasts(r.childForFieldName('left') ?? r);
        if (r.type === 'identifier' || r.type === 'field_expression') aliasOf = { name: normText(r), at: n.startIndex, line: lineOf(n) };
      }
    }
    return true;
  });
  if (!best && aliasOf && depth < 4) {
    const o = findOrigin(ctx, aliasOf.name, pages, skbs, aliasOf.at, depth + 1);
    if (o) return { ...o, note: `${bufExpr} points into ${aliasOf.name} (line ${aliasOf.line})` };
  }
  return best;
}

export function classifyStorage(scope: Scope, bufExpr: string): Origin | undefined {
  // `buf` or `&buf[0]` naming an array: a stack local, a static local, or a global
  const m = /^&?([A-Za-z_]\w*)(\[0\])?$/.exec(bufExpr);
  if (!m) return undefined;
  const local = findLocalDeclaration(scope, m[1]);
  if (local && local.node.type === 'declaration') {
    if (local.arrayLen === undefined && !local.pointer) {
      // a struct on the stack, mapped by address
      if (!bufExpr.startsWith('&')) return undefined;
    } else if (local.arrayLen === undefined) return undefined;
    const el = typeLayout(scope, local.type);
    const size = local.arrayLen !== undefined && el ? el.size * local.arrayLen : el?.size;
    return { kind: local.isStatic ? 'static' : 'stack', size, line: local.line, node: local.node, zero: false };
  }
  const g = findGlobal(scope, m[1]);
  if (g && (g.arrayLen !== undefined || bufExpr.startsWith('&'))) {
    const el = typeLayout(scope, g.type);
    const size = g.arrayLen !== undefined && el ? el.size * g.arrayLen : el?.size;
    return { kind: 'static', size, line: g.line, node: g.node, zero: false };
  }
  return undefined;
}

export interface Pick { bufExpr?: string; handle?: string; via?: string }

/** What the cursor is on: a map/alloc/sync/unmap call, or an identifier naming the buffer or handle. */
export function pickTarget(fn: Node, tree: Tree, offset: number): Pick | undefined {
  let n: Node | null = tree.rootNode.descendantForIndex(offset, offset);
  // prefer the innermost DMA call around the cursor
  for (let cur = n; cur && cur.id !== fn.id; cur = cur.parent) {
    if (cur.type !== 'call_expression') continue;
    const name = callName(cur);
    if (!name) continue;
    const lhs = assignedTo(cur);
    if (isDmaCall(name, 'map')) return { bufExpr: normText(stripParensAndCasts(mapArgs(cur).buf ?? cur)), handle: lhs ? normText(lhs) : undefined, via: name };
    if (isDmaCall(name, 'coherent-alloc', 'noncoherent-alloc', 'pool-alloc')) return { bufExpr: lhs ? normText(lhs) : undefined, handle: addrOfTarget(dmaArg(cur, ARG.handle)), via: name };
    if (name in CPU_ALLOC && lhs) return { bufExpr: normText(lhs), via: name };
    if (isDmaCall(name, 'sync-for-cpu', 'sync-for-device', 'unmap', 'mapping-error')) {
      const h = dmaArg(cur, ARG.handle);
      return { handle: h ? normText(stripParensAndCasts(h)) : undefined, via: name };
    }
    if (isDmaCall(name, 'coherent-free')) {
      const b = dmaArg(cur, ARG.cpu);
      const h = dmaArg(cur, ARG.handle);
      return { bufExpr: b ? normText(b) : undefined, handle: h ? normText(h) : undefined, via: name };
    }
  }
  // a DMA call starting on the cursor's line (the CLI gives a line, not a column)
  const row = tree.rootNode.descendantForIndex(offset, offset)?.startPosition.row;
  let onLine: Pick | undefined;
  walk(fn, (c) => {
    if (onLine || c.startPosition.row > (row ?? -1) || c.endPosition.row < (row ?? -1)) return false;
    if (c.type === 'call_expression' && c.startPosition.row === row) {
      const name = callName(c) ?? '';
      if (isDmaCall(name, 'map') || isDmaCall(name, 'coherent-alloc') || isDmaCall(name, 'noncoherent-alloc') || isDmaCall(name, 'pool-alloc') || isDmaCall(name, 'sync-for-cpu', 'sync-for-device') || isDmaCall(name, 'unmap') || isDmaCall(name, 'coherent-free')) {
        onLine = pickTarget(fn, tree, c.childForFieldName('function')!.startIndex);
        return false;
      }
    }
    return true;
  });
  if (onLine) return onLine;
  // the name of a plain call (memcpy(dst, rx->buf, len)): the first argument that is a DMA buffer
  const at = tree.rootNode.descendantForIndex(offset, offset);
  if (at?.type === 'identifier' && at.parent?.type === 'call_expression' && at.parent.childForFieldName('function')?.id === at.id) {
    for (const a of callArgs(at.parent)) {
      const s = stripParensAndCasts(a);
      if (s.type !== 'identifier' && s.type !== 'field_expression' && s.type !== 'subscript_expression') continue;
      const t = normText(s);
      const base = /^[A-Za-z_]\w*/.exec(t)?.[0];
      if (findMapFor(fn, { bufExpr: t }) || findMapFor(fn, { handle: t }) || (base && t !== base && syncedHandleWithBase(fn, base))) return { bufExpr: t };
    }
  }
  // an identifier or member expression under the cursor
  while (n && n.parent && (n.parent.type === 'field_expression' || n.parent.type === 'subscript_expression') && n.parent.childForFieldName('index')?.id !== n.id) n = n.parent;
  if (n && (n.type === 'identifier' || n.type === 'field_expression' || n.type === 'subscript_expression' || n.type === 'field_identifier')) return { bufExpr: normText(n.type === 'field_identifier' && n.parent ? n.parent : n) };
  return undefined;
}

/**
 * For a handle that is a struct field (`rx_buf->dma`) synced or unmapped in a function that does
 * not map it: the CPU-side buffer reached through the same struct (`rx_buf->skb->data`, `rx_buf->va`)
 * that the function copies from, indexes or dereferences, and the direction of the first sync/unmap.
 */
export function siblingBuffer(fn: Node, handle: string): { expr: string; dir: Direction; size?: Node } | undefined {
  const m = /^(.+?)(->|\.)[A-Za-z_]\w*$/.exec(handle);
  if (!m) return undefined;
  const base = m[1];
  let dir: Direction | undefined;
  let expr: string | undefined;
  let size: Node | undefined;
  const copies: Record<string, [number, number, number]> = { ...COPY_CALLS, skb_put_data: [-1, 1, 2], __skb_put_data: [-1, 1, 2], memset: [0, -1, 2] };
  walk(fn, (n) => {
    if (n.type === 'call_expression') {
      const name = callName(n) ?? '';
      const args = callArgs(n);
      const h = isDmaCall(name, 'sync-for-cpu', 'sync-for-device', 'unmap') ? dmaArg(n, ARG.handle) : undefined;
      if (!dir && h && normText(stripParensAndCasts(h)) === handle) {
        const family = dmaFamily(name);
        dir = dirText(dmaArg(n, ARG.dir));
        if (!dmaArg(n, ARG.offset) && family !== 'sg' && family !== 'sgtable') size = dmaArg(n, ARG.size);
      }
      if (!expr && name in copies) {
        const [d, src] = copies[name];
        for (const i of [src, d]) {
          const a = i >= 0 ? args[i] : undefined;
          const t = a ? normText(stripParensAndCasts(a)) : '';
          if (t.startsWith(`${base}->`) && t !== handle && !t.startsWith(`${handle}`)) { expr = t; break; }
        }
      }
    } else if (!expr && (n.type === 'subscript_expression' || (n.type === 'pointer_expression' && n.child(0)?.text === '*'))) {
      const b = n.type === 'subscript_expression' ? n.childForFieldName('argument') : n.childForFieldName('argument');
      const t = b ? normText(stripParensAndCasts(b)) : '';
      if (t.startsWith(`${base}->`) && t !== handle) expr = t;
    }
    return true;
  });
  return expr && dir ? { expr, dir, size } : undefined;
}

/** The handle of the first sync/unmap in the function whose handle is a field of `base`. */
export function syncedHandleWithBase(fn: Node, base: string): string | undefined {
  let h: string | undefined;
  walk(fn, (n) => {
    if (h) return false;
    if (n.type === 'call_expression') {
      const name = callName(n) ?? '';
      const a = callArgs(n)[1];
      const t = a ? normText(stripParensAndCasts(a)) : '';
      if ((isDmaCall(name, 'sync-for-cpu', 'sync-for-device') || isDmaCall(name, 'unmap')) && (t.startsWith(`${base}->`) || t.startsWith(`${base}.`))) h = t;
    }
    return true;
  });
  return h;
}

/** Start of the DMA call the cursor is in or on the cursor's line, if any. */
export function pickedCallStart(fn: Node, tree: Tree, offset: number): number | undefined {
  const n = tree.rootNode.descendantForIndex(offset, offset);
  for (let cur: Node | null = n; cur && cur.id !== fn.id; cur = cur.parent) {
    const name = cur.type === 'call_expression' ? callName(cur) ?? '' : '';
    if (isDmaCall(name, 'map') || isDmaCall(name, 'coherent-alloc') || isDmaCall(name, 'noncoherent-alloc') || isDmaCall(name, 'pool-alloc') || name in CPU_ALLOC) return cur.startIndex;
  }
  const row = n?.startPosition.row;
  let found: number | undefined;
  walk(fn, (c) => {
    if (found !== undefined || c.startPosition.row > (row ?? -1) || c.endPosition.row < (row ?? -1)) return false;
    const name = c.type === 'call_expression' ? callName(c) ?? '' : '';
    if (c.startPosition.row === row && (isDmaCall(name, 'map') || isDmaCall(name, 'coherent-alloc') || isDmaCall(name, 'noncoherent-alloc') || isDmaCall(name, 'pool-alloc'))) found = c.startIndex;
    return true;
  });
  return found;
}

/** Finds the map call for a handle (`h = dma_map_single(dev, buf, …)`) or for a buffer. */
export function findMapFor(fn: Node, opts: { handle?: string; bufExpr?: string }): { call: Node; bufExpr: string; handle?: string } | undefined {
  let found: { call: Node; bufExpr: string; handle?: string } | undefined;
  walk(fn, (n) => {
    if (found) return false;
    if (n.type !== 'call_expression') return true;
    const name = callName(n);
    if (!name) return true;
    const lhs = assignedTo(n);
    const lhsT = lhs ? normText(lhs) : undefined;
    if (isDmaCall(name, 'map')) {
      const b = mapArgs(n).buf;
      const bT = b ? normText(stripParensAndCasts(b)) : '';
      if ((opts.handle && lhsT === opts.handle) || (opts.bufExpr && bT === opts.bufExpr)) found = { call: n, bufExpr: bT, handle: lhsT };
    } else if (isDmaCall(name, 'coherent-alloc') || isDmaCall(name, 'pool-alloc') || isDmaCall(name, 'noncoherent-alloc')) {
      const h = addrOfTarget(dmaArg(n, ARG.handle));
      if ((opts.handle && h === opts.handle) || (opts.bufExpr && lhsT === opts.bufExpr)) found = { call: n, bufExpr: lhsT ?? '', handle: h };
    }
    return true;
  });
  return found;
}
