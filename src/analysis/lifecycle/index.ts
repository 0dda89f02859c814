/**
 * Lifecycle extraction: from the function around an offset and the buffer or DMA handle under it
 * (or named by the caller), derive a `.dmatrace` that the simulator can replay
 * (docs/trace-format.md).
 *
 * The extraction follows one path through the function, the main path (./path.ts), and turns what
 * each expression on it does to the buffer into trace steps (./events.ts), with DMA-API calls
 * recognised through the catalogue (./vocabulary.ts) and sizes folded by the shared constant folder
 * over the file scope (./scope.ts). The result is the model's Trace, printed by the model's printer
 * (./output.ts). Every decision is written into the trace's header comments.
 *
 * Pure: no vscode, no Node built-ins, no module state (each extraction builds its own Scope and Ctx).
 */
import type { Node, Tree } from 'web-tree-sitter';
import type { BufferKind, Direction } from '../../model/sim/types';
import { callName, enclosingFunction, functionName, normText, walk } from '../ast';
import { MAX_FUNCTION_CHARS } from '../facts';
import { Ctx, deviceAccess, event, Event, LifecycleStep, publicStep } from './context';
import { printLifecycle, printStitched, type OutputInput } from './output';
import { stitchLifecycle, StitchOptions } from './stitch';
import type { StitchedFunction } from '../../model/sim/stitched';
import { PathNotes, walkMainPath } from './path';
import { createScope, foldConst, lineOf, truncate } from './scope';
import { classifyStorage, findMapFor, findOrigin, mapArgs, pickedCallStart, Pick, pickTarget, siblingBuffer, syncedHandleWithBase, Target, traceName } from './target';
import { ARG, dirText, dmaArg, dmaFamily, isDmaCall } from './vocabulary';

export type { BufferKind, Direction } from '../../model/sim/types';
export type { Event, LifecycleStep } from './context';
export { localIncludes } from '../fileScope';
export { traceName } from './target';
export type { HeaderTree, StitchCandidate, StitchOptions } from './stitch';
export type { StitchedFunction } from '../../model/sim/stitched';

export interface LifecycleRequest {
  /** the document text (the tree was parsed from it) */
  text: string;
  tree: Tree;
  /** a UTF-16 offset inside the function of interest */
  offset: number;
  /** the buffer or handle expression, when the caller names it (`--buffer`) */
  buffer?: string;
  /** shown in the header comment only */
  file?: string;
  /** when set, steps carry `# src=<srcFile>:<line>` (for traces saved away from their source) */
  srcFile?: string;
  /** texts of headers the file includes with `#include "…"` (their object-like #defines are used for sizes) */
  headers?: readonly string[];
  /**
   * Following the buffer into the driver's other functions (./stitch.ts): the other files to search
   * (the request's own file always is); false for this function only.
   */
  stitch?: StitchOptions | false;
}

export interface LifecycleResult {
  trace: string;
  /** the name used for the buffer in the trace (a C identifier) */
  name: string;
  /** the buffer expression as written in the source */
  bufferExpr: string;
  /** the handle expression(s) the DMA address lives in */
  handles: string[];
  functionName: string;
  kind: BufferKind;
  size: number;
  steps: LifecycleStep[];
  /** header remarks (path taken, assumptions) */
  notes: string[];
  /** the functions the trace was stitched from, in replay order (absent: one function) */
  stitched?: (StitchedFunction & { cursor: boolean })[];
}

export class LifecycleError extends Error {}

export const DEFAULT_BUFFER_SIZE = 2048;

/**
 * Derives a `.dmatrace` for the buffer at (or named near) `offset`.
 * Throws LifecycleError with a one-line reason when there is nothing to replay.
 */
export function extractLifecycle(req: LifecycleRequest): LifecycleResult {
  const core = extractCore(req);
  if (req.stitch !== false) {
    let st: ReturnType<typeof stitchLifecycle>;
    try {
      st = stitchLifecycle(req, core, req.stitch ?? {}, extractCore);
    } catch (e) {
      // following the buffer elsewhere is a bonus: the function's own lifecycle still stands
      core.notes.push(`the buffer could not be followed into other functions (${truncate(String((e as Error)?.message ?? e), 80)})`);
      st = undefined;
    }
    if (st) {
      const out = printStitched(req, st);
      const c = st.core;
      return {
        trace: out.trace, name: c.ctx.name, bufferExpr: c.bufExpr, handles: [...core.ctx.target.handles], functionName: core.fname, kind: c.kind, size: c.size,
        steps: st.steps.map(publicStep), notes: out.notes,
        stitched: st.functions.map(({ pathNotes: _p, ...f }) => f),
      };
    }
  }
  const { ctx, fname, fn, bufExpr, kind, size, pathNotes, notes, liveAtEnd } = core;
  const out = printLifecycle({ req, ctx, fname, fn, bufExpr, kind, size, pathNotes, notes, liveAtEnd });
  return { trace: out.trace, name: ctx.name, bufferExpr: bufExpr, handles: [...ctx.target.handles], functionName: fname, kind, size, steps: ctx.steps.map(publicStep), notes: out.notes };
}

