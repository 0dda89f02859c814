/**
 * The state of one extraction (Ctx) and what it knows about the buffer: which expressions name
 * the buffer or its handle, the steps so far, who owns the buffer, and where its handle or
 * pointer was kept beyond the function (for the trace's `handoff`).
 */
import type { Node } from 'web-tree-sitter';
import { stepText } from '../../model/sim/trace';
import type { BufferKind, Direction, Step } from '../../model/sim/types';
import { callArgs, callName, normText, stripParensAndCasts, walk } from '../ast';
import { findLocalDeclaration, lineOf, Scope } from './scope';
import type { Target } from './target';
import { HANDLE_WRAPPERS, REG_WRITES } from './vocabulary';

export interface LifecycleStep {
  /** the trace operation (`dma_map_single`, `cpu_read`, …) or '' for a comment-only line */
  op: string;
  /** the rest of the trace line after the op (buffer name first) */
  args: string[];
  /** 1-based source line */
  line: number;
  /** an optional remark appended to the step's comment */
  note?: string;
}

/** A model step (src/model/sim/types.ts) before it has a trace line. */
export type StepSpec = Step extends infer S ? (S extends Step ? Omit<S, 'line'> : never) : never;

/** One extracted step: a model step at a source line, or a remark only (step null, op ''). */
export interface Event {
  op: string;
  step: StepSpec | null;
  /** 1-based source line */
  line: number;
  note?: string;
  /** the file of the line, in a trace stitched from several functions (./stitch.ts) */
  file?: string;
}

export function event(step: StepSpec | null, line: number, note?: string): Event {
  return { op: step?.op ?? '', step, line, note };
}

/** The step as written in the trace (without its comment). */
export function eventText(e: Event): string {
  return e.step ? stepText({ ...e.step, line: 0 } as Step) : '';
}

/** The public form of an event: the op and the words after it. */
export function publicStep(e: Event): LifecycleStep {
  const words = eventText(e).split(' ');
  return { op: e.op, args: e.step ? words.slice(1) : [], line: e.line, ...(e.note ? { note: e.note } : {}) };
}

export interface Ctx extends Scope {
  text: string;
  /** the buffer's name in the trace (a C identifier) */
  name: string;
  target: Target;
  steps: Event[];
  kind: BufferKind;
  size: number;
  sizeNote?: string;
  allocLine?: number;
  allocNode?: Node;
  zeroAtAlloc: boolean;
  mapDir?: Direction;
  /** the device owns the buffer since this step index (map or sync_for_device), not yet handed off */
  ownedSince: number | null;
  handedOff: boolean;
  seen: Set<number>;
  /** the map calls that produced this buffer's mapping (their result is the handle) */
  ownMaps: Set<number>;
  /** index of the device access inferred at a coherent buffer's hand-off */
  coherentHandoff?: number;
  /** an offset the main path must pass through (the map/alloc the user pointed at) */
  anchor: number;
  /** false until the allocation of a coherent/pool/noncoherent buffer has been seen */
  started: boolean;
  /** coherent/pool memory: the locations read so far (normalised access text), for the TOCTOU replay */
  readKeys?: Set<string>;
  /** the last place on the main path where the handle or the buffer pointer was kept beyond the function */
  escape?: { line: number; what: string };
  /**
   * Every lvalue beyond the function that the handle or the buffer pointer was stored into, and
   * what was stored: where other functions of the driver find the buffer again (./stitch.ts).
   */
  kept?: { expr: string; what: 'handle' | 'buffer' | 'skb' | 'page' }[];
  /** local pointers set to the buffer's first byte (their struct fields are at known offsets) */
  atStart?: Set<string>;
  /** the part of the buffer the last sync_for_cpu covered, when it was not all of it */
  cpuSynced?: { offset: number; len: number };
}

/** Records that `lhs` (an lvalue that outlives the function) now holds the handle or the buffer. */
export function keep(ctx: Ctx, lhs: Node | string, what: 'handle' | 'buffer' | 'skb' | 'page'): void {
  if (!ctx.started) return;
  const expr = typeof lhs === 'string' ? lhs : normText(stripParensAndCasts(lhs));
  ctx.kept ??= [];
  if (!ctx.kept.some((k) => k.expr === expr && k.what === what)) ctx.kept.push({ expr, what });
}

