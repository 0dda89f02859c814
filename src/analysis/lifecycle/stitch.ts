/**
 * A buffer's life across the driver's functions, as one trace: the map in the refill function, the
 * device's turn, `sync_for_cpu` and the CPU's reads in the poll function, `sync_for_device` and the
 * re-post, the unmap in the teardown.
 *
 * The functions are found by the struct member that holds the buffer's DMA address (and the one
 * that holds its CPU pointer): every function of the candidate files that maps, syncs, unmaps or
 * frees through that member, or reaches the buffer through it, takes part. Members are identified
 * as `<struct tag>.<member>` by the driver index's memberKeyOf (src/analysis/driverIndex/memberKey.ts);
 * only full keys are followed (a partial key, member name only, never stitches), and only where the
 * struct's definition is the same one (a folder may hold several drivers with a `struct ring_info` each).
 * Candidates are (file, text, tree[, functions]) entries: the request's own file, and whatever else
 * the caller has (the CLI and the editor: the .c files of the same folder; later the driver index,
 * which can name the functions of a file that touch the member).
 *
 * Order follows the roles: the function that maps, then those that take the buffer back for the CPU
 * (sync_for_cpu, reads), those that only give it back to the device (sync_for_device), and last the
 * one that unmaps or frees it. Each function is replayed on its own main path (./path.ts) with the
 * buffer as the earlier ones left it; its own "handed off / leaked at the return" ending is left
 * out, since the trace goes on. The replay stops at the first function that releases the buffer;
 * other functions that would release it again are named in a note. A refill called again from the
 * poll function is not replayed a second time (the loop is shown once).
 *
 * When nothing else in the candidates touches the buffer's member, or no candidate maps it, the
 * single-function extraction is returned unchanged.
 *
 * Pure: no Node built-ins, no module state.
 */
import type { Node, Tree } from 'web-tree-sitter';
import { callArgs, callName, functionDefinitions, functionName, normText, stripParensAndCasts, walk } from '../ast';
import { MAX_FUNCTION_CHARS } from '../facts';
import { structDefinitions, structSpecifiers, type StructField } from '../fileScope';
import type { StitchedFunction, StitchRole } from '../../model/sim/stitched';
import { event, Event } from './context';
import { declaredTypes, DeclaredTypes, MemberKey, memberKeyOf } from '../driverIndex/memberKey';
import { lineOf, truncate } from './scope';
import { addrOfTarget, assignedTo } from './target';
import { ARG, CPU_FREE, dirText, dmaArg, dmaCallKind } from './vocabulary';
import type { Direction } from '../../model/sim/types';
import type { CoreResult, LifecycleRequest } from './index';

/** One file whose functions may carry the buffer's life on. */
export interface StitchCandidate {
  /** the file as shown in the trace (`# src=<file>:<line>`): relative, no blanks or `#` */
  file: string;
  text: string;
  tree: Tree;
  /** texts of the headers it includes (their #defines fold sizes) */
  headers?: readonly string[];
  /** its local headers, parsed: the structs they define */
  headerTrees?: readonly HeaderTree[];
  /** only these function definitions of the file (a driver index's picks); every one when absent */
  functions?: readonly Node[];
}

/** A header's text and its tree. */
export interface HeaderTree {
  text: string;
  tree: Tree;
}

/** Member identity (the driver index's memberKeyOf by default). */
export type MemberKeyOf = (handleExpr: string, fn: Node, text: string, structs: Map<string, StructField[]>, types?: DeclaredTypes) => MemberKey | null;

export interface StitchOptions {
  /** other files of the driver (the request's own file is always a candidate) */
  candidates?: readonly StitchCandidate[];
  /** the request's own file's local headers, parsed */
  headerTrees?: readonly HeaderTree[];
  /** member identity; src/analysis/driverIndex/memberKey.ts by default */
  memberKeyOf?: MemberKeyOf;
  /** how the request's own file is named in a stitched trace (default: its srcFile, else its file) */
  ownFile?: string;
}