/**
 * How a function takes part in a stitched trace (./stitch.ts). Without it the extraction is the
 * single-function one. With it the function's own ending is left to the stitcher: no `handoff` and
 * no "nothing can release it" leak at its return, since the trace goes on in another function.
 */
export interface StitchPart {
  /** the buffer as the earlier functions left it; absent for the first function (the one that maps) */
  from?: {
    /** the events so far (appended to) */
    steps: Event[];
    name: string;
    kind: BufferKind;
    size: number;
    mapDir?: Direction;
    ownedSince: number | null;
    handedOff: boolean;
    /** the expressions that reach the buffer in this function */
    target: { handles: string[]; buffers: string[]; skbs: string[]; pages: string[] };
  };
}

/** What one extraction leaves behind, before printing. */
export interface CoreResult extends Omit<OutputInput, 'req'> {
  /** the user's pick and what it resolved to */
  mappedElsewhere: boolean;
  /** the handle expressions known before the walk (a member the function syncs or unmaps, later overwritten) */
  handlesBefore: string[];
}

/** The function around `offset` (checked for size and body), or a LifecycleError. */
export function functionAt(req: { text: string; tree: Tree; offset: number }): Node {
  const at = req.tree.rootNode.descendantForIndex(Math.max(0, Math.min(req.offset, req.text.length)), Math.max(0, Math.min(req.offset, req.text.length)));
  const fn = at ? enclosingFunction(at) : null;
  if (!fn) throw new LifecycleError('the position is not inside a function');
  const fname = functionName(fn) ?? '<anonymous>';
  // the checker's bound: a function this large is a parse accident or generated code
  if (fn.endIndex - fn.startIndex > MAX_FUNCTION_CHARS) throw new LifecycleError(`${fname}() is larger than ${MAX_FUNCTION_CHARS / 1024} KB (often a macro the parser could not follow); nothing to replay`);
  if (!fn.childForFieldName('body')) throw new LifecycleError(`${fname}() has no body`);
  return fn;
}