/**
 * Could the node's text, once normalised, be one of `names`? Normalising only drops
 * blanks and comments, so a node many times longer than every name cannot be one; the
 * check keeps walks over large expressions from extracting (quadratically) their text.
 */
export function mayBeOneOf(names: ReadonlySet<string>, n: Node): boolean {
  let max = 0;
  for (const x of names) if (x.length > max) max = x.length;
  return n.endIndex - n.startIndex <= 4 * max + 64;
}

export function matchesBuffer(ctx: Ctx, n: Node | undefined | null): boolean {
  if (!n) return false;
  const s = stripParensAndCasts(n);
  if (mayBeOneOf(ctx.target.buffers, s) && ctx.target.buffers.has(normText(s))) return true;
  // buf + off, &buf[i], page_address(page), skb->data
  if (s.type === 'binary_expression' && s.childForFieldName('operator')?.text === '+') return matchesBuffer(ctx, s.childForFieldName('left'));
  if (s.type === 'pointer_expression' && s.child(0)?.text === '&') {
    const a = s.childForFieldName('argument');
    if (a?.type === 'subscript_expression') return matchesBuffer(ctx, a.childForFieldName('argument'));
  }
  if (s.type === 'call_expression' && (callName(s) === 'page_address' || callName(s) === 'lowmem_page_address')) return ctx.target.pages.has(normText(callArgs(s)[0] ?? s));
  return false;
}

export function matchesHandle(ctx: Ctx, n: Node | undefined | null): boolean {
  if (!n) return false;
  const s = stripParensAndCasts(n);
  return mayBeOneOf(ctx.target.handles, s) && ctx.target.handles.has(normText(s));
}

/** Does the expression contain a handle (through wrappers like cpu_to_le64, + offset)? */
export function containsHandle(ctx: Ctx, n: Node): boolean {
  let hit = false;
  walk(n, (c) => {
    if (hit) return false;
    // &handle is where an allocator stores the address, not a use of it
    if (c.type === 'pointer_expression' && c.child(0)?.text === '&') return false;
    if (matchesHandle(ctx, c)) { hit = true; return false; }
    return true;
  });
  return hit;
}

/** The base object of an lvalue/rvalue access: `buf[i]` → buf, `hdr->len` → hdr, `*p` → p. */
export function accessBase(n: Node): Node | null {
  if (n.type === 'subscript_expression') return n.childForFieldName('argument');
  if (n.type === 'field_expression' && n.childForFieldName('operator')?.text === '->') return n.childForFieldName('argument');
  if (n.type === 'pointer_expression' && n.child(0)?.text === '*') return n.childForFieldName('argument');
  return null;
}

export function push(ctx: Ctx, node: Node, step: StepSpec | null, note?: string): void {
  // before its allocation, the name refers to an earlier object (a reused pointer): not this lifecycle
  if (!ctx.started) return;
  const line = lineOf(node);
  // one access of one kind per line is enough for a replay (a loop of byte reads on one line is one read)
  const e = event(step, line, note);
  if ((e.op === 'cpu_read' || e.op === 'cpu_write') && ctx.steps.some((s) => s.line === line && eventText(s) === eventText(e))) return;
  ctx.steps.push(e);
}

/** Records that the handle or the buffer pointer leaves the function's locals here (see `handoff`). */
export function escapeAt(ctx: Ctx, node: Node, what: string): void {
  if (!ctx.started) return;
  ctx.escape = { line: lineOf(node), what };
}

/**
 * Does an lvalue outlive the function? A member reached through a pointer (`rx->dma`), an element
 * of a non-local array, `*out`, or a variable that is not a local or a parameter (a global).
 * A local variable, or a member/element of a local (non-static) struct or array, does not.
 */