/** Bounds: a folder of thousands of files or functions is cut here (with a note). */
export const MAX_STITCH_FILES = 64;
export const MAX_STITCH_FUNCTIONS = 4000;
export const MAX_STITCHED = 8;

type BufKind = 'skb' | 'page' | 'buffer';

/** The members followed: the handle's and the buffer pointer's, and each container's definition text. */
interface Keys {
  handle: Map<string, string>;
  buffer: Map<string, BufKind>;
  def: Map<string, string>;
}

interface Touch {
  cand: StitchCandidate;
  candIndex: number;
  fn: Node;
  name: string;
  handles: Set<string>;
  bufs: Map<string, BufKind>;
  mapCall?: Node;
  syncCpu: boolean;
  syncDev: boolean;
  release: boolean;
  bufferUse: boolean;
  calls: Set<string>;
  /** the directions its map/sync/unmap calls on the handle give */
  dirs: Set<Direction>;
  /** members it copies the handle or the buffer pointer into */
  copies: [string, 'handle' | BufKind][];
  rank: number;
}

export interface StitchOutcome {
  core: CoreResult;
  /** the events of the whole trace (each with its file) */
  steps: Event[];
  functions: (StitchedFunction & { cursor: boolean; pathNotes: CoreResult['pathNotes'] })[];
  notes: string[];
  /** the member keys followed (`<tag>.<member>`) */
  handleKeys: string[];
  bufferKeys: string[];
  allocLine?: { file: string; line: number };
}

type Extract = (req: LifecycleRequest, part?: import('./index').StitchPart) => CoreResult;

/**
 * Stitches the life of the buffer the single-function extraction `single` found. Returns undefined
 * when there is nothing to stitch (the caller prints `single` as it is).
 */