/** The extraction without printing; `part` makes it one function of a stitched trace. */
export function extractCore(req: LifecycleRequest, part?: StitchPart): CoreResult {
  const fn = functionAt(req);
  const fname = functionName(fn) ?? '<anonymous>';
  const body = fn.childForFieldName('body')!;
  const scope = createScope(req.text, req.tree, fn, req.headers);
  if (part?.from) return continueIn(req, part.from, fn, fname, body, scope);
  {
    let pick: Pick | undefined = req.buffer ? { bufExpr: normText(req.buffer) } : pickTarget(fn, req.tree, req.offset);
    if (!pick || (!pick.bufExpr && !pick.handle)) throw new LifecycleError(`no DMA buffer or handle at the cursor in ${fname}(); put the cursor on a dma_map_*/dma_alloc_* call or name the buffer`);
    // a name given by the user may be the handle: look for a map assigning it
    if (pick.bufExpr && !pick.handle) {
      const asHandle = findMapFor(fn, { handle: pick.bufExpr });
      const asBuffer = findMapFor(fn, { bufExpr: pick.bufExpr });
      if (asBuffer) pick = { bufExpr: asBuffer.bufExpr, handle: asBuffer.handle, via: pick.via };
      else if (asHandle) pick = { bufExpr: asHandle.bufExpr, handle: asHandle.handle, via: pick.via };
    } else if (pick.handle && !pick.bufExpr) {
      const m = findMapFor(fn, { handle: pick.handle });
      if (m) pick = { ...pick, bufExpr: m.bufExpr };
    }
    let mappedElsewhere: { dir: Direction; line: number; handle: string; size?: Node } | undefined;
    if (pick.bufExpr && !pick.handle && !findMapFor(fn, { bufExpr: pick.bufExpr }) && !findMapFor(fn, { handle: pick.bufExpr })) {
      // the cursor is on a buffer this function does not map: is it synced/unmapped through a sibling handle?
      const base = /^[A-Za-z_]\w*/.exec(pick.bufExpr)?.[0];
      const h = base ? syncedHandleWithBase(fn, base) : undefined;
      if (h && h !== pick.bufExpr) {
        const found = siblingBuffer(fn, h);
        if (found) {
          const userPick = pick.bufExpr.startsWith(`${base}->`) && pick.bufExpr.includes('->', base!.length + 2) ? pick.bufExpr : found.expr;
          pick = { ...pick, bufExpr: userPick, handle: h };
          mappedElsewhere = { dir: found.dir, line: lineOf(fn), handle: h, size: found.size };
        }
      }
    }
    if (!pick.bufExpr && pick.handle && !findMapFor(fn, { handle: pick.handle })) {
      // the mapping is made elsewhere (a refill function) and this one syncs/unmaps it: the buffer is
      // the memory reached through the same structure (rx_buf->dma ↔ rx_buf->skb->data)
      const found = siblingBuffer(fn, pick.handle);
      if (found) {
        pick.bufExpr = found.expr;
        mappedElsewhere = { dir: found.dir, line: lineOf(fn), handle: pick.handle, size: found.size };
      }
    }
    if (!pick.bufExpr) {
      if (!pick.handle) throw new LifecycleError(`no DMA buffer found in ${fname}()`);
      pick.bufExpr = pick.handle; // only a handle is known: the buffer is named after it
    }
    const bufExpr = pick.bufExpr;
    // the handle becomes live at the map/alloc that produces it (a handle variable may be reused
    // for an earlier mapping); only a handle with no map in this function is followed from the start
    const producer = findMapFor(fn, { bufExpr }) ?? (pick.handle ? findMapFor(fn, { handle: pick.handle }) : undefined);
    const target: Target = { buffers: new Set([bufExpr]), handles: new Set(pick.handle && !producer ? [pick.handle] : []), pages: new Set(), skbs: new Set(), bufferExpr: bufExpr };
    // page buffers: dma_map_page(dev, page, …) / page_address(page)
    const pageM = /^page_address\((.+)\)$/.exec(bufExpr);
    if (pageM) target.pages.add(pageM[1]);
    const skbM = /^(.+)->data$/.exec(bufExpr);
    if (skbM) target.skbs.add(skbM[1]);

    // provenance
    const mapCall = findMapFor(fn, { bufExpr });
    const anchorStart = req.buffer === undefined ? pickedCallStart(fn, req.tree, req.offset) : undefined;
    let anchorEnd: number | undefined;
    if (anchorStart !== undefined) {
      for (let c: Node | null = req.tree.rootNode.descendantForIndex(anchorStart, anchorStart); c && c.id !== fn.id; c = c.parent) {
        if (c.type === 'call_expression' && c.startIndex === anchorStart) { anchorEnd = c.endIndex; break; }
      }
    }
    // the allocation is the last one before the call the user pointed at (or before the map)
    const originLimit = anchorEnd ?? (mapCall ? mapCall.call.endIndex : fn.endIndex);
    let origin = findOrigin(scope, bufExpr, target.pages, target.skbs, originLimit) ?? findOrigin(scope, bufExpr, target.pages, target.skbs, fn.endIndex);
    const mapped = mapCall ? mapArgs(mapCall.call) : undefined;
    const mapsPage = !!mapCall && dmaFamily(callName(mapCall.call)) === 'page';
    if (mapsPage && !origin) {
      target.pages.add(bufExpr);
      origin = findOrigin(scope, bufExpr, target.pages, target.skbs, originLimit) ?? { kind: 'page', size: 4096, zero: false, note: 'a page (its allocation is not in this function)' };
    } else if (mapsPage) target.pages.add(bufExpr);
    origin ??= classifyStorage(scope, bufExpr);
    const notes: string[] = [];
    let kind: BufferKind;
    let size: number | undefined;
    let sizeNote: string;
    if (origin) {
      kind = origin.kind;
      size = origin.size;
      sizeNote = origin.line ? `${origin.kind} at line ${origin.line}` : origin.kind;
      if (origin.note) notes.push(origin.note);
    } else {
      kind = 'kmalloc';
      sizeNote = 'allocation not found in this function; assumed kmalloc';
    }
    if (size === undefined) {
      const sizeNode = mapped?.size ?? mappedElsewhere?.size;
      const ms = sizeNode ? foldConst(scope, sizeNode) : undefined;
      if (ms !== undefined && ms > 0) {
        size = ms;
        sizeNote += `; size ${ms} taken from the ${mapped?.size ? 'map' : 'sync/unmap'} call`;
      } else {
        size = DEFAULT_BUFFER_SIZE;
        const expr = origin?.sizeExpr ?? mapped?.size?.text;
        sizeNote += `; size ${expr ? `\`${truncate(normText(expr), 40)}\` is not a constant` : 'unknown'}, ${DEFAULT_BUFFER_SIZE} bytes assumed`;
      }
    } else if (origin?.sizeExpr && !/^\d+$/.test(origin.sizeExpr.trim())) {
      sizeNote += ` (${truncate(normText(origin.sizeExpr), 40)} = ${size})`;
    }
    size = Math.max(1, Math.min(size, 1 << 24));

    const ctx: Ctx = {
      ...scope, text: req.text, name: traceName(bufExpr), target, steps: [], kind, size, sizeNote,
      allocLine: origin?.line, allocNode: origin?.node?.type === 'call_expression' ? origin.node : undefined,
      anchor: anchorStart ?? producer?.call.startIndex ?? -1,
      started: !(origin?.node?.type === 'call_expression' && (kind === 'coherent' || kind === 'pool' || kind === 'noncoherent')),
      zeroAtAlloc: !!origin?.zero, ownedSince: null, handedOff: false, seen: new Set(), ownMaps: new Set(),
      mapDir: kind === 'noncoherent' && origin?.node ? dirText(dmaArg(origin.node, ARG.dir)) : undefined,
    };
    const pathNotes: PathNotes = { skipped: [], branches: [], loops: [], gotos: [] };
    if (mappedElsewhere) {
      // the buffer arrives mapped: replay the map (assumed) and the device's turn first
      ctx.mapDir = mappedElsewhere.dir;
      ctx.steps.push(event({ op: 'dma_map_single', name: ctx.name, dir: mappedElsewhere.dir, attrs: [] }, mappedElsewhere.line, `assumed: ${truncate(mappedElsewhere.handle, 40)} was mapped before ${fname}() runs`));
      ctx.ownedSince = 0;
      ctx.handedOff = false;
      // …and the device has had its turn by the time this function looks at the buffer
      deviceAccess(ctx, fn, 'assumed: the device accessed the buffer before this function runs');
      for (const st of ctx.steps) st.line = mappedElsewhere.line;
      notes.push(`${fname}() does not map the buffer; the mapping behind ${truncate(mappedElsewhere.handle, 40)} is assumed to be made earlier (direction from its sync/unmap)`);
    }
    // handles known before the walk were mapped before this function ran (a struct member it syncs or unmaps)
    const handlesBefore = [...target.handles];
    walkMainPath(ctx, body, pathNotes);
    // the device still owns the buffer at the end: it does its DMA after this function returns
    if (ctx.ownedSince !== null && !ctx.handedOff) {
      const endNode = fn.childForFieldName('body')!;
      const before = ctx.steps.length;
      deviceAccess(ctx, endNode, 'assumed: the device accesses the buffer after this function hands it over');
      for (const s of ctx.steps.slice(before)) {
        s.line = ctx.steps[ctx.ownedSince]?.line ?? s.line;
        s.file = ctx.steps[ctx.ownedSince]?.file;
      }
    }
    if (ctx.coherentHandoff !== undefined) {
      const h = ctx.steps[ctx.coherentHandoff];
      if (h.op === 'device_read' && ctx.steps.slice(ctx.coherentHandoff + 1).some((s) => s.op === 'cpu_read')) {
        ctx.steps.splice(ctx.coherentHandoff + 1, 0, event({ op: 'device_write', name: ctx.name }, h.line, 'the CPU reads the buffer later, so the device is taken to write it'));
      }
    }
    const liveAtEnd = ctx.ownedSince !== null;
    const allocLiveAtEnd = ctx.steps.some((s) => s.op === 'dma_alloc_coherent' || s.op === 'dma_alloc_noncoherent') && !ctx.steps.some((s) => s.op === 'dma_free_coherent' || s.op === 'dma_free_noncoherent');
    if (part) {
      // one function of a stitched trace: its ending is decided by the stitcher
    } else {
      if (!ctx.escape) {
        // a handle that already lives in a structure (mapped elsewhere, or named so by the caller)
        const kept = handlesBefore.find((h) => /->|\.|\[|^\*/.test(h));
        if (kept) ctx.escape = { line: mappedElsewhere?.line ?? lineOf(fn), what: `the DMA address lives in ${truncate(kept, 40)}` };
      }
      if ((liveAtEnd || allocLiveAtEnd) && ctx.escape) {
        ctx.steps.push(event({ op: 'handoff', name: ctx.name }, ctx.escape.line, `handed off when ${fname}() returns: ${ctx.escape.what}`));
      } else if (liveAtEnd || allocLiveAtEnd) {
        notes.push(`${fname}() returns without keeping the DMA address or the buffer pointer anywhere: nothing can release the ${liveAtEnd ? 'mapping' : 'allocation'} (replayed as a leak)`);
      }
    }
    // coherent memory must be allocated before the trace can use it, even when the
    // allocation is not on the main path (another function, or a branch not followed)
    if (kind === 'coherent' && !ctx.steps.some((s) => s.op === 'dma_alloc_coherent') && ctx.steps.some((s) => s.op)) {
      ctx.steps.unshift(event({ op: 'dma_alloc_coherent', name: ctx.name, size }, ctx.allocLine ?? lineOf(fn), 'allocated off the main path'));
    } else if (kind === 'noncoherent' && !ctx.steps.some((s) => s.op === 'dma_alloc_noncoherent') && ctx.steps.some((s) => s.op)) {
      ctx.steps.unshift(event({ op: 'dma_alloc_noncoherent', name: ctx.name, size, dir: ctx.mapDir ?? 'DMA_BIDIRECTIONAL' }, ctx.allocLine ?? lineOf(fn), 'allocated off the main path'));
    }
    if (!ctx.steps.some((s) => s.op)) throw new LifecycleError(`no DMA-API call or access of \`${truncate(bufExpr, 40)}\` found on the main path of ${fname}()`);

    return { ctx, fn, fname, bufExpr, kind, size, pathNotes, notes, liveAtEnd, mappedElsewhere: !!mappedElsewhere, handlesBefore };
  }
}