export function outlives(ctx: Ctx, lhs: Node): boolean {
  const s = stripParensAndCasts(lhs);
  if (s.type === 'identifier') {
    const d = findLocalDeclaration(ctx, s.text);
    return !d || d.isStatic;
  }
  if (s.type === 'pointer_expression' && s.child(0)?.text === '*') return true;
  if (s.type === 'field_expression') {
    if (s.childForFieldName('operator')?.text === '->') return true;
    const a = s.childForFieldName('argument');
    return a ? outlives(ctx, a) : false;
  }
  if (s.type === 'subscript_expression') {
    const a = s.childForFieldName('argument');
    if (!a) return false;
    const b = stripParensAndCasts(a);
    if (b.type === 'identifier') {
      const d = findLocalDeclaration(ctx, b.text);
      // a local pointer indexes memory someone else owns; a local array is the function's own
      return !d || d.isStatic || d.pointer || d.node.type === 'parameter_declaration';
    }
    return outlives(ctx, b);
  }
  return false;
}

/** The expression is the buffer pointer itself (or the skb/page that owns it), not a byte of it. */
export function isBufferPointer(ctx: Ctx, n: Node): boolean {
  const s = stripParensAndCasts(n);
  if (matchesBuffer(ctx, s)) return true;
  const t = mayBeOneOf(ctx.target.skbs, s) || mayBeOneOf(ctx.target.pages, s) ? normText(s) : '';
  return !!t && (ctx.target.skbs.has(t) || ctx.target.pages.has(t));
}

export function deviceAccess(ctx: Ctx, node: Node, how: string): void {
  if (ctx.handedOff) return;
  const n = ctx.name;
  const dir = ctx.mapDir;
  const kindCoherent = ctx.kind === 'coherent' || ctx.kind === 'pool';
  if (kindCoherent && !dir) {
    // no direction on coherent memory: the device reads what the CPU wrote before the
    // hand-off, and writes what the CPU reads after it (patched in at the end)
    const wroteBefore = ctx.steps.some((s) => s.op === 'cpu_write');
    push(ctx, node, { op: wroteBefore ? 'device_read' : 'device_write', name: n }, how);
    ctx.coherentHandoff = ctx.steps.length - 1;
  } else if (dir === 'DMA_TO_DEVICE') push(ctx, node, { op: 'device_read', name: n }, how);
  else if (dir === 'DMA_FROM_DEVICE') push(ctx, node, { op: 'device_write', name: n }, how);
  else if (dir === 'DMA_BIDIRECTIONAL') {
    push(ctx, node, { op: 'device_read', name: n }, how);
    push(ctx, node, { op: 'device_write', name: n });
  } else return;
  ctx.handedOff = true;
}

/** The descriptor field or register write a call's result flows into directly, if any. */
export function containsHandleSink(call: Node): Node | null {
  let n: Node = call;
  for (let i = 0; i < 6 && n.parent; i++) {
    const p: Node = n.parent;
    if (p.type === 'parenthesized_expression' || p.type === 'cast_expression' || p.type === 'argument_list') { n = p; continue; }
    if (p.type === 'call_expression' && HANDLE_WRAPPERS.has(callName(p) ?? '')) { n = p; continue; }
    if (p.type === 'call_expression' && (callName(p) ?? '') in REG_WRITES) return p;
    if (p.type === 'assignment_expression' && p.childForFieldName('right')?.id === n.id) {
      const l = p.childForFieldName('left');
      return l && l.type !== 'identifier' && n.id !== call.id ? p : null;
    }
    return null;
  }
  return null;
}

/** Before the CPU takes the buffer back, make sure the device had its turn. */
export function closeOwnership(ctx: Ctx, at: Node): void {
  if (ctx.ownedSince === null || ctx.handedOff) return;
  // no hand-off seen: assume the device accessed the buffer right after it got it
  const after = ctx.steps[ctx.ownedSince];
  const insertAt = ctx.ownedSince + 1 + (ctx.steps[ctx.ownedSince + 1]?.op === 'dma_mapping_error' ? 1 : 0);
  const before = ctx.steps.length;
  deviceAccess(ctx, at, 'assumed: no hand-off to the device was found, so the device is taken to access the buffer while it owns it');
  const added = ctx.steps.splice(before);
  for (const s of added) {
    s.line = ctx.steps[insertAt - 1]?.line ?? after.line;
    s.file = (ctx.steps[insertAt - 1] ?? after).file;
  }
  ctx.steps.splice(insertAt, 0, ...added);
}