export function stitchLifecycle(req: LifecycleRequest, single: CoreResult, opts: StitchOptions, extract: Extract): StitchOutcome | undefined {
  const own: StitchCandidate = { file: opts.ownFile ?? req.srcFile ?? req.file ?? 'this file', text: req.text, tree: req.tree, headers: req.headers, headerTrees: opts.headerTrees };
  const notes: string[] = [];
  const others = (opts.candidates ?? []).filter((c) => c.tree !== req.tree && c.text !== req.text);
  if (others.length > MAX_STITCH_FILES - 1) notes.push(`only the first ${MAX_STITCH_FILES - 1} of ${others.length} other files of the driver were searched`);
  const cands = [own, ...others.slice(0, MAX_STITCH_FILES - 1)];
  // the structs each file sees: its own and its headers' (a folder may hold several drivers with
  // a `struct ring_info` each: a member is the same only where the struct definition is the same)
  const seen = new Map<StitchCandidate, { specs: Map<string, Node>; fields: Map<string, StructField[]> }>();
  for (const c of cands) {
    const specs = new Map<string, Node>();
    const fields = new Map<string, StructField[]>();
    for (const t of [{ text: c.text, tree: c.tree }, ...(c.headerTrees ?? [])]) {
      for (const [k, v] of structSpecifiers(t.tree.rootNode, t.text)) if (!specs.has(k)) specs.set(k, v);
      for (const [k, v] of structDefinitions(t.tree.rootNode, t.text)) if (!fields.has(k)) fields.set(k, v);
    }
    seen.set(c, { specs, fields });
  }
  const keyImpl: MemberKeyOf = opts.memberKeyOf ?? memberKeyOf;
  const defText = (n: Node | undefined) => (n ? normText(n.text.length > 20000 ? n.text.slice(0, 20000) : n.text) : '');
  /** The full key of a member expression in a candidate's function, with its container's definition. */
  const keyIn = (c: StitchCandidate, expr: string, fn: Node, types?: DeclaredTypes): { key: MemberKey & { container: string }; def: string } | null => {
    const st = seen.get(c)!;
    const k = keyImpl(expr, fn, c.text, st.fields, types);
    if (!k || !k.container || !st.specs.has(k.container)) return null;
    return { key: k as MemberKey & { container: string }, def: defText(st.specs.get(k.container)) };
  };

  // the members that hold the handle and the buffer, from what the cursor's function does
  const ctx = single.ctx;
  const keys: Keys = { handle: new Map(), buffer: new Map(), def: new Map() };
  const addKey = (expr: string, what: 'handle' | BufKind, fn: Node, c: StitchCandidate): boolean => {
    if (!/->|\.|dma_unmap_addr\(/.test(expr)) return false;
    const got = keyIn(c, expr, fn);
    if (!got) return false;
    const k = got.key;
    if (keys.def.has(k.container) && keys.def.get(k.container) !== got.def) return false;
    keys.def.set(k.container, got.def);
    if (what === 'handle') { keys.handle.set(k.key, k.member); keys.buffer.delete(k.key); }
    else if (!keys.handle.has(k.key)) keys.buffer.set(k.key, what);
    return true;
  };
  const bufferKeysOf = (c: CoreResult, fn: Node, cand: StitchCandidate) => {
    for (const k of c.ctx.kept ?? []) if (k.what !== 'handle') addKey(k.expr, k.what, fn, cand);
    // the buffer itself a member (rb->data), or the data of an skb / the page a member holds
    const skbOf = /^(.+)->data$/.exec(c.bufExpr);
    const pageOf = /^page_address\((.+)\)$/.exec(c.bufExpr);
    if (addKey(c.bufExpr, 'buffer', fn, cand)) return;
    if (skbOf) addKey(skbOf[1], 'skb', fn, cand);
    else if (pageOf) addKey(pageOf[1], 'page', fn, cand);
    // a buffer mapped at an offset (`data + RX_OFFSET`): the allocation's pointer is what a member keeps
    const base = /^([A-Za-z_]\w*)\s*(?:\+|-(?!>))/.exec(c.bufExpr)?.[1];
    if (base) for (const m of membersSetFrom(fn, base)) addKey(m, 'buffer', fn, cand);
  };
  for (const k of ctx.kept ?? []) if (k.what === 'handle') addKey(k.expr, 'handle', single.fn, own);
  for (const h of new Set([...single.handlesBefore, ...ctx.target.handles])) {
    // a local copy of the member (`dma_addr_t map = rp->mapping;`) stands for the member
    if (!addKey(h, 'handle', single.fn, own) && /^[A-Za-z_]\w*$/.test(h)) for (const src of memberSources(single.fn, h)) addKey(src, 'handle', single.fn, own);
  }
  bufferKeysOf(single, single.fn, own);
  if (!keys.handle.size) return undefined;

  // every function of the candidates that touches those members; a member copied into another
  // (`rp->rx_dma[i] = sd->dma`) is followed there too
  let cut = false;
  const scan = (): Touch[] => {
    const out: Touch[] = [];
    let scanned = 0;
    for (let ci = 0; ci < cands.length; ci++) {
      const c = cands[ci];
      for (const fn of c.functions ?? functionDefinitions(c.tree)) {
        if (++scanned > MAX_STITCH_FUNCTIONS) { cut = true; return out; }
        if (fn.endIndex - fn.startIndex > MAX_FUNCTION_CHARS || !fn.childForFieldName('body')) continue;
        const t = touchesOf(c, ci, fn, keys, (e, f, ty) => keyIn(c, e, f, ty));
        if (t) out.push(t);
      }
    }
    return out;
  };
  let touches = scan();
  const followCopies = () => {
    for (let round = 0; round < 3; round++) {
      const before = keys.handle.size + keys.buffer.size;
      for (const t of touches) for (const [e, what] of t.copies) addKey(e, what, t.fn, t.cand);
      if (keys.handle.size + keys.buffer.size === before) break;
      touches = scan();
    }
  };
  followCopies();
  const cursorTouch = touches.find((t) => t.cand === own && t.fn.id === single.fn.id);
  // the function that maps: the cursor's own, else one that only maps, in the cursor's file first
  // a member shared by rings of both directions (one struct for TX and RX slots) holds other buffers too:
  // a function that uses it with another direction than this buffer's is about one of those
  const otherDir = (t: Touch, dir: Direction | undefined) => !!dir && t.dirs.size > 0 && !t.dirs.has(dir);
  const mappers = touches.filter((t) => t.mapCall && !otherDir(t, ctx.mapDir));
  // the cursor's function is the one that maps when the buffer at the cursor is mapped there (a poll
  // that maps a fresh buffer after unmapping this one is not where this one was mapped)
  const cursorMaps = !single.mappedElsewhere && single.ctx.steps.some((e) => e.op.startsWith('dma_map') || e.op.startsWith('dma_alloc'));
  const first0 = (t: Touch) => (cursorMaps && t === cursorTouch ? 0 : 1);
  mappers.sort((a, b) => first0(a) - first0(b) || a.rank - b.rank || a.candIndex - b.candIndex || a.fn.startIndex - b.fn.startIndex);
  const mapper = mappers[0];
  if (!mapper) return undefined;

  // the first function: the single-function extraction of its map, without its ending
  const steps: Event[] = [];
  const mreq: LifecycleRequest = mapper === cursorTouch
    ? { ...req, file: mapper.cand.file }
    : { text: mapper.cand.text, tree: mapper.cand.tree, offset: mapper.mapCall!.startIndex, headers: mapper.cand.headers, file: mapper.cand.file };
  let first: CoreResult;
  try {
    first = extract(mreq, {});
  } catch {
    return undefined;
  }
  for (const e of first.ctx.steps) e.file = mapper.cand.file;
  // the mapping function says where it keeps the buffer pointer: the other functions reach it there
  const nBefore = keys.buffer.size;
  bufferKeysOf(first, mapper.fn, mapper.cand);
  if (keys.buffer.size !== nBefore) {
    touches = scan();
    followCopies();
    for (const t of touches) if (t.mapCall && t.fn.id === mapper.fn.id && t.cand === mapper.cand) Object.assign(mapper, t);
  }
  if (cut) notes.push(`only the first ${MAX_STITCH_FUNCTIONS} functions of the driver were searched`);
  const rest = touches.filter((t) => !(t.fn.id === mapper.fn.id && t.cand === mapper.cand) && t.rank < 4);
  if (!rest.length) return undefined;
  // of two functions that release the buffer, the one that calls the others (the poll calls the
  // refill or a copybreak helper; a teardown calls neither) is its normal end
  const names = new Set(touches.map((t) => t.name));
  const caller = (t: Touch) => (t.rank === 3 && [...t.calls].some((c) => c !== t.name && names.has(c)) ? 0 : 1);
  rest.sort((a, b) => a.rank - b.rank || caller(a) - caller(b) || a.candIndex - b.candIndex || a.fn.startIndex - b.fn.startIndex);
  const handleKeys = keys.handle;
  const bufferKeys = keys.buffer;
  steps.push(...first.ctx.steps);
  const released = (from: number) => first.ctx.ownedSince === null && steps.slice(from).some((e) => /^dma_unmap|^dma_free/.test(e.op));
  if (released(0)) return undefined; // mapped and unmapped in one function: nothing to stitch
  if (!steps.some((e) => e.op.startsWith('dma_map') || e.op.startsWith('dma_alloc'))) return undefined;

  const fnInfo = (t: Touch, role: StitchRole, why: string, core: CoreResult) => ({
    index: 0, count: 0, name: t.name, file: t.cand.file, line: lineOf(t.fn), endLine: t.fn.endPosition.row + 1, role, why,
    cursor: t.cand === own && t.fn.id === single.fn.id, pathNotes: core.pathNotes,
  });
  const functions: StitchOutcome['functions'] = [fnInfo(mapper, 'map', whyOf(mapper, 'map'), first)];
  const state = { ownedSince: first.ctx.ownedSince, handedOff: first.ctx.handedOff, mapDir: first.ctx.mapDir };
  const replayed = new Set<Touch>([mapper]);
  let releasedIn: Touch | undefined;
  for (const t of rest) {
    if (otherDir(t, first.ctx.mapDir)) {
      notes.push(`not stitched: ${t.name}() (${t.cand.file}:${lineOf(t.fn)}) uses the same member with ${[...t.dirs].join('/')}: another buffer kept there (this one is mapped ${first.ctx.mapDir})`);
      continue;
    }
    if (functions.length >= MAX_STITCHED) {
      notes.push(`not replayed: ${t.name}() (${t.cand.file}:${lineOf(t.fn)}) — at most ${MAX_STITCHED} functions are stitched`);
      continue;
    }
    if (releasedIn) {
      notes.push(`not replayed: ${t.name}() (${t.cand.file}:${lineOf(t.fn)}) also ${t.release ? 'unmaps or frees' : 'touches'} the buffer, which ${releasedIn.name}() has already released in this trace`);
      continue;
    }
    const target = { handles: [...t.handles], buffers: [] as string[], skbs: [] as string[], pages: [] as string[] };
    for (const [e, kind] of t.bufs) {
      if (kind === 'skb') { target.skbs.push(e); target.buffers.push(`${e}->data`); }
      else if (kind === 'page') target.pages.push(e);
      else target.buffers.push(e);
    }
    const before = steps.length;
    let core: CoreResult;
    try {
      core = extract({ text: t.cand.text, tree: t.cand.tree, offset: t.fn.startIndex, headers: t.cand.headers, file: t.cand.file }, {
        from: { steps, name: first.ctx.name, kind: first.kind, size: first.size, mapDir: state.mapDir, ownedSince: state.ownedSince, handedOff: state.handedOff, target },
      });
    } catch {
      steps.length = before; // nothing of a function that could not be followed
      notes.push(`not replayed: ${t.name}() (${t.cand.file}:${lineOf(t.fn)}) could not be followed`);
      continue;
    }
    for (const e of steps) e.file ??= t.cand.file;
    if (!steps.slice(before).some((e) => e.op)) {
      steps.length = before;
      notes.push(`not replayed: ${t.name}() (${t.cand.file}:${lineOf(t.fn)}) touches the buffer's member, but nothing on its main path uses the buffer`);
      continue;
    }
    state.ownedSince = core.ctx.ownedSince;
    state.handedOff = core.ctx.handedOff;
    state.mapDir = core.ctx.mapDir ?? state.mapDir;
    const rel = core.ctx.ownedSince === null && steps.slice(before).some((e) => /^dma_unmap|^dma_free/.test(e.op));
    // the function where the buffer's life ends is the release, whatever else it does
    const role: StitchRole = rel ? 'release' : t.rank === 1 ? 'cpu' : t.rank === 2 ? 'repost' : 'release';
    functions.push(fnInfo(t, role, whyOf(t, role), core));
    replayed.add(t);
    if (rel) releasedIn = t;
  }
  if (functions.length < 2) return undefined;
  // a refill called again from a later function is the same mapping loop: shown once
  for (const f of functions.slice(1)) {
    const t = [...replayed].find((x) => x.name === f.name && x.cand.file === f.file);
    if (t?.calls.has(mapper.name)) notes.push(`${f.name}() calls ${mapper.name}() again to refill: that loop is shown once`);
    else if (t?.mapCall) notes.push(`${f.name}() maps a new buffer into the same member to refill: that loop is shown once (the new buffer is not followed)`);
  }
  if (state.ownedSince !== null) {
    const keep = (first.ctx.kept ?? []).find((k) => k.what === 'handle');
    const last = functions[functions.length - 1];
    const e = event({ op: 'handoff', name: first.ctx.name }, last.line, `no function found that unmaps it: the DMA address stays in ${truncate(keep?.expr ?? [...handleKeys.keys()][0], 40)} past the end of the trace`);
    e.file = last.file;
    steps.push(e);
    notes.push(`none of the functions searched unmaps ${[...handleKeys.keys()].join(', ')}; the trace ends with the buffer handed off`);
  }
  functions.forEach((f, i) => { f.index = i + 1; f.count = functions.length; });
  return {
    core: first, steps, functions, notes, handleKeys: [...handleKeys.keys()].sort(), bufferKeys: [...bufferKeys.keys()].sort(),
    allocLine: first.ctx.allocLine ? { file: mapper.cand.file, line: first.ctx.allocLine } : undefined,
  };
}

/** The member expressions a local variable is set from in a function (`T x = a->b;`, `x = a->b[i];`). */
function memberSources(fn: Node, name: string): string[] {
  const out: string[] = [];
  walk(fn, (n) => {
    if (out.length >= 4) return false;
    let l: Node | null = null;
    let r: Node | null = null;
    if (n.type === 'init_declarator') { l = n.childForFieldName('declarator'); r = n.childForFieldName('value'); }
    else if (n.type === 'assignment_expression' && n.childForFieldName('operator')?.text === '=') { l = n.childForFieldName('left'); r = n.childForFieldName('right'); }
    if (l && r && l.type === 'identifier' && l.text === name) {
      const v = stripParensAndCasts(r);
      if (v.type === 'field_expression' || v.type === 'subscript_expression' || (v.type === 'call_expression' && callName(v) === 'dma_unmap_addr')) out.push(normText(v));
    }
    return true;
  });
  return out;
}

/** The member lvalues a local variable is stored into in a function (`a->b = x;`). */
function membersSetFrom(fn: Node, name: string): string[] {
  const out: string[] = [];
  walk(fn, (n) => {
    if (out.length >= 4) return false;
    if (n.type !== 'assignment_expression' || n.childForFieldName('operator')?.text !== '=') return true;
    const l = n.childForFieldName('left');
    const r = n.childForFieldName('right');
    if (l && r && (l.type === 'field_expression' || l.type === 'subscript_expression') && stripParensAndCasts(r).type === 'identifier' && stripParensAndCasts(r).text === name) out.push(normText(l));
    return true;
  });
  return out;
}

/** A phrase saying why a function was picked. */
function whyOf(t: Touch, role: StitchRole): string {
  // dma_unmap_addr(p, f) reads as p->f
  const h = truncate(([...t.handles].find((x) => !x.startsWith('dma_unmap_addr(')) ?? [...t.handles][0] ?? '').replace(/^dma_unmap_addr\((.+),(\w+)\)$/, '$1->$2'), 40);
  const b = truncate([...t.bufs.keys()][0] ?? '', 40);
  const bits: string[] = [];
  if (role === 'map') bits.push(`${t.mapCall && dmaCallKind(callName(t.mapCall)) !== 'map' ? 'allocates' : 'maps'} the buffer and keeps its DMA address in ${h}`);
  if (t.syncCpu) bits.push(`syncs ${h} for the CPU`);
  if (t.bufferUse && b) bits.push(`uses the buffer through ${b}`);
  if (t.syncDev) bits.push(`syncs ${h} for the device`);
  if (t.release && role !== 'map') bits.push(`unmaps or frees through ${h || b}`);
  if (!bits.length) bits.push(`touches ${h || b}`);
  return bits.join(', ');
}

/** What one function does through the members: undefined when it does not touch them. */
function touchesOf(
  c: StitchCandidate, candIndex: number, fn: Node, keys: Keys,
  keyIn: (expr: string, fn: Node, types?: DeclaredTypes) => { key: MemberKey & { container: string }; def: string } | null,
): Touch | undefined {
  const handleKeys = keys.handle;
  const bufferKeys = keys.buffer;
  const memberNames = new Set<string>();
  for (const k of [...handleKeys.keys(), ...bufferKeys.keys()]) memberNames.add(k.slice(k.lastIndexOf('.') + 1));
  // the key, when the container is the same struct as ours (same definition)
  let types: DeclaredTypes | undefined;
  const sameKey = (expr: string): string | null => {
    types ??= declaredTypes(fn, c.text);
    const got = keyIn(expr, fn, types);
    return got && keys.def.get(got.key.container) === got.def ? got.key.key : null;
  };
  const handles = new Set<string>();
  const bufs = new Map<string, BufKind>();
  const occurrences: Node[] = [];
  const calls = new Set<string>();
  const known = new Map<string, string | null>();
  walk(fn, (n) => {
    let expr: string | undefined;
    let at = n;
    if (n.type === 'field_expression') {
      const f = n.childForFieldName('field')?.text;
      // an array member is used element-wise: `rp->rx_dma[i]` is the spelling to follow
      while (at.parent?.type === 'subscript_expression' && at.parent.childForFieldName('argument')?.id === at.id) at = at.parent;
      if (f && memberNames.has(f)) expr = normText(at);
    } else if (n.type === 'call_expression') {
      const name = callName(n);
      if (name) calls.add(name);
      const a = callArgs(n);
      if (name === 'dma_unmap_addr' && a.length === 2 && memberNames.has(a[1].text)) expr = normText(n);
      // dma_unmap_addr_set(p, f, v) stores into p->f
      else if (name === 'dma_unmap_addr_set' && a.length === 3 && memberNames.has(a[1].text)) expr = normText(`dma_unmap_addr(${a[0].text},${a[1].text})`);
    }
    if (!expr) return true;
    let key = known.get(expr);
    if (key === undefined) {
      key = sameKey(expr);
      known.set(expr, key);
    }
    if (key && handleKeys.has(key)) { handles.add(expr); occurrences.push(at); }
    else if (key && bufferKeys.has(key)) { bufs.set(expr, bufferKeys.get(key)!); occurrences.push(at); }
    return true;
  });
  if (!handles.size && !bufs.size) return undefined;
  // locals that copy the handle (`dma_addr_t dma = rxb->dma;`), and where locals are stored into it
  const aliases = new Set<string>();
  const storedFrom = new Set<string>();
  const copies: [string, 'handle' | BufKind][] = [];
  walk(fn, (n) => {
    if (n.type === 'init_declarator' || (n.type === 'assignment_expression' && n.childForFieldName('operator')?.text === '=')) {
      const l = n.childForFieldName(n.type === 'init_declarator' ? 'declarator' : 'left');
      const r = n.childForFieldName(n.type === 'init_declarator' ? 'value' : 'right');
      if (!l || !r) return true;
      const rt = normText(stripParensAndCasts(r));
      const lt = normText(l);
      if (handles.has(rt) && (l.type === 'identifier' || l.type === 'pointer_declarator')) aliases.add(lt.replace(/^\*+/, ''));
      if (handles.has(lt) && stripParensAndCasts(r).type === 'identifier') storedFrom.add(rt);
      // the handle or the buffer pointer copied into another member
      if (n.type === 'assignment_expression' && l.type !== 'identifier' && !handles.has(lt) && !bufs.has(lt)) {
        if (handles.has(rt)) copies.push([lt, 'handle']);
        else if (bufs.has(rt)) copies.push([lt, bufs.get(rt)!]);
      }
      // …and the member it was copied from (`rp->rx_dma[i] = sd->dma`: the map fills sd->dma)
      const rs = stripParensAndCasts(r);
      if (n.type === 'assignment_expression' && (rs.type === 'field_expression' || rs.type === 'subscript_expression') && !handles.has(rt) && !bufs.has(rt)) {
        if (handles.has(lt)) copies.push([rt, 'handle']);
        else if (bufs.has(lt)) copies.push([rt, bufs.get(lt)!]);
      }
    } else if (n.type === 'call_expression' && callName(n) === 'dma_unmap_addr_set') {
      // dma_unmap_addr_set(p, f, v) is p->f = v
      const a = callArgs(n);
      const k = a.length === 3 ? sameKey(`${normText(stripParensAndCasts(a[0]))}->${normText(a[1])}`) : null;
      if (k && handleKeys.has(k)) {
        storedFrom.add(normText(stripParensAndCasts(a[2])));
        handles.add(normText(`dma_unmap_addr(${a[0].text},${a[1].text})`));
      }
    }
    return true;
  });
  const isHandle = (n: Node | undefined) => {
    if (!n) return false;
    const t = normText(stripParensAndCasts(n));
    return handles.has(t) || aliases.has(t);
  };
  let mapCall: Node | undefined;
  const dirs = new Set<Direction>();
  const dirOf = (n: Node) => { const d = dirText(dmaArg(n, ARG.dir)); if (d) dirs.add(d); };
  let syncCpu = false;
  let syncDev = false;
  let release = false;
  walk(fn, (n) => {
    if (n.type !== 'call_expression') return true;
    const kind = dmaCallKind(callName(n));
    if (!kind) return true;
    if (kind === 'map' || kind === 'coherent-alloc' || kind === 'noncoherent-alloc' || kind === 'pool-alloc') {
      const lhs = assignedTo(n);
      const lt = lhs ? normText(lhs) : undefined;
      const out = kind === 'map' ? undefined : addrOfTarget(dmaArg(n, ARG.handle));
      if (!mapCall && ((lt && (handles.has(lt) || storedFrom.has(lt))) || (out && (handles.has(out) || storedFrom.has(out))))) {
        mapCall = n;
        dirOf(n);
      }
    } else if (isHandle(dmaArg(n, ARG.handle)) || ((kind === 'coherent-free' || kind === 'pool-free' || kind === 'noncoherent-free') && isHandle(dmaArg(n, ARG.cpu)))) {
      if (kind === 'sync-for-cpu') syncCpu = true;
      else if (kind === 'sync-for-device') syncDev = true;
      else if (kind === 'unmap' || kind === 'coherent-free' || kind === 'noncoherent-free' || kind === 'pool-free') release = true;
      dirOf(n);
    }
    return true;
  });
  let bufferUse = false;
  for (const o of occurrences) {
    if (!bufs.has(normText(o))) continue;
    const p = o.parent;
    if (!p) continue;
    if (p.type === 'assignment_expression' && p.childForFieldName('left')?.id === o.id) continue;
    if (p.type === 'unary_expression' || p.type === 'parenthesized_expression' && p.parent?.type === 'if_statement') continue;
    if (p.type === 'binary_expression' && /^(==|!=)$/.test(p.childForFieldName('operator')?.text ?? '')) continue;
    if (p.type === 'argument_list') {
      const name = p.parent ? callName(p.parent) ?? '' : '';
      // given to a free (kfree, a driver's own tg3_frag_free()): not a use of the contents
      if (CPU_FREE.has(name) || dmaCallKind(name) || /free|put_page|release/i.test(name)) continue;
    }
    bufferUse = true;
  }
  const rank = mapCall && !syncCpu && !release ? 0 : syncCpu || bufferUse ? 1 : syncDev ? 2 : release ? 3 : mapCall ? 0 : 4;
  return { cand: c, candIndex, fn, name: functionName(fn) ?? '<anonymous>', handles, bufs, mapCall, syncCpu, syncDev, release, bufferUse, calls, dirs, copies, rank };
}