/**
 * One function after the first of a stitched trace: the buffer arrives as the earlier functions
 * left it (mapped, owned by the device or the CPU), reached through `from.target`'s expressions.
 */
function continueIn(req: LifecycleRequest, from: NonNullable<StitchPart['from']>, fn: Node, fname: string, body: Node, scope: ReturnType<typeof createScope>): CoreResult {
  const t = from.target;
  const target: Target = { buffers: new Set(t.buffers), handles: new Set(t.handles), pages: new Set(t.pages), skbs: new Set(t.skbs), bufferExpr: t.buffers[0] ?? t.handles[0] ?? from.name };
  const ctx: Ctx = {
    ...scope, text: req.text, name: from.name, target, steps: from.steps, kind: from.kind, size: from.size,
    anchor: -1, started: true, zeroAtAlloc: false, ownedSince: from.ownedSince, handedOff: from.handedOff,
    seen: new Set(), ownMaps: new Set(), mapDir: from.mapDir,
  };
  const pathNotes: PathNotes = { skipped: [], branches: [], loops: [], gotos: [] };
  walkMainPath(ctx, body, pathNotes);
  if (ctx.ownedSince !== null && !ctx.handedOff) {
    const before = ctx.steps.length;
    deviceAccess(ctx, body, 'assumed: the device accesses the buffer after this function hands it over');
    for (const s of ctx.steps.slice(before)) {
      s.line = ctx.steps[ctx.ownedSince]?.line ?? s.line;
      s.file = ctx.steps[ctx.ownedSince]?.file;
    }
  }
  return { ctx, fn, fname, bufExpr: target.bufferExpr, kind: from.kind, size: from.size, pathNotes, notes: [], liveAtEnd: ctx.ownedSince !== null, mappedElsewhere: false, handlesBefore: [...t.handles] };
}

/** Offset of a 1-based line (its first non-blank character) in `text`. */
export function offsetOfLine(text: string, line: number): number {
  let off = 0;
  for (let i = 1; i < line; i++) {
    const nl = text.indexOf('\n', off);
    if (nl < 0) return text.length;
    off = nl + 1;
  }
  while (off < text.length && (text[off] === ' ' || text[off] === '\t')) off++;
  return off;
}

export interface LifecycleTarget {
  /** offset of the call's function name */
  offset: number;
  /** 0-based row */
  row: number;
  call: string;
}

/** Map and allocation calls inside functions: where a "Replay lifecycle" lens belongs. */
export function lifecycleTargets(tree: Tree, limit = 500): LifecycleTarget[] {
  const out: LifecycleTarget[] = [];
  walk(tree.rootNode, (n) => {
    if (out.length >= limit) return false;
    if (n.type !== 'call_expression') return true;
    const name = callName(n);
    if (name && isDmaCall(name, 'map', 'coherent-alloc', 'pool-alloc', 'noncoherent-alloc') && enclosingFunction(n)) {
      const f = n.childForFieldName('function')!;
      out.push({ offset: f.startIndex, row: f.startPosition.row, call: name });
    }
    return true;
  });
  return out;
}
